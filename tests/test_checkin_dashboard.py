"""The live dashboard and the master of ceremonies' page: exact figures after scans, walk-ins,
headcounts and an undo; the arrivals chart; protocol order and the arrival alert; who may
see them."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from app.checkin.models import ParticipantType
from app.checkin.services import (
    Actor,
    record_headcount,
    remove_headcount,
    scan,
    to_utc,
    undo,
    utcnow,
    walk_in,
)
from app.invitations.groups import delete_group, save_group
from app.invitations.models import Rsvp
from app.invitations.services import PersonData, answer, invite, uninvite
from app.units.models import Role, UnitKind
from tests.conftest import assert_fragment

PHONE, EMAIL = "0912345678", "dai.bieu@example.vn"


def local_today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


@pytest.fixture
def world(make_unit, make_campaign, make_event, make_user, auth, db):
    """A district's opening ceremony today, two groups, four invitees, staff signed in."""
    province = make_unit(name="Sở GD&ĐT Bắc Kạn", kind=UnitKind.PROVINCIAL_DEPARTMENT)
    district = make_unit(province, name="Phòng GD&ĐT Bạch Thông", kind=UnitKind.DISTRICT_OFFICE)
    sibling = make_unit(province, name="Phòng GD&ĐT Chợ Đồn", kind=UnitKind.DISTRICT_OFFICE)
    today = local_today()
    campaign = make_campaign(
        district, year=today.year, start_date=today, end_date=today + dt.timedelta(days=6)
    )
    event = make_event(campaign, district, title="Lễ khai mạc", date=today, start_time=None)
    other = make_event(campaign, district, title="Hoạt động khác", date=today, start_time=None)
    leaders = save_group(None, event, "Cấp huyện", None)
    guests = save_group(None, event, "Khách mời", 10)

    def person(name, rank=None, group=None, target=event):
        return invite(
            target,
            district,
            PersonData(name, "Chức vụ " + name, "Đơn vị " + name, PHONE, EMAIL, rank),
            group=group,
        )

    people = {
        "chair": person("Nguyễn Duy Luân", 1, leaders),
        "deputy": person("Hà Văn Ninh", 3, leaders),
        "guest": person("Lý Thị Mai", None, guests),
        "loose": person("Đặng Văn An", 7),
        "elsewhere": person("Trần Văn Khác", 2, target=other),
    }
    db.session.commit()
    organiser = make_user(district, Role.ORGANISER)
    auth.login(organiser)
    return {
        "district": district,
        "sibling": sibling,
        "event": event,
        "other": other,
        "people": people,
        "organiser": organiser,
        "staff": make_user(district, Role.CHECKIN_STAFF),
    }


def figure(html: str, name: str, scope: str = "") -> int:
    """The number of a `data-figure` (inside the element marked `scope`, when given)."""
    if scope:
        html = html[html.index(scope) :]
    return int(re.search(rf'data-figure="{name}">(\d+)<', html).group(1))


def test_dashboard_figures_are_exact(client, world, db):
    event, people, staff = world["event"], world["people"], world["staff"]
    actor = Actor(user=staff, device_id="desk-1")
    answer(people["chair"].invitations[0], Rsvp.YES)
    answer(people["guest"].invitations[0], Rsvp.YES)
    answer(people["deputy"].invitations[0], Rsvp.NO)
    results = {key: scan(event, people[key].token, actor) for key in people if key != "elsewhere"}
    assert all(result.counted for result in results.values())
    assert not scan(event, people["chair"].token, actor).counted  # already: counted once
    assert not scan(event, people["elsewhere"].token, actor).counted  # another event's
    undo(results["loose"].checkin, staff)  # a mistake: kept in the history, not counted
    for name in ("Phạm Thị Hoa", "Vũ Văn Bình"):
        walk_in(
            event,
            full_name=name,
            organisation="Phụ huynh lớp 6A",
            participant_type=ParticipantType.PARENT,
            actor=actor,
        )
    record_headcount(event, "Lớp 6A", 35, actor)
    record_headcount(event, "Đại diện nhân dân", 10, actor)
    removed = record_headcount(event, "Nhầm", 99, actor)
    remove_headcount(removed, actor)
    db.session.commit()

    html = client.get(f"/events/{event.id}/dashboard").get_data(as_text=True)
    assert figure(html, "checked_in") == 3
    assert figure(html, "invited") == 4
    assert figure(html, "confirmed") == 2
    assert figure(html, "walk_ins") == 2
    assert figure(html, "headcounts") == 45
    assert figure(html, "persons") == 3 + 2 + 45
    assert figure(html, "checked_in", 'data-group="Cấp huyện"') == 2
    assert figure(html, "invited", 'data-group="Cấp huyện"') == 2
    assert figure(html, "checked_in", 'data-group="Khách mời"') == 1
    assert figure(html, "checked_in", 'data-group="Chưa xếp thành phần"') == 0
    assert figure(html, "invited", 'data-group="Chưa xếp thành phần"') == 1
    assert PHONE not in html and EMAIL not in html


def group_rows(html: str) -> list[tuple[str, bool, int, int]]:
    """The "by group" table: (name, archived, checked in, invited) per line, in order."""
    return [
        (name, bool(archived), int(checked), int(invited))
        for name, archived, checked, invited in re.findall(
            r'<tr data-group="([^"]+)"( data-archived="true")?>.*?'
            r'data-figure="checked_in">(\d+)<.*?data-figure="invited">(\d+)<',
            html,
            re.S,
        )
    ]


def test_the_groups_add_up_to_the_totals(client, world, db):
    """A group archived after its people checked in, and a person taken off the list after
    checking in, still count: their lines are shown, so the table adds up to the totals."""
    event, people, staff = world["event"], world["people"], world["staff"]
    actor = Actor(user=staff)
    invite(world["other"], world["district"], PersonData(""), invitee=people["deputy"])
    for key in ("chair", "deputy", "guest", "loose"):
        assert scan(event, people[key].token, actor).counted
    db.session.commit()
    guests = people["guest"].invitations[0].group
    assert delete_group(guests) == 1  # Lý Thị Mai checked in: archived, not deleted
    uninvite(next(i for i in people["deputy"].invitations if i.event_id == event.id))
    db.session.commit()

    html = client.get(f"/events/{event.id}/dashboard").get_data(as_text=True)
    rows = group_rows(html)
    assert rows[:3] == [
        ("Cấp huyện", False, 1, 1),
        ("Khách mời", True, 1, 1),
        ("Chưa xếp thành phần", False, 1, 1),
    ]
    assert [row[1:] for row in rows[3:]] == [(False, 1, 0)]  # no longer invited
    assert "đã lưu trữ" in html.split('data-group="Khách mời"')[1].split("</tr>")[0]
    assert sum(row[2] for row in rows) == figure(html, "checked_in") == 4
    assert sum(row[3] for row in rows) == figure(html, "invited") == 3


def test_an_archived_events_live_pages_are_not_found(client, world, db):
    event = world["event"]
    event.archived_at = utcnow()
    db.session.commit()
    for page in PAGES:
        assert client.get(page.format(e=event.id)).status_code == 404, page
    # Its attendance list stays: a record of who came.
    assert client.get(f"/events/{event.id}/attendance.xlsx").status_code == 200


def test_numbers_fragment_polls_itself(client, world, db):
    event = world["event"]
    page = client.get(f"/events/{event.id}/dashboard").get_data(as_text=True)
    url = f"/events/{event.id}/dashboard/numbers"
    assert f'hx-get="{url}"' in page and 'hx-trigger="every 5s"' in page
    before = assert_fragment(client.get(url, htmx=True))
    assert figure(before, "checked_in") == 0
    assert 'id="dash-numbers"' in before and f'hx-get="{url}"' in before
    scan(event, world["people"]["chair"].token, Actor(user=world["staff"]))
    db.session.commit()
    after = assert_fragment(client.get(url, htmx=True))
    assert figure(after, "checked_in") == 1 and figure(after, "persons") == 1


def at_local(hour: int, minute: int) -> dt.datetime:
    return to_utc(dt.datetime.combine(local_today(), dt.time(hour, minute)))


def test_the_chart_has_one_bar_per_five_minutes(client, world, db):
    event, people, staff = world["event"], world["people"], world["staff"]
    actor = Actor(user=staff)
    for key, (h, m) in {"chair": (7, 1), "deputy": (7, 4), "guest": (7, 12)}.items():
        scan(event, people[key].token, actor, at=at_local(h, m), override=True)
    walk_in(
        event,
        full_name="Phạm Thị Hoa",
        organisation="",
        actor=actor,
        participant_type=ParticipantType.RESIDENT,
        at=at_local(7, 14),
    )
    db.session.commit()
    html = assert_fragment(client.get(f"/events/{event.id}/dashboard/numbers", htmx=True))
    bars = re.findall(r'<rect class="chart__bar"[^>]*data-slot="([^"]+)" data-count="(\d+)"', html)
    assert bars == [("7h00", "2"), ("7h05", "0"), ("7h10", "2")]


def test_no_chart_before_anyone_arrives(client, world):
    html = client.get(f"/events/{world['event'].id}/dashboard").get_data(as_text=True)
    assert "chart__bar" not in html


def mc_names(html: str) -> list[str]:
    return re.findall(r'class="mc-delegate__name">([^<]+)<', html)


def alert_ranks(html: str) -> list[str]:
    return re.findall(r'class="mc-alert" data-rank="(\d+)"', html)


def test_mc_lists_arrived_delegates_in_protocol_order(client, world, db, make_unit):
    event, people, staff = world["event"], world["people"], world["staff"]
    actor = Actor(user=staff)
    now = utcnow()
    scan(event, people["guest"].token, actor, at=now - dt.timedelta(seconds=10), override=True)
    scan(event, people["deputy"].token, actor, at=now - dt.timedelta(minutes=5), override=True)
    scan(event, people["chair"].token, actor, at=now - dt.timedelta(minutes=1), override=True)
    late = invite(event, world["district"], PersonData("Bế Văn Mười", "", "", "", "", 15))
    scan(event, late.token, actor, at=now - dt.timedelta(seconds=30), override=True)
    # An undone check-in and an invitee who has not come are not read out.
    undo(scan(event, people["loose"].token, actor).checkin, staff)
    walk_in(
        event,
        full_name="Người dân",
        organisation="",
        actor=actor,
        participant_type=ParticipantType.RESIDENT,
    )
    db.session.commit()

    html = client.get(f"/events/{event.id}/mc").get_data(as_text=True)
    assert mc_names(html) == ["Nguyễn Duy Luân", "Hà Văn Ninh", "Bế Văn Mười", "Lý Thị Mai"]
    assert "Chức vụ Nguyễn Duy Luân" in html and "Đơn vị Nguyễn Duy Luân" in html
    assert "Cấp huyện" in html and "Người dân" not in html
    assert PHONE not in html and EMAIL not in html
    # Rank ≤ 10 within the last 2 minutes: the chairman (rank 1, a minute ago) only.
    assert alert_ranks(html) == ["1"]
    wider = assert_fragment(client.get(f"/events/{event.id}/mc/list?alert_rank=20", htmx=True))
    assert alert_ranks(wider) == ["15", "1"]  # the most recent first
    assert 'hx-trigger="every 5s"' in wider and "alert_rank=20" in wider
    assert mc_names(wider) == mc_names(html)


def test_mc_with_nobody_yet(client, world):
    html = client.get(f"/events/{world['event'].id}/mc").get_data(as_text=True)
    assert mc_names(html) == [] and alert_ranks(html) == []


PAGES = [
    "/events/{e}/dashboard",
    "/events/{e}/dashboard/numbers",
    "/events/{e}/mc",
    "/events/{e}/mc/list",
]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.ADMIN, 200),
        (Role.ORGANISER, 200),
        (Role.CHECKIN_STAFF, 200),
        (Role.REPORT_OFFICER, 200),
    ],
)
@pytest.mark.parametrize("page", PAGES)
def test_every_role_of_the_subtree_sees_the_live_pages(
    client, auth, world, make_user, role, status, page
):
    auth.logout()
    auth.login(make_user(world["district"], role))
    assert client.get(page.format(e=world["event"].id)).status_code == status


@pytest.mark.parametrize("page", PAGES)
def test_live_pages_outside_the_subtree(client, auth, world, make_user, page):
    auth.logout()
    url = page.format(e=world["event"].id)
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    auth.login(make_user(world["sibling"], Role.ADMIN))
    assert client.get(url).status_code == 404
    assert client.get(page.format(e=999999)).status_code == 404

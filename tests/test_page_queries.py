"""The busy pages and check-in calls send the same number of SQL statements whatever the
number of rows behind them (docs/PERFORMANCE.md): the schedule with more events, the invitee
list with more invitees, the dashboards and the scanner with more check-ins, and an offline
batch with more scans. Each count is taken twice, small then larger, on the same page."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.checkin.models import CheckIn, CheckInMethod, ParticipantType
from app.checkin.services import Actor, check_in_invitee, record_headcount, walk_in
from app.checkin.tokens import create_token
from app.invitations.groups import save_group
from app.invitations.services import PersonData, invite
from app.schedule.models import EventKind
from app.units.models import Role, UnitKind

VENUE_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def ceremony(db, make_unit, make_user, make_campaign, make_event):
    """A district's week: today's opening ceremony (check-in open all day) with two invited
    groups, an organiser and a check-in staff member with an API token."""
    province = make_unit(name="Sở GD&ĐT Bắc Kạn", kind=UnitKind.PROVINCIAL_DEPARTMENT)
    district = make_unit(
        province, name="Phòng GD&ĐT huyện Bạch Thông", kind=UnitKind.DISTRICT_OFFICE
    )
    schools = [
        make_unit(district, name=f"Trường TH số {n}", kind=UnitKind.PRIMARY) for n in range(3)
    ]
    today = dt.datetime.now(VENUE_TZ).date()
    campaign = make_campaign(
        district,
        year=today.year,
        start_date=today - dt.timedelta(days=3),
        end_date=today + dt.timedelta(days=3),
    )
    opening = make_event(
        campaign,
        district,
        kind=EventKind.OPENING,
        title="Lễ khai mạc Tuần lễ",
        date=today,
        start_time=dt.time(0, 30),
    )
    groups = [save_group(None, opening, name, None) for name in ("Cấp huyện", "Cấp xã")]
    staff = make_user(district, Role.CHECKIN_STAFF)
    _row, token = create_token(staff, "phone")
    db.session.commit()
    return {
        "district": district,
        "schools": schools,
        "campaign": campaign,
        "opening": opening,
        "groups": groups,
        "organiser": make_user(district, Role.ORGANISER),
        "staff": staff,
        "bearer": {"Authorization": f"Bearer {token}"},
        "actor": Actor(user=staff, device_id="phone-1"),
        # Read once: the test's own objects are expired by each commit, and reading them
        # again inside a count would count the test's statements.
        "event_id": opening.id,
    }


def add_invitees(db, ceremony, count: int, *, checked_in: int = 0) -> list:
    """`count` more invitees of the ceremony over its groups; the first `checked_in` arrive."""
    opening, district = ceremony["opening"], ceremony["district"]
    start = db.session.scalar(select(func.count()).select_from(CheckIn)) or 0
    people = []
    for n in range(count):
        person = invite(
            opening,
            district,
            PersonData(f"Đại biểu {start}-{n}", "Giáo viên", "Trường TH số 1"),
            group=ceremony["groups"][n % 2],
        )
        people.append(person)
        if n < checked_in:
            check_in_invitee(
                opening, person, ceremony["actor"], method=CheckInMethod.SCAN, override=True
            )
    db.session.commit()
    return people


def add_arrivals(db, ceremony, walk_ins: int, tallies: int) -> None:
    for n in range(walk_ins):
        walk_in(
            ceremony["opening"],
            full_name=f"Phụ huynh số {n}",
            organisation="",
            participant_type=ParticipantType.PARENT,
            actor=ceremony["actor"],
        )
    for n in range(tallies):
        record_headcount(ceremony["opening"], f"Lớp {n + 1}A", 30 + n, ceremony["actor"])
    db.session.commit()


def counted_get(client, count_statements, url: str) -> tuple[int, str]:
    """(statements, page) of one GET, answered 200."""
    answers = []
    statements = count_statements(lambda: answers.append(client.get(url)))
    assert answers[0].status_code == 200, answers[0].status_code
    return statements, answers[0].get_data(as_text=True)


# --- pages -----------------------------------------------------------------------------------


def test_the_schedule_costs_the_same_statements_with_ten_times_the_events(
    client, auth, db, ceremony, make_event, count_statements
):
    campaign, schools = ceremony["campaign"], ceremony["schools"]
    url = f"/campaigns/{campaign.id}"

    def add_events(first: int, last: int) -> None:
        for n in range(first, last):
            make_event(
                campaign,
                schools[n % 3],
                title=f"Hội thi đọc sách số {n}",
                date=campaign.start_date + dt.timedelta(days=n % 7),
                start_time=dt.time(7 + n % 10, 0),
                venue_name=f"Hội trường {n % 4}",
            )

    add_events(0, 3)
    auth.login(ceremony["organiser"])
    client.get(url)  # the first request of a session loads what the next ones reuse
    few, page = counted_get(client, count_statements, url)
    assert "Hội thi đọc sách số 2" in page
    add_events(3, 30)
    many, page = counted_get(client, count_statements, url)
    assert "Hội thi đọc sách số 29" in page
    assert many == few


def test_the_invitee_list_costs_the_same_statements_with_ten_times_the_invitees(
    client, auth, db, ceremony, count_statements
):
    url = f"/events/{ceremony['event_id']}/invitees"
    add_invitees(db, ceremony, 4, checked_in=2)
    auth.login(ceremony["organiser"])
    client.get(url)
    few, page = counted_get(client, count_statements, url)
    assert page.count('id="invitation-') == 4
    add_invitees(db, ceremony, 36, checked_in=10)
    many, page = counted_get(client, count_statements, url)
    assert page.count('id="invitation-') == 40
    assert many == few


def test_the_invitee_search_and_a_groups_other_names_cost_the_same_statements(
    client, auth, db, ceremony, count_statements, monkeypatch
):
    """Past the point where groups show their first names only (lowered here to 4 in all, 2
    per group), the search and a group's "show all" read the same few statements."""
    from app.invitations import queries

    monkeypatch.setattr(queries, "FULL_LIST_UP_TO", 4)
    monkeypatch.setattr(queries, "GROUP_PAGE", 2)
    event_id, group_id = ceremony["event_id"], ceremony["groups"][0].id
    search = f"/events/{event_id}/invitees?q=dai+bieu"
    rest = f"/events/{event_id}/invitees/rows?group={group_id}&start=2&q=dai+bieu"
    add_invitees(db, ceremony, 6, checked_in=2)
    auth.login(ceremony["organiser"])
    client.get(search)
    few = [counted_get(client, count_statements, url) for url in (search, rest)]
    assert few[1][1].count('id="invitation-') == 1
    add_invitees(db, ceremony, 36, checked_in=10)
    many = [counted_get(client, count_statements, url) for url in (search, rest)]
    assert many[0][1].count('id="invitation-') == 4  # 2 of each group's 21
    assert many[1][1].count('id="invitation-') == 19
    assert [count for count, _page in many] == [count for count, _page in few]


def test_the_checkin_dashboard_costs_the_same_statements_with_more_arrivals(
    client, auth, db, ceremony, count_statements
):
    url = f"/events/{ceremony['event_id']}/dashboard"
    add_invitees(db, ceremony, 4, checked_in=3)
    add_arrivals(db, ceremony, walk_ins=1, tallies=1)
    auth.login(ceremony["organiser"])
    client.get(url)
    few, _page = counted_get(client, count_statements, url)
    add_invitees(db, ceremony, 40, checked_in=30)
    add_arrivals(db, ceremony, walk_ins=10, tallies=3)
    many, page = counted_get(client, count_statements, url)
    assert "Cấp xã" in page
    assert many == few


def test_the_scanner_page_costs_the_same_statements_with_more_arrivals_and_tallies(
    client, auth, db, ceremony, count_statements
):
    url = f"/events/{ceremony['event_id']}/checkin"
    add_invitees(db, ceremony, 4, checked_in=3)
    add_arrivals(db, ceremony, walk_ins=1, tallies=1)
    auth.login(ceremony["staff"])
    client.get(url)
    few, _page = counted_get(client, count_statements, url)
    add_invitees(db, ceremony, 30, checked_in=25)
    add_arrivals(db, ceremony, walk_ins=5, tallies=4)
    many, page = counted_get(client, count_statements, url)
    assert "Lớp 4A" in page
    assert many == few


# --- check-ins through the API ---------------------------------------------------------------


def api_scan(client, ceremony, token: str):
    return client.post(
        f"/api/v1/events/{ceremony['event_id']}/checkins",
        json={"code": token, "device_id": "phone-1"},
        headers=ceremony["bearer"],
        csrf=False,  # a bearer token, no cookie: the API takes no CSRF token
    )


def test_a_scan_costs_the_same_statements_however_many_came_before(
    client, db, ceremony, count_statements
):
    """One person's scan does not load the event's invitees or check-ins: a lookup by code
    (with the invitation, group and earlier check-in) and one INSERT, whatever the crowd."""
    people = add_invitees(db, ceremony, 6, checked_in=2)
    tokens = [person.token for person in people]
    api_scan(client, ceremony, tokens[2])  # the token's last use is written once a minute

    answers = []
    first = count_statements(lambda: answers.append(api_scan(client, ceremony, tokens[3])))
    again = count_statements(lambda: answers.append(api_scan(client, ceremony, tokens[3])))
    add_invitees(db, ceremony, 60, checked_in=50)
    later = count_statements(lambda: answers.append(api_scan(client, ceremony, tokens[4])))

    assert [a.get_json()["outcome"] for a in answers] == ["ok", "already", "ok"]
    assert answers[1].get_json()["previous"]["by"] == ceremony["staff"].name
    assert later == first
    assert again <= first


def batch(tokens: list[str], scanned: dt.datetime) -> dict:
    """A phone's queue: the n-th scan made n minutes before `scanned`."""
    return {
        "device_id": "phone-2",
        "items": [
            {
                "client_uuid": str(uuid.uuid4()),
                "code": token,
                "scanned_at": (scanned - dt.timedelta(minutes=n))
                .isoformat()
                .replace("+00:00", "Z"),
            }
            for n, token in enumerate(tokens)
        ],
    }


def test_an_offline_batch_costs_the_same_statements_for_4_scans_or_41(
    client, db, ceremony, count_statements
):
    """The batch is written with a few statements whatever its size, not one scan at a time:
    what makes a phone's 1,000 queued scans sync in seconds (bench/offline_sync.py)."""
    people = add_invitees(db, ceremony, 46, checked_in=1)
    tokens = [person.token for person in people]
    url = f"/api/v1/events/{ceremony['event_id']}/checkins/batch"
    # Every batch's scans were made before the check-ins recorded live meanwhile, so each
    # batch lowers one earlier check-in's time (the first scan time wins): same work.
    scanned = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=30)
    client.post(url, json=batch(tokens[1:2], scanned), headers=ceremony["bearer"], csrf=False)
    answers = []

    def send(items: dict) -> None:
        answers.append(client.post(url, json=items, headers=ceremony["bearer"], csrf=False))

    # Four scans: one already checked in (by another phone), an unknown code, two new.
    small = count_statements(
        lambda: send(batch([tokens[0], "not-ours", tokens[2], tokens[3]], scanned))
    )
    # Forty-one: four already checked in, one unknown code, one person scanned twice (the later
    # item was scanned earlier: items go back in time, and the first scan time wins).
    large_tokens = [*tokens[:4], "not-a-code-of-ours", *tokens[4:39], tokens[4]]
    large = count_statements(lambda: send(batch(large_tokens, scanned)))

    outcomes = [[r["outcome"] for r in a.get_json()["results"]] for a in answers]
    assert outcomes[0] == ["already", "unknown", "ok", "ok"]
    assert outcomes[1][:5] == ["already"] * 4 + ["unknown"]
    assert outcomes[1][5:] == ["already"] + ["ok"] * 35
    assert large == small
    live = db.session.scalar(
        select(func.count())
        .select_from(CheckIn)
        .where(CheckIn.event_id == ceremony["event_id"], CheckIn.undone_at.is_(None))
    )
    assert live == 39

"""The staff scanner: every scan outcome through the route, undo, name search, manual check-in,
headcounts with their history, permissions and CSRF on every route."""

from __future__ import annotations

import datetime as dt
import gzip
import re
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from app.checkin.models import CheckIn, CheckInMethod, Headcount, HeadcountRevision
from app.checkin.services import Actor, check_in_invitee, record_headcount, to_utc
from app.invitations.groups import save_group
from app.invitations.services import PersonData, invite, revoke_token
from app.schedule.models import EventKind
from app.units.models import Role, UnitKind
from tests.conftest import assert_fragment

VENUE_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def venue_today() -> dt.date:
    return dt.datetime.now(VENUE_TZ).date()


@pytest.fixture
def world(db, make_unit, make_user, make_campaign, make_event):
    """Bạch Thông's opening ceremony today (check-in open), an activity in two days (too early),
    one two days ago (closed), with invited delegates."""
    province = make_unit(name="Sở GD&ĐT Bắc Kạn", kind=UnitKind.PROVINCIAL_DEPARTMENT)
    district = make_unit(
        province, name="Phòng GD&ĐT huyện Bạch Thông", kind=UnitKind.DISTRICT_OFFICE
    )
    sibling = make_unit(province, name="Phòng GD&ĐT huyện Chợ Đồn", kind=UnitKind.DISTRICT_OFFICE)
    today = venue_today()
    campaign = make_campaign(
        district,
        year=today.year,
        start_date=today - dt.timedelta(days=7),
        end_date=today + dt.timedelta(days=7),
    )
    # 0h30 with check-in opening 2 hours before: open all day today, whatever the hour.
    opening = make_event(
        campaign,
        district,
        kind=EventKind.OPENING,
        title="Lễ khai mạc Tuần lễ",
        date=today,
        start_time=dt.time(0, 30),
    )
    future = make_event(
        campaign, district, title="Hội thi đọc sách", date=today + dt.timedelta(days=2)
    )
    past = make_event(
        campaign, district, title="Ngày hội đọc sách", date=today - dt.timedelta(days=2)
    )
    group = save_group(None, opening, "Cấp huyện", None)
    chairman = invite(
        opening,
        district,
        PersonData(
            "Nguyễn Duy Luân",
            "Phó Chủ tịch UBND huyện",
            "UBND huyện Bạch Thông",
            "0912 345 678",
            "luan@example.vn",
        ),
        group=group,
    )
    invite(future, district, PersonData(""), invitee=chairman)
    invite(past, district, PersonData(""), invitee=chairman)
    teacher = invite(
        opening,
        district,
        PersonData("Trần Thị Hồng Đào", "Giáo viên", "Trường THCS Phủ Thông", "0987 654 321"),
        group=group,
    )
    guest = invite(future, district, PersonData("Lê Văn Khách", "", "Hội Khuyến học"))
    db.session.commit()
    users = {
        "staff": make_user(district, Role.CHECKIN_STAFF, name="Hoàng Văn Quét"),
        "organiser": make_user(district, Role.ORGANISER),
        "admin": make_user(district, Role.ADMIN),
        "parent_staff": make_user(province, Role.CHECKIN_STAFF),
        "report_officer": make_user(district, Role.REPORT_OFFICER),
        "sibling_organiser": make_user(sibling, Role.ORGANISER),
    }
    return {
        "district": district,
        "opening": opening,
        "future": future,
        "past": past,
        "group": group,
        "chairman": chairman,
        "teacher": teacher,
        "guest": guest,
        "users": users,
    }


@pytest.fixture
def staff(world, auth):
    auth.login(world["users"]["staff"])
    return world["users"]["staff"]


def parse(response):
    return lxml.html.document_fromstring(response.get_data(as_text=True))


def the(doc, xpath: str):
    found = doc.xpath(xpath)
    assert len(found) == 1, f"{xpath}: {len(found)} found"
    return found[0]


def text_of(element) -> str:
    return " ".join(element.text_content().split())


def result_of(response):
    """The result panel of an htmx answer: (outcome, headline + detail text)."""
    html = assert_fragment(response)
    panel = the(lxml.html.document_fromstring(html), "//*[@id='scan-result']")
    return panel.get("data-outcome"), text_of(panel)


def counts_of(doc) -> dict[str, int]:
    """The live counts: in the page's counts section, or sent alone by an answer."""
    return {
        element.get("data-count"): int(element.text_content())
        for element in doc.xpath("//*[@data-count]")
    }


def recent_rows(doc, path: str = "//*[@id='scan-recent-list']") -> list:
    return doc.xpath(f"{path}/li[@data-checkin]")


#: Where an answer's new lines of the recent list come: on top of the page's list.
NEW_LINES = "//ol[@hx-swap-oob='afterbegin:#scan-recent-list']"


def scan(client, event, code, **extra):
    return client.post(
        f"/events/{event.id}/checkin/scan",
        data={"code": code, "device_id": "phone-1", **extra},
        htmx=True,
    )


def live_checkins(db, event) -> list[CheckIn]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(CheckIn).where(CheckIn.event_id == event.id, CheckIn.undone_at.is_(None))
        )
    )


# --- the page ----------------------------------------------------------------------------


def test_the_scanner_page_has_the_camera_the_form_and_the_counts(client, world, staff):
    response = client.get(f"/events/{world['opening'].id}/checkin")
    assert response.status_code == 200
    doc = parse(response)
    assert "Lễ khai mạc Tuần lễ" in text_of(the(doc, "//main"))
    the(doc, "//video[@id='scan-video']")
    the(doc, "//button[@id='camera-start']")
    the(doc, "//script[contains(@src, '/static/scanner.js') and @defer]")
    assert not doc.xpath("//script[not(@src)]"), "the CSP forbids inline scripts"
    the(doc, "//form[@id='scan-form']//input[@name='code']")
    the(doc, "//form[@id='scan-form']//input[@type='checkbox' and @name='override']")
    the(doc, "//input[@name='device_id']")
    assert the(doc, "//*[@id='scan-result']").get("data-outcome") == "idle"
    assert counts_of(doc) == {
        "checked_in": 0,
        "invited": 2,
        "walk_ins": 0,
        "headcounts": 0,
        "persons": 0,
    }
    the(doc, "//input[@id='search-q' and @hx-get]")
    the(doc, "//section[@id='headcounts']//form")
    assert "0912" not in response.get_data(as_text=True)


# --- every outcome of a scan -------------------------------------------------------------


def test_a_scanned_invitation_url_checks_the_delegate_in(client, world, staff, db):
    opening, chairman = world["opening"], world["chairman"]
    response = scan(client, opening, f"http://localhost/i/{chairman.token}")
    outcome, text = result_of(response)
    assert outcome == "ok"
    assert "Nguyễn Duy Luân" in text and "Cấp huyện" in text
    doc = parse(response)
    assert counts_of(doc)["checked_in"] == 1 and counts_of(doc)["persons"] == 1
    assert the(doc, "//*[@data-count='checked_in']").get("hx-swap-oob") == "true"
    [row] = recent_rows(doc, NEW_LINES)
    assert "Nguyễn Duy Luân" in text_of(row) and row.get("data-undone") == "false"
    [checkin] = live_checkins(db, opening)
    assert checkin.invitee_id == chairman.id
    assert checkin.method is CheckInMethod.SCAN
    assert checkin.user_id == staff.id and checkin.device_id == "phone-1"
    assert checkin.override is False


def test_a_bare_token_typed_in_the_box_works_too(client, world, staff, db):
    response = scan(client, world["opening"], f"  {world['teacher'].token} ")
    assert result_of(response)[0] == "ok"
    assert len(live_checkins(db, world["opening"])) == 1


def test_a_second_scan_says_when_and_by_whom(client, world, staff, db):
    opening, chairman = world["opening"], world["chairman"]
    # Check-in opened at 22h30 the evening before (2 hours before 0h30): always in the past.
    at = to_utc(dt.datetime.combine(opening.date - dt.timedelta(days=1), dt.time(23, 12)))
    check_in_invitee(opening, chairman, Actor(user=staff), method=CheckInMethod.SCAN, at=at)
    db.session.commit()
    outcome, text = result_of(scan(client, opening, chairman.token))
    assert outcome == "already"
    assert "Nguyễn Duy Luân" in text
    assert "23h12" in text and "Hoàng Văn Quét" in text
    assert len(live_checkins(db, opening)) == 1


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("", "invalid"),
        ("xin-chao", "unknown"),
        ("http://localhost/i/khong-phai-ma-cua-ai", "unknown"),
    ],
)
def test_codes_that_are_not_ours(client, world, staff, db, code, expected):
    response = scan(client, world["opening"], code)
    status = 422 if expected == "invalid" else 200
    html = assert_fragment(response, status)
    panel = the(lxml.html.document_fromstring(html), "//*[@id='scan-result']")
    assert panel.get("data-outcome") == expected and panel.get("data-tone") == "error"
    assert live_checkins(db, world["opening"]) == []


def test_a_revoked_code_is_red_and_says_so(client, world, staff, db):
    chairman = world["chairman"]
    old = chairman.token
    revoke_token(chairman)
    db.session.commit()
    outcome, _text = result_of(scan(client, world["opening"], old))
    assert outcome == "revoked"
    assert live_checkins(db, world["opening"]) == []


def test_another_events_code_is_refused(client, world, staff, db):
    outcome, text = result_of(scan(client, world["opening"], world["guest"].token))
    assert outcome == "other_event"
    assert "Lê Văn Khách" in text
    assert live_checkins(db, world["opening"]) == []


@pytest.mark.parametrize(("which", "expected"), [("future", "too_early"), ("past", "closed")])
def test_outside_the_check_in_hours(client, world, staff, db, which, expected):
    event = world[which]
    outcome, text = result_of(scan(client, event, world["chairman"].token))
    assert outcome == expected
    assert "Nguyễn Duy Luân" in text
    if expected == "too_early":
        assert event.date.strftime("%d/%m/%Y") in text  # when it opens
    assert live_checkins(db, event) == []


@pytest.mark.parametrize("which", ["future", "past"])
def test_staff_may_override_the_hours(client, world, staff, db, which):
    event = world[which]
    outcome, _text = result_of(scan(client, event, world["chairman"].token, override="y"))
    assert outcome == "ok"
    [checkin] = live_checkins(db, event)
    assert checkin.override is True


def test_the_answer_without_htmx_is_the_whole_page(client, world, staff):
    response = client.post(
        f"/events/{world['opening'].id}/checkin/scan", data={"code": world["chairman"].token}
    )
    assert response.status_code == 200
    doc = parse(response)
    assert the(doc, "//*[@id='scan-result']").get("data-outcome") == "ok"
    the(doc, "//video[@id='scan-video']")


def test_a_scan_costs_the_same_queries_however_long_the_list(client, world, staff, db):
    """The token lookup, the insert, the counts and the recent list: a fixed number of
    statements, not one per line of the list."""
    opening = world["opening"]
    url = f"/events/{opening.id}/checkin/scan"
    page = client.get(f"/events/{opening.id}/checkin").get_data(as_text=True)
    headers = {"X-CSRFToken": re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)}
    engine = db.engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def scan_counting(token: str) -> int:
        statements.clear()
        sa_event.listen(engine, "before_cursor_execute", count)
        try:
            response = client.post(
                url, data={"code": token}, headers=headers, htmx=True, csrf=False
            )
        finally:
            sa_event.remove(engine, "before_cursor_execute", count)
        assert result_of(response)[0] == "ok"
        return len(statements)

    few = scan_counting(world["chairman"].token)
    for n in range(12):
        invitee = invite(opening, world["district"], PersonData(f"Học sinh {n}"))
        check_in_invitee(opening, invitee, Actor(user=staff), method=CheckInMethod.SCAN)
    db.session.commit()
    many = scan_counting(world["teacher"].token)
    assert many == few
    # Signed-in user, event and its unit (3); token, invitation, group, earlier check-in (4);
    # insert with its savepoint (3); event after the commit, counts, recent list (5).
    assert many <= 15, "\n".join(statements)


# --- undo --------------------------------------------------------------------------------


def test_undo_then_scan_again_counts_once(client, world, staff, db):
    opening, chairman = world["opening"], world["chairman"]
    scan(client, opening, chairman.token)
    [checkin] = live_checkins(db, opening)

    response = client.post(f"/checkins/{checkin.id}/undo", htmx=True)
    outcome, text = result_of(response)
    assert outcome == "undone" and "Nguyễn Duy Luân" in text
    doc = parse(response)
    assert counts_of(doc)["checked_in"] == 0
    # The whole list comes back, out of band: the undone check-in's line changed.
    assert the(doc, "//*[@id='scan-recent']").get("hx-swap-oob") == "true"
    row = the(doc, f"//*[@id='scan-recent-list']/li[@data-checkin='{checkin.id}']")
    assert row.get("data-undone") == "true"
    assert not row.xpath(".//button")
    assert live_checkins(db, opening) == []

    response = scan(client, opening, chairman.token, recent_after=str(checkin.id))
    assert result_of(response)[0] == "ok"
    doc = parse(response)
    assert counts_of(doc)["checked_in"] == 1
    # Only the new line, on top of the page's list, which still shows the undone one.
    [row] = recent_rows(doc, NEW_LINES)
    assert row.get("data-undone") == "false" and int(row.get("data-checkin")) > checkin.id
    assert not doc.xpath("//*[@id='scan-recent']")
    assert len(live_checkins(db, opening)) == 1
    everything = db.session.scalar(select(func.count()).select_from(CheckIn))
    assert everything == 2  # the undone one stays in the history

    # Undoing an undone check-in changes nothing and says so.
    response = client.post(f"/checkins/{checkin.id}/undo", htmx=True)
    assert result_of(response)[0] == "undone"
    assert len(live_checkins(db, opening)) == 1


def test_undo_of_a_missing_check_in_is_404(client, world, staff):
    assert client.post("/checkins/999999/undo", htmx=True).status_code == 404


# --- the recent check-ins: each answer sends only what the page lacks ----------------------


def checked_in_people(db, world, n: int, actor_user) -> list[int]:
    """n more invitees of the ceremony checked in (by another phone); their check-in ids."""
    ids = []
    for i in range(n):
        invitee = invite(world["opening"], world["district"], PersonData(f"Học sinh {i}"))
        result = check_in_invitee(
            world["opening"], invitee, Actor(user=actor_user), method=CheckInMethod.SCAN
        )
        ids.append(result.checkin.id)
    db.session.commit()
    return ids


def test_the_page_lists_the_20_newest_and_says_which_is_newest(client, world, staff, db):
    opening = world["opening"]
    page = parse(client.get(f"/events/{opening.id}/checkin"))
    assert recent_rows(page) == []
    assert the(page, "//*[@id='scan-recent-empty']").get("hidden") is None
    assert the(page, "//input[@id='recent-after']").get("value") == "0"

    ids = checked_in_people(db, world, 25, world["users"]["organiser"])
    page = parse(client.get(f"/events/{opening.id}/checkin"))
    list_ = the(page, "//ol[@id='scan-recent-list']")
    assert list_.get("data-keep") == "20"
    assert [int(row.get("data-checkin")) for row in recent_rows(page)] == ids[::-1][:20]
    assert the(page, "//*[@id='scan-recent-empty']").get("hidden") is not None
    # Sent with every scan and manual check-in (the search's buttons include #scan-options).
    after = the(page, "//form[@id='scan-form']//*[@id='scan-options']//input[@id='recent-after']")
    assert after.get("name") == "recent_after" and after.get("value") == str(ids[-1])


def test_a_scan_answer_brings_the_lines_after_the_pages_newest(client, world, staff, db):
    """Another phone checked someone in since the page's newest line: the answer brings that
    line and the new one, nothing older, and never the whole list."""
    opening = world["opening"]
    earlier = checked_in_people(db, world, 22, world["users"]["organiser"])
    meanwhile = checked_in_people(db, world, 1, world["users"]["organiser"])
    response = scan(client, opening, world["chairman"].token, recent_after=str(earlier[-1]))
    assert result_of(response)[0] == "ok"
    doc = parse(response)
    rows = recent_rows(doc, NEW_LINES)
    assert [row.get("data-checkin") for row in rows[1:]] == [str(meanwhile[0])]
    assert "Nguyễn Duy Luân" in text_of(rows[0])  # newest first
    assert not doc.xpath("//*[@id='scan-recent']")
    assert counts_of(doc)["checked_in"] == 24

    # Nothing new since the page's newest line, and nobody checked in: no line at all.
    newest = rows[0].get("data-checkin")
    again = parse(scan(client, opening, world["chairman"].token, recent_after=newest))
    assert recent_rows(again, NEW_LINES) == [] and counts_of(again)["checked_in"] == 24


def test_without_the_pages_newest_the_answer_brings_the_check_in_made(client, world, staff, db):
    checked_in_people(db, world, 5, world["users"]["organiser"])
    doc = parse(scan(client, world["opening"], world["teacher"].token))
    [row] = recent_rows(doc, NEW_LINES)
    assert "Trần Thị Hồng Đào" in text_of(row)
    doc = parse(scan(client, world["opening"], world["teacher"].token, recent_after="x"))
    assert result_of_doc(doc) == "already" and recent_rows(doc, NEW_LINES) == []


def result_of_doc(doc) -> str:
    return the(doc, "//*[@id='scan-result']").get("data-outcome")


def test_a_scan_answer_does_not_grow_with_the_list(client, world, staff, db):
    """11.4 KB with the 20 lines it used to resend; now the result, the counts and the line."""
    opening = world["opening"]
    first = scan(client, opening, world["chairman"].token, recent_after="0")
    ids = checked_in_people(db, world, 25, world["users"]["organiser"])
    later = scan(client, opening, world["teacher"].token, recent_after=str(ids[-1]))
    assert result_of(first)[0] == result_of(later)[0] == "ok"
    assert abs(len(later.get_data()) - len(first.get_data())) < 40
    assert len(gzip.compress(later.get_data(), 6)) < 700


def test_a_manual_check_in_answers_the_same_way(client, world, staff, db):
    opening, teacher = world["opening"], world["teacher"]
    ids = checked_in_people(db, world, 3, world["users"]["organiser"])
    response = client.post(
        f"/events/{opening.id}/checkin/invitees/{teacher.id}",
        data={"recent_after": str(ids[-1])},
        htmx=True,
    )
    doc = parse(response)
    [row] = recent_rows(doc, NEW_LINES)
    assert "Trần Thị Hồng Đào" in text_of(row)
    assert the(doc, f"//li[@id='search-invitee-{teacher.id}']").get("data-checked-in") == "true"


# --- search and manual check-in ----------------------------------------------------------


def search(client, event, q):
    response = client.get(f"/events/{event.id}/checkin/search", query_string={"q": q}, htmx=True)
    html = assert_fragment(response)
    doc = lxml.html.document_fromstring(html)
    return html, [text_of(li) for li in doc.xpath("//li[@data-invitee]")], doc


@pytest.mark.parametrize("q", ["nguyen duy", "LUÂN", "luan", "Phó Chủ tịch", "bach thong"])
def test_search_ignores_accents_and_case(client, world, staff, q):
    html, rows, _doc = search(client, world["opening"], q)
    assert len(rows) == 1 and "Nguyễn Duy Luân" in rows[0]
    assert "Cấp huyện" in rows[0]
    for private in ("0912", "345 678", "luan@example.vn", "@"):
        assert private not in html


def test_search_needs_two_letters_and_only_finds_the_events_invitees(client, world, staff):
    assert search(client, world["opening"], "n")[1] == []
    assert search(client, world["opening"], "khach")[1] == []  # invited to another event
    assert len(search(client, world["opening"], "th")[1]) == 2
    assert len(search(client, world["future"], "khach")[1]) == 1


def test_search_shows_who_is_checked_in(client, world, staff):
    scan(client, world["opening"], world["teacher"].token)
    _html, _rows, doc = search(client, world["opening"], "dao")
    row = the(doc, "//li[@data-invitee]")
    assert row.get("data-checked-in") == "true" and not row.xpath(".//button")
    _html, _rows, doc = search(client, world["opening"], "luan")
    the(doc, "//li[@data-invitee]//button[@hx-post]")


def test_a_long_list_is_searched_in_protocol_order_at_a_constant_cost(
    client, world, staff, db, count_statements
):
    opening, district = world["opening"], world["opening"].unit

    def add(start: int, count: int) -> None:
        for n in range(start, start + count):
            invite(opening, district, PersonData(f"Hoàng Văn Khải {n:03d}", protocol_rank=500 - n))
        db.session.commit()

    def searched() -> tuple[int, list[str]]:
        found = []
        statements = count_statements(
            lambda: found.extend(search(client, opening, "hoang van khai")[1])
        )
        return statements, found

    add(0, 5)
    few, rows = searched()
    assert [row[:18] for row in rows][:2] == [
        "Hoàng Văn Khải 004",
        "Hoàng Văn Khải 003",
    ]  # by protocol rank
    add(5, 60)
    many, rows = searched()
    assert len(rows) == 20  # the first 20 in protocol order, the others need more letters
    assert "Hoàng Văn Khải 064" in rows[0]
    assert many == few


@pytest.mark.parametrize("shown", ["²", "١٢", "-1", "9" * 40, "abc"])
def test_a_strange_newest_line_still_answers_the_scan(client, world, staff, db, shown):
    response = scan(client, world["opening"], world["teacher"].token, recent_after=shown)
    assert response.status_code == 200
    assert result_of(response)[0] == "ok"


def test_manual_check_in_of_an_invitee(client, world, staff, db):
    opening, teacher = world["opening"], world["teacher"]
    response = client.post(
        f"/events/{opening.id}/checkin/invitees/{teacher.id}",
        data={"device_id": "phone-2"},
        htmx=True,
    )
    outcome, text = result_of(response)
    assert outcome == "ok" and "Trần Thị Hồng Đào" in text
    doc = parse(response)
    row = the(doc, f"//li[@id='search-invitee-{teacher.id}']")
    assert row.get("hx-swap-oob") == "true" and row.get("data-checked-in") == "true"
    [checkin] = live_checkins(db, opening)
    assert checkin.method is CheckInMethod.MANUAL and checkin.device_id == "phone-2"
    response = client.post(f"/events/{opening.id}/checkin/invitees/{teacher.id}", htmx=True)
    assert result_of(response)[0] == "already"


def test_manual_check_in_respects_the_hours_and_the_override(client, world, staff, db):
    future, chairman = world["future"], world["chairman"]
    url = f"/events/{future.id}/checkin/invitees/{chairman.id}"
    assert result_of(client.post(url, htmx=True))[0] == "too_early"
    assert result_of(client.post(url, data={"override": "y"}, htmx=True))[0] == "ok"
    assert live_checkins(db, future)[0].override is True


@pytest.mark.parametrize("who", ["guest", "missing"])
def test_manual_check_in_of_someone_not_invited_is_404(client, world, staff, db, who):
    invitee_id = world["guest"].id if who == "guest" else 999999
    response = client.post(
        f"/events/{world['opening'].id}/checkin/invitees/{invitee_id}", htmx=True
    )
    assert response.status_code == 404
    assert live_checkins(db, world["opening"]) == []


# --- headcounts --------------------------------------------------------------------------


def headcount_rows(doc) -> dict[str, int]:
    return {
        text_of(the(li, ".//*[@class='headcount-row__label']")): int(
            the(li, ".//*[@class='headcount-row__count']").get("data-count")
        )
        for li in doc.xpath("//li[@data-headcount]")
    }


def test_headcounts_add_edit_remove_with_history(client, world, staff, db):
    opening = world["opening"]
    response = client.post(
        f"/events/{opening.id}/headcounts", data={"label": " Lớp  6A ", "count": "35"}, htmx=True
    )
    doc = lxml.html.document_fromstring(assert_fragment(response))
    assert headcount_rows(doc) == {"Lớp 6A": 35}
    assert counts_of(doc)["headcounts"] == 35 and counts_of(doc)["persons"] == 35
    scan(client, opening, world["chairman"].token)
    headcount = db.session.scalar(select(Headcount))

    response = client.post(
        f"/headcounts/{headcount.id}",
        data={f"hc{headcount.id}-label": "Lớp 6A", f"hc{headcount.id}-count": "36"},
        htmx=True,
    )
    doc = lxml.html.document_fromstring(assert_fragment(response))
    assert headcount_rows(doc) == {"Lớp 6A": 36}
    assert counts_of(doc)["headcounts"] == 36 and counts_of(doc)["persons"] == 37
    history = doc.xpath(f"//li[@id='headcount-{headcount.id}']//details[2]//li")
    assert [text_of(li).split(" · ")[1] for li in history] == ["Lớp 6A: 35", "Lớp 6A: 36"]
    assert all("Hoàng Văn Quét" in text_of(li) for li in history)

    response = client.post(f"/headcounts/{headcount.id}/delete", htmx=True)
    doc = lxml.html.document_fromstring(assert_fragment(response))
    assert headcount_rows(doc) == {}
    assert counts_of(doc)["headcounts"] == 0 and counts_of(doc)["persons"] == 1
    db.session.expire_all()
    revisions = db.session.scalars(select(HeadcountRevision).order_by(HeadcountRevision.id))
    assert [(r.count, r.note) for r in revisions] == [(35, ""), (36, ""), (0, "removed")]
    assert client.post(f"/headcounts/{headcount.id}", htmx=True).status_code == 404


@pytest.mark.parametrize(
    ("label", "count", "bad_field"),
    [
        ("", "35", "label"),
        ("   ", "35", "label"),
        ("Lớp 6A", "-1", "count"),
        ("Lớp 6A", "ba mươi", "count"),
        ("Lớp 6A", "", "count"),
        ("Lớp 6A", "100001", "count"),
    ],
)
def test_bad_headcounts_are_refused_with_the_forms_errors(
    client, world, staff, db, label, count, bad_field
):
    opening = world["opening"]
    response = client.post(
        f"/events/{opening.id}/headcounts", data={"label": label, "count": count}, htmx=True
    )
    doc = lxml.html.document_fromstring(assert_fragment(response, 422))
    the(doc, f"//section[@id='headcounts']//ul[@id='{bad_field}-errors']")
    assert db.session.scalar(select(func.count()).select_from(Headcount)) == 0

    headcount = record_headcount(opening, "Lớp 6B", 30, Actor(user=staff))
    db.session.commit()
    prefix = f"hc{headcount.id}-"
    response = client.post(
        f"/headcounts/{headcount.id}",
        data={prefix + "label": label, prefix + "count": count},
        htmx=True,
    )
    doc = lxml.html.document_fromstring(assert_fragment(response, 422))
    the(doc, f"//details[@open]//ul[@id='{prefix}{bad_field}-errors']")
    db.session.expire_all()
    assert (headcount.label, headcount.count, len(headcount.revisions)) == ("Lớp 6B", 30, 1)


# --- permissions and CSRF ----------------------------------------------------------------


@pytest.fixture
def targets(world, db):
    """One check-in and one headcount for the routes that act on them."""
    opening = world["opening"]
    actor = Actor(user=world["users"]["staff"])
    checkin = check_in_invitee(opening, world["teacher"], actor, method=CheckInMethod.SCAN)
    headcount = record_headcount(opening, "Lớp 6A", 35, actor)
    db.session.commit()
    return {"checkin": checkin.checkin.id, "headcount": headcount.id}


def routes(world, targets):
    event_id, hc = world["opening"].id, targets["headcount"]
    return {
        "page": ("get", f"/events/{event_id}/checkin", None),
        "scan": ("post", f"/events/{event_id}/checkin/scan", {"code": world["chairman"].token}),
        "search": ("get", f"/events/{event_id}/checkin/search?q=luan", None),
        "manual": ("post", f"/events/{event_id}/checkin/invitees/{world['chairman'].id}", {}),
        "undo": ("post", f"/checkins/{targets['checkin']}/undo", {}),
        "headcount_add": ("post", f"/events/{event_id}/headcounts", {"label": "6B", "count": "1"}),
        "headcount_edit": (
            "post",
            f"/headcounts/{hc}",
            {f"hc{hc}-label": "Lớp 6A", f"hc{hc}-count": "36"},
        ),
        "headcount_delete": ("post", f"/headcounts/{hc}/delete", {}),
    }


ROUTES = [
    "page",
    "scan",
    "search",
    "manual",
    "undo",
    "headcount_add",
    "headcount_edit",
    "headcount_delete",
]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("staff", 200),
        ("organiser", 200),
        ("admin", 200),
        ("parent_staff", 200),
        ("report_officer", 403),
        ("sibling_organiser", 404),
        (None, 302),
    ],
)
def test_permission_matrix(client, auth, world, targets, route, who, status):
    if who:
        auth.login(world["users"][who])
    method, url, data = routes(world, targets)[route]
    if method == "get":
        response = client.get(url, htmx=route != "page")
    else:
        response = client.post(url, data=data, htmx=True)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if status == 302:
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("route", [r for r in ROUTES if r not in ("page", "search")])
def test_posts_need_the_csrf_token(client, world, targets, staff, db, route):
    _method, url, data = routes(world, targets)[route]
    response = client.post(url, data=data, htmx=True, csrf=False)
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1
    assert db.session.scalar(select(Headcount.count)) == 35


# --- an archived event has no scanner ---------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("who", ["staff", "organiser"])
def test_an_archived_events_scanner_is_not_found(client, auth, world, targets, db, route, who):
    """Archived (deleted while holding check-ins), the event has no scanner, no search, no
    check-in, undo or tally: 404 as for an event that does not exist, and nothing changes."""
    world["opening"].archived_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    db.session.commit()
    auth.login(world["users"][who])
    method, url, data = routes(world, targets)[route]
    if method == "get":
        response = client.get(url, htmx=route != "page")
    else:
        response = client.post(url, data=data, htmx=True)
    assert response.status_code == 404, response.get_data(as_text=True)[:300]
    db.session.expire_all()
    assert [(c.id, c.undone_at) for c in db.session.scalars(select(CheckIn))] == [
        (targets["checkin"], None)
    ]
    assert db.session.scalar(select(Headcount.count)) == 35
    assert db.session.scalar(select(Headcount.removed_at)) is None

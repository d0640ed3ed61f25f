"""The venue's pages: volunteers' check-in links (create, use, expiry, revocation), walk-in
self check-in from the poster (device limit, window, rotating code, rate limit), the walk-in
settings and the code display, permissions and CSRF."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from sqlalchemy import func, select

from app.checkin import walkin_code
from app.checkin.models import CheckIn, CheckinLink, CheckInMethod, ParticipantType
from app.checkin.services import new_link_token, to_utc, utcnow, window
from app.invitations.services import PersonData, invite
from app.schedule.models import Event
from app.units.models import Role, UnitKind
from tests.conftest import assert_fragment

PHONE, EMAIL = "0912345678", "dai.bieu@example.vn"
POSTER_TOKEN = "p" * 32


def local_today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


@pytest.fixture
def world(make_unit, make_campaign, make_event, make_user, auth, db):
    """An opening ceremony today (check-in open) with its poster token, an invitee, another
    event with its own invitee; the organiser signed in."""
    province = make_unit(name="Sở GD&ĐT Bắc Kạn", kind=UnitKind.PROVINCIAL_DEPARTMENT)
    district = make_unit(province, name="Phòng GD&ĐT Bạch Thông", kind=UnitKind.DISTRICT_OFFICE)
    sibling = make_unit(province, name="Phòng GD&ĐT Chợ Đồn", kind=UnitKind.DISTRICT_OFFICE)
    today = local_today()
    campaign = make_campaign(
        district, year=today.year, start_date=today, end_date=today + dt.timedelta(days=6)
    )
    event = make_event(
        campaign,
        district,
        title="Lễ khai mạc",
        date=today,
        start_time=None,
        checkin_token=POSTER_TOKEN,
    )
    other = make_event(campaign, district, title="Hoạt động khác", date=today, start_time=None)
    delegate = invite(
        event, district, PersonData("Nguyễn Duy Luân", "Phó Chủ tịch", "UBND huyện", PHONE, EMAIL)
    )
    stranger = invite(other, district, PersonData("Trần Văn Khác", "", "", PHONE, EMAIL))
    db.session.commit()
    organiser = make_user(district, Role.ORGANISER)
    auth.login(organiser)
    return {
        "district": district,
        "sibling": sibling,
        "event": event,
        "other": other,
        "delegate": delegate,
        "stranger": stranger,
        "organiser": organiser,
    }


def checkins(db, event) -> list[CheckIn]:
    db.session.expire_all()
    return list(db.session.scalars(select(CheckIn).where(CheckIn.event_id == event.id)))


def make_link(db, event, start: dt.timedelta, end: dt.timedelta, revoked=False) -> CheckinLink:
    now = utcnow()
    link = CheckinLink(
        event_id=event.id,
        token=new_link_token(),
        label="Cổng A",
        valid_from=now + start,
        valid_until=now + end,
        revoked_at=now if revoked else None,
    )
    db.session.add(link)
    db.session.commit()
    return link


# --- Volunteers' links: created by organisers ---------------------------------------------


def test_organiser_creates_a_link_with_the_default_times(client, world, db):
    event = world["event"]
    page = client.get(f"/events/{event.id}/links")
    assert page.status_code == 200
    response = client.post(
        f"/events/{event.id}/links",
        data={"label": "Cổng A", "valid_from": "", "valid_until": ""},
        htmx=True,
    )
    html = assert_fragment(response)
    link = db.session.scalars(select(CheckinLink)).one()
    assert (link.valid_from, link.valid_until) == window(event)
    assert link.label == "Cổng A" and len(link.token) >= 32
    assert link.created_by_id == world["organiser"].id
    assert f"http://localhost/v/{link.token}" in html  # its address, and its QR code
    assert 'src="data:image/svg+xml;base64,' in html and 'data-state="active"' in html


def test_link_times_are_typed_the_vietnamese_way(client, world, db):
    event = world["event"]
    day = event.date
    client.post(
        f"/events/{event.id}/links",
        data={"label": "Cổng B", "valid_from": "6h30", "valid_until": f"{day:%d/%m/%Y} 11h"},
    )
    link = db.session.scalars(select(CheckinLink)).one()
    assert link.valid_from == to_utc(dt.datetime.combine(day, dt.time(6, 30)))
    assert link.valid_until == to_utc(dt.datetime.combine(day, dt.time(11, 0)))


@pytest.mark.parametrize(
    "data",
    [
        {"label": "", "valid_from": "", "valid_until": ""},
        {"label": "Cổng C", "valid_from": "sáng sớm", "valid_until": ""},
        {"label": "Cổng C", "valid_from": "9h", "valid_until": "8h"},
    ],
)
def test_a_wrong_link_form_is_shown_again(client, world, db, data):
    response = client.post(f"/events/{world['event'].id}/links", data=data, htmx=True)
    html = assert_fragment(response, 422)
    assert "field__errors" in html
    assert db.session.scalar(select(func.count(CheckinLink.id))) == 0


def test_revoking_a_link_stops_it_at_once(client, auth, world, db):
    link = make_link(db, world["event"], dt.timedelta(hours=-1), dt.timedelta(hours=1))
    html = assert_fragment(client.post(f"/links/{link.id}/revoke", htmx=True))
    assert 'data-state="revoked"' in html and link.token not in html
    db.session.expire_all()
    assert db.session.get(CheckinLink, link.id).revoked_at is not None
    auth.logout()
    assert client.get(f"/v/{link.token}").status_code == 403
    response = client.post(f"/v/{link.token}/scan", data={"code": world["delegate"].token})
    assert response.status_code == 403 and checkins(db, world["event"]) == []


# --- Volunteers' links: used without an account -------------------------------------------


def volunteer(client, auth, link, name="Chị Lan"):
    auth.logout()
    first = client.get(f"/v/{link.token}")
    assert first.status_code == 200 and 'name="name"' in first.get_data(as_text=True)
    response = client.post(f"/v/{link.token}/name", data={"name": name})
    assert response.status_code == 303


def outcome(response) -> str:
    return re.search(r'data-outcome="([a-z_]+)"', response.get_data(as_text=True)).group(1)


def test_a_volunteer_checks_people_in_through_the_link(client, auth, world, db):
    event, delegate = world["event"], world["delegate"]
    link = make_link(db, event, dt.timedelta(hours=-1), dt.timedelta(hours=1))
    volunteer(client, auth, link)
    page = client.get(f"/v/{link.token}").get_data(as_text=True)
    assert "Chị Lan" in page and 'name="code"' in page

    url = f"/v/{link.token}/scan"
    first = client.post(url, data={"code": f"http://x/i/{delegate.token}"}, htmx=True)
    html = assert_fragment(first)
    assert outcome(first) == "ok" and "scan-result--ok" in html and "Nguyễn Duy Luân" in html
    assert PHONE not in html and EMAIL not in html
    (checkin,) = checkins(db, event)
    assert (checkin.link_id, checkin.volunteer_name) == (link.id, "Chị Lan")
    assert checkin.method is CheckInMethod.SCAN and checkin.user_id is None
    assert len(checkin.device_id) >= 32

    again = client.post(url, data={"code": delegate.token}, htmx=True)
    assert outcome(again) == "already" and "scan-result--warn" in again.get_data(as_text=True)
    foreign = client.post(url, data={"code": world["stranger"].token}, htmx=True)
    assert outcome(foreign) == "other_event"
    assert "scan-result--error" in foreign.get_data(as_text=True)
    assert "Trần Văn Khác" not in foreign.get_data(as_text=True)
    assert outcome(client.post(url, data={"code": "no-such-code"}, htmx=True)) == "unknown"
    assert len(checkins(db, event)) == 1 and checkins(db, world["other"]) == []
    # Without htmx the whole page answers, with the result.
    page = client.post(url, data={"code": delegate.token})
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    assert outcome(page) == "already"


def test_the_volunteer_page_has_the_camera_once_the_name_is_given(client, auth, world, db):
    link = make_link(db, world["event"], dt.timedelta(hours=-1), dt.timedelta(hours=1))
    auth.logout()
    asking = lxml.html.document_fromstring(client.get(f"/v/{link.token}").get_data(as_text=True))
    assert not asking.xpath("//video") and not asking.xpath("//script[contains(@src, 'camera')]")

    volunteer(client, auth, link)
    doc = lxml.html.document_fromstring(client.get(f"/v/{link.token}").get_data(as_text=True))
    (camera,) = doc.xpath("//section[@data-camera-form]")
    # camera.js puts each code in this form and its answer in this slot (no inline script).
    (form,) = doc.xpath(f"//form[@id='{camera.get('data-camera-form')}']")
    assert form.get("hx-post") == f"/v/{link.token}/scan" and form.xpath(".//input[@name='code']")
    assert form.get("hx-target") == "#scan-result"
    (slot,) = doc.xpath(f"//*[@id='{camera.get('data-camera-slot')}']")
    (result,) = slot.xpath("./*[@id='scan-result']")
    assert result.get("data-outcome") == "idle"
    assert camera.xpath(".//video[@data-camera-video]") and camera.get("data-jsqr-src")
    assert camera.xpath(".//button[@data-camera-start]")
    assert doc.xpath("//script[@src='/static/camera.js' and @defer]")
    assert not doc.xpath("//script[not(@src)]"), "the CSP forbids inline scripts"


def test_a_volunteers_answer_replaces_the_last_one_only(client, auth, world, db):
    link = make_link(db, world["event"], dt.timedelta(hours=-1), dt.timedelta(hours=1))
    volunteer(client, auth, link)
    url = f"/v/{link.token}/scan"
    answer = client.post(url, data={"code": world["delegate"].token}, htmx=True)
    doc = lxml.html.fragment_fromstring(assert_fragment(answer), create_parent="div")
    (result,) = doc.xpath("./*")  # the answer, without the form (it stays on the page)
    assert (result.get("id"), result.get("data-outcome")) == ("scan-result", "ok")
    assert "Nguyễn Duy Luân" in result.text_content()

    empty = client.post(url, data={"code": "  "}, htmx=True)
    assert "scan-result--error" in assert_fragment(empty, 422)
    assert outcome(empty) == "invalid"
    assert len(checkins(db, world["event"])) == 1


@pytest.mark.parametrize(
    ("start", "end", "revoked"),
    [
        (dt.timedelta(hours=-3), dt.timedelta(minutes=-1), False),  # expired
        (dt.timedelta(minutes=5), dt.timedelta(hours=3), False),  # not yet valid
        (dt.timedelta(hours=-1), dt.timedelta(hours=1), True),  # revoked
    ],
)
def test_a_link_that_does_not_work_now_records_nothing(
    client, auth, world, db, start, end, revoked
):
    link = make_link(db, world["event"], start, end, revoked)
    auth.logout()
    assert client.get(f"/v/{link.token}").status_code == 403
    assert client.post(f"/v/{link.token}/name", data={"name": "Lan"}).status_code == 403
    response = client.post(f"/v/{link.token}/scan", data={"code": world["delegate"].token})
    assert response.status_code == 403
    assert checkins(db, world["event"]) == []


def test_an_unknown_link(client, auth):
    auth.logout()
    assert client.get("/v/not-a-link").status_code == 404
    assert client.get("/v/" + "x" * 300).status_code == 404


def page_text(response, token: str) -> str:
    """The page's text, without the per-session CSRF token and with the address's token
    (which the language switch carries) masked."""
    text = response.get_data(as_text=True).replace(token, "TOKEN")
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", text)


@pytest.mark.parametrize("state", ["working", "revoked", "expired"])
def test_an_archived_events_link_is_as_unknown(client, auth, world, db, state):
    """The event archived, its links lead to the "does not exist" page, whatever their own
    state (nothing is told about them), and record nothing."""
    start, end = dt.timedelta(hours=-1), dt.timedelta(hours=1)
    if state == "expired":
        end = dt.timedelta(minutes=-1)
    link = make_link(db, world["event"], start, end, revoked=state == "revoked")
    if state == "working":
        volunteer(client, auth, link)  # a volunteer at work when the event is archived
    else:
        auth.logout()
    world["event"].archived_at = utcnow()
    db.session.commit()
    other = new_link_token()
    client.get(f"/v/{other}")  # shows the "signed out" message, if any, once
    unknown = client.get(f"/v/{other}")
    page = client.get(f"/v/{link.token}")
    assert page.status_code == unknown.status_code == 404
    assert page_text(page, link.token) == page_text(unknown, other)
    for path, data in (("name", {"name": "Lan"}), ("scan", {"code": world["delegate"].token})):
        response = client.post(f"/v/{link.token}/{path}", data=data)
        assert response.status_code == 404, path
    assert checkins(db, world["event"]) == []


def test_an_archived_events_poster_is_as_unknown(client, auth, world, db):
    auth.logout()
    assert client.get(f"/c/{POSTER_TOKEN}").status_code == 200  # and the "signed out" message
    world["event"].archived_at = utcnow()
    db.session.commit()
    unknown = client.get("/c/" + "q" * 32)
    page = client.get(f"/c/{POSTER_TOKEN}")
    assert page.status_code == unknown.status_code == 404
    assert page_text(page, POSTER_TOKEN) == page_text(unknown, "q" * 32)
    assert "Lễ khai mạc" not in page.get_data(as_text=True)
    assert client.post(f"/c/{POSTER_TOKEN}", data=WALKER).status_code == 404
    assert checkins(db, world["event"]) == []


def test_a_volunteer_must_give_a_name_first(client, auth, world, db):
    link = make_link(db, world["event"], dt.timedelta(hours=-1), dt.timedelta(hours=1))
    auth.logout()
    response = client.post(f"/v/{link.token}/scan", data={"code": world["delegate"].token})
    assert response.status_code == 403 and checkins(db, world["event"]) == []
    assert client.post(f"/v/{link.token}/name", data={"name": "  "}).status_code == 422


STAFF_PAGES = [
    "/events/{e}/dashboard",
    "/events/{e}/mc",
    "/events/{e}/links",
    "/events/{e}/code",
    "/events/{e}/invitees",
    "/events/{e}",
]


def test_a_volunteer_reaches_no_staff_page(client, auth, world, db):
    link = make_link(db, world["event"], dt.timedelta(hours=-1), dt.timedelta(hours=1))
    volunteer(client, auth, link)
    for page in STAFF_PAGES:
        response = client.get(page.format(e=world["event"].id))
        assert response.status_code == 302 and "/login" in response.headers["Location"], page
    other = make_link(db, world["other"], dt.timedelta(hours=-1), dt.timedelta(hours=1))
    # The name was given for the first link only.
    assert client.post(f"/v/{other.token}/scan", data={"code": "x"}).status_code == 403


# --- Walk-ins ------------------------------------------------------------------------------


WALKER = {
    "full_name": "Phạm Thị Hoa",
    "organisation": "Phụ huynh lớp 6A",
    "participant_type": "phu_huynh",
}


def test_a_walk_in_checks_in_from_the_poster(client, auth, world, db):
    auth.logout()
    page = client.get(f"/c/{POSTER_TOKEN}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Lễ khai mạc" in html and 'name="full_name"' in html
    assert 'name="code"' not in html  # not required for this event
    assert page.headers["Cache-Control"] == "private, no-store"
    cookie = next(c for c in page.headers.getlist("Set-Cookie") if c.startswith("llw_device="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=31536000" in cookie
    device = cookie.split(";")[0].split("=", 1)[1]
    assert len(device) >= 32
    for value in ("hoc_sinh", "giao_vien", "can_bo", "phu_huynh", "nguoi_dan", "khac"):
        assert f'value="{value}"' in html

    done = client.post(f"/c/{POSTER_TOKEN}", data=WALKER)
    assert done.status_code == 200 and "walkin--done" in done.get_data(as_text=True)
    (checkin,) = checkins(db, world["event"])
    assert checkin.full_name == "Phạm Thị Hoa" and checkin.organisation == "Phụ huynh lớp 6A"
    assert checkin.participant_type is ParticipantType.PARENT
    assert checkin.method is CheckInMethod.SELF and checkin.device_id == device
    wall = checkin.checked_in_at.replace(tzinfo=dt.UTC).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert f"{wall.hour}h{wall.minute:02d}" in done.get_data(as_text=True)

    second = client.post(f"/c/{POSTER_TOKEN}", data={**WALKER, "full_name": "Vũ Văn Bình"})
    assert second.status_code == 422 and "alert--error" in second.get_data(as_text=True)
    assert len(checkins(db, world["event"])) == 1


def test_staff_may_allow_more_walk_ins_per_phone(client, auth, world, db):
    event = world["event"]
    response = client.post(
        f"/events/{event.id}/walkin-settings", data={"walkins_per_device": "3"}, htmx=True
    )
    assert_fragment(response)
    db.session.expire_all()
    assert db.session.get(Event, event.id).walkins_per_device == 3
    auth.logout()
    for n in range(3):
        response = client.post(f"/c/{POSTER_TOKEN}", data={**WALKER, "full_name": f"Người {n}"})
        assert response.status_code == 200
    assert client.post(f"/c/{POSTER_TOKEN}", data=WALKER).status_code == 422
    assert len(checkins(db, event)) == 3


@pytest.mark.parametrize("per_device", ["0", "21", "", "nhiều"])
def test_walk_in_settings_are_checked(client, world, db, per_device):
    response = client.post(
        f"/events/{world['event'].id}/walkin-settings",
        data={"walkins_per_device": per_device},
        htmx=True,
    )
    assert_fragment(response, 422)
    db.session.expire_all()
    assert db.session.get(Event, world["event"].id).walkins_per_device == 1


@pytest.mark.parametrize(
    ("data", "when"),
    [
        ({**WALKER, "full_name": "   "}, 0),  # no name
        ({**WALKER, "participant_type": "vip"}, 0),  # not a participant type
        (WALKER, -1),  # yesterday's event: closed
        (WALKER, 1),  # tomorrow's event: not open yet
    ],
)
def test_refused_walk_ins_save_nothing(client, auth, world, db, data, when):
    event = world["event"]
    if when:
        event.date = event.date + dt.timedelta(days=when)
        db.session.commit()
    auth.logout()
    response = client.post(f"/c/{POSTER_TOKEN}", data=data)
    assert response.status_code == 422
    assert checkins(db, event) == []


def test_the_form_is_not_offered_outside_the_window(client, auth, world, db):
    world["event"].date -= dt.timedelta(days=1)
    db.session.commit()
    auth.logout()
    page = client.get(f"/c/{POSTER_TOKEN}")
    assert page.status_code == 200 and 'name="full_name"' not in page.get_data(as_text=True)


def test_an_unknown_poster_token(client, auth):
    auth.logout()
    assert client.get("/c/not-a-token").status_code == 404
    assert client.post("/c/not-a-token", data=WALKER).status_code == 404


def test_the_code_is_current_or_previous_minute(world, db):
    event = world["event"]
    now = dt.datetime(2025, 10, 2, 0, 30, 5)
    code = walkin_code.code_at(event, now)
    assert re.fullmatch(r"\d{4}", code) and event.walkin_code_secret
    assert len(event.walkin_code_secret) == 64
    assert walkin_code.check_code(event, code, now)
    assert walkin_code.check_code(event, code, now + dt.timedelta(seconds=54))  # next minute
    assert not walkin_code.check_code(event, code, now + dt.timedelta(seconds=116))
    codes = {walkin_code.code_at(event, now + dt.timedelta(minutes=n)) for n in range(20)}
    assert len(codes) > 10  # it really rotates
    assert not walkin_code.check_code(event, "", now)
    assert not walkin_code.check_code(event, "12a4", now)
    assert not walkin_code.check_code(event, code + "0", now)
    other = world["other"]  # another event, another secret: other codes
    minutes = [now + dt.timedelta(minutes=n) for n in range(5)]
    assert [walkin_code.code_at(other, m) for m in minutes] != [
        walkin_code.code_at(event, m) for m in minutes
    ]


def test_walk_ins_type_the_code_when_required(client, auth, world, db):
    event = world["event"]
    response = client.post(
        f"/events/{event.id}/walkin-settings",
        data={"require_code": "y", "walkins_per_device": "5"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert event.walkin_code_required and event.walkin_code_secret
    display = client.get(f"/events/{event.id}/code")
    html = display.get_data(as_text=True)
    shown = re.search(r'data-code="(\d{4})"', html).group(1)
    assert display.status_code == 200 and 'src="data:image/svg+xml;base64,' in html
    assert f"http://localhost/c/{POSTER_TOKEN}" in html
    fragment = assert_fragment(client.get(f"/events/{event.id}/code/current", htmx=True))
    assert 'hx-trigger="every 10s"' in fragment

    auth.logout()
    assert 'name="code"' in client.get(f"/c/{POSTER_TOKEN}").get_data(as_text=True)
    wrong = str((int(shown) + 1) % 10000).zfill(4)
    previous = walkin_code.code_at(event, utcnow() - dt.timedelta(minutes=1))
    current = walkin_code.current_code(event)
    if wrong in (previous, current):
        wrong = str((int(wrong) + 1) % 10000).zfill(4)
    for typed in ("", wrong, "abcd"):
        assert client.post(f"/c/{POSTER_TOKEN}", data={**WALKER, "code": typed}).status_code == 422
    assert checkins(db, event) == []
    ok = client.post(f"/c/{POSTER_TOKEN}", data={**WALKER, "code": current})
    assert ok.status_code == 200
    ok = client.post(f"/c/{POSTER_TOKEN}", data={**WALKER, "full_name": "B", "code": previous})
    assert ok.status_code == 200
    assert len(checkins(db, event)) == 2


def test_public_pages_are_rate_limited(limited_app, world, db):
    limited_app.config["PUBLIC_RATE_LIMIT"] = "2 per minute"
    link = make_link(db, world["event"], dt.timedelta(hours=-1), dt.timedelta(hours=1))
    client = limited_app.test_client()
    for url in (f"/c/{POSTER_TOKEN}", f"/v/{link.token}"):
        assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]


# --- Permissions and CSRF ------------------------------------------------------------------

ORGANISER_PAGES = [
    ("get", "/events/{e}/links"),
    ("post", "/events/{e}/links"),
    ("post", "/links/{l}/revoke"),
    ("post", "/events/{e}/walkin-settings"),
    ("get", "/events/{e}/code"),
    ("get", "/events/{e}/code/current"),
]


@pytest.mark.parametrize(("method", "page"), ORGANISER_PAGES)
@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.ADMIN, True),
        (Role.ORGANISER, True),
        (Role.CHECKIN_STAFF, False),
        (Role.REPORT_OFFICER, False),
    ],
)
def test_only_organisers_manage_links_and_codes(
    client, auth, world, db, make_user, method, page, role, allowed
):
    link = make_link(db, world["event"], dt.timedelta(hours=-1), dt.timedelta(hours=1))
    auth.logout()
    auth.login(make_user(world["district"], role))
    url = page.format(e=world["event"].id, l=link.id)
    data = {"label": "Cổng D", "walkins_per_device": "2"}
    response = client.get(url) if method == "get" else client.post(url, data=data)
    if allowed:
        assert response.status_code in (200, 303)
    else:
        assert response.status_code == 403
        db.session.expire_all()
        assert db.session.get(CheckinLink, link.id).revoked_at is None
        assert db.session.scalar(select(func.count(CheckinLink.id))) == 1


@pytest.mark.parametrize(("method", "page"), ORGANISER_PAGES)
def test_links_and_codes_outside_the_subtree(client, auth, world, db, make_user, method, page):
    link = make_link(db, world["event"], dt.timedelta(hours=-1), dt.timedelta(hours=1))
    url = page.format(e=world["event"].id, l=link.id)
    auth.logout()
    response = client.get(url) if method == "get" else client.post(url, data={})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    auth.login(make_user(world["sibling"], Role.ADMIN))
    response = client.get(url) if method == "get" else client.post(url, data={})
    assert response.status_code == 404


@pytest.mark.parametrize(("method", "page"), ORGANISER_PAGES)
def test_an_archived_events_links_and_codes(client, world, db, method, page):
    """No new link, setting or code for an archived event (404); its links may still be
    stopped."""
    link = make_link(db, world["event"], dt.timedelta(hours=-1), dt.timedelta(hours=1))
    world["event"].archived_at = utcnow()
    db.session.commit()
    url = page.format(e=world["event"].id, l=link.id)
    data = {"label": "Cổng D", "walkins_per_device": "2", "require_code": "y"}
    response = client.get(url) if method == "get" else client.post(url, data=data)
    db.session.expire_all()
    if "/revoke" in page:
        assert response.status_code == 303
        assert db.session.get(CheckinLink, link.id).revoked_at is not None
    else:
        assert response.status_code == 404
        assert db.session.scalar(select(func.count(CheckinLink.id))) == 1
        event = db.session.get(Event, world["event"].id)
        assert (event.walkins_per_device, event.walkin_code_secret) == (1, None)


def test_public_pages_show_no_phone_or_email(client, auth, world, db):
    link = make_link(db, world["event"], dt.timedelta(hours=-1), dt.timedelta(hours=1))
    volunteer(client, auth, link)
    pages = [
        client.get(f"/c/{POSTER_TOKEN}"),
        client.post(f"/c/{POSTER_TOKEN}", data=WALKER),
        client.get(f"/v/{link.token}"),
        client.post(f"/v/{link.token}/scan", data={"code": world["delegate"].token}),
        client.post(f"/v/{link.token}/scan", data={"code": world["delegate"].token}, htmx=True),
        client.post(f"/v/{link.token}/scan", data={"code": world["stranger"].token}),
    ]
    for response in pages:
        html = response.get_data(as_text=True)
        assert PHONE not in html and EMAIL not in html and "0912" not in html


def test_every_post_needs_the_csrf_token(client, auth, world, db):
    event = world["event"]
    link = make_link(db, event, dt.timedelta(hours=-1), dt.timedelta(hours=1))
    staff_posts = {
        f"/events/{event.id}/links": {"label": "Cổng E"},
        f"/links/{link.id}/revoke": {},
        f"/events/{event.id}/walkin-settings": {"walkins_per_device": "4"},
    }
    for url, data in staff_posts.items():
        assert client.post(url, data=data, csrf=False).status_code == 400, url
    volunteer(client, auth, link)
    public_posts = {
        f"/v/{link.token}/name": {"name": "Lan"},
        f"/v/{link.token}/scan": {"code": world["delegate"].token},
        f"/c/{POSTER_TOKEN}": WALKER,
    }
    for url, data in public_posts.items():
        assert client.post(url, data=data, csrf=False).status_code == 400, url
    assert checkins(db, event) == []
    db.session.expire_all()
    assert db.session.get(CheckinLink, link.id).revoked_at is None
    assert db.session.get(Event, event.id).walkins_per_device == 1

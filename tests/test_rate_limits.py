"""Rate limits and growing delays: sign-in (per account and address), the venue's public pages
(per address, per phone, per poster or link) and wrong walk-in codes."""

from __future__ import annotations

import datetime as dt
import re
import time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.backoff import Backoff
from app.checkin import walkin_code
from app.checkin.models import CheckIn, CheckinLink
from app.checkin.services import new_link_token, utcnow
from app.units.models import Role, UnitKind
from tests.conftest import TEST_PASSWORD

POSTER = "poster-" + "r" * 32
OTHER_POSTER = "poster-" + "s" * 32
WALKER = {
    "full_name": "Phạm Thị Hoa",
    "organisation": "Phụ huynh lớp 6A",
    "participant_type": "phu_huynh",
}


@pytest.fixture
def clock(monkeypatch):
    """The time the rate limiter's store and the delays see; `clock.advance(seconds)`."""

    class Clock:
        now = time.time()

        def advance(self, seconds: float) -> None:
            self.now += seconds

    fake = Clock()
    monkeypatch.setattr(time, "time", lambda: fake.now)
    return fake


def phone(app, address: str = "127.0.0.1", english: bool = False):
    """A new phone (its own cookies) on a network address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    if english:
        client.post("/language/en")
    return client


# --- Growing delays, as a rule ------------------------------------------------------------


def test_delays_start_after_the_free_failures_and_double_up_to_the_longest():
    backoff = Backoff("test", free=3, longest=60)
    assert [backoff.delay_after(n) for n in range(1, 11)] == [0, 0, 0, 2, 4, 8, 16, 32, 60, 60]
    assert Backoff("test", free=0, longest=900).delay_after(1000) == 900


def test_without_rate_limiting_there_are_no_delays(app):
    backoff = Backoff("test", free=0, longest=60)
    with app.test_request_context():
        assert backoff.failed("someone") == 0
        assert backoff.wait("someone") == 0


# --- Signing in ---------------------------------------------------------------------------


@pytest.fixture
def account(limited_app, make_unit, make_user):
    limited_app.config.update(
        LOGIN_RATE_LIMIT="100 per minute", LOGIN_FREE_FAILURES=2, LOGIN_LONGEST_DELAY=30
    )
    unit = make_unit(name="Phòng GD&ĐT Bạch Thông", kind=UnitKind.DISTRICT_OFFICE)
    return make_user(unit, Role.ORGANISER, email="to.chuc@example.vn")


def wait_of(response) -> int | None:
    """The wait the page asks for (English pages), or None."""
    match = re.search(r"(?:Try again in|Wait) (\d+) seconds?", response.get_data(as_text=True))
    return int(match.group(1)) if match else None


def sign_in(client, password: str, email: str = "to.chuc@example.vn"):
    return client.post("/login", data={"email": email, "password": password})


def test_failed_sign_ins_make_the_next_try_wait_longer_and_longer(limited_app, account, clock):
    client = phone(limited_app, english=True)
    first = [sign_in(client, "sai-mat-khau") for _ in range(2)]
    assert [r.status_code for r in first] == [422, 422]
    assert all(wait_of(r) is None for r in first)

    third = sign_in(client, "sai-mat-khau")
    assert third.status_code == 422 and wait_of(third) == 2

    # While waiting, even the right password is not looked at.
    waiting = sign_in(client, TEST_PASSWORD)
    assert waiting.status_code == 429 and wait_of(waiting) in (1, 2)
    assert int(waiting.headers["Retry-After"]) >= 1
    assert client.get("/").status_code == 302  # not signed in

    clock.advance(3)
    assert wait_of(sign_in(client, "sai-mat-khau")) == 4
    clock.advance(5)
    assert wait_of(sign_in(client, "sai-mat-khau")) == 8
    for _ in range(4):
        clock.advance(60)
        response = sign_in(client, "sai-mat-khau")
    assert wait_of(response) == 30  # LOGIN_LONGEST_DELAY

    clock.advance(31)
    assert sign_in(client, TEST_PASSWORD).status_code == 302


def test_the_delay_is_per_account_and_address(limited_app, account, make_user, clock):
    attacker = phone(limited_app, "203.0.113.7")
    for _ in range(3):
        sign_in(attacker, "doan-mo")
    assert sign_in(attacker, TEST_PASSWORD).status_code == 429
    # The owner, from the office, is not locked out by someone else's guesses …
    office = phone(limited_app, "198.51.100.20")
    assert sign_in(office, TEST_PASSWORD).status_code == 302
    # … and the attacker's other guesses (another account) have their own count.
    other = make_user(account.unit, Role.CHECKIN_STAFF, email="tnv@example.vn")
    assert sign_in(attacker, "doan-mo", email=other.email).status_code == 422


def test_signing_in_forgets_the_failures(limited_app, account, clock):
    client = phone(limited_app, english=True)
    for _ in range(2):
        sign_in(client, "sai-mat-khau")
    assert sign_in(client, TEST_PASSWORD).status_code == 302
    client.post("/logout")
    responses = [sign_in(client, "sai-mat-khau") for _ in range(2)]
    assert [r.status_code for r in responses] == [422, 422]
    assert all(wait_of(r) is None for r in responses)


def test_unknown_accounts_get_the_same_answer_and_the_same_delays(limited_app, account, clock):
    client = phone(limited_app, english=True)
    known = sign_in(client, "sai-mat-khau").get_data(as_text=True)
    unknown = sign_in(client, "sai", email="khong.co@example.vn").get_data(as_text=True)
    message = "Wrong e-mail or password"
    assert message in known and message in unknown
    for _ in range(2):
        response = sign_in(client, "sai", email="khong.co@example.vn")
    assert wait_of(response) == 2


# --- The venue's pages --------------------------------------------------------------------


def local_today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


@pytest.fixture
def venue(limited_app, db, make_unit, make_campaign, make_event):
    """Two of today's events with posters, a volunteer's link; limits small enough to reach."""
    unit = make_unit(name="Trường THCS Phủ Thông")
    today = local_today()
    campaign = make_campaign(
        unit, year=today.year, start_date=today, end_date=today + dt.timedelta(days=6)
    )
    event = make_event(
        campaign, unit, title="Lễ khai mạc", date=today, start_time=None, checkin_token=POSTER
    )
    make_event(
        campaign, unit, title="Ngày hội đọc sách", date=today, start_time=None,
        checkin_token=OTHER_POSTER,
    )  # fmt: skip
    now = utcnow()
    link = CheckinLink(
        event_id=event.id,
        token=new_link_token(),
        label="Cổng A",
        valid_from=now - dt.timedelta(hours=1),
        valid_until=now + dt.timedelta(hours=1),
    )
    db.session.add(link)
    db.session.commit()
    limited_app.config.update(
        PUBLIC_RATE_LIMIT="2 per minute",
        VENUE_DEVICE_RATE_LIMIT="",
        VENUE_ADDRESS_RATE_LIMIT="600 per minute",
        VENUE_TOKEN_RATE_LIMIT="1200 per minute",
    )
    return {"event": event, "link": link}


def test_hundreds_of_phones_behind_the_venue_wifi_all_get_in(limited_app, venue):
    statuses = [phone(limited_app).get(f"/c/{POSTER}").status_code for _ in range(40)]
    assert statuses == [200] * 40
    # The invitation pages still count per address (a person at home is one address).
    home = phone(limited_app, "192.0.2.44")
    assert [home.get("/i/no-such-invitation").status_code for _ in range(3)] == [404, 404, 429]


@pytest.mark.parametrize("page", ["/c/{poster}", "/v/{link}"])
def test_one_phone_is_limited_on_its_own(limited_app, venue, page):
    url = page.format(poster=POSTER, link=venue["link"].token)
    busy = phone(limited_app)
    assert [busy.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert phone(limited_app).get(url).status_code == 200  # the next phone in the queue


def test_phones_without_their_cookie_are_held_by_the_address_limit(limited_app, venue):
    limited_app.config["VENUE_ADDRESS_RATE_LIMIT"] = "5 per minute"
    statuses = [phone(limited_app, "203.0.113.9").get(f"/c/{POSTER}").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert phone(limited_app, "198.51.100.3").get(f"/c/{POSTER}").status_code == 200


def test_a_poster_or_link_has_a_limit_of_its_own(limited_app, venue):
    limited_app.config["VENUE_TOKEN_RATE_LIMIT"] = "3 per minute"
    statuses = [
        phone(limited_app, f"198.51.100.{n}").get(f"/c/{POSTER}").status_code for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    assert phone(limited_app, "198.51.100.99").get(f"/c/{OTHER_POSTER}").status_code == 200


# --- Wrong walk-in codes --------------------------------------------------------------------


@pytest.fixture
def coded(limited_app, venue, db):
    event = venue["event"]
    event.walkin_code_required = True
    db.session.commit()
    limited_app.config.update(
        PUBLIC_RATE_LIMIT="100 per minute",
        WALKIN_CODE_FREE_FAILURES=2,
        WALKIN_CODE_FREE_FAILURES_PER_ADDRESS=50,
    )
    return event


def wrong_code(db, event) -> str:
    accepted = {
        walkin_code.current_code(event),
        walkin_code.code_at(event, utcnow() - dt.timedelta(minutes=1)),
    }
    db.session.commit()  # the event's code secret, made on first use
    return next(f"{n:04d}" for n in range(10_000) if f"{n:04d}" not in accepted)


def checkins(db, event) -> int:
    return db.session.scalar(select(func.count(CheckIn.id)).where(CheckIn.event_id == event.id))


def test_wrong_codes_make_the_phone_wait_longer_and_longer(limited_app, coded, db, clock):
    walker = phone(limited_app, english=True)
    wrong = {**WALKER, "code": wrong_code(db, coded)}
    assert [walker.post(f"/c/{POSTER}", data=wrong).status_code for _ in range(2)] == [422, 422]
    third = walker.post(f"/c/{POSTER}", data=wrong)
    assert third.status_code == 429 and wait_of(third) == 2
    assert "Phạm Thị Hoa" in third.get_data(as_text=True)  # the form keeps what was typed

    right = {**WALKER, "code": walkin_code.current_code(coded)}
    assert walker.post(f"/c/{POSTER}", data=right).status_code == 429  # not even compared
    assert checkins(db, coded) == 0

    clock.advance(3)
    assert wait_of(walker.post(f"/c/{POSTER}", data=wrong)) == 4
    clock.advance(5)
    assert walker.post(f"/c/{POSTER}", data=right).status_code == 200
    assert checkins(db, coded) == 1
    # Another phone on the same wifi was never held up.
    neighbour = phone(limited_app)
    assert neighbour.post(f"/c/{POSTER}", data={**wrong, "full_name": "B"}).status_code == 422


def test_wrong_codes_from_one_address_add_up(limited_app, coded, db, clock):
    """Phones that drop their cookie to guess again are held by the address's count."""
    limited_app.config.update(
        WALKIN_CODE_FREE_FAILURES=100, WALKIN_CODE_FREE_FAILURES_PER_ADDRESS=3
    )
    wrong = {**WALKER, "code": wrong_code(db, coded)}
    statuses = [
        phone(limited_app, "203.0.113.50").post(f"/c/{POSTER}", data=wrong).status_code
        for _ in range(5)
    ]
    assert statuses == [422, 422, 422, 429, 429]
    elsewhere = phone(limited_app, "198.51.100.50").post(f"/c/{POSTER}", data=wrong)
    assert elsewhere.status_code == 422

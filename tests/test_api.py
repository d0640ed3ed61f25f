"""JSON API v1: bearer tokens, permissions, every endpoint with good and bad input, offline
batches, JSON errors and the OpenAPI document that describes them."""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.api.blueprint import bp as api_bp
from app.checkin import services
from app.checkin.models import ApiToken, CheckIn, Headcount
from app.checkin.tokens import create_token, revoke_token
from app.invitations.groups import save_group
from app.invitations.models import Invitee, InviteeGroup
from app.invitations.services import PersonData, invite
from app.invitations.services import revoke_token as revoke_invitee_token
from app.schedule.models import Event, EventKind
from app.schedule.services import category_rows
from app.units.models import Role, UnitKind
from tests.conftest import TEST_DB, CsrfClient

API = "/api/v1"


def _today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


class ApiClient(CsrfClient):
    """Bearer tokens, not cookies: JSON bodies go without a CSRF token."""

    def post(self, *args, **kwargs):
        if "json" in kwargs:
            kwargs.setdefault("csrf", False)
        return super().post(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = ApiClient
    try:
        yield app.test_client()
    finally:
        app.test_client_class = CsrfClient


@dataclass
class World:
    district: object
    school: object
    sibling: object
    campaign: object
    other_campaign: object
    event: object
    sibling_event: object
    organiser: object
    staff: object
    officer: object
    school_organiser: object
    sibling_organiser: object
    invitees: list


@pytest.fixture
def world(db, make_unit, make_user, make_campaign, make_event):
    """A district with a school, a sibling district, a campaign and today's ceremony."""
    district = make_unit(name="Phòng GD&ĐT Bạch Thông", kind=UnitKind.DISTRICT_OFFICE)
    school = make_unit(district, name="Trường THCS Phủ Thông")
    sibling = make_unit(name="Phòng GD&ĐT Chợ Đồn", kind=UnitKind.DISTRICT_OFFICE)
    today = _today()
    campaign = make_campaign(
        district, year=today.year, start_date=today, end_date=today + dt.timedelta(days=6)
    )
    other_campaign = make_campaign(sibling, year=today.year, start_date=today, end_date=today)
    # Starting at midnight: check-in is open all day today.
    event = make_event(
        campaign, school, kind=EventKind.OPENING, title="Lễ khai mạc", start_time=dt.time(0, 0)
    )
    sibling_event = make_event(other_campaign, sibling, start_time=dt.time(0, 0))
    group = save_group(None, event, "Cấp huyện", None)
    invitees = [
        invite(
            event,
            district,
            PersonData(f"Nguyễn Văn {n}", title="Phó Chủ tịch", phone="0912345678"),
            group=group,
        )
        for n in range(3)
    ]
    db.session.commit()
    return World(
        district=district,
        school=school,
        sibling=sibling,
        campaign=campaign,
        other_campaign=other_campaign,
        event=event,
        sibling_event=sibling_event,
        organiser=make_user(district, Role.ORGANISER),
        staff=make_user(district, Role.CHECKIN_STAFF),
        officer=make_user(district, Role.REPORT_OFFICER),
        school_organiser=make_user(school, Role.ORGANISER),
        sibling_organiser=make_user(sibling, Role.ORGANISER),
        invitees=invitees,
    )


@pytest.fixture
def bearer(db):
    """Headers with a fresh API token of `user`."""

    def make(user) -> dict:
        _row, token = create_token(user, "test")
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.is_json
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["status"] == status
    assert isinstance(error["message"], str) and error["message"]
    return error


def live_checkins(db, event) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(CheckIn)
        .where(CheckIn.event_id == event.id, CheckIn.undone_at.is_(None))
    )


# --- authentication ----------------------------------------------------------------------


def _endpoints(world) -> list[tuple[str, str]]:
    e, c = world.event.id, world.campaign.id
    return [
        ("GET", "/campaigns"),
        ("GET", f"/campaigns/{c}/events"),
        ("POST", f"/campaigns/{c}/events"),
        ("GET", f"/events/{e}/invitees"),
        ("POST", f"/events/{e}/invitees"),
        ("POST", f"/events/{e}/checkins"),
        ("POST", f"/events/{e}/checkins/batch"),
        ("POST", f"/events/{e}/headcounts"),
        ("GET", f"/events/{e}/totals"),
    ]


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "unauthorized"),
        ("Token abc", "unauthorized"),
        ("Bearer", "unauthorized"),
        ("Bearer two words", "unauthorized"),
        ("Basic dXNlcjpwYXNz", "unauthorized"),
        ("Bearer not-a-token-of-ours", "invalid_token"),
    ],
)
def test_every_endpoint_needs_a_good_token(client, world, header, code):
    headers = {"Authorization": header} if header else {}
    for method, path in _endpoints(world):
        response = client.open(API + path, method=method, headers=headers, json={})
        assert_error(response, 401, code)
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_revoked_token_stops_working_at_once(client, db, world, bearer):
    headers = bearer(world.organiser)
    assert client.get(f"{API}/campaigns", headers=headers).status_code == 200
    revoke_token(db.session.scalar(select(ApiToken)))
    db.session.commit()
    assert_error(client.get(f"{API}/campaigns", headers=headers), 401, "invalid_token")


def test_a_deactivated_users_token_stops_working(client, db, world, bearer):
    headers = bearer(world.organiser)
    world.organiser.active = False
    db.session.commit()
    assert_error(client.get(f"{API}/campaigns", headers=headers), 401, "invalid_token")


def test_last_use_is_noted_at_most_once_a_minute(client, db, world, bearer):
    headers = bearer(world.organiser)
    client.get(f"{API}/campaigns", headers=headers)
    db.session.expire_all()
    token = db.session.scalar(select(ApiToken))
    first = token.last_used_at
    assert first is not None
    client.get(f"{API}/campaigns", headers=headers)
    db.session.expire_all()
    assert db.session.scalar(select(ApiToken)).last_used_at == first
    token.last_used_at = first - dt.timedelta(minutes=2)
    db.session.commit()
    client.get(f"{API}/campaigns", headers=headers)
    db.session.expire_all()
    assert db.session.scalar(select(ApiToken)).last_used_at > first - dt.timedelta(minutes=1)


def test_the_api_ignores_a_signed_in_browser_session(client, auth, world):
    auth.login(world.organiser)
    assert_error(client.get(f"{API}/campaigns"), 401, "unauthorized")


# --- errors ------------------------------------------------------------------------------


def test_unknown_urls_and_methods_answer_json_with_a_code(client, world, bearer):
    headers = bearer(world.organiser)
    assert_error(client.get(f"{API}/nothing/here", headers=headers), 404, "not_found")
    assert_error(client.get(f"{API}/", headers=headers), 404, "not_found")
    assert_error(client.get(f"{API}/events/abc/totals", headers=headers), 404, "not_found")
    response = client.delete(f"{API}/campaigns", headers=headers)
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]
    response = client.get(f"{API}/events/{world.event.id}/checkins", headers=headers)
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_an_unexpected_failure_is_a_json_internal_error(client, world, bearer, monkeypatch):
    def broken(_event):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "totals", broken)
    response = client.get(f"{API}/events/{world.event.id}/totals", headers=bearer(world.staff))
    assert_error(response, 500, "internal_error")


def test_messages_follow_the_requests_language(client, world, bearer):
    headers = bearer(world.staff)  # the staff member's account speaks Vietnamese
    url = f"{API}/campaigns/{world.campaign.id}/events"
    english = client.post(url, json={}, headers={**headers, "Accept-Language": "en"})
    message = assert_error(english, 403, "forbidden")["message"]
    assert message == "You do not have permission to do this."
    vietnamese = assert_error(client.post(url, json={}, headers=headers), 403, "forbidden")
    assert vietnamese["message"] != "You do not have permission to do this."


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("not json", "application/json"),
        ('{"code": ', "application/json"),
        ("[1, 2]", "application/json"),
        ('"a string"', "application/json"),
        ("code=abc", "application/x-www-form-urlencoded"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_invalid_json(
    client, world, bearer, body, content_type
):
    headers = {**bearer(world.organiser), "Content-Type": content_type}
    for method, path in _endpoints(world):
        if method == "POST":
            response = client.post(API + path, data=body, headers=headers)
            assert_error(response, 400, "invalid_json")


# --- campaigns and events ----------------------------------------------------------------


def test_campaigns_are_those_the_users_unit_sees(client, world, bearer):
    response = client.get(f"{API}/campaigns", headers=bearer(world.school_organiser))
    assert response.status_code == 200
    campaigns = response.get_json()["campaigns"]
    assert [c["id"] for c in campaigns] == [world.campaign.id]
    assert campaigns[0]["start_date"] == _today().isoformat()
    response = client.get(f"{API}/campaigns", headers=bearer(world.sibling_organiser))
    assert [c["id"] for c in response.get_json()["campaigns"]] == [world.other_campaign.id]


def test_a_campaigns_events_in_the_users_subtree(client, db, world, bearer, make_unit, make_event):
    other_school = make_unit(world.district, name="Trường TH Phủ Thông")
    make_event(world.campaign, other_school, title="Hoạt động đọc sách")
    url = f"{API}/campaigns/{world.campaign.id}/events"
    events = client.get(url, headers=bearer(world.organiser)).get_json()["events"]
    assert len(events) == 2
    events = client.get(url, headers=bearer(world.school_organiser)).get_json()["events"]
    assert [e["id"] for e in events] == [world.event.id]
    assert events[0]["kind"] == "opening" and events[0]["start_time"] == "00:00"
    assert_error(client.get(url, headers=bearer(world.sibling_organiser)), 404, "not_found")
    missing = f"{API}/campaigns/999999/events"
    assert_error(client.get(missing, headers=bearer(world.organiser)), 404, "not_found")


def _event_body(world, **changes) -> dict:
    body = {
        "kind": "opening",
        "title": "Lễ khai mạc Tuần lễ hưởng ứng học tập suốt đời",
        "unit_id": world.school.id,
        "date": "2023-10-02",
        "start_time": "07:30",
        "end_time": "09:30",
        "venue_name": "Trường THCS Phủ Thông",
        "report_row_id": category_rows(world.campaign)[0].id,
        "program": [
            {"start_time": "07:00", "end_time": "07:30", "content": "Đón tiếp đại biểu"},
            {
                "start_time": "07:30",
                "end_time": "07:40",
                "content": "Văn nghệ chào mừng",
                "performer": "Học sinh nhà trường",
            },
            {"start_time": "09:30", "content": "Các hoạt động hưởng ứng"},
        ],
    }
    body.update(changes)
    return body


def test_organisers_create_an_event_with_its_program(client, db, world, bearer):
    url = f"{API}/campaigns/{world.campaign.id}/events"
    response = client.post(url, json=_event_body(world), headers=bearer(world.organiser))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["unit_id"] == world.school.id and data["start_time"] == "07:30"
    assert [(p["position"], p["start_time"], p["end_time"]) for p in data["program"]] == [
        (1, "07:00", "07:30"),
        (2, "07:30", "07:40"),
        (3, "09:30", None),
    ]
    event = db.session.get(Event, data["id"])
    assert event.campaign_id == world.campaign.id and len(event.program) == 3
    assert event.program[1].performer == "Học sinh nhà trường"


def test_a_new_event_is_hosted_by_the_users_unit_by_default(client, db, world, bearer):
    url = f"{API}/campaigns/{world.campaign.id}/events"
    body = {"kind": "activity", "title": "Ngày hội đọc sách", "date": "2023-10-03"}
    response = client.post(url, json=body, headers=bearer(world.school_organiser))
    assert response.status_code == 201
    assert response.get_json()["unit_id"] == world.school.id
    assert response.get_json()["program"] == []


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"title": None, "kind": "party"}, {"title", "kind"}),
        ({"title": "   "}, {"title"}),
        ({"date": "02/10/2023"}, {"date"}),
        ({"date": "2023-02-30"}, {"date"}),
        ({"start_time": "7h30", "end_time": 930}, {"start_time", "end_time"}),
        ({"start_time": "09:30", "end_time": "07:30"}, {"end_time"}),
        ({"title": 12, "venue_name": ["a"]}, {"title", "venue_name"}),
        ({"unit_id": "3"}, {"unit_id"}),
        ({"report_row_id": 999999}, {"report_row_id"}),
        ({"program": "none"}, {"program"}),
        ({"program": [{"content": "Khai mạc", "start_time": "08:00", "end_time": "07:00"}]},
         {"program.0.end_time"}),
        ({"program": [{"content": "A"}, {"performer": "B"}, 3]},
         {"program.1.content", "program.2"}),
    ],
)  # fmt: skip
def test_event_validation_names_every_field(client, db, world, bearer, changes, fields):
    url = f"{API}/campaigns/{world.campaign.id}/events"
    response = client.post(url, json=_event_body(world, **changes), headers=bearer(world.organiser))
    error = assert_error(response, 422, "validation_failed")
    assert set(error["details"]) == fields
    assert db.session.scalar(select(func.count()).select_from(Event)) == 2


def test_an_event_cannot_be_hosted_outside_the_users_subtree(client, world, bearer):
    url = f"{API}/campaigns/{world.campaign.id}/events"
    body = _event_body(world, unit_id=world.sibling.id)
    error = assert_error(client.post(url, json=body, headers=bearer(world.organiser)), 422,
                         "validation_failed")  # fmt: skip
    assert set(error["details"]) == {"unit_id"}


@pytest.mark.parametrize("role", [Role.CHECKIN_STAFF, Role.REPORT_OFFICER])
def test_only_organisers_create_events(client, world, bearer, make_user, role):
    url = f"{API}/campaigns/{world.campaign.id}/events"
    headers = bearer(make_user(world.district, role))
    assert_error(client.post(url, json=_event_body(world), headers=headers), 403, "forbidden")


def test_events_cannot_be_added_to_an_invisible_campaign(client, world, bearer):
    url = f"{API}/campaigns/{world.other_campaign.id}/events"
    response = client.post(url, json=_event_body(world), headers=bearer(world.organiser))
    assert_error(response, 404, "not_found")


# --- invitees ----------------------------------------------------------------------------


def test_invitees_are_added_in_bulk_with_their_tokens(client, db, world, bearer):
    url = f"{API}/events/{world.event.id}/invitees"
    body = {
        "invitees": [
            {"full_name": "Hoàng Thị Lan", "title": "Chủ tịch", "group": "Cấp huyện",
             "phone": "+84 912 000 111", "email": "Lan@Example.vn", "protocol_rank": 1},
            {"full_name": "Lý Văn Hùng", "organisation": "Công ty Hảo Tâm",
             "group": "Các nhà hảo tâm"},
            {"full_name": "Đinh Văn Tú", "group": "Các nhà hảo tâm"},
            {"full_name": "Vi Thị Hoa"},
        ]
    }  # fmt: skip
    response = client.post(url, json=body, headers=bearer(world.organiser))
    assert response.status_code == 201, response.get_json()
    created = response.get_json()["invitees"]
    assert [c["group"] for c in created] == ["Cấp huyện", "Các nhà hảo tâm", "Các nhà hảo tâm", ""]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32,}", c["token"]) for c in created)
    lan = db.session.get(Invitee, created[0]["id"])
    assert lan.phone == "0912000111" and lan.email == "lan@example.vn" and lan.protocol_rank == 1
    groups = db.session.scalars(
        select(InviteeGroup.name).where(InviteeGroup.event_id == world.event.id)
    ).all()
    assert sorted(groups) == ["Các nhà hảo tâm", "Cấp huyện"]  # the existing group reused

    listed = client.get(url, headers=bearer(world.school_organiser)).get_json()["invitees"]
    assert len(listed) == 7
    first = listed[0]  # protocol order
    assert first["full_name"] == "Hoàng Thị Lan" and first["rsvp"] == "pending"
    assert first["phone"] == "0912000111" and first["token"] == created[0]["token"]


def test_invitees_are_all_or_nothing(client, db, world, bearer):
    url = f"{API}/events/{world.event.id}/invitees"
    body = {
        "invitees": [
            {"full_name": "Hoàng Thị Lan"},
            {"full_name": "Lý Văn Hùng", "phone": "12345"},
            {"title": "Chủ tịch", "email": "not-an-email"},
            {"full_name": "Vi Thị Hoa", "protocol_rank": "first"},
        ]
    }
    error = assert_error(client.post(url, json=body, headers=bearer(world.organiser)), 422,
                         "validation_failed")  # fmt: skip
    assert set(error["details"]) == {
        "invitees.1.phone",
        "invitees.2.full_name",
        "invitees.2.email",
        "invitees.3.protocol_rank",
    }
    assert db.session.scalar(select(func.count()).select_from(Invitee)) == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "invitees"),
        ({"invitees": []}, "invitees"),
        ({"invitees": {"full_name": "A"}}, "invitees"),
        ({"invitees": [{"full_name": f"Người {n}"} for n in range(2001)]}, "invitees"),
    ],
)
def test_an_invitee_list_of_the_wrong_shape(client, world, bearer, body, field):
    url = f"{API}/events/{world.event.id}/invitees"
    error = assert_error(client.post(url, json=body, headers=bearer(world.organiser)), 422,
                         "validation_failed")  # fmt: skip
    assert set(error["details"]) == {field}


@pytest.mark.parametrize("role", [Role.CHECKIN_STAFF, Role.REPORT_OFFICER])
def test_invitees_and_their_contact_details_are_for_organisers(
    client, world, bearer, make_user, role
):
    url = f"{API}/events/{world.event.id}/invitees"
    headers = bearer(make_user(world.district, role))
    assert_error(client.get(url, headers=headers), 403, "forbidden")
    body = {"invitees": [{"full_name": "Hoàng Thị Lan"}]}
    assert_error(client.post(url, json=body, headers=headers), 403, "forbidden")


def test_another_units_event_is_not_found(client, world, bearer):
    headers = bearer(world.organiser)
    e = world.sibling_event.id
    assert_error(client.get(f"{API}/events/{e}/invitees", headers=headers), 404, "not_found")
    body = {"invitees": [{"full_name": "Hoàng Thị Lan"}]}
    response = client.post(f"{API}/events/{e}/invitees", json=body, headers=headers)
    assert_error(response, 404, "not_found")
    response = client.post(f"{API}/events/{e}/checkins", json={"code": "x"}, headers=headers)
    assert_error(response, 404, "not_found")
    response = client.post(
        f"{API}/events/{e}/headcounts", json={"label": "Lớp 6A", "count": 3}, headers=headers
    )
    assert_error(response, 404, "not_found")
    assert_error(client.get(f"{API}/events/{e}/totals", headers=headers), 404, "not_found")
    assert_error(client.get(f"{API}/events/999999/totals", headers=headers), 404, "not_found")
    # An organiser of the school does not see the district's own events either.
    response = client.get(f"{API}/events/{e}/totals", headers=bearer(world.school_organiser))
    assert_error(response, 404, "not_found")


# --- check-ins ---------------------------------------------------------------------------


def test_a_check_in_by_token_then_again(client, db, world, bearer):
    url = f"{API}/events/{world.event.id}/checkins"
    invitee = world.invitees[0]
    headers = bearer(world.staff)
    response = client.post(url, json={"code": invitee.token, "device_id": "phone-1"},
                           headers=headers)  # fmt: skip
    assert response.status_code == 201
    data = response.get_json()
    assert data["outcome"] == "ok" and data["previous"] is None
    assert data["invitee"] == {
        "id": invitee.id,
        "full_name": invitee.full_name,
        "title": "Phó Chủ tịch",
        "group": "Cấp huyện",
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", data["checked_in_at"])
    row = db.session.scalar(select(CheckIn))
    assert row.device_id == "phone-1" and row.user_id == world.staff.id

    # The QR code's whole URL, scanned by an organiser: already checked in, by whom.
    response = client.post(url, json={"code": f"https://example.vn/i/{invitee.token}"},
                           headers=bearer(world.organiser))  # fmt: skip
    assert response.status_code == 200
    data = response.get_json()
    assert data["outcome"] == "already"
    assert data["previous"]["by"] == world.staff.name
    assert data["previous"]["checked_in_at"] == data["checked_in_at"]
    assert live_checkins(db, world.event) == 1


def test_red_scans_are_answers_not_errors(client, db, world, bearer, make_event):
    url = f"{API}/events/{world.event.id}/checkins"
    headers = bearer(world.organiser)

    def outcome(code, target=url, **extra):
        response = client.post(target, json={"code": code, **extra}, headers=headers)
        return response.status_code, response.get_json()

    assert outcome("nothing-of-ours")[1]["outcome"] == "unknown"
    revoked = world.invitees[1]
    old_token = revoked.token
    revoke_invitee_token(revoked)
    db.session.commit()
    status, data = outcome(old_token)
    assert (status, data["outcome"], data["invitee"]) == (200, "revoked", None)

    stranger = invite(world.sibling_event, world.sibling, PersonData("Người lạ"))
    db.session.commit()
    status, data = outcome(stranger.token)
    assert (status, data["outcome"], data["invitee"]) == (200, "other_event", None)

    tomorrow = make_event(world.campaign, world.school, date=_today() + dt.timedelta(days=2))
    invite(tomorrow, world.district, PersonData("Khách"), invitee=world.invitees[2])
    db.session.commit()
    later = f"{API}/events/{tomorrow.id}/checkins"
    status, data = outcome(world.invitees[2].token, later)
    assert (status, data["outcome"]) == (200, "too_early")
    status, data = outcome(world.invitees[2].token, later, override=True)
    assert (status, data["outcome"]) == (201, "ok")
    assert live_checkins(db, world.event) == 0


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"code"}),
        ({"code": 123}, {"code"}),
        ({"code": "abc", "override": "yes"}, {"override"}),
        ({"code": "abc", "device_id": "x" * 65}, {"device_id"}),
    ],
)
def test_a_check_in_with_wrong_fields(client, world, bearer, body, fields):
    url = f"{API}/events/{world.event.id}/checkins"
    error = assert_error(client.post(url, json=body, headers=bearer(world.staff)), 422,
                         "validation_failed")  # fmt: skip
    assert set(error["details"]) == fields


def test_report_officers_do_not_check_people_in(client, db, world, bearer):
    headers = bearer(world.officer)
    e = world.event.id
    body = {"code": world.invitees[0].token}
    assert_error(client.post(f"{API}/events/{e}/checkins", json=body, headers=headers), 403,
                 "forbidden")  # fmt: skip
    batch = {"items": [_item(world.invitees[0].token, "2023-10-02T00:12:00Z")]}
    response = client.post(f"{API}/events/{e}/checkins/batch", json=batch, headers=headers)
    assert_error(response, 403, "forbidden")
    body = {"label": "Lớp 6A", "count": 35}
    response = client.post(f"{API}/events/{e}/headcounts", json=body, headers=headers)
    assert_error(response, 403, "forbidden")
    assert live_checkins(db, world.event) == 0
    # …but they read the totals.
    assert client.get(f"{API}/events/{e}/totals", headers=headers).status_code == 200


# --- offline batches ---------------------------------------------------------------------


def _item(code: str, scanned_at: str, client_uuid: str | None = None) -> dict:
    return {"client_uuid": client_uuid or str(uuid.uuid4()), "code": code,
            "scanned_at": scanned_at}  # fmt: skip


def test_the_same_batch_three_times_counts_each_person_once(client, db, world, bearer):
    url = f"{API}/events/{world.event.id}/checkins/batch"
    headers = bearer(world.staff)
    a, b, _c = world.invitees
    batch = {
        "device_id": "phone-1",
        "items": [
            _item(a.token, "2023-10-02T00:12:00Z"),
            _item(b.token, "2023-10-02T07:13:00+07:00"),
            _item("unknown-code", "2023-10-02T00:14:00Z"),
        ],
    }
    first = client.post(url, json=batch, headers=headers)
    assert first.status_code == 200
    results = first.get_json()["results"]
    assert [r["outcome"] for r in results] == ["ok", "ok", "unknown"]
    assert [r["client_uuid"] for r in results] == [i["client_uuid"] for i in batch["items"]]
    assert results[0] == {
        "client_uuid": batch["items"][0]["client_uuid"],
        "outcome": "ok",
        "invitee_id": a.id,
        "name": a.full_name,
        "checked_in_at": "2023-10-02T00:12:00Z",
    }
    assert results[1]["checked_in_at"] == "2023-10-02T00:13:00Z"
    for _ in range(2):
        again = client.post(url, json=batch, headers=headers).get_json()["results"]
        assert [r["outcome"] for r in again] == ["duplicate", "duplicate", "unknown"]
        assert again[0]["invitee_id"] == a.id
        assert again[0]["checked_in_at"] == "2023-10-02T00:12:00Z"
    assert live_checkins(db, world.event) == 2
    totals = client.get(f"{API}/events/{world.event.id}/totals", headers=headers).get_json()
    assert totals["checked_in_invitees"] == 2


def test_two_phones_overlapping_keep_the_earliest_scan(client, db, world, bearer):
    url = f"{API}/events/{world.event.id}/checkins/batch"
    headers = bearer(world.staff)
    a, b, c = world.invitees
    phone_1 = {
        "device_id": "phone-1",
        "items": [_item(a.token, "2023-10-02T00:20:00Z"), _item(b.token, "2023-10-02T00:21:00Z")],
    }
    phone_2 = {
        "device_id": "phone-2",
        "items": [
            _item(a.token, "2023-10-02T00:05:00Z"),  # earlier than phone 1's scan
            _item(b.token, "2023-10-02T00:30:00Z"),  # later
            _item(c.token, "2023-10-02T00:31:00Z"),
        ],
    }
    outcomes_1 = [r["outcome"] for r in client.post(url, json=phone_1, headers=headers)
                  .get_json()["results"]]  # fmt: skip
    results_2 = client.post(url, json=phone_2, headers=headers).get_json()["results"]
    assert outcomes_1 == ["ok", "ok"]
    assert [r["outcome"] for r in results_2] == ["already", "already", "ok"]
    assert results_2[0]["checked_in_at"] == "2023-10-02T00:05:00Z"
    # Both phones sync again: nothing changes.
    client.post(url, json=phone_2, headers=headers)
    client.post(url, json=phone_1, headers=headers)
    db.session.expire_all()
    rows = {
        row.invitee_id: row
        for row in db.session.scalars(select(CheckIn).where(CheckIn.undone_at.is_(None)))
    }
    assert len(rows) == 3
    assert rows[a.id].checked_in_at == dt.datetime(2023, 10, 2, 0, 5)
    assert rows[b.id].checked_in_at == dt.datetime(2023, 10, 2, 0, 21)
    assert rows[c.id].device_id == "phone-2"


def test_a_batch_with_bad_items_is_refused_whole(client, db, world, bearer):
    url = f"{API}/events/{world.event.id}/checkins/batch"
    token = world.invitees[0].token
    batch = {
        "items": [
            _item(token, "2023-10-02T00:12:00Z"),
            _item(token, "2023-10-02T00:12:00Z", client_uuid="not-a-uuid"),
            _item(token, "02/10/2023 7h12"),
            _item(token, "2023-10-02T07:12:00"),  # no offset: which clock?
            {"client_uuid": str(uuid.uuid4()), "scanned_at": "2023-10-02T00:12:00Z"},
            "just a string",
        ]
    }
    error = assert_error(client.post(url, json=batch, headers=bearer(world.staff)), 422,
                         "validation_failed")  # fmt: skip
    assert set(error["details"]) == {
        "items.1.client_uuid",
        "items.2.scanned_at",
        "items.3.scanned_at",
        "items.4.code",
        "items.5",
    }
    assert live_checkins(db, world.event) == 0


@pytest.mark.parametrize(
    "body",
    [{}, {"items": []}, {"items": "x"}, {"items": [{}] * 1001}, {"items": [], "device_id": 5}],
)
def test_a_batch_of_the_wrong_shape(client, world, bearer, body):
    url = f"{API}/events/{world.event.id}/checkins/batch"
    assert_error(client.post(url, json=body, headers=bearer(world.staff)), 422,
                 "validation_failed")  # fmt: skip


# --- headcounts and totals ---------------------------------------------------------------


def test_headcounts_count_as_persons_once_per_client_uuid(client, db, world, bearer):
    e = world.event.id
    headers = bearer(world.staff)
    key = str(uuid.uuid4())
    body = {"label": "Lớp 6A", "count": 35, "client_uuid": key}
    response = client.post(f"{API}/events/{e}/headcounts", json=body, headers=headers)
    assert response.status_code == 201
    data = response.get_json()
    assert data["label"] == "Lớp 6A" and data["count"] == 35 and data["client_uuid"] == key
    again = client.post(f"{API}/events/{e}/headcounts", json=body, headers=headers)
    assert again.status_code == 200 and again.get_json()["id"] == data["id"]
    body = {"label": "Đại diện nhân dân", "count": 10}
    assert (
        client.post(f"{API}/events/{e}/headcounts", json=body, headers=headers).status_code == 201
    )
    client.post(f"{API}/events/{e}/checkins", json={"code": world.invitees[0].token},
                headers=headers)  # fmt: skip

    totals = client.get(f"{API}/events/{e}/totals", headers=bearer(world.officer)).get_json()
    assert totals == {
        "event_id": e,
        "invited": 3,
        "confirmed": 0,
        "checked_in_invitees": 1,
        "walk_ins": 0,
        "headcounts": 45,
        "persons": 46,
    }
    assert db.session.scalar(select(func.count()).select_from(Headcount)) == 2


def test_a_client_uuid_of_another_events_headcount_conflicts(client, db, world, bearer, make_event):
    other = make_event(world.campaign, world.school)
    key = str(uuid.uuid4())
    headers = bearer(world.staff)
    body = {"label": "Lớp 6A", "count": 35, "client_uuid": key}
    client.post(f"{API}/events/{world.event.id}/headcounts", json=body, headers=headers)
    response = client.post(f"{API}/events/{other.id}/headcounts", json=body, headers=headers)
    assert_error(response, 409, "conflict")


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"label", "count"}),
        ({"label": "Lớp 6A", "count": -1}, {"count"}),
        ({"label": "Lớp 6A", "count": 100_001}, {"count"}),
        ({"label": "Lớp 6A", "count": "35"}, {"count"}),
        ({"label": "Lớp 6A", "count": 3.5}, {"count"}),
        ({"label": "Lớp 6A", "count": True}, {"count"}),
        ({"label": "", "count": 3}, {"label"}),
        ({"label": "Lớp 6A", "count": 3, "client_uuid": "123"}, {"client_uuid"}),
    ],
)
def test_a_headcount_with_wrong_fields(client, world, bearer, body, fields):
    url = f"{API}/events/{world.event.id}/headcounts"
    error = assert_error(client.post(url, json=body, headers=bearer(world.staff)), 422,
                         "validation_failed")  # fmt: skip
    assert set(error["details"]) == fields


# --- the OpenAPI document ----------------------------------------------------------------


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.removeprefix(API))


def _resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        node = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def test_the_openapi_document_describes_every_route(app, client):
    response = client.get(f"{API}/openapi.json")  # no token needed
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert document["security"] == [{"bearerAuth": []}]
    error = document["components"]["schemas"]["Error"]["properties"]["error"]
    assert set(error["required"]) == {"code", "message", "status"}

    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(f"{api_bp.name}.") and rule.endpoint != "api.unknown":
            methods = {m.lower() for m in rule.methods} - {"head", "options"}
            routes.setdefault(_openapi_path(rule.rule), set()).update(methods)
    assert set(routes) == set(document["paths"])
    for path, methods in routes.items():
        item = document["paths"][path]
        assert methods == set(item) - {"parameters"}, path
        for name in re.findall(r"{([a-z_]+)}", path):
            assert any(p["name"] == name and p["in"] == "path" for p in item["parameters"])
        for method in methods:
            operation = item[method]
            assert operation["summary"] and operation["responses"]
            for status, answer in operation["responses"].items():
                assert re.fullmatch(r"[1-5]\d\d", status)
                answer = _resolve(document, answer)
                assert answer["description"]
                for media in answer.get("content", {}).values():
                    _resolve(document, media["schema"])  # every reference resolves
                if status.startswith(("4", "5")):
                    assert media["schema"] == {"$ref": "#/components/schemas/Error"}
            if "requestBody" in operation:
                body = operation["requestBody"]["content"]["application/json"]["schema"]
                assert _resolve(document, body)["type"] == "object"
            if path != "/openapi.json" and method == "post":
                assert {"400", "401", "422"} <= set(operation["responses"])


def _assert_matches(document: dict, schema: dict, value) -> None:
    """Top-level (and list items') fields are the documented ones, required ones present."""
    schema = _resolve(document, schema)
    if isinstance(value, dict):
        properties = schema["properties"]
        assert set(value) <= set(properties), set(value) - set(properties)
        assert set(schema.get("required", [])) <= set(value)
        for key, inner in value.items():
            inner_schema = _resolve(document, properties[key])
            if isinstance(inner, list) and "items" in inner_schema:
                for item in inner:
                    _assert_matches(document, inner_schema["items"], item)


def test_real_answers_match_the_document(client, db, world, bearer):
    document = client.get(f"{API}/openapi.json").get_json()
    headers = bearer(world.organiser)
    e, c = world.event.id, world.campaign.id

    def check(method, path, status, body=None, template=None):
        response = client.open(API + path, method=method, json=body, headers=headers)
        assert response.status_code == status, response.get_json()
        operation = document["paths"][template or path][method.lower()]
        answer = _resolve(document, operation["responses"][str(status)])
        _assert_matches(document, answer["content"]["application/json"]["schema"],
                        response.get_json())  # fmt: skip

    check("GET", "/campaigns", 200)
    check("GET", f"/campaigns/{c}/events", 200, template="/campaigns/{campaign_id}/events")
    check("POST", f"/campaigns/{c}/events", 201, _event_body(world),
          template="/campaigns/{campaign_id}/events")  # fmt: skip
    check("POST", f"/campaigns/{c}/events", 422, {}, template="/campaigns/{campaign_id}/events")
    invitees = "/events/{event_id}/invitees"
    check("POST", f"/events/{e}/invitees", 201, {"invitees": [{"full_name": "A"}]}, invitees)
    check("GET", f"/events/{e}/invitees", 200, template=invitees)
    checkins = "/events/{event_id}/checkins"
    check("POST", f"/events/{e}/checkins", 201, {"code": world.invitees[0].token}, checkins)
    check("POST", f"/events/{e}/checkins", 200, {"code": world.invitees[0].token}, checkins)
    check("POST", f"/events/{e}/checkins", 200, {"code": "nope"}, checkins)
    batch = {"items": [_item(world.invitees[1].token, "2023-10-02T00:12:00Z")]}
    check("POST", f"/events/{e}/checkins/batch", 200, batch, "/events/{event_id}/checkins/batch")
    check("POST", f"/events/{e}/headcounts", 201, {"label": "Lớp 6A", "count": 35},
          "/events/{event_id}/headcounts")  # fmt: skip
    check("GET", f"/events/{e}/totals", 200, template="/events/{event_id}/totals")
    check("GET", "/events/999999/totals", 404, template="/events/{event_id}/totals")


# --- concurrency (PostgreSQL) ------------------------------------------------------------


@pytest.mark.skipif(TEST_DB != "postgresql", reason="row locking is what PostgreSQL is for")
def test_twenty_scanners_at_once_check_a_person_in_once(app, db, world, bearer):
    url = f"{API}/events/{world.event.id}/checkins"
    token = world.invitees[0].token
    headers = bearer(world.staff)
    start = threading.Barrier(20)
    outcomes: list[str] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def scanner(n: int) -> None:
        try:
            # One client per thread; each request runs in an app context (and session) of its own.
            client = ApiClient(app, app.response_class)
            start.wait(timeout=30)
            body = {"code": token, "device_id": f"phone-{n}"}
            response = client.post(url, json=body, headers=headers)
            with lock:
                outcomes.append(response.get_json()["outcome"])
        except BaseException as exc:  # reported below, not lost in the thread
            with lock:
                failures.append(exc)

    threads = [threading.Thread(target=scanner, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    assert sorted(outcomes) == ["already"] * 19 + ["ok"]
    db.session.expire_all()
    assert live_checkins(db, world.event) == 1

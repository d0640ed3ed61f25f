"""The JSON API under load: its own rate limits, the cost of authenticating a request, inviting
a long list in a few statements, and who the audit trail names for a token's changes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.checkin.models import ApiToken
from app.checkin.tokens import create_token
from app.invitations.models import Invitation, Invitee
from app.schedule.models import EventKind
from app.units.models import Role, UnitKind
from tests.conftest import TEST_DB

API = "/api/v1"


@pytest.fixture
def ceremony(db, make_unit, make_user, make_campaign, make_event):
    """A district's opening ceremony and an organiser with a named token."""
    district = make_unit(name="Phòng GD&ĐT Bạch Thông", kind=UnitKind.DISTRICT_OFFICE)
    campaign = make_campaign(district)
    event = make_event(campaign, district, kind=EventKind.OPENING, title="Lễ khai mạc")
    organiser = make_user(district, Role.ORGANISER, name="Trần Thu Hà")
    _row, token = create_token(organiser, "Máy tính phòng tổ chức")
    db.session.commit()
    return {"event": event, "headers": {"Authorization": f"Bearer {token}"}}


def _people(count: int, start: int = 0) -> list[dict]:
    return [
        {
            "full_name": f"Nguyễn Văn {n}",
            "organisation": "Trường THCS Phủ Thông",
            "group": f"Tổ {n % 3}",
        }
        for n in range(start, start + count)
    ]


# --- Authentication's cost ------------------------------------------------------------------


def _statements(db, fn) -> list[str]:
    """The SQL statements fn() sends, as text."""
    seen = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()))

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)
    return seen


def test_a_request_authenticates_in_one_query_and_notes_the_last_use_once_a_minute(
    client, db, ceremony
):
    url = f"{API}/events/{ceremony['event'].id}/totals"

    def call():
        assert client.get(url, headers=ceremony["headers"]).status_code == 200

    first = _statements(db, call)
    assert any(s.startswith("UPDATE api_token SET last_used_at") for s in first)
    again = _statements(db, call)
    # The token with its user and their unit in one query; the event with its unit in one.
    assert [s.split(" FROM ")[1].split()[0] for s in again[:2]] == ["api_token", "event"]
    assert not any(s.startswith(("UPDATE", "SELECT user_account", "SELECT unit")) for s in again)
    db.session.expire_all()
    token = db.session.scalar(select(ApiToken))
    token.last_used_at -= dt.timedelta(minutes=2)
    db.session.commit()
    later = _statements(db, call)  # a minute later, noted again
    assert any(s.startswith("UPDATE api_token SET last_used_at") for s in later)


# --- Bulk invitations -----------------------------------------------------------------------


def test_inviting_a_long_list_takes_as_many_statements_as_a_short_one(
    client, db, ceremony, count_statements
):
    url = f"{API}/events/{ceremony['event'].id}/invitees"

    def invite(people):
        def call():
            response = client.post(
                url, json={"invitees": people}, headers=ceremony["headers"], csrf=False
            )
            assert response.status_code == 201, response.get_json()

        return call

    # The first list makes the groups.
    client.post(url, json={"invitees": _people(3)}, headers=ceremony["headers"], csrf=False)
    short = count_statements(invite(_people(5, start=10)))
    long = count_statements(invite(_people(200, start=100)))
    if TEST_DB == "postgresql":
        assert long == short  # two multi-row INSERTs (invitees, invitations) whatever the length
    else:
        # SQLite cannot say which RETURNING row is which in a multi-row INSERT, so SQLAlchemy
        # inserts row by row there; nothing else grows with the list.
        assert long - short == 2 * (200 - 5)
    invitees = db.session.scalars(select(Invitee).order_by(Invitee.id)).all()
    assert len(invitees) == 3 + 5 + 200
    assert len({invitee.token for invitee in invitees}) == len(invitees)
    assert all(invitee.token_issued_at is not None for invitee in invitees)
    groups = db.session.execute(
        select(Invitee.full_name, Invitation.group_id).join(Invitation.invitee)
    ).all()
    assert len(groups) == len(invitees) and all(group_id for _name, group_id in groups)


def test_every_invitee_of_a_bulk_list_is_in_the_audit_trail_under_the_tokens_name(
    client, db, ceremony
):
    url = f"{API}/events/{ceremony['event'].id}/invitees"
    response = client.post(
        url, json={"invitees": _people(4)}, headers=ceremony["headers"], csrf=False
    )
    assert response.status_code == 201
    lines = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "Invitee").order_by(AuditEvent.id)
    ).all()
    assert [line.label for line in lines] == [f"Nguyễn Văn {n}" for n in range(4)]
    assert {line.actor for line in lines} == {"Máy tính phòng tổ chức · Trần Thu Hà"}


# --- Rate limits ----------------------------------------------------------------------------


def _get(app, headers: dict, address: str = "127.0.0.1"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client.get(f"{API}/campaigns", headers=headers)


def test_a_token_over_its_limit_gets_a_json_429_and_other_tokens_go_on(
    limited_app, db, make_unit, make_user
):
    limited_app.config["API_TOKEN_RATE_LIMIT"] = "3 per minute"
    unit = make_unit()
    _row, busy = create_token(make_user(unit, Role.CHECKIN_STAFF), "Cổng A")
    _row, calm = create_token(make_user(unit, Role.CHECKIN_STAFF), "Cổng B")
    db.session.commit()
    busy_headers = {"Authorization": f"Bearer {busy}"}
    answers = [_get(limited_app, busy_headers) for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    error = answers[-1].get_json()["error"]
    assert error["code"] == "rate_limited" and error["message"]
    assert int(answers[-1].headers["Retry-After"]) > 0
    assert _get(limited_app, {"Authorization": f"Bearer {calm}"}).status_code == 200


def test_one_address_is_limited_whatever_tokens_it_tries(limited_app, db):
    limited_app.config["API_ADDRESS_RATE_LIMIT"] = "5 per minute"
    statuses = [
        _get(limited_app, {"Authorization": f"Bearer guess-{n}"}, "203.0.113.7").status_code
        for n in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    assert _get(limited_app, {"Authorization": "Bearer guess"}, "198.51.100.2").status_code == 401

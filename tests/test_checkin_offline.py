"""The scanner's offline mode on the server: the roster a phone keeps (hashed tokens, no
personal contacts) and the sync of queued scans (idempotent, earliest scan wins, CSRF,
permissions)."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import pytest
from sqlalchemy import func, select

from app.checkin.models import CheckIn, CheckInMethod
from app.checkin.services import Actor, check_in_invitee
from tests.test_checkin_scanner import world  # noqa: F401  (the fixture)


def sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def iso(moment: dt.datetime) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def checkins_of(db, event, invitee=None) -> list[CheckIn]:
    db.session.expire_all()
    query = select(CheckIn).where(CheckIn.event_id == event.id, CheckIn.undone_at.is_(None))
    if invitee is not None:
        query = query.where(CheckIn.invitee_id == invitee.id)
    return list(db.session.scalars(query))


def sync(client, event, items, device_id="phone-1", csrf=True, body=None):
    headers = {"Accept": "application/json"}
    if csrf:
        headers["X-CSRFToken"] = client._token()
    return client.post(
        f"/events/{event.id}/checkin/sync",
        data=body if body is not None else None,
        json=None if body is not None else {"device_id": device_id, "items": items},
        headers=headers,
        content_type="application/json",
        csrf=False,
    )


def item(token, at=None, client_uuid=None):
    return {
        "client_uuid": client_uuid or str(uuid.uuid4()),
        "code": token,
        "scanned_at": iso(at or now()),
    }


@pytest.fixture
def staff(world, auth):  # noqa: F811
    auth.login(world["users"]["staff"])
    return world["users"]["staff"]


# --- the roster --------------------------------------------------------------------------


def test_the_roster_has_hashes_names_and_groups_only(client, world, staff, db):  # noqa: F811
    opening, chairman, teacher = world["opening"], world["chairman"], world["teacher"]
    check_in_invitee(opening, teacher, Actor(user=staff), method=CheckInMethod.SCAN)
    db.session.commit()
    response = client.get(f"/events/{opening.id}/checkin/roster.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    for secret in ("0912", "0987", "luan@example.vn", "@", chairman.token, teacher.token):
        assert secret not in body
    data = response.get_json()
    assert data["event_id"] == opening.id
    assert data["opens"].endswith("Z") and data["closes"].endswith("Z")
    assert data["opens"] < data["closes"]
    assert sorted(data["invitees"], key=lambda p: p["name"]) == [
        {"h": sha(chairman.token), "name": "Nguyễn Duy Luân", "group": "Cấp huyện"},
        {"h": sha(teacher.token), "name": "Trần Thị Hồng Đào", "group": "Cấp huyện"},
    ]
    assert data["checked_in"] == [sha(teacher.token)]


# --- the sync ----------------------------------------------------------------------------


def test_the_same_batch_three_times_checks_each_person_in_once(client, world, staff, db):  # noqa: F811
    opening, chairman, teacher = world["opening"], world["chairman"], world["teacher"]
    batch = [
        item(f"http://localhost/i/{chairman.token}"),
        item(teacher.token),
        item("no-such-code"),
    ]
    first = sync(client, opening, batch)
    assert first.status_code == 200, first.get_data(as_text=True)
    assert [r["outcome"] for r in first.get_json()["results"]] == ["ok", "ok", "unknown"]
    assert [r["client_uuid"] for r in first.get_json()["results"]] == [
        i["client_uuid"] for i in batch
    ]
    for _ in range(2):
        again = sync(client, opening, batch)
        assert [r["outcome"] for r in again.get_json()["results"]] == [
            "duplicate",
            "duplicate",
            "unknown",
        ]
    rows = checkins_of(db, opening)
    assert sorted(row.invitee_id for row in rows) == sorted([chairman.id, teacher.id])
    assert all(row.user_id == staff.id and row.device_id == "phone-1" for row in rows)


def test_two_phones_overlapping_keep_the_first_scan_time(client, world, staff, db):  # noqa: F811
    opening, chairman, teacher = world["opening"], world["chairman"], world["teacher"]
    early, late = now() - dt.timedelta(minutes=10), now() - dt.timedelta(minutes=2)
    one = sync(client, opening, [item(chairman.token, late)], device_id="phone-1")
    assert [r["outcome"] for r in one.get_json()["results"]] == ["ok"]
    two = sync(
        client,
        opening,
        [item(chairman.token, early), item(teacher.token, late)],
        device_id="phone-2",
    )
    results = two.get_json()["results"]
    assert [r["outcome"] for r in results] == ["already", "ok"]
    assert results[0]["name"] == "Nguyễn Duy Luân"
    [row] = checkins_of(db, opening, chairman)
    assert row.checked_in_at == early and row.device_id == "phone-1"
    assert len(checkins_of(db, opening)) == 2


@pytest.mark.parametrize(
    ("body", "bad_key"),
    [
        ("not json", "body"),
        ('["a list"]', "body"),
        ('{"items": []}', "items"),
        (
            '{"items": [{"client_uuid": "nope", "code": "x", "scanned_at": "2024-10-01T00:30:00Z"}]}',
            "items.0.client_uuid",
        ),
        (
            '{"items": [{"client_uuid": "0f8fad5b-d9cb-469f-a165-70867728950e", "code": "x",'
            ' "scanned_at": "yesterday"}]}',
            "items.0.scanned_at",
        ),
        (
            '{"items": [{"client_uuid": "0f8fad5b-d9cb-469f-a165-70867728950e",'
            ' "scanned_at": "2024-10-01T00:30:00"}]}',
            "items.0.code",
        ),
    ],
)
def test_bad_batches_are_refused_with_422(client, world, staff, db, body, bad_key):  # noqa: F811
    response = sync(client, world["opening"], None, body=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert bad_key in error["details"]
    assert checkins_of(db, world["opening"]) == []


def test_a_mixed_batch_names_each_bad_item(client, world, staff, db):  # noqa: F811
    opening, chairman = world["opening"], world["chairman"]
    good = item(chairman.token)
    bad = {**item(chairman.token), "client_uuid": "123"}
    response = sync(client, opening, [good, bad, {**good, "scanned_at": "2024-10-01 00:30"}])
    assert response.status_code == 422
    details = response.get_json()["error"]["details"]
    assert set(details) == {"items.1.client_uuid", "items.2.scanned_at"}
    assert checkins_of(db, opening) == []


def test_more_than_1000_items_are_refused(client, world, staff, db):  # noqa: F811
    response = sync(client, world["opening"], [item("x")] * 1001)
    assert response.status_code == 422
    assert "items" in response.get_json()["error"]["details"]


def test_the_sync_needs_the_csrf_header(client, world, staff, db):  # noqa: F811
    response = sync(client, world["opening"], [item(world["chairman"].token)], csrf=False)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("staff", 200),
        ("organiser", 200),
        ("parent_staff", 200),
        ("report_officer", 403),
        ("sibling_organiser", 404),
        (None, 302),
    ],
)
@pytest.mark.parametrize("route", ["roster", "sync"])
def test_permission_matrix(client, auth, world, db, who, status, route):  # noqa: F811
    if who:
        auth.login(world["users"][who])
    opening = world["opening"]
    if route == "roster":
        response = client.get(f"/events/{opening.id}/checkin/roster.json")
    else:
        response = sync(client, opening, [item(world["chairman"].token)])
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if route == "sync":
        expected = 1 if status == 200 else 0
        assert db.session.scalar(select(func.count()).select_from(CheckIn)) == expected

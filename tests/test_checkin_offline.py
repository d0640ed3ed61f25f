"""The scanner's offline mode on the server: the roster a phone keeps (the start of hashed
tokens, no personal contacts, compact, each download audited) and the sync of queued scans
(idempotent, earliest scan wins, CSRF, permissions, still open once the event is archived)."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import uuid

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.checkin.models import CheckIn, CheckInMethod
from app.checkin.services import Actor, check_in_invitee, totals
from app.invitations.groups import save_group
from app.invitations.services import PersonData, invite
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


def people_of(data: dict) -> dict[str, tuple[str, str]]:
    """The roster's people as hash → (name, group), as scanner.js reads them."""
    return {
        person[0]: (person[1], data["groups"][person[2]] if len(person) > 2 else "")
        for person in data["invitees"]
    }


def test_the_roster_has_hashes_names_and_groups_only(client, world, staff, db):  # noqa: F811
    opening, chairman, teacher = world["opening"], world["chairman"], world["teacher"]
    check_in_invitee(opening, teacher, Actor(user=staff), method=CheckInMethod.SCAN)
    loose = invite(opening, world["district"], PersonData("Lê Thị Không Nhóm"))
    db.session.commit()
    response = client.get(f"/events/{opening.id}/checkin/roster.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    for secret in ("0912", "0987", "luan@example.vn", "@", chairman.token, teacher.token):
        assert secret not in body
    # The start of each SHA-256 only (the sync checks the whole code on the server).
    assert sha(chairman.token) not in body and sha(chairman.token)[16:] not in body
    data = response.get_json()
    assert data["format"] == 2 and data["event_id"] == opening.id
    assert data["opens"].endswith("Z") and data["closes"].endswith("Z")
    assert data["opens"] < data["closes"]
    assert data["groups"] == ["Cấp huyện"]  # each name once; people give its index
    assert people_of(data) == {
        sha(chairman.token)[:16]: ("Nguyễn Duy Luân", "Cấp huyện"),
        sha(teacher.token)[:16]: ("Trần Thị Hồng Đào", "Cấp huyện"),
        sha(loose.token)[:16]: ("Lê Thị Không Nhóm", ""),
    }
    # Checked in: row numbers in `invitees`.
    assert [data["invitees"][n][0] for n in data["checked_in"]] == [sha(teacher.token)[:16]]


def test_the_roster_is_compact(client, world, staff, db):  # noqa: F811
    """About 16 bytes per invitee once compressed (75 with whole hashes and keys): the
    scanner's first load stays under 200 KB with 2,000 invitees."""
    opening = world["opening"]
    groups = [save_group(None, opening, f"Đoàn đại biểu xã {n}", None) for n in range(8)]
    for n in range(400):
        name = f"Nguyễn Thị Phương Thảo {n}"
        invite(opening, world["district"], PersonData(name), group=groups[n % 8])
    db.session.commit()
    response = client.get(f"/events/{opening.id}/checkin/roster.json")
    raw = response.get_data()
    assert "Nguyễn".encode() in raw  # UTF-8 as it is, not \u escapes
    assert len(gzip.compress(raw, 6)) < 402 * 25


# --- each roster handed to a phone is in the audit trail -------------------------------------


def roster_lines(db, event) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "Event", AuditEvent.object_id == event.id)
            .where(AuditEvent.action == "export")
            .order_by(AuditEvent.id)
        )
    )


def test_a_roster_download_is_audited_once_an_hour_per_phone(client, world, staff, db):  # noqa: F811
    opening = world["opening"]
    phone = {"REMOTE_ADDR": "203.0.113.7", "HTTP_USER_AGENT": "Mozilla/5.0 (Android 10) Chrome"}
    url = f"/events/{opening.id}/checkin/roster.json"
    assert client.get(url, environ_base=phone).status_code == 200
    [line] = roster_lines(db, opening)
    assert (line.user_id, line.actor, line.unit_id) == (staff.id, staff.name, opening.unit_id)
    assert line.ip == "203.0.113.7" and "Android" in line.user_agent
    assert line.detail.startswith("roster.json") and "2 " in line.detail
    assert line.label == "Lễ khai mạc Tuần lễ"

    # The phone refreshes it every 2 minutes: no line each time.
    client.get(url, environ_base=phone)
    assert len(roster_lines(db, opening)) == 1
    # Another phone (another address), or the same one an hour later: a line again.
    client.get(url, environ_base={**phone, "REMOTE_ADDR": "198.51.100.4"})
    assert len(roster_lines(db, opening)) == 2
    line.at -= dt.timedelta(minutes=61)
    db.session.commit()
    client.get(url, environ_base=phone)
    assert len(roster_lines(db, opening)) == 3


def test_an_archived_event_gives_no_roster(client, world, staff, db):  # noqa: F811
    opening = world["opening"]
    opening.archived_at = now()
    db.session.commit()
    assert client.get(f"/events/{opening.id}/checkin/roster.json").status_code == 404
    assert roster_lines(db, opening) == []


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


def test_scans_queued_before_the_event_was_archived_are_recorded(client, world, staff, db):  # noqa: F811
    """Archiving keeps the event's attendance: the scans phones made there and send later
    are recorded and counted, although its scanner and roster are gone."""
    opening, chairman, teacher = world["opening"], world["chairman"], world["teacher"]
    check_in_invitee(opening, teacher, Actor(user=staff), method=CheckInMethod.SCAN)
    opening.archived_at = now()
    db.session.commit()
    scanned = now() - dt.timedelta(minutes=20)
    batch = [item(chairman.token, scanned), item(teacher.token, scanned), item("no-such-code")]
    response = sync(client, opening, batch)
    assert response.status_code == 200, response.get_data(as_text=True)
    outcomes = [r["outcome"] for r in response.get_json()["results"]]
    assert outcomes == ["ok", "already", "unknown"]
    [row] = checkins_of(db, opening, chairman)
    assert row.checked_in_at == scanned and row.user_id == staff.id
    assert totals(opening).checked_in_invitees == 2
    # Sent again (the answer was lost): nothing twice.
    again = sync(client, opening, batch)
    assert [r["outcome"] for r in again.get_json()["results"]] == [
        "duplicate",
        "already",
        "unknown",
    ]


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

"""An archived event through the API, as on the pages: no new check-ins or headcounts (404),
but a phone's offline queue, scanned before the event was archived, is still recorded."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from app.checkin.models import CheckIn
from app.checkin.services import utcnow
from app.checkin.tokens import create_token
from app.units.models import Role

API = "/api/v1"


@pytest.fixture
def archived(db, factories, make_user):
    office, event, people = factories.make_todays_ceremony(3)
    _row, token = create_token(make_user(office, Role.CHECKIN_STAFF), "Cổng chính")
    event.archived_at = utcnow()
    db.session.commit()
    return {"event": event, "people": people, "headers": {"Authorization": f"Bearer {token}"}}


def live(db) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count()).select_from(CheckIn).where(CheckIn.undone_at.is_(None))
    )


def test_no_new_check_in_or_headcount_for_an_archived_event(client, db, archived):
    e, headers = archived["event"].id, archived["headers"]
    scan = {"code": archived["people"][0].token}
    answer = client.post(f"{API}/events/{e}/checkins", json=scan, headers=headers, csrf=False)
    assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found"
    tally = {"label": "Lớp 6A", "count": 30}
    answer = client.post(f"{API}/events/{e}/headcounts", json=tally, headers=headers, csrf=False)
    assert answer.status_code == 404
    assert live(db) == 0
    # Its figures can still be read.
    assert client.get(f"{API}/events/{e}/totals", headers=headers).status_code == 200


def test_a_queue_scanned_before_the_archive_is_still_recorded(client, db, archived):
    e, headers = archived["event"].id, archived["headers"]
    batch = {
        "device_id": "phone-1",
        "items": [
            {"client_uuid": str(uuid.uuid4()), "code": person.token,
             "scanned_at": "2023-10-02T00:12:00Z"}
            for person in archived["people"][:2]
        ],
    }  # fmt: skip
    answer = client.post(
        f"{API}/events/{e}/checkins/batch", json=batch, headers=headers, csrf=False
    )
    assert answer.status_code == 200
    assert [r["outcome"] for r in answer.get_json()["results"]] == ["ok", "ok"]
    assert live(db) == 2

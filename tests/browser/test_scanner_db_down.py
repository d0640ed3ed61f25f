"""The scanner while the server's database is down, in Chromium: scans queued on the phone stay
queued through 503 answers, a scan answered 503 is queued too, and all are synced, once each,
when the database is back."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.checkin.models import CheckIn
from tests.browser.helpers import service_worker_ready
from tests.test_faults import database_unreachable

pytestmark = pytest.mark.browser


def test_queued_scans_wait_through_503_answers_and_sync_once_after(
    db, todays_ceremony, phone_page, sign_in, live_server
):
    event, (luan, dao, khach) = todays_ceremony
    event_id, people = event.id, {p.id: p.token for p in (luan, dao, khach)}
    page = phone_page
    sign_in(page, "diemdanh@example.vn")
    page.goto(f"/events/{event_id}/checkin")
    expect(page.locator("body")).to_have_attribute("data-roster-size", "3")
    code = page.locator("#scan-code")
    result = page.locator("#scan-result")
    pending = page.locator("#scan-pending")
    service_worker_ready(page)

    page.context.set_offline(True)
    for invitee_id in (luan.id, dao.id):
        code.fill(people[invitee_id])
        code.press("Enter")
        expect(result).to_have_attribute("data-outcome", "ok")
    expect(pending).to_have_attribute("data-pending", "2")

    with database_unreachable(db):
        # The network is back, the database is not: the sync is answered 503 and the phone
        # keeps its queue.
        syncs = []
        page.on("response", lambda r: syncs.append(r) if r.url.endswith("/checkin/sync") else 0)
        page.context.set_offline(False)  # the page syncs on the `online` event
        for _ in range(150):
            if syncs:
                break
            page.wait_for_timeout(200)
        # (Its JSON body is tested in tests/test_faults.py: reading it here through the
        # service worker hangs Playwright.)
        assert [r.status for r in syncs[:1]] == [503]
        expect(pending).to_have_attribute("data-pending", "2")

        # A scan sent now is answered 503: the phone checks it against its roster and queues it.
        code.fill(people[khach.id])
        code.press("Enter")
        expect(result).to_have_attribute("data-outcome", "ok")
        expect(pending).to_have_attribute("data-pending", "3")
        expect(page.locator("#htmx-error")).to_be_hidden()

    # The database is back: the next sync (every 15 s) sends the queue.
    expect(pending).to_have_attribute("data-pending", "0", timeout=40_000)
    db.session.rollback()
    rows = db.session.scalars(select(CheckIn).where(CheckIn.event_id == event_id)).all()
    assert sorted(row.invitee_id for row in rows) == sorted([luan.id, dao.id, khach.id])

"""The scanner offline in Chromium: codes typed with no network are checked against the roster
on the phone (its compact form: the start of each hash, groups by number, checked-in people by
row), queued, and synced when the network is back, each person counted once; scans queued for
an event archived meanwhile are sent from another event's scanner."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.checkin.models import CheckIn, CheckInMethod
from app.checkin.services import Actor, check_in_invitee
from tests.browser.helpers import service_worker_ready

pytestmark = pytest.mark.browser


def test_scans_made_offline_are_queued_and_synced_once(
    db, todays_ceremony, phone_page, sign_in, live_server
):
    event, (luan, dao, khach) = todays_ceremony
    check_in_invitee(event, khach, Actor(device_id="desk"), method=CheckInMethod.MANUAL)
    db.session.commit()
    page = phone_page
    sign_in(page, "diemdanh@example.vn")
    page.goto(f"/events/{event.id}/checkin")
    expect(page.locator("body")).to_have_attribute("data-roster-size", "3")
    service_worker_ready(page)

    page.context.set_offline(True)
    code = page.locator("#scan-code")
    result = page.locator("#scan-result")
    pending = page.locator("#scan-pending")

    code.fill(f"{live_server}/i/{luan.token}")
    code.press("Enter")
    expect(result).to_have_attribute("data-outcome", "ok")
    expect(result).to_contain_text("Nguyễn Duy Luân")
    expect(pending).to_have_attribute("data-pending", "1")

    code.fill(dao.token)
    code.press("Enter")
    expect(result).to_contain_text("Trần Thị Hồng Đào")
    expect(result).to_have_attribute("data-outcome", "ok")
    expect(result).to_have_attribute("data-tone", "ok")
    expect(pending).to_have_attribute("data-pending", "2")
    expect(pending).to_contain_text("2")

    # The same person again, still offline: amber, and not queued twice.
    code.fill(luan.token)
    code.press("Enter")
    expect(result).to_have_attribute("data-outcome", "already")
    expect(result).to_contain_text("Nguyễn Duy Luân")
    expect(pending).to_have_attribute("data-pending", "2")

    # Checked in before the page opened (the roster's list), and a code that is nobody's.
    code.fill(khach.token)
    code.press("Enter")
    expect(result).to_have_attribute("data-outcome", "already")
    expect(result).to_contain_text("Lê Văn Khách · Cấp huyện")
    code.fill(luan.token[:-2] + "xx")
    code.press("Enter")
    expect(result).to_have_attribute("data-outcome", "unknown")
    expect(result).to_have_attribute("data-tone", "error")
    expect(pending).to_have_attribute("data-pending", "2")
    db.session.expire_all()
    assert [row.invitee_id for row in db.session.scalars(select(CheckIn))] == [khach.id]

    page.context.set_offline(False)
    expect(pending).to_have_attribute("data-pending", "0", timeout=20_000)

    db.session.expire_all()
    rows = db.session.scalars(select(CheckIn).where(CheckIn.event_id == event.id)).all()
    assert sorted(row.invitee_id for row in rows) == sorted([luan.id, dao.id, khach.id])
    assert all(row.undone_at is None for row in rows)

    # Back online, a new scan goes to the server as before and finds them checked in.
    code.fill(dao.token)
    code.press("Enter")
    expect(result).to_have_attribute("data-outcome", "already")
    expect(result).not_to_have_attribute("data-offline", "true")


def test_scans_queued_for_an_event_archived_since_are_sent_from_another_scanner(
    db, todays_ceremony, factories, phone_page, sign_in
):
    """A phone scanned people offline at the ceremony; the ceremony was archived before the
    phone came back online, so its scanner no longer opens (404). The next scanner opened on
    the phone sends those scans to the ceremony, where they count."""
    event, (luan, _dao, _khach) = todays_ceremony
    other = factories.make_event(
        event.campaign, event.unit, title="Hội thi đọc sách", date=event.date
    )
    page = phone_page
    sign_in(page, "diemdanh@example.vn")
    page.goto(f"/events/{event.id}/checkin")
    expect(page.locator("body")).to_have_attribute("data-roster-size", "3")
    service_worker_ready(page)
    page.context.set_offline(True)
    page.locator("#scan-code").fill(luan.token)
    page.locator("#scan-code").press("Enter")
    expect(page.locator("#scan-pending")).to_have_attribute("data-pending", "1")
    context = page.context
    page.close()  # the ceremony's page is gone: only the phone's queue remembers the scan

    event.archived_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    db.session.commit()
    context.set_offline(False)
    page = context.new_page()
    assert page.goto(f"/events/{event.id}/checkin").status == 404
    assert queued(page) == 1
    page.goto(f"/events/{other.id}/checkin")
    deadline = time.monotonic() + 10
    while queued(page):
        assert time.monotonic() < deadline, "the queued scan was not sent"
        page.wait_for_timeout(100)
    db.session.expire_all()
    rows = db.session.scalars(select(CheckIn).where(CheckIn.event_id == event.id)).all()
    assert [row.invitee_id for row in rows] == [luan.id]
    assert db.session.scalars(select(CheckIn).where(CheckIn.event_id == other.id)).all() == []


def queued(page) -> int:
    """Scans waiting in the phone's queue (scanner.js's IndexedDB store), all events."""
    return page.evaluate(
        """() => new Promise((resolve) => {
          const request = indexedDB.open("llw-scanner", 1);
          request.onsuccess = () => {
            const counted = request.result.transaction("queue").objectStore("queue").count();
            counted.onsuccess = () => { request.result.close(); resolve(counted.result); };
          };
        })"""
    )

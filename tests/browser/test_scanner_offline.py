"""The scanner offline in Chromium: codes typed with no network are checked against the roster
on the phone, queued, and synced when the network is back, each person counted once."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.checkin.models import CheckIn

pytestmark = pytest.mark.browser


def test_scans_made_offline_are_queued_and_synced_once(
    db, todays_ceremony, phone_page, sign_in, live_server
):
    event, (luan, dao, _khach) = todays_ceremony
    page = phone_page
    sign_in(page, "diemdanh@example.vn")
    page.goto(f"/events/{event.id}/checkin")
    expect(page.locator("body")).to_have_attribute("data-roster-size", "3")

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
    db.session.expire_all()
    assert db.session.scalars(select(CheckIn)).all() == []

    page.context.set_offline(False)
    expect(pending).to_have_attribute("data-pending", "0", timeout=20_000)

    db.session.expire_all()
    rows = db.session.scalars(select(CheckIn).where(CheckIn.event_id == event.id)).all()
    assert sorted(row.invitee_id for row in rows) == sorted([luan.id, dao.id])
    assert all(row.undone_at is None for row in rows)

    # Back online, a new scan goes to the server as before and finds them checked in.
    code.fill(dao.token)
    code.press("Enter")
    expect(result).to_have_attribute("data-outcome", "already")
    expect(result).not_to_have_attribute("data-offline", "true")

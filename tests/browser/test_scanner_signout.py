"""Signing out of the scanner on a shared phone, in Chromium: the pages the service worker kept
(with the names of the last check-ins) are forgotten, so the next person sees nothing offline;
the static files stay; scans still waiting offline are sent first, and never thrown away."""

from __future__ import annotations

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from sqlalchemy import select

from app.checkin.models import CheckIn

pytestmark = pytest.mark.browser

STAFF = "diemdanh@example.vn"

# What this browser keeps: the service worker's caches, and scanner.js's IndexedDB stores.
KEPT = """async () => {
  const names = await caches.keys();
  const count = (store) => new Promise((resolve) => {
    const request = indexedDB.open("llw-scanner", 1);
    request.onsuccess = () => {
      const counted = request.result.transaction(store).objectStore(store).count();
      counted.onsuccess = () => { request.result.close(); resolve(counted.result); };
    };
  });
  const staticCache = names.find((name) => name.startsWith("static-"));
  const cached = staticCache ? await caches.open(staticCache) : null;
  return {
    caches: names,
    camera_js: cached ? Boolean(await cached.match("/static/camera.js")) : false,
    rosters: await count("roster"),
    queued: await count("queue"),
  };
}"""


def open_scanner(page, event):
    """The scanner page, controlled by the service worker, its roster loaded."""
    page.goto(f"/events/{event.id}/checkin")
    expect(page.locator("body")).to_have_attribute("data-roster-size", "3")
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("navigator.serviceWorker.controller !== null"):
        page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    expect(page.locator("body")).to_have_attribute("data-roster-size", "3")


def sign_out(page):
    page.get_by_role("button", name="Đăng xuất").click()


def test_signing_out_forgets_the_scanner_page_kept_for_offline(
    db, todays_ceremony, phone_page, sign_in, live_server
):
    event, (luan, _dao, _khach) = todays_ceremony
    page = phone_page
    sign_in(page, STAFF)
    open_scanner(page, event)
    page.locator("#scan-code").fill(luan.token)
    page.locator("#scan-code").press("Enter")
    expect(page.locator("#scan-result")).to_have_attribute("data-outcome", "ok")

    # The worker keeps the page as fetched now, the name in its list of last check-ins: with
    # no network, that copy is what the phone shows.
    page.reload()
    page.context.set_offline(True)
    page.reload()
    expect(page.locator("#scan-recent")).to_contain_text("Nguyễn Duy Luân")
    page.context.set_offline(False)
    page.reload()
    expect(page.locator("#scan-code")).to_be_visible()

    sign_out(page)
    expect(page).to_have_url(f"{live_server}/login")
    expect(page.get_by_text("Bạn đã đăng xuất.")).to_be_visible()
    kept = page.evaluate(KEPT)
    assert not [name for name in kept["caches"] if name.startswith("pages-")]
    assert kept["camera_js"], "the static files stay for the next person"
    assert kept["rosters"] == 0  # the names kept for offline checks went too

    # The next person, offline, asks for the scanner page: nothing with names is shown.
    page.context.set_offline(True)
    with pytest.raises(PlaywrightError):
        page.goto(f"/events/{event.id}/checkin")
    expect(page.locator("body")).not_to_contain_text("Nguyễn Duy Luân")
    expect(page.locator("#scanner")).to_have_count(0)
    page.context.set_offline(False)


def test_scans_waiting_offline_are_sent_before_signing_out(
    db, todays_ceremony, phone_page, sign_in, live_server
):
    event, (luan, _dao, _khach) = todays_ceremony
    page = phone_page
    sign_in(page, STAFF)
    open_scanner(page, event)
    # A scan made offline, not sent when the network came back (the server could not take it).
    page.route("**/checkin/sync", lambda route: route.abort())
    page.context.set_offline(True)
    page.locator("#scan-code").fill(luan.token)
    page.locator("#scan-code").press("Enter")
    expect(page.locator("#scan-pending")).to_have_attribute("data-pending", "1")
    with page.expect_event("requestfailed", lambda request: request.url.endswith("/sync")):
        page.context.set_offline(False)
    page.unroute("**/checkin/sync")
    db.session.expire_all()
    assert db.session.scalars(select(CheckIn)).all() == []

    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_out(page)
    expect(page).to_have_url(f"{live_server}/login")
    assert dialogs == []  # nothing was left to ask about

    db.session.expire_all()
    (checkin,) = db.session.scalars(select(CheckIn).where(CheckIn.event_id == event.id)).all()
    assert checkin.invitee_id == luan.id
    assert page.evaluate(KEPT)["queued"] == 0


def test_scans_that_cannot_be_sent_are_kept_at_sign_out(
    db, todays_ceremony, phone_page, sign_in, live_server
):
    event, (luan, _dao, _khach) = todays_ceremony
    page = phone_page
    sign_in(page, STAFF)
    open_scanner(page, event)
    # The server cannot take the queued scans now (the sync request fails).
    page.route("**/checkin/sync", lambda route: route.abort())
    page.context.set_offline(True)
    page.locator("#scan-code").fill(luan.token)
    page.locator("#scan-code").press("Enter")
    expect(page.locator("#scan-pending")).to_have_attribute("data-pending", "1")
    page.context.set_offline(False)
    question = page.locator("#scanner").get_attribute("data-msg-unsent").replace("{n}", "1")

    # Asked, the user stays to send them later: still signed in, the scan still waiting.
    with page.expect_event("dialog") as asked:
        sign_out(page)
    assert asked.value.message == question
    asked.value.dismiss()
    expect(page.locator("#scan-pending")).to_have_attribute("data-pending", "1")
    expect(page).to_have_url(f"{live_server}/events/{event.id}/checkin")

    # Asked again, the user signs out anyway: the scan stays on the phone...
    with page.expect_event("dialog") as asked:
        sign_out(page)
    assert asked.value.message == question
    asked.value.accept()
    expect(page).to_have_url(f"{live_server}/login")
    kept = page.evaluate(KEPT)
    assert (kept["queued"], kept["rosters"]) == (1, 0)
    db.session.expire_all()
    assert db.session.scalars(select(CheckIn)).all() == []

    # ...and is sent, once, when the scanner of its event is next opened with the network.
    page.unroute("**/checkin/sync")
    sign_in(page, STAFF)
    page.goto(f"/events/{event.id}/checkin")
    page.wait_for_function(f"({KEPT})().then((kept) => kept.queued === 0)")
    expect(page.locator("#scan-pending")).to_have_attribute("data-pending", "0")
    rows = []
    for _ in range(50):  # the phone may see the answer a moment before the test's session does
        db.session.rollback()
        rows = db.session.scalars(select(CheckIn).where(CheckIn.event_id == event.id)).all()
        if rows:
            break
        page.wait_for_timeout(200)
    (checkin,) = rows
    assert checkin.invitee_id == luan.id

"""The scanner as an installable app in Chromium: once its service worker controls the page,
the scanner page reloads with no network, served from the worker's cache; an archived event's
page and roster are forgotten."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.browser.helpers import service_worker_ready

pytestmark = pytest.mark.browser


def test_the_scanner_page_reloads_offline(db, todays_ceremony, phone_page, sign_in):
    event, _people = todays_ceremony
    page = phone_page
    sign_in(page, "diemdanh@example.vn")
    page.goto(f"/events/{event.id}/checkin")
    expect(page.locator("body")).to_have_attribute("data-roster-size", "3")

    service_worker_ready(page)
    if not page.evaluate("navigator.serviceWorker.controller !== null"):
        page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    # The page as the worker last fetched it is in its cache; the static files are precached.
    page.reload()
    expect(page.locator("#scan-code")).to_be_visible()

    page.context.set_offline(True)
    page.reload()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_be_visible()
    expect(heading).to_have_text("Điểm danh")
    expect(page.locator("#scanner")).to_contain_text("Lễ khai mạc Tuần lễ")
    expect(page.locator("#scan-code")).to_be_visible()
    # app.css came from the cache too: the header has the accent colour.
    expect(page.locator(".site-header")).to_have_css("background-color", "rgb(11, 92, 173)")
    page.context.set_offline(False)


def wait_until(condition, seconds: float = 10) -> None:
    """Poll `condition` (IndexedDB answers asynchronously: wait_for_function cannot wait on
    it, a promise being truthy at once)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "still not so after the wait"
        time.sleep(0.1)


ROSTERS = """() => new Promise((resolve) => {
  const request = indexedDB.open("llw-scanner", 1);
  request.onsuccess = () => {
    const keys = request.result.transaction("roster").objectStore("roster").getAllKeys();
    keys.onsuccess = () => { request.result.close(); resolve(keys.result); };
  };
})"""


def test_an_archived_events_page_and_roster_leave_the_phone(
    db, todays_ceremony, phone_page, sign_in
):
    """Once the event is archived, its scanner answers 404: the worker forgets the page it
    kept, and the roster of names kept for offline checks."""
    event, _people = todays_ceremony
    page = phone_page
    sign_in(page, "diemdanh@example.vn")
    page.goto(f"/events/{event.id}/checkin")
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("navigator.serviceWorker.controller !== null"):
        page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    expect(page.locator("body")).to_have_attribute("data-roster-size", "3")
    wait_until(lambda: event.id in page.evaluate(ROSTERS))

    event.archived_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    db.session.commit()
    assert page.reload().status == 404
    wait_until(lambda: event.id not in page.evaluate(ROSTERS))
    page.context.set_offline(True)
    with pytest.raises(PlaywrightError):
        page.reload()  # nothing kept to show offline
    page.context.set_offline(False)

"""The scanner as an installable app in Chromium: once its service worker controls the page,
the scanner page reloads with no network, served from the worker's cache."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_scanner_page_reloads_offline(db, todays_ceremony, phone_page, sign_in):
    event, _people = todays_ceremony
    page = phone_page
    sign_in(page, "diemdanh@example.vn")
    page.goto(f"/events/{event.id}/checkin")
    expect(page.locator("body")).to_have_attribute("data-roster-size", "3")

    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
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

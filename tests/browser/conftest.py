"""Browser fixtures: the app on a live local server and Debian's Chromium driven by Playwright.

The factories commit their data and the autouse `db` fixture empties the tables after each
test, so the server thread sees what a test made. No browser is ever downloaded: Playwright
drives /usr/bin/chromium.
"""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.serving import make_server

from app.units.models import Role

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def live_server(app):
    """The test app served on a free local port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


# live_server comes before browser so that, at the end of the run, the browser closes its
# connections before the server shuts down.
@pytest.fixture
def open_page(live_server, browser):
    """Open a tab in a fresh browser context (no cookies: another computer), closed after the
    test; desktop-sized unless a viewport is given."""
    contexts = []

    def open_page(viewport: dict = DESKTOP) -> Page:
        context = browser.new_context(base_url=live_server, locale="vi-VN", viewport=viewport)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page):
    """A desktop-sized tab on the live server."""
    return open_page()


@pytest.fixture
def phone_page(open_page):
    """A phone-sized tab on the live server."""
    return open_page(PHONE)


@pytest.fixture
def sign_in(live_server, factories):
    """Sign a user in through the login form, whatever the page's language."""

    def sign_in(page: Page, email: str, password: str = factories.password) -> None:
        page.goto("/login")
        page.locator("#email").fill(email)
        page.locator("#password").fill(password)
        page.locator("#password").press("Enter")
        expect(page).to_have_url(f"{live_server}/")

    return sign_in


@pytest.fixture
def todays_ceremony(db, factories, make_user):
    """Today's opening ceremony (check-in open), three delegates, a check-in staff account."""
    office, event, people = factories.make_todays_ceremony(
        ["Nguyễn Duy Luân", "Trần Thị Hồng Đào", "Lê Văn Khách"]
    )
    make_user(office, Role.CHECKIN_STAFF, email="diemdanh@example.vn")
    return event, people

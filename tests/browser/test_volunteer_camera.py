"""A volunteer's check-in link in Chromium, with a phone camera: the QR code shown to the fake
camera checks the delegate in, the answer is big and green on the phone, and the check-in is
written to the link and the volunteer's typed name. A link stopped meanwhile records nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.checkin.models import CheckIn, CheckinLink, CheckInMethod
from app.checkin.services import new_link_token, utcnow
from tests.browser.test_scanner import camera_page, qr_video  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
def link(db, todays_ceremony):
    """A link for today's ceremony that works now, and the delegate whose QR code is shown."""
    event, people = todays_ceremony
    now = utcnow()
    link = CheckinLink(
        event_id=event.id,
        token=new_link_token(),
        label="Cổng A",
        valid_from=now - dt.timedelta(hours=1),
        valid_until=now + dt.timedelta(hours=2),
    )
    db.session.add(link)
    db.session.commit()
    return link, people[0]


def open_as_volunteer(page, link, name="Chị Lan"):
    page.goto(f"/v/{link.token}")
    page.locator("#name").fill(name)
    page.get_by_role("button", name="Tiếp tục").click()
    expect(page.get_by_text(f"Đang điểm danh với tên {name}")).to_be_visible()


def test_the_camera_on_a_volunteers_link_checks_the_delegate_in(
    db,
    link,
    camera_page,  # noqa: F811
    live_server,
    tmp_path,
):
    link, delegate = link
    page = camera_page(qr_video(tmp_path / "qr.y4m", f"{live_server}/i/{delegate.token}"))
    open_as_volunteer(page, link)
    result = page.locator("#scan-result")
    expect(result).to_have_attribute("data-outcome", "idle")

    page.get_by_role("button", name="Bật camera").click()

    expect(result).to_have_attribute("data-outcome", "ok", timeout=10_000)
    expect(result).to_have_attribute("data-tone", "ok")
    expect(result).to_contain_text("Nguyễn Duy Luân")
    expect(result).to_contain_text("Cấp huyện")
    # Big and green, in view on the phone while the camera runs; no sideways scrolling.
    expect(result).to_have_css("background-color", "rgb(30, 123, 52)")
    headline = result.locator(".scan-result__headline")
    assert float(headline.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 24
    expect(result).to_be_in_viewport()
    expect(page.locator("#scan-video")).to_be_in_viewport(ratio=0.5)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # The camera's code went through the form, which is empty again for the next person.
    expect(page.locator("#volunteer-scan input[name='code']")).to_have_value("")

    db.session.expire_all()
    (checkin,) = db.session.scalars(select(CheckIn)).all()
    assert checkin.invitee_id == delegate.id
    assert (checkin.link_id, checkin.volunteer_name) == (link.id, "Chị Lan")
    assert checkin.method is CheckInMethod.SCAN and checkin.user_id is None


def test_a_link_stopped_while_the_camera_runs_records_nothing(
    db,
    link,
    camera_page,  # noqa: F811
    live_server,
    tmp_path,
):
    link, delegate = link
    page = camera_page(qr_video(tmp_path / "qr.y4m", f"{live_server}/i/{delegate.token}"))
    open_as_volunteer(page, link)
    link.revoked_at = utcnow()
    db.session.commit()

    page.get_by_role("button", name="Bật camera").click()

    # The server refuses the code as it would a typed one, and says why.
    expect(page.locator("#htmx-error")).to_contain_text(
        "Ban tổ chức đã dừng đường dẫn điểm danh này.", timeout=10_000
    )
    expect(page.locator("#scan-result")).to_have_attribute("data-outcome", "idle")
    db.session.expire_all()
    assert db.session.scalars(select(CheckIn)).all() == []

"""The staff scanner in Chromium: a QR code shown to its fake camera checks the delegate in;
a revoked code typed in the box is refused in red."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.checkin.models import CheckIn, CheckInMethod
from app.checkin.services import Actor, check_in_invitee
from app.invitations.qr import qr_png
from app.invitations.services import revoke_token
from app.units.models import Role
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE

pytestmark = pytest.mark.browser

FRAME = (640, 480)


def write_y4m(path: Path, image: Image.Image, frames: int = 5) -> None:
    """A raw video Chromium can play as its fake camera: a YUV4MPEG2 header, then each frame
    as "FRAME\\n" and the I420 planes (full-size Y, Cb and Cr at half width and height)."""
    width, height = image.size
    luma, blue, red = image.convert("YCbCr").split()
    half = (width // 2, height // 2)
    frame = (
        b"FRAME\n"
        + luma.tobytes()
        + blue.resize(half, Image.Resampling.BOX).tobytes()
        + red.resize(half, Image.Resampling.BOX).tobytes()
    )
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            video.write(frame)


def qr_video(path: Path, text: str) -> Path:
    """The QR code of `text`, large and centred on a white 640×480 frame."""
    code = Image.open(io.BytesIO(qr_png(text, box_size=1))).convert("L")
    scale = (FRAME[1] - 40) // code.size[0]
    code = code.resize((code.size[0] * scale, code.size[1] * scale), Image.Resampling.NEAREST)
    frame = Image.new("RGB", FRAME, "white")
    frame.paste(code, ((FRAME[0] - code.size[0]) // 2, (FRAME[1] - code.size[1]) // 2))
    write_y4m(path, frame)
    return path


@pytest.fixture
def camera_page(browser, live_server):
    """A phone-sized tab in a Chromium of its own whose camera shows a given video file."""
    launched = []

    def open_camera_page(video: Path):
        chromium = browser.browser_type.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        launched.append(chromium)
        context = chromium.new_context(base_url=live_server, locale="vi-VN", viewport=PHONE)
        context.grant_permissions(["camera"], origin=live_server)
        return context.new_page()

    yield open_camera_page
    for chromium in launched:
        chromium.close()


@pytest.fixture
def ceremony(todays_ceremony):
    """Today's opening ceremony (check-in open) and its first delegate."""
    event, people = todays_ceremony
    return event, people[0]


def test_the_camera_reads_a_delegates_qr_code(
    db, ceremony, camera_page, sign_in, live_server, tmp_path
):
    event, delegate = ceremony
    video = qr_video(tmp_path / "qr.y4m", f"{live_server}/i/{delegate.token}")
    page = camera_page(video)
    sign_in(page, "diemdanh@example.vn")
    page.goto(f"/events/{event.id}/checkin")
    page.locator("#camera-start").click()

    result = page.locator("#scan-result")
    expect(result).to_have_attribute("data-outcome", "ok", timeout=10_000)
    expect(result).to_contain_text("Nguyễn Duy Luân")
    expect(result).to_contain_text("Cấp huyện")
    expect(page.locator("#scan-counts [data-count='checked_in']")).to_have_text("1")
    expect(page.locator("#scan-recent li[data-checkin]")).to_have_count(1)

    # The code stays in front of the camera: it is not sent again (no amber "already").
    page.wait_for_timeout(3_500)
    expect(result).to_have_attribute("data-outcome", "ok")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_revoked_code_typed_in_the_box_is_red(db, ceremony, phone_page, sign_in):
    event, delegate = ceremony
    old = delegate.token
    revoke_token(delegate)
    db.session.commit()
    sign_in(phone_page, "diemdanh@example.vn")
    phone_page.goto(f"/events/{event.id}/checkin")
    phone_page.locator("#scan-code").fill(old)
    phone_page.locator("#scan-code").press("Enter")

    result = phone_page.locator("#scan-result")
    expect(result).to_have_attribute("data-outcome", "revoked")
    expect(result).to_have_attribute("data-tone", "error")
    expect(result).to_have_class("scan-result scan-result--error")
    expect(phone_page.locator("#scan-code")).to_have_value("")
    expect(phone_page.locator("#scan-counts [data-count='checked_in']")).to_have_text("0")


# A stand-in for the native detector of Android's Chrome (Linux Chromium has none): it "sees"
# the code it was given in every frame.
FAKE_DETECTOR = """
window.BarcodeDetector = class {
  static getSupportedFormats() { return Promise.resolve(["qr_code", "ean_13"]); }
  constructor(options) { window.__detectorFormats = options.formats; }
  detect() { return Promise.resolve([{ rawValue: window.__fakeCode }]); }
};
window.__fakeCode = %s;
"""


def test_the_native_barcode_detector_is_preferred(
    db, ceremony, camera_page, sign_in, live_server, tmp_path
):
    event, delegate = ceremony
    blank = tmp_path / "blank.y4m"
    write_y4m(blank, Image.new("RGB", FRAME, "white"), frames=2)
    page = camera_page(blank)
    page.context.add_init_script(FAKE_DETECTOR % repr(f"{live_server}/i/{delegate.token}"))
    sign_in(page, "diemdanh@example.vn")
    page.goto(f"/events/{event.id}/checkin")
    page.locator("#camera-start").click()

    expect(page.locator("#scan-result")).to_have_attribute("data-outcome", "ok")
    expect(page.locator("#scan-result")).to_contain_text("Nguyễn Duy Luân")
    assert page.evaluate("window.__detectorFormats") == ["qr_code"]
    assert page.evaluate("typeof window.jsQR") == "undefined"  # the fallback was not loaded


def test_the_recent_list_takes_each_answers_new_lines_and_keeps_20(
    db, factories, make_user, phone_page, sign_in
):
    """Each answer brings only the lines the page lacks (another phone's too) on top of the
    list; the page keeps the 20 newest, and undo from the list still works."""
    office, event, people = factories.make_todays_ceremony(25)
    staff = make_user(office, Role.CHECKIN_STAFF, email="diemdanh@example.vn")
    other_phone = Actor(user=staff, device_id="phone-2")

    def checked_in_elsewhere(person):
        check_in_invitee(event, person, other_phone, method=CheckInMethod.SCAN)
        db.session.commit()

    for person in people[:21]:
        checked_in_elsewhere(person)
    page = phone_page
    sign_in(page, "diemdanh@example.vn")
    page.goto(f"/events/{event.id}/checkin")
    rows = page.locator("#scan-recent-list > li")
    expect(rows).to_have_count(20)
    expect(page.locator("#scan-recent-empty")).to_be_hidden()

    def scan(code):
        page.locator("#scan-code").fill(code)
        page.locator("#scan-code").press("Enter")

    scan(people[21].token)
    expect(page.locator("#scan-result")).to_have_attribute("data-outcome", "ok")
    expect(rows.first).to_contain_text("Đại biểu số 21")
    expect(rows).to_have_count(20)

    checked_in_elsewhere(people[22])  # meanwhile, on another phone
    scan(people[23].token)
    expect(rows.first).to_contain_text("Đại biểu số 23")
    expect(rows.nth(1)).to_contain_text("Đại biểu số 22")
    expect(rows.nth(2)).to_contain_text("Đại biểu số 21")
    expect(rows).to_have_count(20)
    expect(page.locator("#scan-counts [data-count='checked_in']")).to_have_text("24")

    # A second scan of the same person: amber, and no new line.
    scan(people[23].token)
    expect(page.locator("#scan-result")).to_have_attribute("data-outcome", "already")
    expect(rows.first).to_contain_text("Đại biểu số 23")
    expect(page.locator("#scan-recent-list > li[data-undone='false']")).to_have_count(20)

    # Undo from the list: the line says so, the counts go down.
    rows.nth(2).get_by_role("button").click()
    expect(page.locator("#scan-result")).to_have_attribute("data-outcome", "undone")
    expect(rows.nth(2)).to_have_attribute("data-undone", "true")
    expect(page.locator("#scan-counts [data-count='checked_in']")).to_have_text("23")
    expect(rows).to_have_count(20)
    ids = [int(i) for i in rows.evaluate_all("rows => rows.map(r => r.dataset.checkin)")]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 20
    assert page.locator("#recent-after").input_value() == str(ids[0])

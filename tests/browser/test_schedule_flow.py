"""An organiser builds the ceremony program and the week's schedule in the browser."""

from __future__ import annotations

import datetime as dt

import pytest
from docx import Document
from playwright.sync_api import expect

from app.schedule.models import EventKind
from app.units.models import Role, UnitKind

pytestmark = pytest.mark.browser


@pytest.fixture
def ceremony(page, sign_in, make_unit, make_user, make_campaign, make_event, make_item):
    office = make_unit(name="Phòng GD&ĐT huyện Bạch Thông", kind=UnitKind.DISTRICT_OFFICE)
    make_user(office, Role.ORGANISER, email="bantochuc@example.vn")
    campaign = make_campaign(
        office, year=2023, start_date=dt.date(2023, 10, 2), end_date=dt.date(2023, 10, 8)
    )
    event = make_event(
        campaign,
        office,
        kind=EventKind.OPENING,
        title="Lễ khai mạc Tuần lễ",
        date=dt.date(2023, 10, 2),
        start_time=dt.time(7, 30),
    )
    make_item(event, "Đón tiếp đại biểu.", dt.time(7, 0), dt.time(7, 30), "Phòng GD&ĐT")
    make_item(event, "Văn nghệ chào mừng.", dt.time(7, 30), dt.time(8, 0), "Trường THCS")
    sign_in(page, "bantochuc@example.vn")
    return {"office": office, "campaign": campaign, "event": event}


def _rows(page):
    return page.locator("#program tbody tr")


def test_build_the_program_with_live_warnings(page, ceremony):
    page.goto(f"/events/{ceremony['event'].id}")
    page.evaluate("window.__noReload = 1")

    page.locator("#program #time").fill("8h10-8h25")
    page.locator("#program #content").fill("Diễn văn khai mạc")
    page.locator("#program #performer").fill("Lãnh đạo UBND huyện.")
    page.get_by_role("button", name="Thêm", exact=True).click()

    expect(_rows(page)).to_have_count(3)
    expect(_rows(page).nth(2)).to_contain_text("8h10-8h25")
    # 8h00 → 8h10: the gap is pointed out at once
    expect(page.locator("#program .warnings")).to_contain_text("10 phút")

    # keyboard-usable reordering: move the new row up one place
    _rows(page).nth(2).get_by_role("button", name="Chuyển lên").click()
    expect(_rows(page).nth(1)).to_contain_text("Diễn văn khai mạc")
    expect(page.locator("#program .warnings")).to_contain_text("sớm hơn")  # now out of order

    # and back down by dragging it below the last row
    last = _rows(page).nth(2)
    height = last.bounding_box()["height"]
    _rows(page).nth(1).drag_to(last, target_position={"x": 20, "y": height - 4})
    expect(_rows(page).nth(2)).to_contain_text("Diễn văn khai mạc")
    assert page.evaluate("window.__noReload") == 1

    # the Word program holds the rows as the page shows them, cell by cell
    with page.expect_download() as download:
        page.get_by_role("link", name="Chương trình (Word)").click()
    assert download.value.suggested_filename.endswith(".docx")
    table = Document(download.value.path()).tables[-1]
    in_word = [[cell.text for cell in row.cells] for row in table.rows]
    on_page = _rows(page).evaluate_all(
        "rows => rows.map(row => [...row.cells].slice(0, 4).map(cell => cell.innerText.trim()))"
    )
    assert in_word[0] == ["STT", "Thời gian", "Nội dung", "Thực hiện"]
    assert in_word[1:] == on_page
    assert on_page[2] == ["3", "8h10-8h25", "Diễn văn khai mạc", "Lãnh đạo UBND huyện."]


def test_shift_the_rest_of_the_program(page, ceremony):
    page.goto(f"/events/{ceremony['event'].id}")
    second = _rows(page).nth(1)
    second.get_by_text("Dời giờ từ dòng này").click()
    second.locator("input[name=minutes]").fill("15")
    second.get_by_role("button", name="Dời", exact=True).click()
    expect(page.locator("#program")).to_contain_text("Đã dời 1 dòng 15 phút.")
    expect(_rows(page).nth(1)).to_contain_text("7h45-8h15")


def test_add_an_event_to_the_schedule_inline(page, ceremony):
    page.goto(f"/campaigns/{ceremony['campaign'].id}")
    page.evaluate("window.__noReload = 1")
    page.get_by_role("button", name="Thêm sự kiện").click()
    form = page.locator("#event-new form")
    form.locator("#title").fill("Ngày hội sách và giao lưu văn hóa đọc")
    form.locator("#date").fill("4/10")
    form.locator("#start_time").fill("8h30")
    form.get_by_role("button", name="Lưu").click()

    row = page.locator("#schedule tr").filter(has_text="Ngày hội sách và giao lưu văn hóa đọc")
    expect(row).to_contain_text("04/10/2023")
    expect(row).to_contain_text("8h30")
    assert page.evaluate("window.__noReload") == 1

    # a wrong time is refused in place, in Vietnamese
    page.get_by_role("button", name="Thêm sự kiện").click()
    form = page.locator("#event-new form")
    form.locator("#title").fill("Sai giờ")
    form.locator("#start_time").fill("25h")
    form.get_by_role("button", name="Lưu").click()
    expect(form.locator(".field__errors")).to_contain_text("giờ phải từ 0 đến 23")


def test_edit_an_event_inline_then_cancel_and_delete_another(page, ceremony, make_event):
    campaign, office = ceremony["campaign"], ceremony["office"]
    make_event(
        campaign,
        office,
        title="Hội thi kể chuyện theo sách",
        date=dt.date(2023, 10, 3),
        start_time=dt.time(14, 0),
        venue_name="Thư viện huyện",
    )
    page.goto(f"/campaigns/{campaign.id}")
    page.evaluate("window.__noReload = 1")
    rows = page.locator("#schedule tbody tr")
    expect(rows).to_have_count(2)
    before = rows.nth(1).inner_html()
    rows.nth(1).get_by_role("button", name="Sửa").click()
    expect(page.locator("#schedule tr.editing form #title")).to_have_value(
        "Hội thi kể chuyện theo sách"
    )
    page.locator("#schedule tr.editing").get_by_role("button", name="Hủy").click()
    expect(page.locator("#schedule tr.editing")).to_have_count(0)
    assert rows.nth(1).inner_html() == before  # the row on its own is the schedule's row

    rows.nth(1).get_by_role("button", name="Xóa").click()
    page.locator("#schedule tr.editing").get_by_role("button", name="Xóa").click()
    expect(rows).to_have_count(1)
    expect(page.locator("#schedule")).not_to_contain_text("Hội thi kể chuyện")
    assert page.evaluate("window.__noReload") == 1

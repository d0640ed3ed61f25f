"""From the check-in desk to the exported figure: staff check a delegate in by name; the report officer finds them in the statistics table without typing, types the
number of news articles, submits, and downloads the .xlsx with those figures."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from app.units.models import Role

pytestmark = pytest.mark.browser

LIFE_SKILLS = "Giáo dục kỹ năng sống cho học sinh"
ARTICLES = "Số tin, bài về các hoạt động của Tuần lễ"


def test_a_check_in_reaches_the_exported_statistics_table(
    db, todays_ceremony, page, sign_in, make_user
):
    event, (luan, _dao, _khach) = todays_ceremony
    rows = {row.label: row for row in event.campaign.report_template.rows}
    event.report_row = rows[LIFE_SKILLS]
    make_user(event.unit, Role.REPORT_OFFICER, email="baocao@example.vn")
    db.session.commit()

    # The desk: Mr Luân has no QR code with him, he is found by name.
    sign_in(page, "diemdanh@example.vn")
    page.goto(f"/events/{event.id}/checkin")
    page.fill("#search-q", "Luân")
    row = page.locator(f"#search-invitee-{luan.id}")
    row.get_by_role("button").click()
    expect(page.locator("#scan-result")).to_contain_text("Nguyễn Duy Luân")
    page.context.clear_cookies()

    # The report officer: the figures are there already.
    sign_in(page, "baocao@example.vn")
    page.goto(f"/campaigns/{event.campaign_id}/report")
    life = page.locator(f"#row-{rows[LIFE_SKILLS].id}")
    expect(life.locator(f'input[name="c-{rows[LIFE_SKILLS].id}"]')).to_have_value("1")
    expect(life.locator(f'input[name="p-{rows[LIFE_SKILLS].id}"]')).to_have_value("1")

    page.fill(f'input[name="c-{rows[ARTICLES].id}"]', "3")
    page.get_by_role("button", name="Lưu số liệu").click()
    expect(page.locator(".alert--success")).to_contain_text("Đã lưu số liệu")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Gửi báo cáo").click()
    expect(page.locator(".report-status")).to_contain_text("Đã gửi")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Bảng tổng hợp số liệu (.xlsx)").click()
    workbook = load_workbook(io.BytesIO(download_info.value.path().read_bytes()))
    sheet = workbook.active
    by_label = {
        sheet.cell(row, 2).value: (sheet.cell(row, 4).value, sheet.cell(row, 5).value)
        for row in range(1, sheet.max_row + 1)
    }
    assert by_label[LIFE_SKILLS] == (1, 1)
    assert by_label[ARTICLES][0] == 3

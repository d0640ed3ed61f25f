"""The results report's downloads: the statistics table as Excel, the whole report as Word and
PDF, re-read cell by cell and checked against figures computed by hand.

The example: a province with two district offices; district 1 has two schools.

School 1 (THCS An Đức), report submitted:
  E1 "Giáo dục kỹ năng sống" — An and Chi checked in, one walk-in, tally "Lớp 6A" 35 → 38 persons
  E2 same category, nobody scanned, marked held → 1 event, 0 persons
  → the row shows 2 classes and 38 persons; the report officer typed 40 persons over the 38
  (two pupils did not scan), typed 4 articles with a note starting with "=", and the state
  budget 1.500.000 đồng; the narrative has two paragraphs under I.2 and one under II.1.
School 2 (TH An Bình Tây), report still a draft: E3 "Hoạt động văn nghệ", tally 50; 3 articles.
District office 2: no report, no events.
"""

from __future__ import annotations

import io
import re

import docx
import pytest
from docx.oxml.ns import qn
from openpyxl import load_workbook
from pypdf import PdfReader

from app.checkin.models import CheckInMethod, ParticipantType
from app.checkin.services import Actor, check_in_invitee, record_headcount, walk_in
from app.invitations.services import PersonData, invite
from app.reports.export_routes import report_file
from app.reports.export_xlsx import FIRST_BODY_ROW, HEAD_ROW
from app.reports.exports import PREVIEW_MARK, STAT_TITLE
from app.reports.permissions import ReportContext
from app.reports.services import (
    FigureInput,
    get_or_create_report,
    save_figures,
    save_narrative,
    submit,
)
from app.units.models import Role, UnitKind

LIFE_SKILLS = "Giáo dục kỹ năng sống cho học sinh"
ARTS = "Hoạt động văn nghệ"
ARTICLES = "Số tin, bài về các hoạt động của Tuần lễ"
DONORS = "Số cá nhân tặng sách"
STATE_BUDGET = "Ngân sách nhà nước"
SCHOOLS_OPENED = "Số cơ sở giáo dục tổ chức Lễ khai mạc"
FORMULA_NOTE = '=HYPERLINK("http://example.com","bấm vào đây")'
ACTIVITIES = (
    "Tổ chức 3 lớp giáo dục kỹ năng sống cho học sinh khối 6.\n"
    "\n"
    "Thư viện trường mở cửa cả ngày thứ Bảy để phụ huynh đọc sách cùng con."
)
RESULTS = "Học sinh hào hứng tham gia, nhiều em lần đầu mượn sách về nhà."
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def week(db, make_unit, make_campaign, make_event, make_user):
    province = make_unit(name="Sở GD&ĐT tỉnh Bến Tre", kind=UnitKind.PROVINCIAL_DEPARTMENT)
    district1 = make_unit(
        province, name="Phòng GD&ĐT huyện Ba Tri", kind=UnitKind.DISTRICT_OFFICE, code="PGD-BT"
    )
    district2 = make_unit(
        province, name="Phòng GD&ĐT huyện Giồng Trôm", kind=UnitKind.DISTRICT_OFFICE
    )
    school1 = make_unit(
        district1, name="Trường THCS An Đức", kind=UnitKind.LOWER_SECONDARY, code="THCS-AD"
    )
    school2 = make_unit(district1, name="Trường TH An Bình Tây", kind=UnitKind.PRIMARY)
    campaign = make_campaign(province, year=2022)
    rows = {row.label: row for row in campaign.report_template.rows}

    def event(unit, label, **kw):
        return make_event(campaign, unit, report_row=rows[label], **kw)

    e1 = event(school1, LIFE_SKILLS, title="Kỹ năng phòng chống đuối nước")
    event(school1, LIFE_SKILLS, title="Kỹ năng thoát hiểm", held=True)
    e3 = event(school2, ARTS, title="Văn nghệ chào mừng")

    staff = make_user(school1, Role.CHECKIN_STAFF)
    actor = Actor(user=staff, device_id="phone")
    for name in ("Nguyễn Văn An", "Lê Văn Chi"):
        invitee = invite(e1, school1, PersonData(name))
        check_in_invitee(e1, invitee, actor, method=CheckInMethod.SCAN, override=True)
    walk_in(
        e1,
        full_name="Phạm Thị Dung",
        organisation="Phụ huynh lớp 6A",
        participant_type=ParticipantType.PARENT,
        actor=actor,
    )
    record_headcount(e1, "Lớp 6A", 35, actor)
    record_headcount(e3, "Đội văn nghệ", 50, actor)
    db.session.commit()

    officers = {
        unit: make_user(unit, Role.REPORT_OFFICER, name=f"Cán bộ {unit.name}")
        for unit in (province, district1, district2, school1, school2)
    }
    report1 = get_or_create_report(campaign, school1)
    officer1 = officers[school1]
    assert (
        save_figures(
            report1,
            officer1,
            list(rows.values()),
            {
                rows[LIFE_SKILLS].id: FigureInput(persons="40", note="2 em không quét mã"),
                rows[ARTICLES].id: FigureInput(count="4", note=FORMULA_NOTE),
                rows[STATE_BUDGET].id: FigureInput(count="1.500.000"),
            },
        )
        == {}
    )
    assert save_narrative(report1, officer1, {"activities": ACTIVITIES, "results": RESULTS}) == {}
    submit(report1, officer1)

    report2 = get_or_create_report(campaign, school2)
    save_figures(
        report2, officers[school2], list(rows.values()), {rows[ARTICLES].id: FigureInput("3")}
    )
    db.session.commit()
    return {
        "campaign": campaign,
        "province": province,
        "district1": district1,
        "district2": district2,
        "school1": school1,
        "school2": school2,
        "officers": officers,
    }


def url(week, unit, fmt, **query):
    from flask import url_for

    return url_for(
        f"reports.report_{fmt}", campaign_id=week["campaign"].id, unit_id=week[unit].id, **query
    )


def download(client, auth, week, user_unit, unit, fmt, **query):
    auth.login(week["officers"][week[user_unit]])
    with client.application.test_request_context():
        response = client.get(url(week, unit, fmt, **query))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response


def sheet_of(content: bytes):
    return load_workbook(io.BytesIO(content)).active


def body_row(ws, label: str) -> int:
    for row in range(FIRST_BODY_ROW, ws.max_row + 1):
        if ws.cell(row=row, column=2).value == label:
            return row
    raise AssertionError(f"no row {label!r}")


def texts_below_table(ws) -> list[str]:
    last = body_row(ws, "Các nội dung khác (nếu có)")
    return [ws.cell(row=r, column=1).value or "" for r in range(last + 1, ws.max_row + 1)]


# --- Excel ------------------------------------------------------------------------------------


def test_the_xlsx_has_the_templates_layout_and_the_schools_figures(client, auth, week):
    response = download(client, auth, week, "school1", "school1", "xlsx")
    assert response.mimetype == XLSX
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="bao-cao-tuan-le-2022-thcs-ad.xlsx"'
    )
    ws = sheet_of(response.data)

    assert ws["A1"].value == "TRƯỜNG THCS AN ĐỨC"
    assert ws["A2"].value == STAT_TITLE
    assert ws["A4"].value == "Tuần lễ hưởng ứng học tập suốt đời năm 2022"
    top, sub = HEAD_ROW, HEAD_ROW + 1
    assert [ws.cell(row=top, column=c).value for c in range(1, 7)] == [
        "STT",
        "Các hoạt động",
        "Đơn vị",
        "Số lượng",
        None,
        "Ghi chú",
    ]
    assert [ws.cell(row=sub, column=c).value for c in (4, 5)] == ["Số lớp/số cuộc thi", "Người"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {f"A{top}:A{sub}", f"B{top}:B{sub}", f"C{top}:C{sub}", f"F{top}:F{sub}"} <= merged
    assert f"D{top}:E{top}" in merged
    assert ws.print_title_rows == f"${top}:${sub}"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)

    # Section 1 in bold with its number; its rows indented, without one.
    section = body_row(ws, "Các lớp bồi dưỡng, tập huấn tổ chức trong Tuần lễ")
    assert section == FIRST_BODY_ROW
    assert ws.cell(row=section, column=1).value == "1"
    assert ws.cell(row=section, column=2).font.b

    # 2 classes (E1 and the held E2); 38 persons by check-in, 40 typed over them.
    row = body_row(ws, LIFE_SKILLS)
    assert ws.cell(row=row, column=1).value is None
    assert not ws.cell(row=row, column=2).font.b
    assert ws.cell(row=row, column=3).value == "lớp/người"
    count, persons, note = (ws.cell(row=row, column=c) for c in (4, 5, 6))
    assert (count.value, persons.value) == (2, 40)
    assert count.data_type == persons.data_type == "n"
    assert persons.number_format == "#,##0"
    assert "38" in persons.comment.text and count.comment is None
    assert note.value.startswith("2 em không quét mã\n")
    assert "dữ liệu điểm danh: 38" in note.value
    # "Tổng số người tham gia, trong đó:" adds the section's rows.
    total = body_row(ws, "Tổng số người tham gia, trong đó:")
    assert [ws.cell(row=total, column=c).value for c in (4, 5)] == [2, 40]

    budget = body_row(ws, STATE_BUDGET)
    assert ws.cell(row=budget, column=4).value == 1_500_000
    assert ws.cell(row=budget, column=3).value == "đồng"
    # A typed row nobody filled is empty, not 0.
    donors = body_row(ws, DONORS)
    assert [ws.cell(row=donors, column=c).value for c in (4, 5, 6)] == [None, None, None]
    # The template's labels keep their diacritics; a note that looks like a formula is text.
    opened = body_row(ws, SCHOOLS_OPENED)
    assert ws.cell(row=opened, column=3).value == "trường/trung tâm"
    articles = body_row(ws, ARTICLES)
    assert ws.cell(row=articles, column=1).value == "2"
    assert ws.cell(row=articles, column=4).value == 4
    assert ws.cell(row=articles, column=6).value == FORMULA_NOTE
    assert ws.cell(row=articles, column=6).data_type == "s"

    below = texts_below_table(ws)
    assert any("đã gửi lúc" in text and "Cán bộ Trường THCS An Đức" in text for text in below), (
        below
    )
    assert any("Hạn báo cáo: 15/10/2022" in text for text in below)


def test_the_districts_xlsx_lists_the_school_that_has_not_submitted(client, auth, week):
    ws = sheet_of(download(client, auth, week, "district1", "district1", "xlsx").data)

    row = body_row(ws, LIFE_SKILLS)
    assert [ws.cell(row=row, column=c).value for c in (4, 5)] == [2, 40]  # school 1's frozen
    arts = body_row(ws, ARTS)
    assert [ws.cell(row=arts, column=c).value for c in (4, 5)] == [0, 0]
    articles = body_row(ws, ARTICLES)
    assert ws.cell(row=articles, column=4).value == 4
    assert ws.cell(row=articles, column=6).value is None  # the school's note is its own
    below = texts_below_table(ws)
    assert any("báo cáo đã gửi của 1 đơn vị trực thuộc" in text for text in below), below
    assert "- Trường TH An Bình Tây (bản nháp)" in below
    assert "Trường THCS An Đức" not in " ".join(below)


def test_the_preview_with_drafts_counts_the_schools_draft_and_says_so(client, auth, week):
    response = download(client, auth, week, "district1", "district1", "xlsx", drafts="1")
    assert response.headers["Content-Disposition"].endswith('-ban-xem-truoc.xlsx"')
    ws = sheet_of(response.data)

    assert PREVIEW_MARK in [ws.cell(row=r, column=1).value for r in range(1, HEAD_ROW)]
    arts = body_row(ws, ARTS)
    assert [ws.cell(row=arts, column=c).value for c in (4, 5)] == [1, 50]
    assert ws.cell(row=body_row(ws, ARTICLES), column=4).value == 7
    below = texts_below_table(ws)
    assert any("Bản xem trước" in text for text in below)
    assert "- Trường TH An Bình Tây (bản nháp)" in below

    docx_file = download(client, auth, week, "district1", "district1", "docx", drafts="1")
    paragraphs = [p.text for p in docx.Document(io.BytesIO(docx_file.data)).paragraphs]
    assert PREVIEW_MARK in paragraphs


def test_the_units_below_are_listed_one_per_line_shown_in_full(client, auth, week):
    ws = sheet_of(download(client, auth, week, "province", "province", "xlsx", drafts="1").data)

    listed = {
        ws.cell(row=r, column=1).value: r
        for r in range(FIRST_BODY_ROW, ws.max_row + 1)
        if str(ws.cell(row=r, column=1).value or "").startswith("- ")
    }
    district = listed["- Phòng GD&ĐT huyện Ba Tri (chưa lập báo cáo)"]
    school = listed["- Trường TH An Bình Tây (bản nháp)"]
    assert school == district + 1 and len(listed) == 3
    assert ws.print_area.endswith(f"!$A$1:$F${max(listed.values())}")  # printed, A to F
    for text, row in listed.items():
        cell = ws.cell(row=row, column=1)
        # Column A is narrow: the name shows in full because it is left-aligned, does not
        # wrap, and the cells to its right are empty, so it runs over them.
        assert cell.alignment.horizontal == "left" and not cell.alignment.wrap_text, text
        assert [ws.cell(row=row, column=c).value for c in range(2, 7)] == [None] * 5, text
        assert cell.font.i
    # The school sits under its district, indented one step further.
    indent = {row: ws.cell(row=row, column=1).alignment.indent for row in (district, school)}
    assert indent[school] == indent[district] + 1


# --- Word -------------------------------------------------------------------------------------


def test_the_docx_has_the_outline_the_narrative_and_the_table(client, auth, week):
    response = download(client, auth, week, "school1", "school1", "docx")
    assert response.headers["Content-Disposition"].endswith('2022-thcs-ad.docx"')
    document = docx.Document(io.BytesIO(response.data))
    paragraphs = [p.text for p in document.paragraphs]

    assert "BÁO CÁO" in paragraphs
    assert "Kết quả tổ chức Tuần lễ hưởng ứng học tập suốt đời năm 2022" in paragraphs
    assert PREVIEW_MARK not in paragraphs
    heading = document.tables[0]
    assert heading.cell(0, 0).paragraphs[1].text == "TRƯỜNG THCS AN ĐỨC"
    assert heading.cell(0, 1).paragraphs[0].text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"

    # The outline in order; the narrative's paragraphs under their headings, an empty section
    # kept as an empty line.
    def at(text):
        return paragraphs.index(text)

    first, second = ACTIVITIES.split("\n\n")
    direction = at("1. Công tác chỉ đạo, ban hành kế hoạch triển khai thực hiện")
    assert at("I. TỔ CHỨC TRIỂN KHAI TUẦN LỄ") < direction
    assert paragraphs[direction + 1] == ""
    activities = at("2. Nội dung các hoạt động đã triển khai trong Tuần lễ")
    assert paragraphs[activities + 1 : activities + 3] == [first, second]
    funding = at("3. Kinh phí tổ chức Tuần lễ")
    assert paragraphs[funding + 1] == "- Ngân sách nhà nước: 1.500.000 đồng"
    results = at("1. Những kết quả đã đạt được")
    assert at("II. ĐÁNH GIÁ CHUNG") < results
    assert paragraphs[results + 1] == RESULTS
    assert at(
        "5. " + "Bảng tổng hợp số liệu các hoạt động tổ chức Tuần lễ (thống kê theo Mẫu tổng hợp)"
    )

    table = document.tables[1]
    assert [c.text for c in table.rows[0].cells] == [
        "STT",
        "Các hoạt động",
        "Đơn vị",
        "Số lượng",
        "Số lượng",  # one cell spanning two grid columns
        "Ghi chú",
    ]
    assert [c.text for c in table.rows[1].cells] == [
        "STT",  # merged down over both header rows
        "Các hoạt động",
        "Đơn vị",
        "Số lớp/số cuộc thi",
        "Người",
        "Ghi chú",
    ]
    assert table.rows[0].cells[3]._tc is table.rows[0].cells[4]._tc
    # Both header rows repeat on every page; body rows do not.
    repeated = [row._tr.trPr.find(qn("w:tblHeader")) is not None for row in table.rows[:3]]
    assert repeated == [True, True, False]
    assert table.rows[0].cells[0]._tc.vMerge == "restart"
    rows = {row.cells[1].text: [c.text for c in row.cells] for row in table.rows[2:]}
    skills = rows[LIFE_SKILLS]
    assert skills[2:5] == ["lớp/người", "2", "40"]
    assert "dữ liệu điểm danh: 38" in skills[5]
    assert rows[STATE_BUDGET][3] == "1.500.000"
    assert rows[DONORS][3:] == ["", "", ""]
    assert rows[ARTICLES][5] == FORMULA_NOTE
    assert len(table.rows) == 2 + len(week["campaign"].report_template.rows)

    signature = document.tables[2]
    assert signature.cell(0, 0).paragraphs[0].text == "Nơi nhận:"
    assert "Phòng GD&ĐT huyện Ba Tri (để báo cáo);" in signature.cell(0, 0).text
    assert signature.cell(0, 1).text == "HIỆU TRƯỞNG"


# --- PDF --------------------------------------------------------------------------------------


def test_the_pdf_has_the_report_in_vietnamese_with_the_header_on_every_table_page(
    client, auth, week
):
    response = download(client, auth, week, "school1", "school1", "pdf")
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"].endswith('2022-thcs-ad.pdf"')
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages]
    text = re.sub(r"\s+", " ", " ".join(pages))

    assert "Kết quả tổ chức Tuần lễ hưởng ứng học tập suốt đời năm 2022" in text
    assert "Thư viện trường mở cửa cả ngày thứ Bảy" in text
    assert "Giáo dục kỹ năng sống cho học sinh" in text
    assert "1.500.000" in text
    table_pages = [
        page for page in pages if "Xóa mù chữ" in page or "Các nội dung khác (nếu có)" in page
    ]
    assert table_pages
    for page in table_pages:
        assert "Số lượng" in page and "Ghi chú" in page


# --- who may download -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "docx", "pdf"])
@pytest.mark.parametrize(
    ("user_unit", "unit", "status"),
    [
        ("school1", "school1", 200),  # its own
        ("district1", "school1", 200),  # the unit above
        ("province", "school1", 200),  # two levels above
        ("district2", "school1", 404),  # a sibling district
        ("school2", "school1", 404),  # a sibling school
        ("school1", "district1", 404),  # a unit below cannot read the one above
        ("district2", "district2", 200),  # no report started yet
    ],
)
def test_who_may_download(client, auth, week, fmt, user_unit, unit, status):
    auth.login(week["officers"][week[user_unit]])
    with client.application.test_request_context():
        response = client.get(url(week, unit, fmt))
    assert response.status_code == status


def test_anonymous_is_sent_to_the_login_page_and_unknown_units_are_404(client, auth, week):
    with client.application.test_request_context():
        target = url(week, "school1", "xlsx")
        unknown = url(week, "school1", "pdf").replace(f"/{week['school1'].id}/", "/999999/")
    response = client.get(target)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]

    auth.login(week["officers"][week["province"]])
    assert client.get(unknown).status_code == 404


def test_report_file_builds_the_same_bytes_for_other_code(app, week):
    from app.reports.services import find_report

    context = ReportContext(
        week["campaign"], week["school2"], find_report(week["campaign"], week["school2"])
    )
    with app.test_request_context():
        exported = report_file(context, "xlsx")
    assert exported.filename.startswith("bao-cao-tuan-le-2022-")
    ws = sheet_of(exported.content)
    assert ws.cell(row=body_row(ws, ARTS), column=5).value == 50
    assert ws.cell(row=body_row(ws, ARTICLES), column=4).value == 3
    assert "Tình trạng: bản nháp, chưa gửi." in texts_below_table(ws)

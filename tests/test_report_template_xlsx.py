"""Statistics templates as .xlsx: the exported sheet read back cell by cell, the round trip of
seed 002's default template, another province's template typed by hand, and every kind of file
that must be refused, each with the message the user sees."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.reports.default_template import NAME, build_default_template
from app.reports.models import ReportTemplate, RowSource
from app.reports.template_import import build_template, parse_template, read_template
from app.reports.template_xlsx import template_xlsx
from app.schedule.tables import ImportFileError

HEAD = ["STT", "Các hoạt động", "Đơn vị tính", "Cấp", "Cách tính", "Danh mục hoạt động"]


@pytest.fixture(autouse=True)
def english(app):
    """Messages are lazy: they are read in a request, in English whatever gets translated."""
    with app.test_request_context(), force_locale("en"):
        yield


def workbook(rows: list[list], *, title: str | None = "Mẫu thống kê") -> bytes:
    """An .xlsx whose first sheet holds the title (row 1), the header (row 3) and `rows`."""
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet["A1"] = title
    for index, row in enumerate(rows, start=3):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=index, column=column, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def structure(template: ReportTemplate) -> list[tuple]:
    """Everything a template says, row by row, the parent named by its position."""
    rows = sorted(template.rows, key=lambda row: row.position)
    return [
        (
            row.position,
            row.number,
            row.label,
            row.unit_of_measure,
            row.source,
            row.unit_filter,
            row.is_category,
            row.parent.position if row.parent is not None else None,
        )
        for row in rows
    ]


def messages(draft) -> list[tuple[int, str]]:
    return [(problem.line, str(problem.message)) for problem in draft.problems]


# --- export --------------------------------------------------------------------------------


def test_the_exported_sheet_reads_like_the_printed_table():
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx(build_default_template())))
    assert book.sheetnames == ["Mẫu tổng hợp số liệu", "Hướng dẫn"]
    sheet = book["Mẫu tổng hợp số liệu"]
    assert sheet["A1"].value == NAME
    assert [cell.value for cell in sheet[3]] == HEAD
    by_label = {row[1].value: [cell.value for cell in row] for row in sheet.iter_rows(min_row=4)}
    assert by_label["Giáo dục kỹ năng sống cho học sinh"] == [
        None, "Giáo dục kỹ năng sống cho học sinh", "lớp/người", 2, "Từ hoạt động", "x",
    ]  # fmt: skip
    assert by_label["Các lớp bồi dưỡng, tập huấn tổ chức trong Tuần lễ"] == [
        "1", "Các lớp bồi dưỡng, tập huấn tổ chức trong Tuần lễ", None, 1,
        "Tổng các dòng bên dưới", None,
    ]  # fmt: skip
    assert by_label["Tổng số người tham gia, trong đó:"][4] == "Tổng các dòng tiếp theo trong mục"
    assert by_label["Tổ chức Lễ khai mạc Tuần lễ"] == [
        "7", "Tổ chức Lễ khai mạc Tuần lễ", None, 1, "Tổng các dòng bên dưới", "x",
    ]  # fmt: skip
    assert by_label["Số huyện tổ chức Lễ khai mạc"][2:5] == [
        "huyện", 2, "Số đơn vị tổ chức Lễ khai mạc: huyện",
    ]  # fmt: skip
    assert by_label["Số cơ sở giáo dục tổ chức Lễ khai mạc"][4] == (
        "Số đơn vị tổ chức Lễ khai mạc: cơ sở giáo dục"
    )
    assert by_label["Ngân sách nhà nước"][2:5] == ["đồng", 2, "Nhập tay"]
    assert sheet.max_row == 3 + 44
    # Sections stand out, rows of a section are indented.
    section = next(r for r in sheet.iter_rows(min_row=4) if r[1].value == "Kinh phí")
    row = next(r for r in sheet.iter_rows(min_row=4) if r[1].value == "Ngân sách nhà nước")
    assert section[1].font.b and not row[1].font.b and row[1].alignment.indent == 1


def test_the_guide_sheet_explains_every_column_and_value():
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx(build_default_template())))
    texts = [cell.value for row in book["Hướng dẫn"].iter_rows() for cell in row if cell.value]
    for head in HEAD:
        assert head in texts
    for words in (
        "Tổng các dòng bên dưới",
        "Tổng các dòng tiếp theo trong mục",
        "Từ hoạt động",
        "Số đơn vị tổ chức Lễ khai mạc: huyện",
        "Số đơn vị tổ chức Lễ khai mạc: cơ sở giáo dục",
        "Nhập tay",
    ):
        assert words in texts
    assert any("1 for a section, 2 for a row" in text for text in texts)


def test_the_guide_follows_the_users_language(app):
    with force_locale("vi"):
        book = openpyxl.load_workbook(io.BytesIO(template_xlsx(build_default_template())))
    # The table's words stay Vietnamese whatever the language: the file imports for anyone.
    assert [cell.value for cell in book.worksheets[0][3]] == HEAD


def test_text_that_looks_like_a_formula_is_exported_as_text():
    template = build_default_template()
    template.rows[1].label = "=1+1 người"
    sheet = openpyxl.load_workbook(io.BytesIO(template_xlsx(template))).worksheets[0]
    assert sheet["B5"].value == "=1+1 người" and sheet["B5"].data_type == "s"


# --- round trip ----------------------------------------------------------------------------


def test_the_default_template_survives_export_and_import():
    default = build_default_template()
    draft = read_template("mau-bao-cao.xlsx", template_xlsx(default))
    assert draft.ok, messages(draft)
    assert draft.title == NAME
    imported = build_template(draft.title, draft)
    assert structure(imported) == structure(default)
    assert not imported.is_default


def test_the_round_trip_holds_through_the_database(db):
    db.session.add(build_default_template())
    db.session.commit()
    stored = db.session.scalar(select(ReportTemplate))
    draft = read_template("mau.xlsx", template_xlsx(stored))
    copy = build_template("Bản sao", draft)
    db.session.add(copy)
    db.session.commit()
    db.session.expire_all()
    first, second = db.session.scalars(select(ReportTemplate).order_by(ReportTemplate.id)).all()
    assert structure(second) == structure(first)
    # And once more from the copy: the same file content.
    again = read_template("mau.xlsx", template_xlsx(second))
    assert [(r.number, r.label, r.level) for r in again.rows] == [
        (r.number, r.label, r.level) for r in draft.rows
    ]


QUANG_NAM = [
    HEAD,
    ["I", "Lớp học và câu lạc bộ", None, 1, "Tổng các dòng bên dưới", None],
    [None, "Tổng số lớp, trong đó:", None, 2, "Tổng các dòng tiếp theo trong mục", None],
    [None, "Lớp tiếng Anh cho người lớn", "lớp/người", 2, "Từ hoạt động", "x"],
    # Cấp left empty (no STT: a row), words typed without diacritics, "X" in capitals.
    [None, "Câu lạc bộ đọc sách", "số cuộc/người", None, "tu hoat dong", "X"],
    [],
    ["II", "Tin bài trên Cổng thông tin điện tử tỉnh", "tin, bài", None, "Nhập tay", None],
    ["III", "Lễ khai mạc", None, 1, "Tổng các dòng bên dưới", "x"],
    [None, "Số xã, phường tổ chức", "xã", 2, "Số đơn vị tổ chức Lễ khai mạc: huyện", None],
    [None, "Số trường tổ chức", "trường", 2, "opening_units:education", None],
]


def test_another_provinces_template_typed_by_hand():
    draft = read_template("mau-quang-nam.xlsx", workbook(QUANG_NAM, title="Mẫu Quảng Nam 2024"))
    assert draft.ok, messages(draft)
    template = build_template("Quảng Nam 2024", draft)
    assert structure(template) == [
        (1, "I", "Lớp học và câu lạc bộ", "", RowSource.HEADING, None, False, None),
        (2, "", "Tổng số lớp, trong đó:", "", RowSource.SUM, None, False, 1),
        (3, "", "Lớp tiếng Anh cho người lớn", "lớp/người", RowSource.EVENTS, None, True, 1),
        (4, "", "Câu lạc bộ đọc sách", "số cuộc/người", RowSource.EVENTS, None, True, 1),
        (5, "II", "Tin bài trên Cổng thông tin điện tử tỉnh", "tin, bài", RowSource.TYPED,
         None, False, None),
        (6, "III", "Lễ khai mạc", "", RowSource.HEADING, None, True, None),
        (7, "", "Số xã, phường tổ chức", "xã", RowSource.OPENING_UNITS, "district", False, 6),
        (8, "", "Số trường tổ chức", "trường", RowSource.OPENING_UNITS, "education", False, 6),
    ]  # fmt: skip
    assert [row.line for row in draft.rows] == [4, 5, 6, 7, 9, 10, 11, 12]


def test_columns_may_come_in_any_order():
    rows = [[row[i] if i < len(row) else None for i in (4, 1, 0, 5, 3, 2)] for row in QUANG_NAM]
    draft = read_template("mau.xlsx", workbook(rows))
    assert draft.ok, messages(draft)
    assert [r.label for r in draft.rows] == [r.label for r in parse_template_rows(QUANG_NAM)]


def parse_template_rows(rows):
    return read_template("mau.xlsx", workbook(rows)).rows


def test_a_sub_row_may_carry_its_own_number():
    draft = read_template(
        "mau.xlsx",
        workbook([HEAD, ["1", "Mục", None, 1, "Tổng các dòng bên dưới"], ["1.1", "Dòng", "lớp", 2,
                  "Từ hoạt động", "x"]]),
    )  # fmt: skip
    assert draft.ok and [(r.number, r.level) for r in draft.rows] == [("1", 1), ("1.1", 2)]


# --- files refused -------------------------------------------------------------------------


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


def _far_below() -> bytes:
    book = openpyxl.Workbook()
    for index, value in enumerate(HEAD, start=1):
        book.active.cell(row=3, column=index, value=value)
    book.active["B60000"] = "?"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("mau.csv", b"STT;Cac hoat dong\n1;Lop hoc\n", "mau.csv is not an Excel workbook (.xlsx)"),
        ("mau.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "is not an Excel workbook"),
        ("mau.docx", _zip({"word/document.xml": b"<w/>"}), "is not an Excel workbook (.xlsx)"),
        (
            "mau.xlsx",
            "STT;Các hoạt động\n".encode(),
            "mau.xlsx is not an Excel workbook (.xlsx): its content is a text or CSV file.",
        ),
        ("mau.xlsx", b"", "mau.xlsx is empty."),
        ("mau.xlsx", b"PK\x03\x04 not really a zip", "could not be read: it may be damaged"),
        (
            "mau.xlsx",
            _zip({"xl/workbook.xml": b"<workbook/>", "[Content_Types].xml": b"<x/>"}),
            "could not be read: it may be damaged",
        ),
        (
            "bom.xlsx",
            _zip({"xl/workbook.xml": b"<w/>", "xl/worksheets/sheet1.xml": b"\0" * (11 << 20)}),
            "bom.xlsx would unpack to more than 10 MB, too much for a table.",
        ),
        ("lon.xlsx", b"PK\x03\x04" + b"\0" * (1 << 20), "lon.xlsx is larger than 1 MB."),
        ("xa.xlsx", _far_below(), "Something is written on row 60000 of the sheet"),
        (
            "mau.xlsx",
            workbook([["Nội dung", "Ghi chú"], ["Lớp học", ""]]),
            "No header row was found on the first sheet. It needs a row with the column names "
            "STT, Các hoạt động, Đơn vị tính, Cấp, Cách tính, Danh mục hoạt động.",
        ),
        (
            "mau.xlsx",
            workbook([HEAD[:4] + HEAD[5:], ["1", "Lớp học", "lớp", 1, "x"]]),
            "The header row (line 3) lacks these columns: Cách tính.",
        ),
        ("mau.xlsx", workbook([HEAD]), "The sheet has a header row but no template rows below it."),
        (
            "mau.xlsx",
            workbook([HEAD] + [[str(n), f"Dòng {n}", "", 1, "Nhập tay", ""] for n in range(501)]),
            "The template has 501 rows; at most 500 are allowed.",
        ),
    ],
    ids=[
        "csv",
        "xls",
        "docx",
        "text-named-xlsx",
        "empty",
        "damaged",
        "no-sheet",
        "zip-bomb",
        "too-large",
        "far-below",
        "no-header",
        "partial-header",
        "no-rows",
        "too-many-rows",
    ],
)
def test_files_that_cannot_be_used_are_refused(filename, data, message):
    with pytest.raises(ImportFileError) as refused:
        read_template(filename, data)
    assert message in str(refused.value)


def test_500_rows_are_accepted():
    rows = [[str(n), f"Dòng {n}", "", 1, "Nhập tay", ""] for n in range(500)]
    assert read_template("mau.xlsx", workbook([HEAD, *rows])).ok


SECTION = ["1", "Các lớp học", None, 1, "Tổng các dòng bên dưới", None]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [["1", "Lớp học", "lớp", 1, "Tự động", None]],
            [(4, "Unknown Cách tính “Tự động”: write one of “Tổng các dòng bên dưới”; "
                 "“Tổng các dòng tiếp theo trong mục”; “Từ hoạt động”; “Số đơn vị tổ chức Lễ "
                 "khai mạc: huyện”; “Số đơn vị tổ chức Lễ khai mạc: cơ sở giáo dục”; “Nhập tay”.")],
        ),
        (
            [["1", "Lớp học", "lớp", 1, None, None]],
            [(4, "Cách tính is empty: write one of “Tổng các dòng bên dưới”; “Tổng các dòng "
                 "tiếp theo trong mục”; “Từ hoạt động”; “Số đơn vị tổ chức Lễ khai mạc: huyện”; "
                 "“Số đơn vị tổ chức Lễ khai mạc: cơ sở giáo dục”; “Nhập tay”.")],
        ),
        (
            [[None, "Lớp tiếng Anh", "lớp/người", 2, "Từ hoạt động", "x"], SECTION,
             [None, "Lớp tin học", "lớp/người", 2, "Từ hoạt động", "x"]],
            [(4, "This row is a row of a section (Cấp 2), but no section (Cấp 1) comes before "
                 "it.")],
        ),
        (
            [SECTION, [None, None, "lớp/người", 2, "Từ hoạt động", "x"]],
            [(5, "The row has no text in Các hoạt động.")],
        ),
        (
            [SECTION, [None, "=A1&\" mới\"", "lớp", 2, "Từ hoạt động", None]],
            [(5, "Cell B5 holds a formula (=A1&\" mới\"). Formulas are not read: type the "
                 "value itself.")],
        ),
        (
            [SECTION, [None, "Lớp tin học", "lớp", "=1+1", "Từ hoạt động", None]],
            [(5, "Cell D5 holds a formula (=1+1). Formulas are not read: type the value "
                 "itself.")],
        ),
        (
            [SECTION, [None, "L" * 501, "lớp", 2, "Từ hoạt động", None]],
            [(5, "Các hoạt động is too long: 501 characters, at most 500.")],
        ),
        (
            [SECTION, [None, "Lớp tin học", "đ" * 65, 2, "Từ hoạt động", None]],
            [(5, "Đơn vị tính is too long: 65 characters, at most 64.")],
        ),
        (
            [["1" * 17, "Các lớp học", None, 1, "Nhập tay", None]],
            [(4, "STT is too long: 17 characters, at most 16.")],
        ),
        (
            [SECTION, [None, "Lớp tin học", "lớp", 3, "Từ hoạt động", None]],
            [(5, "Cấp must be 1 (a section) or 2 (a row of the section above), not “3”.")],
        ),
        (
            [SECTION, [None, "Lớp tin học", "lớp", 2, "Từ hoạt động", "có lẽ"]],
            [(5, "Danh mục hoạt động must be “x” or empty, not “có lẽ”.")],
        ),
        (
            [SECTION, [None, "Lớp tin học", "lớp", 2, "Từ hoạt động", "x"],
             ["2", "Thi đua", None, 1, "Tổng các dòng bên dưới", None],
             ["3", "lớp  TIN học", "lớp", 1, "Từ hoạt động", "x"]],
            [(6, "“Tổng các dòng bên dưới” needs rows below the section, and it has none."),
             (7, "Line 5 is an event category with the same text. Events are filed by this "
                 "text, so each category needs its own.")],
        ),
        (
            [SECTION, [None, "Lớp tin học", "lớp", 2, "Tổng các dòng bên dưới", None],
             [None, "Tổng số lớp", "lớp", 2, "Tổng các dòng tiếp theo trong mục", None],
             ["2", "Tổng", None, 1, "Tổng các dòng tiếp theo trong mục", None]],
            [(5, "“Tổng các dòng bên dưới” is for a section (Cấp 1)."),
             (6, "“Tổng các dòng tiếp theo trong mục” needs rows after it in its section."),
             (7, "“Tổng các dòng tiếp theo trong mục” is for a row inside a section (Cấp 2).")],
        ),
    ],
    ids=[
        "unknown-source",
        "empty-source",
        "row-before-section",
        "empty-label",
        "formula-label",
        "formula-level",
        "label-too-long",
        "unit-too-long",
        "number-too-long",
        "bad-level",
        "bad-category",
        "empty-section-duplicate-category",
        "sums-misplaced",
    ],
)  # fmt: skip
def test_each_problem_names_its_sheet_row(rows, expected):
    draft = read_template("mau.xlsx", workbook([HEAD, *rows]))
    assert messages(draft) == expected
    assert not draft.ok
    with pytest.raises(ValueError):
        build_template("Mẫu", draft)


def test_a_formula_in_the_title_is_an_error_too():
    draft = read_template("mau.xlsx", workbook([HEAD, SECTION[:4] + ["Nhập tay"]], title="=B9"))
    assert messages(draft) == [
        (1, "Cell A1 holds a formula (=B9). Formulas are not read: type the value itself.")
    ]
    assert draft.title == ""
    assert [str(p.message) for p in draft.other_problems] == [messages(draft)[0][1]]


def test_parse_template_is_pure():
    rows = [["Mẫu"], [], HEAD, ["1", "Lớp học", "lớp", 1, "Nhập tay", None]]
    draft = parse_template(rows)
    assert draft.title == "Mẫu" and draft.ok and draft.rows[0].line == 4

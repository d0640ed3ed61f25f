"""Importing the week's schedule and run-sheets from what organisers have: the samples built
from seeds 001 and 004 (an .xlsx and a .docx), the seeds' tables pasted (tests/data/import holds
both, with the end of each seed from its table's title), CSV files in the encodings Windows and
Excel write, and files that are damaged, disguised or hostile."""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import unicodedata
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from flask_babel import force_locale
from hypothesis import given, settings
from hypothesis import strategies as st

from app.schedule.importing import (
    ImportFileError,
    ProgramDraft,
    ScheduleDraft,
    find_header,
    load_runsheet,
    load_schedule,
    parse_schedule,
    paste_runsheet,
    paste_schedule,
    read_pasted,
    read_rows,
)

DATA = Path(__file__).parent / "data" / "import"
XLSX_SAMPLE = DATA / "lich-tuan-le-dong-da-2024.xlsx"
DOCX_SAMPLE = DATA / "chuong-trinh-khai-mac-bach-thong-2023.docx"

WEEK = {
    "default_year": 2024,
    "week_start": dt.date(2024, 10, 1),
    "week_end": dt.date(2024, 10, 7),
}
SCHEDULE_HEAD = ["TT", "Giờ", "Ngày", "Đơn vị", "Nội dung"]
PROGRAM_HEAD = ["STT", "Thời gian", "Nội dung", "Thực hiện"]


@pytest.fixture(autouse=True)
def english(app):
    """Messages are lazy: they are read in a request, in English whatever gets translated."""
    with app.test_request_context(), force_locale("en"):
        yield


def t(hour: int, minute: int = 0) -> dt.time:
    return dt.time(hour, minute)


def messages(draft, severity: str | None = None) -> list[str]:
    return [str(p.message) for p in draft.problems if severity in (None, p.severity)]


def xlsx(rows: list[list], *, merged: tuple[str, ...] = (), sheets: int = 0) -> bytes:
    """A workbook whose last sheet holds `rows`, after `sheets` sheets of other notes."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for number in range(sheets):
        sheet.title = f"Ghi chú {number + 1}"
        sheet.append(["Danh sách đơn vị tham gia"])
        sheet = workbook.create_sheet()
    sheet.title = "Lịch"
    for row in rows:
        sheet.append(row)
    for cells in merged:
        sheet.merge_cells(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def seed_table(name: str) -> str:
    """The table at the end of a seed, from its title lines, as it would be pasted (the seed's
    markup for bold headings left out)."""
    return re.sub(r"</?b>", "", (DATA / name).read_text(encoding="utf-8"))


# The sample workbook ----------------------------------------------------------------------


def test_xlsx_sample_gives_the_sixteen_rows_of_seed_001():
    drafts = load_schedule(XLSX_SAMPLE.name, XLSX_SAMPLE.read_bytes(), **WEEK)

    assert len(drafts) == 16
    assert all(isinstance(d, ScheduleDraft) and d.ok for d in drafts)
    # The header is on line 5 under three merged title rows: data starts on line 6.
    assert [d.line for d in drafts] == list(range(6, 22))
    assert [d.number for d in drafts] == [str(n) for n in (1, 2, 3, 4, 5, 5, *range(6, 16))]
    first = drafts[0]
    assert (first.date, first.start_time, first.end_time) == (dt.date(2024, 9, 30), t(8, 30), None)
    assert first.unit_text == "TT VH TT & TT Quận"
    assert first.title == "Khai mạc “Tuần lễ hưởng ứng học tập suốt đời” năm 2024"


def test_xlsx_sample_keeps_both_rows_numbered_5_with_a_warning():
    drafts = load_schedule(XLSX_SAMPLE.name, XLSX_SAMPLE.read_bytes(), **WEEK)

    fives = [d for d in drafts if d.number == "5"]
    assert [(d.line, d.unit_text) for d in fives] == [
        (10, "MN Láng Thượng"),
        (11, "Hội Khuyến học và TTHTCĐ phường Ô Chợ Dừa"),
    ]
    assert messages(fives[0]) == ["TT 5 is also used on line 11."]
    assert messages(fives[1]) == ["TT 5 is also used on line 10."]
    assert [p.column for p in fives[0].problems] == ["number"]


def test_xlsx_sample_keeps_the_row_before_the_week_with_a_warning():
    drafts = load_schedule(XLSX_SAMPLE.name, XLSX_SAMPLE.read_bytes(), **WEEK)

    ceremony = drafts[0]
    assert ceremony.ok
    assert messages(ceremony, "warning") == [
        "Dated 30/09/2024, before the week starts (01/10/2024)."
    ]
    others = [d for d in drafts if d.number not in {"1", "5"}]
    assert all(not d.problems for d in others)


def test_xlsx_sample_reads_dates_typed_as_text_and_stored_as_dates():
    rows = read_rows(XLSX_SAMPLE.name, XLSX_SAMPLE.read_bytes())
    assert rows[5][2] == dt.datetime(2024, 9, 30)  # a real date cell
    assert rows[6][2] == "01/10"  # typed as text

    drafts = {d.line: d for d in load_schedule(XLSX_SAMPLE.name, XLSX_SAMPLE.read_bytes(), **WEEK)}
    assert drafts[6].date == dt.date(2024, 9, 30)
    assert drafts[7].date == dt.date(2024, 10, 1)
    assert drafts[9].date == drafts[10].date == dt.date(2024, 10, 2)  # date cell, "02/10"
    assert drafts[21].date == dt.date(2024, 10, 7)


def test_xlsx_sample_times():
    drafts = load_schedule(XLSX_SAMPLE.name, XLSX_SAMPLE.read_bytes(), **WEEK)

    assert [d.start_time for d in drafts] == [
        t(8, 30), t(8, 30), t(8, 15), t(8, 30), t(8, 30), t(8, 30), t(8, 30), t(8, 30),
        t(14, 30), t(9, 30), t(8, 30), t(8, 15), t(8, 30), t(8, 15), t(14, 30), t(8, 30),
    ]  # fmt: skip
    assert all(d.end_time is None for d in drafts)


def test_xlsx_merged_title_rows_give_no_data():
    rows = read_rows(XLSX_SAMPLE.name, XLSX_SAMPLE.read_bytes())

    assert rows[0] == ["LỊCH “TUẦN LỄ HƯỞNG ỨNG HỌC TẬP SUỐT ĐỜI” NĂM 2024", None, None, None, None]
    assert rows[3] == []  # the empty line 4
    assert find_header(rows, "schedule") == (
        4,
        {"number": 0, "time": 1, "date": 2, "unit": 3, "title": 4},
    )


# A workbook as organisers also make them ------------------------------------------------------


def test_xlsx_multi_line_cells_merged_dates_and_continuation_lines():
    data = xlsx(
        [
            ["LỊCH HOẠT ĐỘNG", None, None, None, None, None],
            SCHEDULE_HEAD + ["Địa điểm"],
            [1, "8h30-10h00", "02/10", "MN Láng Thượng", "Ngày hội sách\nGiao lưu đọc sách", "Sân"],
            [2, dt.time(14, 30), None, "TH Kim Liên", "Trải nghiệm khối 5", None],
            [None, None, None, None, "và khối 4", "Thư viện"],
            [None, None, None, None, None, None],
            [3, "8h15", dt.datetime(2024, 10, 4), "THCS Thịnh Quang", "Học tập và làm theo", None],
        ],
        merged=("A1:F1", "C3:C5"),  # the title, and one date for rows 1, 2 and the next line
    )

    drafts = load_schedule("lich.xlsx", data, **WEEK)

    assert [(d.line, d.number) for d in drafts] == [(3, "1"), (4, "2"), (7, "3")]
    first, second, third = drafts
    assert first.title == "Ngày hội sách\nGiao lưu đọc sách"  # the line break is kept
    assert (first.start_time, first.end_time) == (t(8, 30), t(10))
    assert first.venue == "Sân"
    assert first.problems == []
    # The merged date is repeated on row 2; line 5 continues row 2 (its repeated date aside).
    assert second.date == dt.date(2024, 10, 2)
    assert second.start_time == t(14, 30)
    assert second.title == "Trải nghiệm khối 5\nvà khối 4"
    assert second.venue == "Thư viện"
    assert second.ok
    assert messages(second) == [
        "Line 5 has no TT, time or date of its own: its text was added to this row."
    ]
    assert third.date == dt.date(2024, 10, 4)


def test_xlsx_vertical_merge_does_not_create_rows_of_its_own():
    # The date is merged down over an empty spacer row: the spacer stays empty.
    data = xlsx(
        [
            SCHEDULE_HEAD,
            [1, "8h30", "02/10", "MN Láng Thượng", "Ngày hội sách"],
            [None, None, None, None, None],
            [2, "9h30", None, "TH Kim Liên", "Trải nghiệm"],
        ],
        merged=("C2:C4",),
    )

    drafts = load_schedule("lich.xlsx", data, **WEEK)

    assert [(d.line, d.date) for d in drafts] == [
        (2, dt.date(2024, 10, 2)),
        (4, dt.date(2024, 10, 2)),
    ]


def test_xlsx_formula_is_kept_as_text_and_never_evaluated():
    formula = "=CMD|' /C calc'!A0"
    data = xlsx([SCHEDULE_HEAD, [1, "8h30", "02/10", "=1+1", formula]])

    rows = read_rows("lich.xlsx", data)
    drafts = load_schedule("lich.xlsx", data, **WEEK)

    assert rows[1][3:] == ["=1+1", formula]
    assert drafts[0].title == formula
    assert drafts[0].unit_text == "=1+1"  # not 2


def test_xlsx_uses_the_first_sheet_with_a_header():
    data = xlsx([SCHEDULE_HEAD, [1, "8h30", "02/10", "MN Láng Thượng", "Ngày hội sách"]], sheets=2)

    drafts = load_schedule("lich.xlsx", data, **WEEK)

    assert [(d.number, d.title) for d in drafts] == [("1", "Ngày hội sách")]


def test_xlsx_with_extensions_openpyxl_drops_reads_without_warnings():
    """openpyxl warns about the data validation lists Excel writes; warnings are errors here."""
    data = xlsx([SCHEDULE_HEAD, [1, "8h30", "02/10", "MN Láng Thượng", "Ngày hội sách"]])
    extension = (
        '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
        'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
        '<x14:dataValidations count="0"/></ext></extLst></worksheet>'
    )
    source = zipfile.ZipFile(io.BytesIO(data))
    entries = {name: source.read(name) for name in source.namelist()}
    sheet = entries["xl/worksheets/sheet1.xml"].decode()
    entries["xl/worksheets/sheet1.xml"] = sheet.replace("</worksheet>", extension).encode()

    drafts = load_schedule("lich.xlsx", zip_of(entries), **WEEK)

    assert [d.title for d in drafts] == ["Ngày hội sách"]


# The sample Word run-sheet --------------------------------------------------------------------


def test_docx_sample_gives_the_eight_rows_of_seed_004():
    drafts = load_runsheet(DOCX_SAMPLE.name, DOCX_SAMPLE.read_bytes())

    assert len(drafts) == 8
    assert all(isinstance(d, ProgramDraft) and d.ok for d in drafts)
    assert [d.number for d in drafts] == [str(n) for n in range(1, 9)]
    assert [(d.start_time, d.end_time) for d in drafts] == [
        (t(7), t(7, 30)),
        (t(7, 30), t(8)),
        (t(8), t(8, 10)),
        (t(8, 10), t(8, 25)),  # row 4 ends at 8h25 …
        (t(8, 35), t(8, 45)),  # … and row 5 starts at 8h35
        (t(8, 45), t(9)),
        (t(9), t(9, 30)),
        (t(9, 30), None),
    ]
    assert drafts[3].content == "Diễn văn khai mạc Tuần lễ hưởng ứng học tập suốt đời năm 2023"
    assert drafts[3].performer == "Lãnh đạo UBND huyện."
    assert [d.problems for d in drafts[:7]] == [[]] * 7


def test_docx_sample_last_row_has_no_end_and_no_performer():
    last = load_runsheet(DOCX_SAMPLE.name, DOCX_SAMPLE.read_bytes())[-1]

    assert last.line == 9  # the table's header is its line 1
    assert last.performer == ""
    assert last.content.startswith("Tổ chức một hoặc một số hoạt động thiết thực")
    assert [(p.severity, p.column, str(p.message)) for p in last.problems] == [
        ("warning", "end_time", "No end time.")
    ]


def docx_table(rows: list[list[str]], *, before: int = 0):
    document = docx.Document()
    for number in range(before):  # other tables first (the letterhead is often one)
        document.add_table(rows=1, cols=2).cell(0, 0).text = f"UBND HUYỆN {number}"
    document.add_paragraph("CHƯƠNG TRÌNH")
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            table.cell(r, c).text = text
    return document, table


def docx_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_merged_cells_and_a_row_split_across_rows():
    document, table = docx_table(
        [
            ["CHƯƠNG TRÌNH LỄ KHAI MẠC", "", "", ""],
            PROGRAM_HEAD,
            ["1", "7h00-7h30", "Đón tiếp đại biểu.", "Trường THCS Phủ Thông"],
            ["2", "7h30-8h00", "Văn nghệ chào mừng.", ""],
            ["", "", "Tiết mục của học sinh", ""],
            ["3", "8h00-8h10", "Chào cờ", "Lãnh đạo phòng GD&ĐT"],
        ],
        before=1,
    )
    table.cell(0, 0).merge(table.cell(0, 3))  # a title row inside the table
    table.cell(3, 3).merge(table.cell(4, 3)).text = "Trường THCS Phủ Thông"  # one cell, 2 rows

    rows = read_rows("ct.docx", docx_bytes(document), kind="runsheet")
    drafts = load_runsheet("ct.docx", docx_bytes(document))

    assert rows[0] == ["CHƯƠNG TRÌNH LỄ KHAI MẠC", "", "", ""]  # shown once
    assert [(d.line, d.number) for d in drafts] == [(3, "1"), (4, "2"), (6, "3")]
    second = drafts[1]
    assert second.content == "Văn nghệ chào mừng.\nTiết mục của học sinh"
    assert second.performer == "Trường THCS Phủ Thông"  # merged, not doubled
    assert messages(second) == ["Line 5 has no STT or time: its text was added to this row."]


def test_docx_multi_paragraph_cell_keeps_its_lines():
    document, table = docx_table([PROGRAM_HEAD, ["1", "7h00-7h30", "Đón tiếp", "Phòng GD&ĐT"]])
    table.cell(1, 2).add_paragraph("đại biểu")

    drafts = load_runsheet("ct.docx", docx_bytes(document))

    assert drafts[0].content == "Đón tiếp\nđại biểu"


def test_docx_without_a_table():
    document = docx.Document()
    document.add_paragraph("Thời gian: 07h30 ngày 02/10/2023")

    with pytest.raises(ImportFileError, match="has no table"):
        load_runsheet("ct.docx", docx_bytes(document))


# The seeds' tables, pasted ------------------------------------------------------------------


def summary(drafts):
    return [(d.number, d.date, d.start_time, d.end_time, d.unit_text, d.title) for d in drafts]


def test_seed_001_table_pasted_gives_the_same_rows_as_the_workbook():
    text = seed_table("seed-001-lich.txt")
    assert "\t" in text and "\n\n14\t" in text  # a blank line inside the table, as in the seed

    pasted = paste_schedule(text, **WEEK)
    from_file = load_schedule(XLSX_SAMPLE.name, XLSX_SAMPLE.read_bytes(), **WEEK)

    assert len(pasted) == 16
    assert summary(pasted) == summary(from_file)
    assert [[(p.severity, p.column) for p in d.problems] for d in pasted] == [
        [(p.severity, p.column) for p in d.problems] for d in from_file
    ]
    fives = [d for d in pasted if d.number == "5"]
    assert [messages(d) for d in fives] == [
        [f"TT 5 is also used on line {fives[1].line}."],
        [f"TT 5 is also used on line {fives[0].line}."],
    ]


def test_seed_004_program_pasted_gives_the_same_rows_as_the_document():
    text = seed_table("seed-004-chuong-trinh.txt")

    pasted = paste_runsheet(text)
    from_file = load_runsheet(DOCX_SAMPLE.name, DOCX_SAMPLE.read_bytes())

    def program(drafts):
        return [(d.number, d.start_time, d.end_time, d.content, d.performer) for d in drafts]

    assert program(pasted) == program(from_file)


def test_pasted_from_excel_with_quoted_cells_and_crlf():
    text = (
        "TT\tGiờ\tNgày\tĐơn vị\tNội dung\r\n"
        '1\t8h30\t02/10\tMN Láng Thượng\t"Ngày hội sách\r\nGiao lưu ""văn hóa đọc"""\r\n'
        "2\t9h30\t03/10\tTHCS Nguyễn Trường Tộ\tKỹ năng đọc\r\n"
    )

    drafts = paste_schedule(text, **WEEK)

    assert [d.line for d in drafts] == [2, 3]
    assert drafts[0].title == 'Ngày hội sách\nGiao lưu "văn hóa đọc"'
    assert drafts[1].title == "Kỹ năng đọc"


def test_pasted_from_word_keeps_quotes_that_are_text():
    text = (
        "TT\tGiờ\tNgày\tĐơn vị\tNội dung\n"
        '5\t8h30\t02/10\tPhường Ô Chợ Dừa\t"Vai trò của văn hoá đọc" tạo đà học tập\n'
        '6\t8h30\t02/10\t"Tiểu học\tKim Liên\n'
    )

    rows = read_pasted(text)

    assert rows[1][4] == '"Vai trò của văn hoá đọc" tạo đà học tập'
    assert rows[2][3:] == ['"Tiểu học', "Kim Liên"]


def test_pasted_from_word_a_cell_cut_by_a_line_break_is_joined():
    # Word copies a cell with two paragraphs as two lines, cutting the row in two.
    text = (
        "TT\tGiờ\tNgày\tĐơn vị\tNội dung\n"
        "4\t8h30\t2/10\tHội Khuyến học và TTHTCĐ\n"
        "phường Trung Liệt\tKỷ niệm 28 năm ngày thành lập Hội Khuyến học Việt Nam\n"
        "5\t8h30\t02/10\tMN Láng Thượng\tNgày hội sách\n"
        "và giao lưu văn hóa đọc\n"
        "6\t8h30\t02/10\tTiểu học Kim Liên\tHoạt động trải nghiệm\n"
    )

    drafts = paste_schedule(text, **WEEK)

    assert [(d.line, d.number) for d in drafts] == [(2, "4"), (4, "5"), (6, "6")]
    assert drafts[0].unit_text == "Hội Khuyến học và TTHTCĐ\nphường Trung Liệt"
    assert drafts[0].title.startswith("Kỷ niệm 28 năm")
    assert drafts[1].title == "Ngày hội sách\nvà giao lưu văn hóa đọc"
    assert messages(drafts[0]) == [
        "Line 3 was the rest of a cell of this row, cut by a line break: the two lines were joined."
    ]
    assert all(d.ok for d in drafts)


def test_short_rows_starting_with_a_number_are_not_joined():
    # Trailing empty cells left out: row 7 has no performer, row 8 no end time.
    text = "STT;Thời gian;Nội dung;Thực hiện\n7;9h00-9h30;Bế mạc\n8;9h30;Hoạt động\n"

    drafts = paste_runsheet(text)

    assert [(d.number, d.content, d.performer) for d in drafts] == [
        ("7", "Bế mạc", ""),
        ("8", "Hoạt động", ""),
    ]


# CSV files ------------------------------------------------------------------------------------

CSV_ROWS = [
    ["TT", "Giờ", "Ngày", "Đơn vị", "Nội dung", "Ghi chú"],
    ["1", "8h30", "30/9", "TT VH TT & TT Quận", "Khai mạc; “Tuần lễ”, năm 2024", ""],
    ["2", "8h15 - 9h00", "01/10/2024", "Tiểu học Cát Linh", "Giáo dục địa phương", "Lớp 4"],
]
ASCII_ROWS = [
    ["tt", "GIO", "ngay", "don vi", "noi dung"],
    ["1", "8h30", "30/9", "TT VH TT Quan", "Khai mac Tuan le"],
    ["2", "8h15 - 9h00", "01/10/2024", "Tieu hoc Cat Linh", "Giao duc dia phuong"],
]


def csv_text(rows: list[list[str]], delimiter: str) -> str:
    def cell(value: str) -> str:
        if any(c in value for c in (delimiter, '"', "\n")):
            return '"' + value.replace('"', '""') + '"'
        return value

    return "\r\n".join(delimiter.join(cell(v) for v in row) for row in rows) + "\r\n"


def cp1258(text: str) -> bytes:
    """Vietnamese Windows: a letter with its own marks (ơ, â, ă, đ), then the tone apart."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = []
    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in tones))
        out.append(base + "".join(c for c in decomposed if c in tones))
    return "".join(out).encode("cp1258")


@pytest.mark.parametrize(
    ("filename", "data", "rows"),
    [
        ("lich.csv", csv_text(CSV_ROWS, ",").encode("utf-8-sig"), CSV_ROWS),
        ("lich.csv", csv_text(CSV_ROWS, ";").encode("utf-8-sig"), CSV_ROWS),
        ("lich.csv", csv_text(CSV_ROWS, ";").encode("utf-8"), CSV_ROWS),
        ("lich.txt", csv_text(CSV_ROWS, "\t").encode("utf-16"), CSV_ROWS),
        ("lich.csv", cp1258(csv_text(CSV_ROWS, ";")), CSV_ROWS),
        ("lich.csv", ("sep=;\r\n" + csv_text(CSV_ROWS, ";")).encode(), [[""], *CSV_ROWS]),
        ("lich.csv", csv_text(ASCII_ROWS, ";").encode("ascii"), ASCII_ROWS),
        ("lich.csv", csv_text(ASCII_ROWS, ",").encode("ascii"), ASCII_ROWS),
        ("LICH", csv_text(ASCII_ROWS, ";").encode("ascii"), ASCII_ROWS),  # no extension
    ],
    ids=["utf8-bom-comma", "utf8-bom-semicolon", "utf8", "utf16-tab", "cp1258", "sep-line",
         "ascii-semicolon", "ascii-comma", "no-extension"],
)  # fmt: skip
def test_csv_encodings_and_delimiters(filename, data, rows):
    assert read_rows(filename, data) == rows

    drafts = load_schedule(filename, data, **WEEK)

    assert [(d.number, d.date, d.start_time, d.end_time) for d in drafts] == [
        ("1", dt.date(2024, 9, 30), t(8, 30), None),
        ("2", dt.date(2024, 10, 1), t(8, 15), t(9)),
    ]
    assert drafts[0].title == rows[-2][4]
    assert messages(drafts[0]) == ["Dated 30/09/2024, before the week starts (01/10/2024)."]


def test_csv_notes_column_is_read():
    drafts = load_schedule("lich.csv", csv_text(CSV_ROWS, ";").encode(), **WEEK)

    assert [d.notes for d in drafts] == ["", "Lớp 4"]


# Header rows ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "heading",
    ["Thời gian", "THỜI GIAN", "thoi gian", "Thời gian:", " Thời  gian ", "Thời gian (giờ)",
     unicodedata.normalize("NFD", "Thời gian")],
)  # fmt: skip
def test_header_names_match_without_case_or_diacritics(heading):
    rows = [["CHƯƠNG TRÌNH"], [], ["S.T.T", heading, "NỘI DUNG", "Người thực hiện"]]

    assert find_header(rows, "runsheet") == (
        2,
        {"number": 0, "time": 1, "content": 2, "performer": 3},
    )


def test_header_optional_schedule_columns():
    rows = [["Ghi chú", "Địa điểm", "TT", "Thời gian", "Ngày", "Đơn vị tổ chức", "Nội dung"]]

    assert find_header(rows, "schedule") == (
        0,
        {"notes": 0, "venue": 1, "number": 2, "time": 3, "date": 4, "unit": 5, "title": 6},
    )


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["TT", "Giờ", "Nội dung"], ["1", "8h30", "Khai mạc"]],
         "The header row (line 1) lacks these columns: Ngày, Đơn vị."),
        ([["LỊCH TUẦN LỄ"], ["1", "8h30", "Khai mạc"]],
         "No header row was found. The table needs a row with the column names TT, Giờ, Ngày, "
         "Đơn vị, Nội dung."),
        ([], "No header row was found."),
    ],
)  # fmt: skip
def test_header_missing(rows, message):
    with pytest.raises(ImportFileError) as caught:
        find_header(rows, "schedule")

    assert str(caught.value).startswith(message)


def test_xlsx_without_the_required_headers():
    data = xlsx([["TT", "Giờ", "Nội dung"], [1, "8h30", "Khai mạc"]])

    with pytest.raises(ImportFileError) as caught:
        load_schedule("lich.xlsx", data, **WEEK)

    assert str(caught.value) == "The header row (line 1) lacks these columns: Ngày, Đơn vị."


def test_header_without_rows_under_it():
    with pytest.raises(ImportFileError, match=r"no rows under its header \(line 2\)"):
        paste_runsheet("CHƯƠNG TRÌNH\nSTT\tThời gian\tNội dung\tThực hiện\n\n")


# Problems row by row ------------------------------------------------------------------------


def one_row(cells: str, **week) -> ScheduleDraft:
    (draft,) = paste_schedule("TT\tGiờ\tNgày\tĐơn vị\tNội dung\n" + cells, **(WEEK | week))
    return draft


@pytest.mark.parametrize(
    ("cells", "severity", "column", "message"),
    [
        ("1\t25h00\t02/10\tMN\tNgày hội sách", "error", "start_time",
         '"25h00": the hour must be between 0 and 23.'),
        ("1\tsáng\t02/10\tMN\tNgày hội sách", "error", "start_time",
         '"sáng" is not a time. Write it like 7h30 or 07:30.'),
        ("1\t10h00-8h30\t02/10\tMN\tNgày hội sách", "error", "start_time",
         '"10h00-8h30": the end time must be after the start time.'),
        ("1\t8h30\t31/9\tMN\tNgày hội sách", "error", "date",
         '"31/9": month 9 of 2024 has no day 31.'),
        ("1\t8h30\tThứ Hai\tMN\tNgày hội sách", "error", "date",
         '"Thứ Hai" is not a date. Write it like 30/09/2024.'),
        ("1\t8h30\t\tMN\tNgày hội sách", "error", "date", "No date: every event needs one."),
        ("1\t8h30\t02/10\tMN\t", "error", "title", "The content (Nội dung) is empty."),
        ("5\t\t\t\t", "error", "number",
         'Only the TT cell is filled in ("5"): complete the row or delete it.'),
        ("Nơi nhận:\t\t\t\t", "error", "number",
         'Only the TT cell is filled in ("Nơi nhận:"): complete the row or delete it.'),
        ("1\t\t02/10\tMN\tNgày hội sách", "warning", "start_time", "No start time."),
        ("1\t8h30\t08/10\tMN\tNgày hội sách", "warning", "date",
         "Dated 08/10/2024, after the week ends (07/10/2024)."),
        ("1\t8h30\t30/9\tMN\tNgày hội sách", "warning", "date",
         "Dated 30/09/2024, before the week starts (01/10/2024)."),
        ("12345678901234567\t8h30\t02/10\tMN\tNgày hội sách", "error", "number",
         "TT is too long: 17 characters, at most 16."),
        ("1\t8h30\t02/10\t" + "x" * 501 + "\tNgày hội sách", "error", "unit_text",
         "Đơn vị is too long: 501 characters, at most 500."),
    ],
)  # fmt: skip
def test_row_problems(cells, severity, column, message):
    draft = one_row(cells)

    assert [(p.severity, p.column, str(p.message)) for p in draft.problems] == [
        (severity, column, message)
    ]
    assert draft.ok is (severity == "warning")
    assert draft.line == 2


def test_row_with_errors_keeps_what_could_be_read():
    draft = one_row("7\t25h00\t02/10\tHội Khuyến học phường Khương Thượng\tTập huấn")

    assert not draft.ok
    assert (draft.number, draft.date, draft.start_time) == ("7", dt.date(2024, 10, 2), None)
    assert draft.unit_text == "Hội Khuyến học phường Khương Thượng"
    assert draft.title == "Tập huấn"


def test_time_range_and_excel_time_values():
    rows = [
        SCHEDULE_HEAD,
        [1, "8h30-10h00", "02/10", "MN", "a"],
        [2, dt.time(14, 30), dt.date(2024, 10, 3), "MN", "b"],
        [3, 0.3125, "04/10/2024", "MN", "c"],  # an Excel time left as a number: 7h30
        [4, None, dt.datetime(2024, 10, 4, 9, 15), "MN", "d"],  # time typed into the date
    ]

    drafts = parse_schedule(rows, **WEEK)

    assert [(d.date, d.start_time, d.end_time) for d in drafts] == [
        (dt.date(2024, 10, 2), t(8, 30), t(10)),
        (dt.date(2024, 10, 3), t(14, 30), None),
        (dt.date(2024, 10, 4), t(7, 30), None),
        (dt.date(2024, 10, 4), t(9, 15), None),
    ]
    assert all(not d.problems for d in drafts)


def test_without_week_no_week_warnings_and_default_year():
    drafts = paste_schedule(
        "TT\tGiờ\tNgày\tĐơn vị\tNội dung\n1\t7h30\t2/10\tTHCS Phủ Thông\tKhai mạc\n",
        default_year=2023,
    )

    assert drafts[0].date == dt.date(2023, 10, 2)
    assert drafts[0].problems == []


def test_runsheet_row_problems():
    text = (
        "STT\tThời gian\tNội dung\tThực hiện\n"
        "1\t7h00-7h30\tĐón tiếp đại biểu.\tPhòng GD&ĐT\n"
        "2\t7h30-7h\tVăn nghệ\tTrường THCS\n"
        "3\t\tChào cờ\t\n"
        "4\t8h10-8h25\t\tLãnh đạo UBND huyện.\n"
        "5\t\t\t\n"
    )

    drafts = paste_runsheet(text)

    assert [(d.line, d.ok, messages(d)) for d in drafts] == [
        (2, True, []),
        (3, False, ['"7h30-7h": the end time must be after the start time.']),
        (4, True, ["No start time."]),
        (5, False, ["The content (Nội dung) is empty."]),
        (6, False, ['Only the STT cell is filled in ("5"): complete the row or delete it.']),
    ]


# Files that are not what they claim, damaged or hostile ---------------------------------------


def zip_bomb() -> bytes:
    """60 MB of zeros, about 60 KB packed, in what looks like a workbook."""
    return zip_of({"xl/workbook.xml": b"", "xl/worksheets/sheet1.xml": bytes(60 * 1024 * 1024)})


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("lich.xlsx", "TT;Giờ;Ngày;Đơn vị;Nội dung\n".encode(),
         "lich.xlsx is not an Excel workbook (.xlsx): its content is a text or CSV file."),
        ("lich.xlsx", b"", "lich.xlsx is empty."),
        ("lich.xlsx", zip_bomb(),
         "lich.xlsx would unpack to more than 50 MB, too much for a table."),
        ("lich.xlsx", zip_of({f"xl/{n}.xml": b"" for n in range(1001)}),
         "lich.xlsx holds 1001 parts, more than the 1000 an Excel or Word file may have here."),
        ("lich.xlsx", zip_of({"xl/workbook.xml": b"<workbook", "[Content_Types].xml": b"<"}),
         "lich.xlsx could not be read: it may be damaged. Open it in Excel, save it again and "
         "retry."),
        ("ct.docx", zip_of({"word/document.xml": b"<w:document"}),
         "ct.docx could not be read: it may be damaged. Open it in Word, save it again and "
         "retry."),
        ("lich.xlsx", b"PK\x03\x04 truncated", "lich.xlsx could not be read: it may be damaged."),
        ("lich.xlsx", zip_of({"readme.txt": b"hello"}),
         "lich.xlsx is not an Excel workbook (.xlsx): its content is a ZIP archive."),
        ("lich.xlsx", DOCX_SAMPLE.read_bytes(),
         "lich.xlsx is not an Excel workbook (.xlsx): its content is a Word document (.docx)."),
        ("ct.docx", XLSX_SAMPLE.read_bytes(),
         "ct.docx is not a Word document (.docx): its content is an Excel workbook (.xlsx)."),
        ("lich.csv", XLSX_SAMPLE.read_bytes(),
         "lich.csv is not a text or CSV file: its content is an Excel workbook (.xlsx)."),
        ("lich.csv", b"\x00\x01\x02binary", "lich.csv is not a text or CSV file: its content "
         "is neither a table nor text."),
        ("lich.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100),
         "lich.xls is in the old Excel or Word format (.xls, .doc) or protected by a password."),
        ("lich.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100),
         "lich.xlsx is in the old Excel or Word format (.xls, .doc) or protected by a password."),
        ("lich.xls", b"<html><table><tr><td>TT</td></tr></table></html>",
         "lich.xls is in the old Excel or Word format (.xls, .doc) or protected by a password."),
        ("lich.pdf", b"%PDF-1.7", "Files ending in .pdf cannot be imported."),
        ("lich", b"%PDF-1.7", "lich is a PDF file."),
        ("C:\\Users\\GV\\Desktop\\lich.xlsx", b"", "lich.xlsx is empty."),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 30 else None,
)  # fmt: skip
def test_unreadable_files_give_a_clear_error(filename, data, message):
    with pytest.raises(ImportFileError) as caught:
        load_schedule(filename, data, **WEEK)

    assert str(caught.value).startswith(message)


def test_zip_bomb_is_refused_before_it_is_unpacked(monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr(openpyxl, "load_workbook", never)

    with pytest.raises(ImportFileError, match="would unpack to more than 50 MB"):
        read_rows("lich.xlsx", zip_bomb())


def forged_sizes(data: bytes, name: str, size: int) -> bytes:
    """The zip with `name` declaring `size` bytes unpacked, whatever it really unpacks to."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    patched = bytearray(data)
    local = info.header_offset
    central = patched.rfind(b"PK\x01\x02", 0, patched.rfind(name.encode()))
    struct.pack_into("<I", patched, local + 22, size)
    struct.pack_into("<I", patched, central + 24, size)
    return bytes(patched)


def test_zip_entry_inflating_beyond_what_it_declares_is_damaged():
    source = zipfile.ZipFile(io.BytesIO(XLSX_SAMPLE.read_bytes()))
    entries = {name: source.read(name) for name in source.namelist()}
    entries["xl/worksheets/sheet1.xml"] = bytes(60 * 1024 * 1024)
    data = forged_sizes(zip_of(entries), "xl/worksheets/sheet1.xml", 1000)
    # What the size check relies on: zipfile stops at the declared size.
    with pytest.raises(zipfile.BadZipFile, match="Bad CRC-32"):
        zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")

    with pytest.raises(ImportFileError, match="could not be read: it may be damaged"):
        read_rows("lich.xlsx", data)


def test_limits_can_be_set():
    data = XLSX_SAMPLE.read_bytes()

    with pytest.raises(ImportFileError, match=r"larger than 0 MB"):
        read_rows("lich.xlsx", data, max_bytes=1000)
    with pytest.raises(ImportFileError, match="would unpack to more than 0 MB"):
        read_rows("lich.xlsx", data, max_unpacked_bytes=1000)
    with pytest.raises(ImportFileError, match="holds 9 parts, more than the 5"):
        read_rows("lich.xlsx", data, max_entries=5)


def test_more_than_5000_rows_are_refused():
    rows = "".join(f"{n}\t8h30\t02/10\tMN\tHoạt động {n}\n" for n in range(1, 5002))

    with pytest.raises(ImportFileError, match="more than 5000 rows: import it in parts"):
        paste_schedule("TT\tGiờ\tNgày\tĐơn vị\tNội dung\n" + rows, **WEEK)


def test_5000_rows_are_read():
    rows = "".join(f"{n}\t8h30\t02/10\tMN\tHoạt động {n}\n" for n in range(1, 5001))

    drafts = paste_schedule("TT\tGiờ\tNgày\tĐơn vị\tNội dung\n" + rows, **WEEK)

    assert len(drafts) == 5000


def test_a_value_far_below_the_table_is_refused():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(SCHEDULE_HEAD)
    sheet.append([1, "8h30", "02/10", "MN", "Ngày hội sách"])
    sheet["A1048576"] = "x"
    buffer = io.BytesIO()
    workbook.save(buffer)

    with pytest.raises(ImportFileError, match='row 1048576 of the sheet "Sheet", far below'):
        read_rows("lich.xlsx", buffer.getvalue())


def test_a_styled_empty_cell_far_below_is_harmless():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(SCHEDULE_HEAD)
    sheet.append([1, "8h30", "02/10", "MN", "Ngày hội sách"])
    sheet["E1048576"].number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)

    assert len(read_rows("lich.xlsx", buffer.getvalue())) == 2


def test_nothing_pasted():
    with pytest.raises(ImportFileError, match="No header row was found"):
        paste_runsheet("")


# Whatever comes in, an ImportFileError or drafts, never another exception ---------------------

FUZZ = settings(deadline=None, max_examples=150)
_cells = st.text(alphabet=st.sampled_from('0123456789h:/-"\n\t;, aáĐđ'), max_size=12)


@FUZZ
@given(st.lists(st.lists(_cells, min_size=1, max_size=6), max_size=8))
def test_any_pasted_rows_give_drafts_or_a_clear_error(rows):
    text = "TT\tGiờ\tNgày\tĐơn vị\tNội dung\n" + "\n".join("\t".join(r) for r in rows)
    try:
        drafts = paste_schedule(text, **WEEK)
    except ImportFileError as exc:
        assert str(exc)
        return
    for draft in drafts:
        assert draft.line >= 2
        assert all(str(p.message) for p in draft.problems)


@FUZZ
@given(st.text(max_size=300))
def test_any_pasted_text_gives_drafts_or_a_clear_error(text):
    try:
        paste_runsheet(text)
    except ImportFileError as exc:
        assert str(exc)


@FUZZ
@given(
    st.sampled_from(["a.xlsx", "a.docx", "a.csv", "a.txt", "a", "a.XLSX"]),
    st.one_of(
        st.binary(max_size=300),
        st.binary(max_size=300).map(lambda b: b"PK\x03\x04" + b),
        st.sampled_from([0, 100, 1000, 4000]).map(
            lambda cut: XLSX_SAMPLE.read_bytes()[:cut] + DOCX_SAMPLE.read_bytes()[cut:]
        ),
    ),
)
def test_any_bytes_give_rows_or_a_clear_error(filename, data):
    try:
        read_rows(filename, data)
    except ImportFileError as exc:
        assert str(exc)

"""The ceremony program and the week's schedule as Word and PDF files, built from the seeds."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from docx.oxml.ns import qn
from pypdf import PdfReader

from app.schedule.exports import (
    PROGRAM_HEADS,
    PROGRAM_TITLE,
    SCHEDULE_HEADS,
    DocHeader,
    ProgramDoc,
    ProgramRow,
    ScheduleDoc,
    ScheduleRow,
    day_label,
    program_docx,
    program_pdf,
    schedule_docx,
    schedule_pdf,
)

FORMULA = "=CMD|' /C calc'!A0"

# Seed 004 (Bạch Thông, 2023): the opening ceremony's program, texts as the seed has them.
PROGRAM_ROWS = [
    ("1", "7h00-7h30", "Đón tiếp đại biểu.", "Phòng GD&ĐT, Trường THCS Phủ Thông"),
    ("2", "7h30-8h00", "Văn nghệ chào mừng.", "Trường THCS Phủ Thông"),
    (
        "3",
        "8h00-8h10",
        "Chào cờ; tuyên bố lý do, giới thiệu đại biểu và thành phần tham dự.",
        "Lãnh đạo phòng GD&ĐT",
    ),
    (
        "4",
        "8h10-8h25",
        "Diễn văn khai mạc Tuần lễ hưởng ứng học tập suốt đời năm 2023",
        "Lãnh đạo UBND huyện.",
    ),
    (
        "5",
        "8h35-8h45",
        "Chia sẻ về gương điển hình trong học tập",
        "Đại diện học sinh trường THCS Phủ Thông",
    ),
    (
        "6",
        "8h45-9h00",
        "Phát biểu hưởng ứng và phát động quyên góp xây dựng Quỹ Khuyến học",
        "Thường trực Hội khuyến học huyện.",
    ),
    ("7", "9h00-9h30", "Bế mạc", "Lãnh đạo Phòng GD&ĐT"),
    (
        "8",
        "9h30",
        "Tổ chức một hoặc một số hoạt động thiết thực hưởng ứng Tuần lễ như trao đổi sách, "
        "hướng dẫn đọc sách hiệu quả, hướng dẫn kỹ năng tìm kiếm và sử dụng thông tin trên mạng "
        "Internet một cách hữu ích, cách sử dụng sách điện tử ....",
        "",
    ),
]

# Seed 001 (Đống Đa, 2024): the week's schedule, 16 rows with two numbered 5.
SCHEDULE_ROWS = [
    (
        "1",
        "8h30",
        "30/9",
        "TT VH TT & TT Quận",
        "Khai mạc “Tuần lễ hưởng ứng học tập suốt đời” năm 2024",
    ),
    (
        "2",
        "8h30",
        "01/10",
        "Hội Khuyến học phối hợp với Hội Cựu chiến binh phường Láng Hạ.",
        "Triển khai “Tuần lễ hưởng ứng học tập suốt đời”; Phát triển văn hoá đọc đẩy mạnh học "
        "tập suốt đời trong cán bộ hội viên Hội Khuyến học và Hội Cựu Chiến binh phường Láng Hạ”",
    ),
    ("3", "8h15", "01/10", "Tiêu học Cát Linh", "Giáo dục địa phương cho học sinh khối 4"),
    (
        "4",
        "8h30",
        "2/10",
        "Hội Khuyến học và TTHTCĐ phường Trung Liệt",
        "Kỷ niệm 28 năm ngày thành lập Hội Khuyến học Việt nam; Triển khai “Tuần lễ hưởng ứng "
        "học tập suốt đời”; khen thưởng tập thể, cá nhân và học sinh tiêu biểu.",
    ),
    (
        "5",
        "8h30",
        "02/10",
        "MN Láng Thượng",
        "Ngày hội sách và giao lưu chia sẻ văn hóa đọc cho trẻ mầm non.",
    ),
    (
        "5",
        "8h30",
        "02/10",
        "Hội Khuyến học và TTHTCĐ phường Ô Chợ Dừa",
        "Kỷ niệm 28 năm ngày thành lập Hội Khuyến học Việt Nam; Triển khai “Tuần lễ hưởng ứng "
        "học tập suốt đời”; “Vai trò của văn hoá đọc tạo đà thúc đẩy việc học tập suốt đời”; "
        "Trao quà cho HS có hoàn cảnh khó khăn",
    ),
    ("6", "8h30", "02/10", "Tiểu học Kim Liên", "Hoạt động trải nghiệm của học sinh khối 5"),
    (
        "7",
        "8h30",
        "02/10",
        "Hội Khuyến học và TTHTCĐ phường Khương Thượng",
        "Triển khai “Tuần lễ hưởng ứng học tập suốt đời”; Tập huấn sử dụng phần mềm đánh giá "
        "“Công dân học tập”",
    ),
    (
        "8",
        "14h30",
        "02/10",
        "Hội Khuyến học và TTHTCĐ phường Văn Chương",
        "Triển khai “Tuần lễ hưởng ứng học tập suốt đời”; Xây dựng văn hoá đọc thúc đẩy học tập "
        "suốt đời.",
    ),
    (
        "9",
        "9h30",
        "03/10",
        "THCS Nguyễn Trường Tộ",
        "Vận dụng phương pháp dạy học tích cực phát triển kỹ năng đọc cho học sinh",
    ),
    (
        "10",
        "8h30",
        "04/10",
        "MN Steame Đống Đa",
        "Ứng dụng giáo dục Steam trong tổ chức các hoạt động cho trẻ.",
    ),
    (
        "11",
        "8h15",
        "04/10",
        "Tiểu học Láng Thượng",
        "Bồi dưỡng văn hóa đọc cho học sinh lớp 5 thông qua giờ học Tiếng Việt.",
    ),
    (
        "12",
        "8h30",
        "04/10",
        "THCS Lý Thường Kiệt",
        "Khai thác các phần mềm thư viện thúc đẩy văn hóa đọc trong các trường học.",
    ),
    (
        "13",
        "8h15",
        "04/10",
        "THCS Thịnh Quang",
        "Học tập và làm theo tư tưởng, đạo đức phong cách Hồ Chí Minh.",
    ),
    (
        "14",
        "14h30",
        "04/10",
        "Hội Khuyến học và TTHTCĐ phường Phương Mai",
        "“Phát triển Văn hoá đọc thúc đẩy học tập suốt đời”",
    ),
    (
        "15",
        "8h30",
        "07/10",
        "MN Ngã Tư Sở",
        "Sáng tạo từ đôi bàn tay bé trong việc làm đồ dùng đồ chơi bằng nguyên vật liệu tái chế.",
    ),
]

SCHEDULE_TITLE = "LỊCH “TUẦN LỄ HƯỞNG ỨNG HỌC TẬP SUỐT ĐỜI” NĂM 2024"
PROGRAM_SUBTITLE = "LỄ KHAI MẠC TUẦN LỄ HƯỞNG ỨNG HỌC TẬP SUỐT ĐỜI NĂM 2023"
VENUE = (
    "Trường THCS Phủ Thông, huyện Bạch Thông, tỉnh Bắc Kạn (Địa chỉ: Phố Nà Hải, "
    "TT Phủ Thông, huyện Bạch Thông, tỉnh Bắc Kạn)"
)


def make_program(rows=PROGRAM_ROWS) -> ProgramDoc:
    return ProgramDoc(
        header=DocHeader(
            parent_unit="UBND HUYỆN BẠCH THÔNG",
            unit="PHÒNG GIÁO DỤC VÀ ĐÀO TẠO",
            place_and_date="Bạch Thông, ngày 25 tháng 9 năm 2023",
        ),
        title=PROGRAM_TITLE,
        subtitle=PROGRAM_SUBTITLE,
        time_line="07h30 ngày 02/10/2023",
        venue_line=VENUE,
        rows=[ProgramRow(*row) for row in rows],
    )


def make_schedule(rows=SCHEDULE_ROWS, **kw) -> ScheduleDoc:
    return ScheduleDoc(
        header=DocHeader(parent_unit="", unit="Ủy ban nhân dân quận Đống Đa"),
        title=SCHEDULE_TITLE,
        subtitle_lines=[
            "(Từ ngày 1/10 đến ngày 07/10 năm 2024)",
            "(Kèm theo Kế hoạch số: /KH-UBND ngày của UBND Quận Đống Đa)",
        ],
        rows=[ScheduleRow(*row) for row in rows],
        **kw,
    )


def open_docx(data: bytes):
    return docx.Document(io.BytesIO(data))


def table_texts(table) -> list[tuple[str, ...]]:
    return [tuple(cell.text for cell in row.cells) for row in table.rows]


def pdf_pages(data: bytes) -> list[str]:
    """Each page's text, whitespace normalised (wrapped cells come out on several lines)."""
    reader = PdfReader(io.BytesIO(data))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def assert_a4(data: bytes) -> None:
    for page in PdfReader(io.BytesIO(data)).pages:
        assert float(page.mediabox.width) == pytest.approx(595.28, abs=0.5)
        assert float(page.mediabox.height) == pytest.approx(841.89, abs=0.5)


def test_program_docx_has_the_seed_table():
    document = open_docx(program_docx(make_program()))

    paragraphs = [p.text for p in document.paragraphs]
    assert PROGRAM_TITLE in paragraphs
    assert PROGRAM_SUBTITLE in paragraphs
    assert "Thời gian: 07h30 ngày 02/10/2023" in paragraphs
    assert f"Địa điểm: {VENUE}" in paragraphs
    heading = table_texts(document.tables[0])[0]
    assert "UBND HUYỆN BẠCH THÔNG\nPHÒNG GIÁO DỤC VÀ ĐÀO TẠO" in heading[0]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc" in heading[1]
    assert "Bạch Thông, ngày 25 tháng 9 năm 2023" in heading[1]

    table = document.tables[-1]
    assert table.style.name == "Table Grid"
    assert table_texts(table) == [PROGRAM_HEADS, *PROGRAM_ROWS]
    cells = {text for row in table_texts(table) for text in row}
    assert {"Đón tiếp đại biểu.", "Lãnh đạo UBND huyện.", ""} <= cells
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(row._tr.trPr.find(qn("w:tblHeader")) is None for row in table.rows[1:])
    assert all(run.bold for cell in table.rows[0].cells for run in cell.paragraphs[0].runs)


def test_docx_page_and_fonts():
    document = open_docx(schedule_docx(make_schedule()))

    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert round(section.left_margin.cm, 1) == 2.0
    normal = document.styles["Normal"]
    assert normal.font.size.pt == 13
    fonts = normal.element.rPr.rFonts
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        assert fonts.get(qn(attr)) == "Times New Roman"
    assert fonts.get(qn("w:eastAsiaTheme")) is None


def test_schedule_docx_has_the_seed_table():
    document = open_docx(schedule_docx(make_schedule()))

    paragraphs = [p.text for p in document.paragraphs]
    assert SCHEDULE_TITLE in paragraphs
    assert "(Từ ngày 1/10 đến ngày 07/10 năm 2024)" in paragraphs
    assert "ỦY BAN NHÂN DÂN QUẬN ĐỐNG ĐA" in table_texts(document.tables[0])[0][0]
    table = document.tables[-1]
    assert len(table.rows) == 17
    assert table_texts(table) == [SCHEDULE_HEADS, *SCHEDULE_ROWS]
    assert "Hội Khuyến học phối hợp với Hội Cựu chiến binh phường Láng Hạ." in table.cell(2, 3).text
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def test_schedule_docx_day_breaks():
    rows = [
        (*row, day_label(dt.date(2024, 9, 30) + dt.timedelta(days=int(row[2].split("/")[0]) % 30)))
        for row in SCHEDULE_ROWS
    ]
    document = open_docx(schedule_docx(make_schedule(rows=rows, day_breaks=True)))

    table = document.tables[-1]
    labels = [row.cells[0].text for row in table.rows if len({c._tc for c in row.cells}) == 1]
    assert labels == [
        "Thứ Hai, 30/09/2024",
        "Thứ Ba, 01/10/2024",
        "Thứ Tư, 02/10/2024",  # rows dated "2/10" and "02/10", the same day
        "Thứ Năm, 03/10/2024",
        "Thứ Sáu, 04/10/2024",
        "Thứ Hai, 07/10/2024",
    ]
    data_rows = [texts for texts in table_texts(table)[1:] if len(set(texts)) > 1]
    assert data_rows == SCHEDULE_ROWS


def test_day_label():
    assert day_label(dt.date(2024, 9, 30)) == "Thứ Hai, 30/09/2024"
    assert day_label(dt.date(2024, 10, 6)) == "Chủ nhật, 06/10/2024"


def test_text_is_never_interpreted():
    rows = [
        ("1", "8h30", FORMULA, "**không đậm**"),
        ("2", "9h00", "Dòng một\nDòng hai\tcột", "@SUM(A1)"),
    ]
    data = program_docx(make_program(rows=rows))
    assert table_texts(open_docx(data).tables[-1])[1:] == rows

    text = " ".join(pdf_pages(program_pdf(make_program(rows=rows))))
    assert FORMULA in text
    assert "**không đậm**" in text
    assert "@SUM(A1)" in text


def test_control_characters_do_not_break_the_docx():
    rows = [("1", "8h30", "Đón tiếp\x0bđại biểu\x00.", "")]
    table = open_docx(program_docx(make_program(rows=rows))).tables[-1]
    assert table.cell(1, 2).text == "Đón tiếp\nđại biểu."


def test_program_pdf_has_the_seed_texts():
    data = program_pdf(make_program())

    assert data.startswith(b"%PDF")
    assert b"DejaVuSerif" in data  # the vendored font, embedded
    assert_a4(data)
    text = " ".join(pdf_pages(data))
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "UBND HUYỆN BẠCH THÔNG",
        "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO",
        "Bạch Thông, ngày 25 tháng 9 năm 2023",
        PROGRAM_TITLE,
        PROGRAM_SUBTITLE,
        "Thời gian: 07h30 ngày 02/10/2023",
        f"Địa điểm: {VENUE}",
        *PROGRAM_HEADS,
    ):
        assert expected in text
    for row in PROGRAM_ROWS:
        for cell in row:
            assert cell in text


def test_schedule_pdf_has_the_seed_texts():
    data = schedule_pdf(make_schedule())

    assert_a4(data)
    text = " ".join(pdf_pages(data))
    assert SCHEDULE_TITLE in text
    assert "(Kèm theo Kế hoạch số: /KH-UBND ngày của UBND Quận Đống Đa)" in text
    for row in SCHEDULE_ROWS:
        for cell in row:
            assert cell in text


def test_long_schedule_pdf_repeats_its_heading_on_every_page():
    rows = [
        (
            str(i),
            "8h30",
            f"{1 + i % 7:02d}/10",
            f"Trường Tiểu học số {i}",
            f"Hoạt động số {i}: giao lưu chia sẻ văn hóa đọc cho học sinh khối {1 + i % 5}.",
        )
        for i in range(1, 301)
    ]
    data = schedule_pdf(make_schedule(rows=rows))

    pages = pdf_pages(data)
    assert len(pages) >= 5
    assert_a4(data)
    for page in pages:
        assert "TT Giờ Ngày Đơn vị Nội dung" in page
    text = " ".join(pages)
    for i in range(1, 301):
        assert f"Hoạt động số {i}: giao lưu" in text
        assert f"Trường Tiểu học số {i} " in text


def test_long_schedule_pdf_with_day_breaks():
    # Days of 1 to 4 rows: without care, some day labels would be the last row of a page.
    rows, first_day = [], dt.date(2024, 9, 30)
    for day in range(40):
        date = first_day + dt.timedelta(days=day)
        for i in range(1 + day % 4):
            label = day_label(date)
            rows.append(
                (str(i + 1), "8h30", f"{date:%d/%m}", "Đơn vị", f"Hoạt động {day}-{i}", label)
            )
    data = schedule_pdf(make_schedule(rows=rows, day_breaks=True))

    reader = PdfReader(io.BytesIO(data))
    text = " ".join(pdf_pages(data))
    assert all(f"{row[4]} " in text + " " for row in rows)
    labels = [day_label(first_day + dt.timedelta(days=day)) for day in range(40)]
    assert all(text.count(label) == 1 for label in labels)
    for page in reader.pages:
        lines = page.extract_text().splitlines()
        assert "TT Giờ Ngày Đơn vị Nội dung" in lines
        assert lines[-1] not in labels  # a day label never ends a page alone


def test_a_row_taller_than_a_page_is_split_not_lost():
    words = [f"từ{i}" for i in range(1500)]
    rows = [("1", "8h30", " ".join(words), "Phòng GD&ĐT"), ("2", "9h00", "Bế mạc", "")]
    data = program_pdf(make_program(rows=rows))

    pages = pdf_pages(data)
    assert len(pages) >= 3
    text = " ".join(pages) + " "
    assert all(f"{word} " in text for word in words)
    assert "Bế mạc" in text
    document = open_docx(program_docx(make_program(rows=rows)))
    assert document.tables[-1].cell(1, 2).text == " ".join(words)

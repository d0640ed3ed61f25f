"""The ceremony program (CHƯƠNG TRÌNH) and the week's schedule (LỊCH) as Word and PDF files.

Pure functions from plain dataclasses to bytes: no database, no request. The documents are
official Vietnamese documents, so their fixed words are Vietnamese whatever the UI language.
Layout follows the administrative-document conventions (Nghị định 30/2020/NĐ-CP): A4 portrait,
the two-column national heading block, a centred bold title, Times New Roman 13 pt body.

Both documents are A4 portrait, the schedule too: it is an appendix to the unit's plan ("Kèm
theo Kế hoạch số …") and is printed and stapled with it, as in the seeds; its three short
columns (TT, Giờ, Ngày) need about 4.5 cm, which leaves 12.5 cm for the unit and the content.

Cell text is data, never interpreted: no markdown, no fields, no formulas ("=…" stays text).

The Word writer is exports_docx.py, the PDF writer exports_pdf.py; this module holds what both
use (the fixed words, the data, the tables' columns and rows) and hands each document to them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from app.config import ROOT_DIR

# Fixed words of the documents (Vietnamese in every UI language).
NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_MOTTO = "Độc lập - Tự do - Hạnh phúc"
PROGRAM_TITLE = "CHƯƠNG TRÌNH"
LABEL_TIME = "Thời gian:"
LABEL_VENUE = "Địa điểm:"
PROGRAM_HEADS = ("STT", "Thời gian", "Nội dung", "Thực hiện")
SCHEDULE_HEADS = ("TT", "Giờ", "Ngày", "Đơn vị", "Nội dung")
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")

FONT_DIR = ROOT_DIR / "static" / "vendor" / "fonts"
PDF_FONT = "DejaVuSerif"
PDF_FONT_FILES = {
    "": "DejaVuSerif.ttf",
    "B": "DejaVuSerif-Bold.ttf",
    "I": "DejaVuSerif-Italic.ttf",
    "BI": "DejaVuSerif-BoldItalic.ttf",
}
DOCX_FONT = "Times New Roman"


@dataclass
class DocHeader:
    """The issuing unit and the place and date, shown in the national heading block."""

    parent_unit: str  # "UBND HUYỆN BẠCH THÔNG", may be ""
    unit: str  # "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO"
    place_and_date: str = ""  # "Bạch Thông, ngày 25 tháng 9 năm 2023"


@dataclass
class ProgramRow:
    number: str
    time: str
    content: str
    performer: str = ""


@dataclass
class ProgramDoc:
    header: DocHeader
    title: str  # "CHƯƠNG TRÌNH"
    subtitle: str  # "LỄ KHAI MẠC TUẦN LỄ HƯỞNG ỨNG HỌC TẬP SUỐT ĐỜI NĂM 2023"
    time_line: str  # "07h30 ngày 02/10/2023", shown after "Thời gian:"
    venue_line: str  # shown after "Địa điểm:"
    rows: list[ProgramRow] = field(default_factory=list)


@dataclass
class ScheduleRow:
    number: str
    time: str
    date: str
    unit: str
    content: str
    #: Text of the shaded row opening this row's day when the document has day breaks
    #: ("Thứ Hai, 30/09/2024", see `day_label`); the date column is used when empty.
    day_label: str = ""


@dataclass
class ScheduleDoc:
    header: DocHeader
    title: str  # "LỊCH “TUẦN LỄ HƯỞNG ỨNG HỌC TẬP SUỐT ĐỜI” NĂM 2024"
    subtitle_lines: list[str] = field(default_factory=list)
    rows: list[ScheduleRow] = field(default_factory=list)
    #: A shaded full-width row before each new day (consecutive rows with another label).
    day_breaks: bool = False


def day_label(day: dt.date) -> str:
    """The day as a day-break row shows it: "Thứ Hai, 30/09/2024"."""
    return f"{WEEKDAYS[day.weekday()]}, {day:%d/%m/%Y}"


# --- The tables, shared by both formats ------------------------------------------------------


@dataclass(frozen=True)
class Column:
    head: str
    width: float  # cm in the Word file; the PDF uses the same proportions
    align: str  # "LEFT" or "CENTER"


PROGRAM_COLUMNS = tuple(
    Column(head, width, align)
    for head, width, align in zip(
        PROGRAM_HEADS, (1.3, 2.6, 8.1, 5.0), ("CENTER", "CENTER", "LEFT", "LEFT"), strict=True
    )
)
SCHEDULE_COLUMNS = tuple(
    Column(head, width, align)
    for head, width, align in zip(
        SCHEDULE_HEADS,
        (1.1, 1.6, 2.0, 4.6, 7.7),
        ("CENTER", "CENTER", "CENTER", "LEFT", "LEFT"),
        strict=True,
    )
)


@dataclass(frozen=True)
class Line:
    """A table body row: one text per column, or a full-width day label."""

    cells: tuple[str, ...]
    label: bool = False


def program_body(doc: ProgramDoc) -> list[Line]:
    return [Line((r.number, r.time, r.content, r.performer)) for r in doc.rows]


def schedule_body(doc: ScheduleDoc) -> list[Line]:
    body: list[Line] = []
    previous = None
    for r in doc.rows:
        day = r.day_label or r.date
        if doc.day_breaks and day and day != previous:
            body.append(Line((day,), label=True))
        previous = day
        body.append(Line((r.number, r.time, r.date, r.unit, r.content)))
    return body


# Characters XML 1.0 cannot hold; vertical tab and form feed (Word's manual line and page
# breaks, common in pasted text) become line breaks, the others are dropped.
_XML_INVALID = re.compile("[\x00-\x08\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """Cell or heading text as both formats take it: "\n" line breaks, nothing XML refuses."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return _XML_INVALID.sub("", text.replace("\x0b", "\n").replace("\x0c", "\n"))


# --- The writers ------------------------------------------------------------------------------
# exports_docx.py and exports_pdf.py import this module, so each is imported on first use.


def program_docx(doc: ProgramDoc) -> bytes:
    """The ceremony program as a Word document."""
    from app.schedule import exports_docx

    return exports_docx.program_docx(doc)


def schedule_docx(doc: ScheduleDoc) -> bytes:
    """The week's schedule as a Word document."""
    from app.schedule import exports_docx

    return exports_docx.schedule_docx(doc)


def program_pdf(doc: ProgramDoc) -> bytes:
    """The ceremony program as a PDF."""
    from app.schedule import exports_pdf

    return exports_pdf.program_pdf(doc)


def schedule_pdf(doc: ScheduleDoc) -> bytes:
    """The week's schedule as a PDF."""
    from app.schedule import exports_pdf

    return exports_pdf.schedule_pdf(doc)

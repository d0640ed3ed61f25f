"""The ceremony program and the week's schedule as PDF files (see exports.py).

DejaVu Serif (vendored in static/vendor/fonts) set by fpdf2, with the Word file's layout: the
national heading block, the title, and the table with its heading row repeated on every page.
"""

from __future__ import annotations

import math
import unicodedata

from fpdf import FPDF, FontFace
from fpdf.util import Padding

from app.schedule.exports import (
    FONT_DIR,
    LABEL_TIME,
    LABEL_VENUE,
    NATIONAL_MOTTO,
    NATIONAL_NAME,
    PDF_FONT,
    PDF_FONT_FILES,
    PROGRAM_COLUMNS,
    SCHEDULE_COLUMNS,
    Column,
    DocHeader,
    Line,
    ProgramDoc,
    ScheduleDoc,
    clean,
    program_body,
    schedule_body,
)

# DejaVu Serif sets about 25% wider than Times New Roman: 11 pt DejaVu has the line length and
# the apparent size of the 13 pt Times body the Word file uses, so every PDF size is scaled.
_BODY_PT = 11
_HEADING_PT = 10  # unit names and the national name (12 pt Times)
_TITLE_PT = 12  # 14 pt Times
_LINE_MM = 5.0  # line height of the 11 pt body
_PADDING = Padding(top=1.2, right=1.5, bottom=1.2, left=1.5)
_SHADE_RGB = (217, 217, 217)


class _Pdf(FPDF):
    def header(self) -> None:
        if self.page_no() > 1:  # numbered at the top centre from page 2, as in the Word file
            self.set_font(PDF_FONT, "", _BODY_PT)
            self.set_y(10)
            self.cell(0, 5, str(self.page_no()), align="C")
            self.set_xy(self.l_margin, self.t_margin)


def _pdf_text(text: str) -> str:
    # Composed forms: without a shaping engine, combining accents would be set beside their
    # letters; DejaVu Serif has every precomposed Vietnamese letter.
    return unicodedata.normalize("NFC", clean(text)).replace("\t", " ")


def _new_pdf(title: str) -> _Pdf:
    pdf = _Pdf(orientation="portrait", unit="mm", format="A4")
    for style, filename in PDF_FONT_FILES.items():
        pdf.add_font(PDF_FONT, style, FONT_DIR / filename)
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_title(_pdf_text(title))
    pdf.set_lang("vi")
    pdf.add_page()
    return pdf


def _pdf_block(pdf: FPDF, x: float, w: float, text: str, style: str, size: float) -> float:
    """Centred, wrapped text in a column of the heading block; returns its widest line."""
    pdf.set_font(PDF_FONT, style, size)
    pdf.set_x(x)
    lines = pdf.multi_cell(w, size * 0.45, _pdf_text(text), align="C", dry_run=True, output="LINES")
    pdf.multi_cell(w, size * 0.45, _pdf_text(text), align="C", new_x="LEFT", new_y="NEXT")
    return max((pdf.get_string_width(line) for line in lines), default=0)


def _pdf_rule(pdf: FPDF, x: float, w: float, length: float) -> None:
    y = pdf.y + 1.5
    if length:
        pdf.set_line_width(0.3)
        pdf.line(x + (w - length) / 2, y, x + (w + length) / 2, y)
        pdf.set_line_width(0.2)
    pdf.set_y(y)


def _pdf_heading(pdf: FPDF, header: DocHeader) -> None:
    top, left_x, left_w = pdf.y, pdf.l_margin, 75
    right_x, right_w = left_x + left_w, pdf.epw - left_w
    if header.parent_unit:
        _pdf_block(pdf, left_x, left_w, header.parent_unit.upper(), "", _HEADING_PT)
    width = _pdf_block(pdf, left_x, left_w, header.unit.upper(), "B", _HEADING_PT)
    _pdf_rule(pdf, left_x, left_w, width / 3)  # 1/3 to 1/2 of the name, as the decree asks
    left_bottom = pdf.y
    pdf.set_y(top)
    _pdf_block(pdf, right_x, right_w, NATIONAL_NAME, "B", _HEADING_PT)
    width = _pdf_block(pdf, right_x, right_w, NATIONAL_MOTTO, "B", _BODY_PT)
    _pdf_rule(pdf, right_x, right_w, width)
    if header.place_and_date:
        pdf.set_y(pdf.y + 4)
        _pdf_block(pdf, right_x, right_w, header.place_and_date, "I", _BODY_PT)
    pdf.set_xy(pdf.l_margin, max(left_bottom, pdf.y) + 8)


def _pdf_centred(pdf: FPDF, text: str, style: str, size: float) -> None:
    pdf.set_font(PDF_FONT, style, size)
    pdf.multi_cell(0, size * 0.5, _pdf_text(text), align="C", new_x="LMARGIN", new_y="NEXT")


def _pdf_labelled(pdf: FPDF, label: str, value: str) -> None:
    """A "Thời gian: …" line: bold label, then the value, wrapped as one paragraph."""
    pdf.set_font(PDF_FONT, "B", _BODY_PT)
    pdf.write(_LINE_MM + 1, label + " ")
    pdf.set_font(PDF_FONT, "", _BODY_PT)
    pdf.write(_LINE_MM + 1, _pdf_text(value))
    pdf.ln(_LINE_MM + 1)


def _pdf_cells(line: Line, widths: list[float]) -> list[tuple[str, float]]:
    return list(zip(line.cells, [sum(widths)] if line.label else widths, strict=True))


def _pdf_height(pdf: FPDF, line: Line, widths: list[float], bold: bool = False) -> float:
    """The height fpdf2's table gives this row (its own multi_cell call, measured dry)."""
    pdf.set_font(PDF_FONT, "B" if bold or line.label else "", _BODY_PT)
    options = {"padding": _PADDING, "dry_run": True, "output": "HEIGHT"}
    heights = [
        pdf.multi_cell(w, _LINE_MM, text, max_line_height=_LINE_MM, **options)
        for text, w in _pdf_cells(line, widths)
        if text
    ]
    return max(heights, default=_LINE_MM)


def _pdf_split(pdf: FPDF, line: Line, widths: list[float], room: float) -> list[Line]:
    """A row taller than a page as several rows, each fitting a page (fpdf2 cannot split one)."""
    if _pdf_height(pdf, line, widths) <= room:
        return [line]
    per_part = max(int((room - _PADDING.top - _PADDING.bottom) // _LINE_MM), 1)
    options = {"padding": _PADDING, "dry_run": True, "output": "LINES"}
    cells = [pdf.multi_cell(w, _LINE_MM, text, **options) for text, w in _pdf_cells(line, widths)]
    parts = math.ceil(max(len(cell) for cell in cells) / per_part)
    return [
        Line(tuple("\n".join(c[k * per_part : (k + 1) * per_part]) for c in cells), line.label)
        for k in range(parts)
    ]


def _pdf_table(pdf: FPDF, columns: tuple[Column, ...], body: list[Line]) -> None:
    """The bordered table, its heading row repeated on every page.

    fpdf2 breaks pages between rows itself; this only splits rows taller than a page, and
    starts a new page before a day label that would otherwise end a page alone.
    """
    widths = [pdf.epw * c.width / sum(c.width for c in columns) for c in columns]
    head = Line(tuple(c.head for c in columns))
    head_h = _pdf_height(pdf, head, widths, bold=True)
    room = pdf.page_break_trigger - pdf.t_margin - head_h - 0.5
    body = [Line(tuple(map(_pdf_text, line.cells)), line.label) for line in body]
    body = [part for line in body for part in _pdf_split(pdf, line, widths, room)]
    heights = [_pdf_height(pdf, line, widths) for line in body]

    # Follow fpdf2's page breaking to find the day labels that would be last on a page: the
    # table is ended there and a new one (same heading) starts on the next page.
    segments: list[list[Line]] = [[]]
    bottom, y = pdf.page_break_trigger, pdf.y
    if heights and y + head_h + heights[0] > bottom:
        y = pdf.t_margin
    y += head_h
    for i, (line, height) in enumerate(zip(body, heights, strict=True)):
        following = heights[i + 1] if line.label and i + 1 < len(body) else 0
        if y + height > bottom:  # fpdf2 breaks the page here itself
            y = pdf.t_margin + head_h
        elif following and y + height + following > bottom:
            segments.append([])
            y = pdf.t_margin + head_h
        segments[-1].append(line)
        y += height

    for number, segment in enumerate(segments):
        if number:
            pdf.add_page()
        if not segment and number + 1 < len(segments):
            continue  # a day label right after the title: the table starts on the next page
        pdf.set_font(PDF_FONT, "", _BODY_PT)
        with pdf.table(
            col_widths=widths,
            width=pdf.epw,
            line_height=_LINE_MM,
            padding=_PADDING,
            v_align="MIDDLE",
            headings_style=FontFace(emphasis="BOLD"),
            repeat_headings=1,
        ) as table:
            row = table.row()
            for column in columns:
                row.cell(column.head, align="CENTER")
            for line in segment:
                row = table.row()
                if line.label:
                    style = FontFace(emphasis="BOLD", fill_color=_SHADE_RGB)
                    row.cell(line.cells[0], align="LEFT", colspan=len(columns), style=style)
                    continue
                for text, column in zip(line.cells, columns, strict=True):
                    row.cell(text, align=column.align)


def program_pdf(doc: ProgramDoc) -> bytes:
    """The ceremony program as a PDF."""
    pdf = _new_pdf(doc.title)
    _pdf_heading(pdf, doc.header)
    _pdf_centred(pdf, doc.title, "B", _TITLE_PT)
    _pdf_centred(pdf, doc.subtitle, "B", _TITLE_PT)
    pdf.ln(4)
    for label, value in ((LABEL_TIME, doc.time_line), (LABEL_VENUE, doc.venue_line)):
        if value:
            _pdf_labelled(pdf, label, value)
    pdf.ln(3)
    _pdf_table(pdf, PROGRAM_COLUMNS, program_body(doc))
    return bytes(pdf.output())


def schedule_pdf(doc: ScheduleDoc) -> bytes:
    """The week's schedule as a PDF."""
    pdf = _new_pdf(doc.title)
    _pdf_heading(pdf, doc.header)
    _pdf_centred(pdf, doc.title, "B", _TITLE_PT)
    for line in doc.subtitle_lines:
        _pdf_centred(pdf, line, "I", _BODY_PT)
    pdf.ln(4)
    _pdf_table(pdf, SCHEDULE_COLUMNS, schedule_body(doc))
    return bytes(pdf.output())

"""The statistics table of the results report as an Excel workbook in the template's layout
(the document itself is read by app/reports/exports.py)."""

from __future__ import annotations

import io
import math

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.reports.exports import (
    HEAD_COUNT,
    HEAD_LABEL,
    HEAD_NOTE,
    HEAD_NUMBER,
    HEAD_PERSONS,
    HEAD_QUANTITY,
    HEAD_UOM,
    PREVIEW_MARK,
    STAT_SUBTITLE,
    STAT_TITLE,
    ReportDoc,
    document_of,
)
from app.reports.permissions import ReportContext
from app.schedule.exports import clean


def statistics_xlsx(source: ReportContext | ReportDoc, *, include_drafts: bool = False) -> bytes:
    """The statistics table as an Excel workbook in the template's layout."""
    return write_xlsx(document_of(source, include_drafts))


# --- The workbook ------------------------------------------------------------------------------

FONT = "Times New Roman"
#: Text starting with these is a formula (or becomes one when edited) in spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@")
#: A STT, B Các hoạt động, C Đơn vị, D Số lớp/số cuộc thi, E Người, F Ghi chú (characters;
#: fitted to the width of A4 portrait when printed).
WIDTHS = (6, 48, 16, 13, 11, 26)
LAST_COLUMN = len(WIDTHS)
COUNT_COLUMN, PERSONS_COLUMN, NOTE_COLUMN = 4, 5, 6
#: The two header rows; the title block is above them.
HEAD_ROW = 6
FIRST_BODY_ROW = HEAD_ROW + 2
NUMBER_FORMAT = "#,##0"
LINE_HEIGHT = 15.5  # points per line of 12 pt text

THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", start_color="E7E6E6")
WRAP = Alignment(wrap_text=True, vertical="center")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")
INDENTED = Alignment(wrap_text=True, vertical="center", indent=1)


def _put(ws: Worksheet, row: int, column: int, value, *, bold=False, italic=False, size=12,
         align: Alignment = WRAP, border: bool = True):  # fmt: skip
    """Write a value; text is always stored as text, never as a formula."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", clean(value))
        cell.value = value
        if value.startswith(FORMULA_STARTS):
            cell.data_type = "s"
            cell.quotePrefix = True  # stays text when someone edits the cell in Excel
    elif value is not None:
        cell.value = value
        cell.number_format = NUMBER_FORMAT
    cell.font = Font(name=FONT, size=size, bold=bold, italic=italic)
    cell.alignment = align
    if border:
        cell.border = BORDER
    return cell


def _merge(ws: Worksheet, first_row: int, first: int, last_row: int, last: int) -> None:
    ws.merge_cells(start_row=first_row, start_column=first, end_row=last_row, end_column=last)


def _lines_needed(text: str, width: float) -> int:
    """Printed lines of wrapped text in a column `width` characters wide (an estimate)."""
    per_line = max(width * 1.1 - 1, 1)
    return sum(max(math.ceil(len(part) / per_line), 1) for part in str(text).split("\n"))


def _title_row(ws: Worksheet, row: int, text: str, *, bold=False, italic=False, size=12,
               align: Alignment = CENTRE) -> None:  # fmt: skip
    _put(ws, row, 1, text, bold=bold, italic=italic, size=size, align=align, border=False)
    _merge(ws, row, 1, row, LAST_COLUMN)
    ws.row_dimensions[row].height = LINE_HEIGHT * _lines_needed(text, sum(WIDTHS)) + 3


def write_xlsx(doc: ReportDoc) -> bytes:
    """The statistics table as a workbook: title block, merged two-row header, one row per
    template row, then the report's status and the units below it not counted."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp số liệu"
    wb.properties.title = clean(f"{STAT_TITLE} {doc.campaign_name}")[:250]
    wb.properties.creator = clean(doc.unit_name)[:250]

    left = Alignment(horizontal="left", vertical="center", wrap_text=True)
    _title_row(ws, 1, doc.unit_name.upper(), bold=True, align=left)
    _title_row(ws, 2, STAT_TITLE, bold=True, size=13)
    _title_row(ws, 3, STAT_SUBTITLE, italic=True)
    _title_row(ws, 4, doc.campaign_name, bold=True)
    if doc.preview:
        _title_row(ws, 5, PREVIEW_MARK, bold=True, italic=True)

    top, sub = HEAD_ROW, HEAD_ROW + 1
    heads = {1: HEAD_NUMBER, 2: HEAD_LABEL, 3: HEAD_UOM, COUNT_COLUMN: HEAD_QUANTITY}
    heads[NOTE_COLUMN] = HEAD_NOTE
    for column in range(1, LAST_COLUMN + 1):
        for row in (top, sub):  # a merged range shows the borders of each of its cells
            cell = _put(ws, row, column, None, bold=True, align=CENTRE)
            cell.fill = HEAD_FILL
    for column, text in heads.items():
        ws.cell(row=top, column=column).value = text
    ws.cell(row=sub, column=COUNT_COLUMN).value = HEAD_COUNT
    ws.cell(row=sub, column=PERSONS_COLUMN).value = HEAD_PERSONS
    for column in (1, 2, 3, NOTE_COLUMN):
        _merge(ws, top, column, sub, column)
    _merge(ws, top, COUNT_COLUMN, top, PERSONS_COLUMN)
    ws.row_dimensions[top].height = LINE_HEIGHT + 4
    ws.row_dimensions[sub].height = LINE_HEIGHT * 2 + 4

    row = FIRST_BODY_ROW
    for line in doc.lines:
        bold = line.level == 0
        _put(ws, row, 1, line.number, bold=bold, align=CENTRE)
        _put(ws, row, 2, line.label, bold=bold, align=WRAP if bold else INDENTED)
        _put(ws, row, 3, line.unit_of_measure, align=CENTRE)
        for column, value, origin in (
            (COUNT_COLUMN, line.count, line.count_origin),
            (PERSONS_COLUMN, line.persons, line.persons_origin),
        ):
            cell = _put(ws, row, column, value, bold=bold, align=RIGHT)
            if origin:
                cell.comment = Comment(origin, "Hệ thống", width=220, height=60)
        _put(ws, row, NOTE_COLUMN, line.note_text)
        needed = max(
            _lines_needed(line.label, WIDTHS[1] - 2),
            _lines_needed(line.unit_of_measure, WIDTHS[2]),
            _lines_needed(line.note_text, WIDTHS[NOTE_COLUMN - 1]),
        )
        ws.row_dimensions[row].height = LINE_HEIGHT * needed + 4
        row += 1
    last_table_row = row - 1

    row += 1
    left_note = Alignment(horizontal="left", vertical="top", wrap_text=True)
    for note in doc.notes:
        _title_row(ws, row, note, italic=True, align=left_note)
        row += 1
    # One line per unit below, not merged: left-aligned text that does not wrap runs over the
    # empty cells to its right. openpyxl checks each merge against all the earlier ones, so
    # a province's 500 merged lines took a second.
    for name, depth in doc.listed_units:
        align = Alignment(horizontal="left", vertical="top", indent=max(depth, 1))
        _put(ws, row, 1, f"- {name}", italic=True, border=False, align=align)
        ws.row_dimensions[row].height = LINE_HEIGHT + 3
        row += 1

    for index, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = ws.cell(row=FIRST_BODY_ROW, column=1)
    ws.print_title_rows = f"{top}:{sub}"
    ws.print_area = f"A1:{get_column_letter(LAST_COLUMN)}{max(row - 1, last_table_row)}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "Trang &P / &N"

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()

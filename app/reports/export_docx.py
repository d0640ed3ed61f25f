"""The whole results report as a Word file: the national heading block, "BÁO CÁO Kết quả tổ
chức Tuần lễ …", the outline of seed 002 (I. Tổ chức triển khai, II. Đánh giá chung) with each
narrative section's paragraphs, the statistics table with its merged two-row header, and the
"Nơi nhận" and signature block. The document comes from export_xlsx.report_document.

Layout and helpers are the schedule's (app/schedule/exports_docx.py): Times New Roman 13 pt on
A4 portrait, header rows repeated on every page.
"""

from __future__ import annotations

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from app.reports.exports import (
    HEAD_COUNT,
    HEAD_LABEL,
    HEAD_NOTE,
    HEAD_NUMBER,
    HEAD_PERSONS,
    HEAD_QUANTITY,
    HEAD_UOM,
    PREVIEW_MARK,
    RECIPIENTS_TITLE,
    REPORT_TITLE,
    STAT_TITLE,
    ReportDoc,
    document_of,
    vi_number,
)
from app.reports.permissions import ReportContext
from app.schedule.exports_docx import (
    _docx_bytes,
    _docx_cell,
    _docx_heading,
    _docx_paragraph,
    _docx_row_props,
    _new_docx,
)

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

#: STT, Các hoạt động, Đơn vị, Số lớp/số cuộc thi, Người, Ghi chú (cm; 17 cm between margins).
WIDTHS_CM = (1.2, 6.3, 2.8, 2.2, 1.8, 2.7)
TABLE_PT = 12
INDENT_CM = 1.0  # first-line indent of the body text
JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY


def report_docx(source: ReportContext | ReportDoc, *, include_drafts: bool = False) -> bytes:
    """The whole report as a Word document."""
    return write_docx(document_of(source, include_drafts))


def _body(container, parts, *, before: float = 0, after: float = 3, indent: bool = True):
    paragraph = _docx_paragraph(container, parts, align=JUSTIFY, before=before)
    paragraph.paragraph_format.space_after = Pt(after)
    paragraph.paragraph_format.line_spacing = 1.15
    if indent:
        paragraph.paragraph_format.first_line_indent = Cm(INDENT_CM)
    return paragraph


def _cell(cell, text: str, align: str, *, bold: bool = False, indent: bool = False) -> None:
    _docx_cell(cell, text, "CENTER" if align == "CENTER" else "LEFT", bold=bold)
    paragraph = cell.paragraphs[0]
    if align == "RIGHT":
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if indent:
        paragraph.paragraph_format.left_indent = Cm(0.25)
    for run in paragraph.runs:
        run.font.size = Pt(TABLE_PT)


def _statistics_table(document, doc: ReportDoc) -> None:
    table = document.add_table(rows=2, cols=len(WIDTHS_CM))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, WIDTHS_CM, strict=True):
        column.width = Cm(width)
    top, sub = table.rows
    for row in (top, sub):
        _docx_row_props(row, header=True)  # both header rows repeat on every page
        for cell, width in zip(row.cells, WIDTHS_CM, strict=True):
            cell.width = Cm(width)
    for index in (0, 1, 2, 5):
        top.cells[index].merge(sub.cells[index])
    quantity = top.cells[3].merge(top.cells[4])
    for index, text in ((0, HEAD_NUMBER), (1, HEAD_LABEL), (2, HEAD_UOM), (5, HEAD_NOTE)):
        _cell(top.cells[index], text, "CENTER", bold=True)
    _cell(quantity, HEAD_QUANTITY, "CENTER", bold=True)
    _cell(sub.cells[3], HEAD_COUNT, "CENTER", bold=True)
    _cell(sub.cells[4], HEAD_PERSONS, "CENTER", bold=True)

    for line in doc.lines:
        row = table.add_row()
        _docx_row_props(row)
        bold = line.level == 0
        cells = row.cells
        for cell, width in zip(cells, WIDTHS_CM, strict=True):
            cell.width = Cm(width)
        _cell(cells[0], line.number, "CENTER", bold=bold)
        _cell(cells[1], line.label, "LEFT", bold=bold, indent=not bold)
        _cell(cells[2], line.unit_of_measure, "CENTER")
        _cell(cells[3], vi_number(line.count), "RIGHT", bold=bold)
        _cell(cells[4], vi_number(line.persons), "RIGHT", bold=bold)
        _cell(cells[5], line.note_text, "LEFT")


def _signature(document, doc: ReportDoc) -> None:
    """ "Nơi nhận" on the left, the signer's title on the right, as the seeds end."""
    document.add_paragraph()
    table = document.add_table(rows=1, cols=2)  # default table style: no borders
    table.autofit = False
    left, right = table.rows[0].cells
    for column, cell, width in zip(table.columns, (left, right), (Cm(8), Cm(9)), strict=True):
        column.width = cell.width = width
    for cell in (left, right):
        cell.paragraphs[0]._p.getparent().remove(cell.paragraphs[0]._p)
    align_left = WD_ALIGN_PARAGRAPH.LEFT
    _docx_paragraph(left, [(RECIPIENTS_TITLE, True, True)], align=align_left, size=12)
    for line in doc.recipients:
        _docx_paragraph(left, [(line, False, False)], align=align_left, size=11)
    for line in doc.signer:
        _docx_paragraph(right, [(line, True, False)], size=13)


def write_docx(doc: ReportDoc) -> bytes:
    """The report as a Word document."""
    document = _new_docx()
    document.core_properties.title = doc.title[:250]
    document.core_properties.language = "vi-VN"
    _docx_heading(document, doc.header)
    _docx_paragraph(document, [(REPORT_TITLE, True, False)], size=14, before=18)
    _docx_paragraph(document, [(doc.subject, True, False)], size=14)
    if doc.preview:
        _docx_paragraph(document, [(PREVIEW_MARK, False, True)], before=3)
    document.add_paragraph()

    for part in doc.outline:
        _body(document, [(f"{part.numeral}. {part.heading}", True, False)], before=6, indent=False)
        for item in part.items:
            _body(document, [(f"{item.number}. {item.heading}", True, False)], before=3)
            for line in item.lines:
                _body(document, [(line, False, False)])
            if item.is_table:
                _docx_paragraph(document, [(STAT_TITLE, True, False)], before=6)
                document.add_paragraph()
                _statistics_table(document, doc)
                for note in doc.notes:
                    _body(document, [(note, False, True)], before=3, after=0, indent=False)
                for name, depth in doc.listed_units:
                    paragraph = _body(document, [(f"- {name}", False, True)], after=0)
                    paragraph.paragraph_format.first_line_indent = Cm(0.5 * max(depth, 1))
                continue
            for text in item.paragraphs:
                _body(document, [(text, False, False)])
            if not item.paragraphs and not item.lines:
                document.add_paragraph()  # an empty section keeps its place

    _signature(document, doc)
    return _docx_bytes(document)

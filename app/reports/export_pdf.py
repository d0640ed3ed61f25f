"""The whole results report as a PDF, with the Word file's content and layout (see
export_docx.py): set by fpdf2 in the vendored DejaVu Serif through the schedule's PDF helpers
(app/schedule/exports_pdf.py). The statistics table repeats its two header rows on every page,
"Số lượng" drawn as one cell over its two columns.
"""

from __future__ import annotations

from fpdf import FontFace
from fpdf.util import Padding

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
from app.schedule.exports import PDF_FONT
from app.schedule.exports_pdf import (
    _BODY_PT,
    _HEADING_PT,
    _LINE_MM,
    _PADDING,
    _TITLE_PT,
    _new_pdf,
    _pdf_centred,
    _pdf_heading,
    _pdf_text,
)

PDF_MIMETYPE = "application/pdf"

#: The Word file's column widths (cm), as proportions of the width between the margins.
WIDTHS = (1.2, 6.3, 2.8, 2.2, 1.8, 2.7)
_TABLE_PT = 9.5  # 12 pt Times in the Word table
_TABLE_LINE_MM = 4.3
_INDENT_MM = 10  # first-line indent of the body text
_SUB_ROW_PADDING = Padding(top=_PADDING.top, right=_PADDING.right, bottom=_PADDING.bottom, left=4)
_HEAD_FILL = (231, 230, 230)


def report_pdf(source: ReportContext | ReportDoc, *, include_drafts: bool = False) -> bytes:
    """The whole report as a PDF."""
    return write_pdf(document_of(source, include_drafts))


def _paragraph(pdf, text: str, style: str = "", *, indent: float = _INDENT_MM,
               before: float = 0, after: float = 1.5, size: float = _BODY_PT) -> None:  # fmt: skip
    """A justified paragraph with its first line indented, wrapped across pages."""
    pdf.set_font(PDF_FONT, style, size)
    pdf.ln(before)
    with (
        pdf.text_columns(text_align="J", line_height=1.3, skip_leading_spaces=True) as columns,
        columns.paragraph(first_line_indent=indent, bottom_margin=after) as paragraph,
    ):
        paragraph.write(_pdf_text(text))
    pdf.set_x(pdf.l_margin)


def _statistics_table(pdf, doc: ReportDoc) -> None:
    widths = [pdf.epw * w / sum(WIDTHS) for w in WIDTHS]
    pdf.set_font(PDF_FONT, "", _TABLE_PT)
    head = FontFace(emphasis="BOLD", fill_color=_HEAD_FILL)
    with pdf.table(
        col_widths=widths,
        width=pdf.epw,
        line_height=_TABLE_LINE_MM,
        padding=_PADDING,
        v_align="MIDDLE",
        text_align="LEFT",
        headings_style=head,
        num_heading_rows=2,
        repeat_headings=1,
    ) as table:
        row = table.row()
        row.cell(HEAD_NUMBER, align="CENTER", rowspan=2)
        row.cell(HEAD_LABEL, align="CENTER", rowspan=2)
        row.cell(HEAD_UOM, align="CENTER", rowspan=2)
        row.cell(HEAD_QUANTITY, align="CENTER", colspan=2)
        row.cell(HEAD_NOTE, align="CENTER", rowspan=2)
        row = table.row()  # the cells under the row spans are skipped by fpdf2
        row.cell(HEAD_COUNT, align="CENTER")
        row.cell(HEAD_PERSONS, align="CENTER")
        for line in doc.lines:
            bold = FontFace(emphasis="BOLD") if line.level == 0 else None
            row = table.row()
            row.cell(_pdf_text(line.number), align="CENTER", style=bold)
            padding = None if line.level == 0 else _SUB_ROW_PADDING
            row.cell(_pdf_text(line.label), align="LEFT", style=bold, padding=padding)
            row.cell(_pdf_text(line.unit_of_measure), align="CENTER")
            row.cell(vi_number(line.count), align="RIGHT", style=bold)
            row.cell(vi_number(line.persons), align="RIGHT", style=bold)
            row.cell(_pdf_text(line.note_text), align="LEFT")


def _signature(pdf, doc: ReportDoc) -> None:
    """ "Nơi nhận" on the left, the signer's title on the right, as the seeds end."""
    pdf.ln(6)
    if pdf.will_page_break(30):
        pdf.add_page()
    top, left_w = pdf.y, pdf.epw * 8 / 17
    right_x, right_w = pdf.l_margin + left_w, pdf.epw - left_w
    pdf.set_font(PDF_FONT, "BI", _HEADING_PT)
    pdf.cell(left_w, 5, RECIPIENTS_TITLE, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(PDF_FONT, "", _HEADING_PT - 1)
    for line in doc.recipients:
        pdf.multi_cell(left_w, 4.5, _pdf_text(line), new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(right_x, top)
    pdf.set_font(PDF_FONT, "B", _BODY_PT)
    for line in doc.signer:
        pdf.set_x(right_x)
        pdf.multi_cell(right_w, 5.5, _pdf_text(line), align="C", new_x="LEFT", new_y="NEXT")


def write_pdf(doc: ReportDoc) -> bytes:
    """The report as a PDF."""
    pdf = _new_pdf(doc.title)
    pdf.set_author(_pdf_text(doc.unit_name))
    _pdf_heading(pdf, doc.header)
    _pdf_centred(pdf, REPORT_TITLE, "B", _TITLE_PT)
    _pdf_centred(pdf, doc.subject, "B", _TITLE_PT)
    if doc.preview:
        _pdf_centred(pdf, PREVIEW_MARK, "I", _BODY_PT)
    pdf.ln(4)

    for part in doc.outline:
        _paragraph(pdf, f"{part.numeral}. {part.heading}", "B", indent=0, before=2)
        for item in part.items:
            _paragraph(pdf, f"{item.number}. {item.heading}", "B", before=1)
            for line in item.lines:
                _paragraph(pdf, line)
            if item.is_table:
                pdf.ln(2)
                _pdf_centred(pdf, STAT_TITLE, "B", _BODY_PT)
                pdf.ln(3)
                _statistics_table(pdf, doc)
                pdf.ln(2)
                for note in doc.notes:
                    _paragraph(pdf, note, "I", indent=0, after=0.5, size=_BODY_PT - 1)
                for name, depth in doc.listed_units:
                    _paragraph(pdf, f"- {name}", "I", indent=5 * max(depth, 1), after=0.5,
                               size=_BODY_PT - 1)  # fmt: skip
                continue
            for text in item.paragraphs:
                _paragraph(pdf, text)
            if not item.paragraphs and not item.lines:
                pdf.ln(_LINE_MM)  # an empty section keeps its place

    _signature(pdf, doc)
    return bytes(pdf.output())

"""The ceremony program and the week's schedule as Word files (see exports.py).

Times New Roman 13 pt on A4 portrait, the national heading block as a borderless two-column
table, the data as a bordered table whose heading row repeats on every page.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_ALIGN_VERTICAL, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from app.schedule.exports import (
    DOCX_FONT,
    LABEL_TIME,
    LABEL_VENUE,
    NATIONAL_MOTTO,
    NATIONAL_NAME,
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

_SHADE = "D9D9D9"
_UNIT_RULE_CM = 2.5  # about 1/3 to 1/2 of the unit's name, as the decree asks
_MOTTO_RULE_CM = 5.4  # the motto's length in Times New Roman 13 pt bold


def _element(tag: str, **attrs: str):
    element = OxmlElement(f"w:{tag}")
    for key, value in attrs.items():
        element.set(qn(f"w:{key}"), value)
    return element


def _set_fonts(rpr) -> None:
    """Times New Roman for every script, so Word does not fall back to a theme font."""
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), DOCX_FONT)


def _new_docx():
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin = section.right_margin = Cm(2)
    section.header_distance = Cm(1)

    normal = document.styles["Normal"]
    normal.font.size = Pt(13)
    _set_fonts(normal.element.get_or_add_rPr())
    normal.paragraph_format.space_before = normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    # The template's defaults name theme fonts (Calibri) and English: both are replaced.
    for rpr in document.styles.element.iterfind(f"{qn('w:docDefaults')}//{qn('w:rPr')}"):
        _set_fonts(rpr)
        for lang in rpr.iterfind(qn("w:lang")):
            lang.set(qn("w:val"), "vi-VN")

    # Page numbers at the top centre from page 2 on, as the decree places them.
    section.different_first_page_header_footer = True
    section.first_page_header.is_linked_to_previous = False  # an empty one
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph._p.append(_element("fldSimple", instr="PAGE"))
    return document


def _docx_paragraph(container, parts, align=WD_ALIGN_PARAGRAPH.CENTER, size=13, before=0):
    """A paragraph of (text, bold, italic) runs."""
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_before = Pt(before)
    for text, bold, italic in parts:
        run = paragraph.add_run(clean(text))
        run.bold, run.italic, run.font.size = bold or None, italic or None, Pt(size)
    return paragraph


def _docx_rule(cell, length_cm: float) -> None:
    """A short centred horizontal line under the previous paragraph of a heading cell."""
    paragraph = cell.add_paragraph()
    borders = _element("pBdr")  # added first: it precedes spacing and indents in pPr
    borders.append(_element("bottom", val="single", sz="6", space="1", color="auto"))
    paragraph._p.get_or_add_pPr().append(borders)
    indent = max((cell.width.cm - 0.4 - length_cm) / 2, 0)
    paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = Cm(indent)
    paragraph.paragraph_format.line_spacing = Pt(4)


def _docx_heading(document, header: DocHeader) -> None:
    table = document.add_table(rows=1, cols=2)  # default table style: no borders
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    for column, cell, width in zip(table.columns, (left, right), (Cm(7.5), Cm(9.5)), strict=True):
        column.width = cell.width = width
    left.paragraphs[0]._p.getparent().remove(left.paragraphs[0]._p)
    right.paragraphs[0]._p.getparent().remove(right.paragraphs[0]._p)
    if header.parent_unit:
        _docx_paragraph(left, [(header.parent_unit.upper(), False, False)], size=12)
    _docx_paragraph(left, [(header.unit.upper(), True, False)], size=12)
    _docx_rule(left, _UNIT_RULE_CM)
    _docx_paragraph(right, [(NATIONAL_NAME, True, False)], size=12)
    _docx_paragraph(right, [(NATIONAL_MOTTO, True, False)], size=13)
    _docx_rule(right, _MOTTO_RULE_CM)
    if header.place_and_date:
        _docx_paragraph(right, [(header.place_and_date, False, True)], before=8)


def _docx_row_props(row, *, header: bool = False, cant_split: bool = True) -> None:
    trpr = row._tr.get_or_add_trPr()
    if cant_split:  # a row taller than a page must be allowed to split, or Word clips it
        trpr.append(_element("cantSplit"))
    if header:
        trpr.append(_element("tblHeader"))  # repeat the heading row on every page


def _docx_cell(cell, text: str, align: str, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if align == "CENTER" else None
    paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(2)
    run = paragraph.add_run(clean(text))
    run.bold = bold or None
    cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER


def _docx_table(document, columns: tuple[Column, ...], body: list[Line]) -> None:
    table = document.add_table(rows=1, cols=len(columns))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, spec in zip(table.columns, columns, strict=True):
        column.width = Cm(spec.width)
    heading = table.rows[0]
    _docx_row_props(heading, header=True)
    for cell, spec in zip(heading.cells, columns, strict=True):
        cell.width = Cm(spec.width)
        _docx_cell(cell, spec.head, "CENTER", bold=True)
    for line in body:
        row = table.add_row()
        _docx_row_props(row, cant_split=max(len(text) for text in line.cells) <= 600)
        if line.label:
            cell = row.cells[0].merge(row.cells[-1])
            _docx_cell(cell, line.cells[0], "LEFT", bold=True)
            cell.paragraphs[0].paragraph_format.keep_with_next = True
            shade = _element("shd", val="clear", color="auto", fill=_SHADE)
            successors = ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign")
            cell._tc.get_or_add_tcPr().insert_element_before(shade, *successors, "w:hideMark")
            continue
        for cell, text, spec in zip(row.cells, line.cells, columns, strict=True):
            _docx_cell(cell, text, spec.align)


def _docx_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def program_docx(doc: ProgramDoc) -> bytes:
    """The ceremony program as a Word document."""
    document = _new_docx()
    _docx_heading(document, doc.header)
    _docx_paragraph(document, [(doc.title, True, False)], size=14, before=18)
    _docx_paragraph(document, [(doc.subtitle, True, False)], size=14)
    for label, value, before in ((LABEL_TIME, doc.time_line, 12), (LABEL_VENUE, doc.venue_line, 3)):
        if value:
            parts = [(label + " ", True, False), (value, False, False)]
            _docx_paragraph(document, parts, align=WD_ALIGN_PARAGRAPH.JUSTIFY, before=before)
    document.add_paragraph()
    _docx_table(document, PROGRAM_COLUMNS, program_body(doc))
    return _docx_bytes(document)


def schedule_docx(doc: ScheduleDoc) -> bytes:
    """The week's schedule as a Word document."""
    document = _new_docx()
    _docx_heading(document, doc.header)
    _docx_paragraph(document, [(doc.title, True, False)], size=14, before=18)
    for line in doc.subtitle_lines:
        _docx_paragraph(document, [(line, False, True)], before=3)
    document.add_paragraph()
    _docx_table(document, SCHEDULE_COLUMNS, schedule_body(doc))
    return _docx_bytes(document)

"""Statistics templates as Excel workbooks a person can read and edit, and back.

The first sheet is the template as a table: the template's name on the first row, a header row
(STT | Các hoạt động | Đơn vị tính | Cấp | Cách tính | Danh mục hoạt động), then one line per row
of the template, in order. "Cấp" is 1 for a section and 2 for a row of the section above it, so
the nesting survives whatever the numbering; "Cách tính" says in words how the row's figures
are obtained; "Danh mục hoạt động" is "x" on rows events can be filed under. The second sheet,
"Hướng dẫn", explains the columns and their values in the user's language.

The sheet's fixed words (column names, "Cách tính" values) are Vietnamese in every interface
language, as in the official table, so a file exported by anyone imports for anyone. Import
also takes them without diacritics, and the internal codes ("events", "opening_units:district").

Importing is all or nothing: `read_template` gives every row read and every problem with its
sheet row; `build_template` makes a ReportTemplate only of a draft without problems. The file
checks (type, size, zip bomb, damaged files) are the schedule import's (app.schedule.tables).
Cells are data: a formula is an error naming its cell, never evaluated.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from app.reports.models import ReportRow, ReportTemplate, RowSource

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: Rows of one template (seed 002 has 46).
MAX_TEMPLATE_ROWS = 500
MAX_TEMPLATE_BYTES = 1024 * 1024
#: What the parts of the workbook may add up to once unpacked (a 500-row sheet is ~0.2 MB).
MAX_TEMPLATE_UNPACKED_BYTES = 10 * 1024 * 1024

NAME_LENGTH = ReportTemplate.__table__.c.name.type.length
NUMBER_LENGTH = ReportRow.__table__.c.number.type.length
UNIT_LENGTH = ReportRow.__table__.c.unit_of_measure.type.length
#: The label column is TEXT; the longest label of seed 002 has 190 characters.
LABEL_LENGTH = 500

SHEET_TITLE = "Mẫu tổng hợp số liệu"
GUIDE_TITLE = "Hướng dẫn"
SECTION, ROW = 1, 2
CATEGORY_MARK = "x"

#: How a row's figures are obtained, in the sheet's words: (source, unit filter) → words.
SOURCE_WORDS: dict[tuple[RowSource, str | None], str] = {
    (RowSource.HEADING, None): "Tổng các dòng bên dưới",
    (RowSource.SUM, None): "Tổng các dòng tiếp theo trong mục",
    (RowSource.EVENTS, None): "Từ hoạt động",
    (RowSource.OPENING_UNITS, "district"): "Số đơn vị tổ chức Lễ khai mạc: huyện",
    (RowSource.OPENING_UNITS, "education"): "Số đơn vị tổ chức Lễ khai mạc: cơ sở giáo dục",
    (RowSource.TYPED, None): "Nhập tay",
}

SOURCE_MEANINGS = {
    (RowSource.HEADING, None): _l(
        "A section whose figures are the sum of the rows below it (Cấp 1 only)."
    ),
    (RowSource.SUM, None): _l(
        "“Tổng số …, trong đó”: the sum of the rows that follow it in its section (Cấp 2 only)."
    ),
    (RowSource.EVENTS, None): _l(
        "Counted from the events filed under this row: events held, and the persons checked in."
    ),
    (RowSource.OPENING_UNITS, "district"): _l(
        "The number of districts below whose opening ceremony took place."
    ),
    (RowSource.OPENING_UNITS, "education"): _l(
        "The number of schools and centres below whose opening ceremony took place."
    ),
    (RowSource.TYPED, None): _l(
        "Typed in by the report officer (news articles, books, awards, VND …)."
    ),
}


def source_words(source: RowSource, unit_filter: str | None) -> str:
    """A row's "Cách tính" as the sheet writes it."""
    key = (source, unit_filter if source is RowSource.OPENING_UNITS else None)
    return SOURCE_WORDS.get(key, source.value)


def fold_words(value: str) -> str:
    """Case, diacritics and punctuation do not matter: "NHẬP TAY", "nhap tay." → "nhap tay"."""
    text = value.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.findall(r"[a-z0-9]+", text))


@dataclass(frozen=True)
class _Column:
    key: str
    head: str  #: as exported
    width: float  #: characters
    names: tuple[str, ...]  #: folded header texts accepted on import


COLUMNS = (
    _Column("number", "STT", 7, ("stt", "tt", "so tt", "so thu tu", "no", "number")),
    _Column(
        "label",
        "Các hoạt động",
        70,
        ("cac hoat dong", "hoat dong", "noi dung", "activities", "activity", "label"),
    ),
    _Column("unit_of_measure", "Đơn vị tính", 16, ("don vi tinh", "don vi", "dvt", "unit")),
    _Column("level", "Cấp", 6, ("cap", "level")),
    _Column("source", "Cách tính", 40, ("cach tinh", "source", "how obtained")),
    _Column(
        "category",
        "Danh mục hoạt động",
        14,
        ("danh muc hoat dong", "danh muc", "event category", "category"),
    ),
)
HEAD = {column.key: column.head for column in COLUMNS}


# --- export ---------------------------------------------------------------------------------

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", start_color="E7E6E6")
_FONT = "Times New Roman"
_TITLE_ROW, _HEADER_ROW = 1, 3


def _put(sheet, row: int, column: int, value, *, bold=False, indent=0, centre=False, border=True):
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value) or None
        if cell.value is not None:
            cell.data_type = "s"  # "=…" stays text: never a formula
    else:
        cell.value = value
    cell.font = Font(name=_FONT, size=12, bold=bold)
    cell.alignment = Alignment(
        wrap_text=True,
        vertical="center",
        horizontal="center" if centre else None,
        indent=indent,
    )
    if border:
        cell.border = _BORDER
    return cell


def template_xlsx(template: ReportTemplate) -> bytes:
    """The template as a workbook: the table to read and edit, and the "Hướng dẫn" sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    _write_table(sheet, template)
    _write_guide(workbook.create_sheet(GUIDE_TITLE))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _write_table(sheet, template: ReportTemplate) -> None:
    last = get_column_letter(len(COLUMNS))
    title = _put(sheet, _TITLE_ROW, 1, template.name, bold=True, centre=True, border=False)
    title.font = Font(name=_FONT, size=13, bold=True)
    sheet.merge_cells(f"A{_TITLE_ROW}:{last}{_TITLE_ROW}")
    sheet.row_dimensions[_TITLE_ROW].height = 36
    for index, column in enumerate(COLUMNS, start=1):
        _put(sheet, _HEADER_ROW, index, column.head, bold=True, centre=True).fill = _HEAD_FILL
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    line = _HEADER_ROW
    for row in sorted(template.rows, key=lambda r: r.position):
        line += 1
        section = row.parent is None
        values = {
            "number": row.number,
            "label": row.label,
            "unit_of_measure": row.unit_of_measure,
            "level": SECTION if section else ROW,
            "source": source_words(row.source, row.unit_filter),
            "category": CATEGORY_MARK if row.is_category else "",
        }
        for index, column in enumerate(COLUMNS, start=1):
            _put(
                sheet,
                line,
                index,
                values[column.key],
                bold=section and column.key == "label",
                indent=0 if section or column.key != "label" else 1,
                centre=column.key in ("number", "level", "category"),
            )
    sheet.freeze_panes = f"A{_HEADER_ROW + 1}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{_HEADER_ROW}:{_HEADER_ROW}"
    _add_choices(sheet)


def _add_choices(sheet) -> None:
    """Drop-down lists on the columns with fixed values, for whoever edits the file."""
    rows = f"{_HEADER_ROW + 1}:{_HEADER_ROW + MAX_TEMPLATE_ROWS}"
    first, last = rows.split(":")
    for key, values in (
        ("level", [str(SECTION), str(ROW)]),
        ("source", list(SOURCE_WORDS.values())),
        ("category", [CATEGORY_MARK]),
    ):
        letter = get_column_letter(next(i for i, c in enumerate(COLUMNS, 1) if c.key == key))
        choice = DataValidation(
            type="list", formula1='"' + ",".join(values) + '"', allow_blank=True
        )
        choice.error = _("Choose a value from the list (see the sheet “Hướng dẫn”).")
        choice.showErrorMessage = True
        sheet.add_data_validation(choice)
        choice.add(f"{letter}{first}:{letter}{last}")


def guide_columns() -> list[tuple[str, str]]:
    """What to write in each column, in the user's language."""
    return [
        (HEAD["number"], _(
            "The number printed in the first column: 1, 2 … on sections, usually empty on "
            "the rows of a section. At most %(limit)d characters.", limit=NUMBER_LENGTH)),
        (HEAD["label"], _(
            "The row's text as printed. Required, at most %(limit)d characters.",
            limit=LABEL_LENGTH)),
        (HEAD["unit_of_measure"], _(
            "The unit of measure as printed: lớp/người, số cuộc/người, tin, bài, đồng … "
            "At most %(limit)d characters.", limit=UNIT_LENGTH)),
        (HEAD["level"], _(
            "1 for a section, 2 for a row of the section above it. Left empty: 1 when STT "
            "is filled in, otherwise 2.")),
        (HEAD["source"], _("How the row's figures are obtained: one of the values below.")),
        (HEAD["category"], _(
            "“x” when events can be filed under this row (its classes, contests and "
            "participants are counted from them); empty otherwise. Two such rows cannot "
            "have the same text.")),
    ]  # fmt: skip


def guide_rules() -> list[str]:
    return [
        _("The first row holds the template's name; the header row comes below it."),
        _("Only the first sheet is read; rows are read from top to bottom, empty rows skipped."),
        _("Do not use formulas: a cell with a formula is refused, type the text itself."),
        _("At most %(limit)d rows.", limit=MAX_TEMPLATE_ROWS),
        _("A file with any error creates nothing: the import lists every problem first."),
    ]


def _write_guide(sheet) -> None:
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 90
    title = _put(sheet, 1, 1, _("How to fill in a statistics template"), border=False)
    title.font = Font(name=_FONT, size=13, bold=True)
    line = 3
    for column, text in enumerate((_("Column"), _("What to write")), start=1):
        _put(sheet, line, column, text, bold=True).fill = _HEAD_FILL
    for head, text in guide_columns():
        line += 1
        _put(sheet, line, 1, head, bold=True)
        _put(sheet, line, 2, text)
    line += 2
    _put(
        sheet, line, 1, _("Values of “%(column)s”", column=HEAD["source"]), bold=True
    ).fill = _HEAD_FILL
    _put(sheet, line, 2, _("Meaning"), bold=True).fill = _HEAD_FILL
    for key, words in SOURCE_WORDS.items():
        line += 1
        _put(sheet, line, 1, words)
        _put(sheet, line, 2, str(SOURCE_MEANINGS[key]))
    line += 1
    for text in guide_rules():
        line += 1
        _put(sheet, line, 1, "•", border=False, centre=True)
        _put(sheet, line, 2, text, border=False)


# --- import ---------------------------------------------------------------------------------

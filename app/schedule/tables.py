"""Reading a table from the files organisers keep: rows of cells.

An Excel workbook, a Word table, a CSV file or rows pasted from Word or Excel become a list of
rows (`read_rows`, `read_pasted`), each a list of cells as Python values; records.py finds the
header row and the data rows in them, importing.py makes drafts of those. Pure functions: no
database and no request.

Merged cells keep their value in the top-left cell only, so a title spanning the columns never
becomes data. One exception: a range one column wide and several rows tall (a date or a unit
written once for several rows) repeats its value on each of those rows that has cells of its own.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
import unicodedata
import warnings
import zipfile
from pathlib import PurePath

from flask_babel import lazy_gettext as _l

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "MAX_UNPACKED_BYTES",
    "MAX_ZIP_ENTRIES",
    "ImportFileError",
    "blank_row",
    "blank_value",
    "read_pasted",
    "read_rows",
    "too_many_rows",
]

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 5 * 1024 * 1024
#: What the parts of an .xlsx or .docx may add up to once unpacked, checked before reading it.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ZIP_ENTRIES = 1000
#: Data rows in one import.
MAX_ROWS = 5000
#: Title rows, notes and signatures a file may have besides its data rows.
_EXTRA_ROWS = 200
#: Columns read from a sheet; a schedule has fewer than ten.
_MAX_COLUMNS = 100
#: A sheet whose last value is further down is refused rather than read into memory.
_MAX_SHEET_ROWS = 50_000

# openpyxl tells, through warnings, what it leaves out of a workbook it reads; it still reads
# the cells, which are all an import needs.
_OPENPYXL_WARNINGS = (
    r".* extension is not supported and will be removed",
    r"Workbook contains no default style",
    r"Cannot parse header or footer",
    r"File contains an invalid specification for .*\. This will be removed",
)

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc, and password-protected .xlsx
#: Text files that say their encoding: UTF-16 (BOM_UTF32_LE starts like BOM_UTF16_LE) and 32.
_UTF_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)
_TEXT_EXTENSIONS = {".csv", ".txt", ".tsv"}
_EXTENSIONS = {".xlsx": "xlsx", ".docx": "docx", **dict.fromkeys(_TEXT_EXTENSIONS, "text")}
_DELIMITERS = ("\t", ";", ",")


class ImportFileError(ValueError):
    """The file or the pasted text cannot be read as a table; `str(exc)` is for the user."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


# --- reading files --------------------------------------------------------------------------


def _shown_name(filename: str) -> str:
    name = PurePath(filename.replace("\\", "/")).name or filename
    return name if len(name) <= 60 else name[:59] + "…"


def _damaged(filename: str, program: str) -> ImportFileError:
    return ImportFileError(
        _l(
            "%(filename)s could not be read: it may be damaged. Open it in %(program)s, save it "
            "again and retry.",
            filename=_shown_name(filename),
            program=program,
        )
    )


def _check_zip(data: bytes, filename: str, max_unpacked: int, max_entries: int) -> set[str]:
    """The names in a zip-based file, once its size unpacked is known to be reasonable.

    The sizes are the ones the zip declares; Python's zipfile never unpacks more than an entry
    declares (it stops there and reports a bad CRC), so checking them bounds the real work.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except Exception:  # BadZipFile mostly; a hostile file may make zipfile raise anything
        raise ImportFileError(
            _l(
                "%(filename)s could not be read: it may be damaged.",
                filename=_shown_name(filename),
            )
        ) from None
    if len(entries) > max_entries:
        raise ImportFileError(
            _l(
                "%(filename)s holds %(count)d parts, more than the %(limit)d an Excel or Word "
                "file may have here.",
                filename=_shown_name(filename),
                count=len(entries),
                limit=max_entries,
            )
        )
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > max_unpacked:
        raise ImportFileError(
            _l(
                "%(filename)s would unpack to more than %(limit)d MB, too much for a table.",
                filename=_shown_name(filename),
                limit=max_unpacked // (1024 * 1024),
            )
        )
    return {entry.filename for entry in entries}


def _sniff(data: bytes, filename: str, max_unpacked: int, max_entries: int) -> str:
    """What the bytes are: "xlsx", "docx", "zip", "ole", "pdf", "text" or "binary"."""
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        names = _check_zip(data, filename, max_unpacked, max_entries)
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "word/document.xml" in names:
            return "docx"
        return "zip"
    if data.startswith(_OLE_MAGIC):
        return "ole"
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(_UTF_BOMS):
        return "text"  # UTF-16, as Excel saves "Unicode text", or UTF-32
    if b"\x00" in data[:8192]:
        return "binary"
    return "text"


_WHAT_IT_IS = {
    "xlsx": _l("an Excel workbook (.xlsx)"),
    "docx": _l("a Word document (.docx)"),
    "text": _l("a text or CSV file"),
    "zip": _l("a ZIP archive"),
    "binary": _l("neither a table nor text"),
    "table": _l("an Excel, Word or CSV file"),
}


def _wrong_content(filename: str, expected: str, actual: str) -> ImportFileError:
    name = _shown_name(filename)
    if actual == "ole":
        return ImportFileError(
            _l(
                "%(filename)s is in the old Excel or Word format (.xls, .doc) or protected by a "
                "password. Open it and save it as .xlsx or .docx, without a password.",
                filename=name,
            )
        )
    if actual == "pdf":
        return ImportFileError(
            _l(
                "%(filename)s is a PDF file. Import the Excel or Word file the table was made "
                "in, or copy the table and paste it.",
                filename=name,
            )
        )
    return ImportFileError(
        _l(
            "%(filename)s is not %(expected)s: its content is %(actual)s.",
            filename=name,
            expected=_WHAT_IT_IS[expected],
            actual=_WHAT_IT_IS[actual],
        )
    )


def read_rows(
    filename: str,
    data: bytes,
    *,
    kind: str | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
    max_entries: int = MAX_ZIP_ENTRIES,
    max_rows: int = MAX_ROWS,
) -> list[list[object]]:
    """The rows of the table in an .xlsx, .docx or .csv file: cells as Python values.

    The format is the extension's, and the content must agree. In a workbook, the first sheet
    with a header row of `kind` ("schedule", "runsheet"; None: either) is read, in a document
    the first such table. Row i of the result is line i + 1 of the sheet, table or text.
    """
    name = _shown_name(filename)
    if not data:
        raise ImportFileError(_l("%(filename)s is empty.", filename=name))
    if len(data) > max_bytes:
        raise ImportFileError(
            _l(
                "%(filename)s is larger than %(limit)d MB.",
                filename=name,
                limit=max_bytes // (1024 * 1024),
            )
        )
    extension = PurePath(name).suffix.lower()
    expected = _EXTENSIONS.get(extension)
    if extension in {".xls", ".doc"}:
        raise _wrong_content(filename, "table", "ole")
    if extension and expected is None:
        raise ImportFileError(
            _l(
                "Files ending in %(extension)s cannot be imported. Use an Excel (.xlsx), Word "
                "(.docx) or CSV (.csv) file, or paste the rows.",
                extension=extension,
            )
        )
    actual = _sniff(data, filename, max_unpacked_bytes, max_entries)
    if expected is None and actual in {"xlsx", "docx", "text"}:
        expected = actual  # no extension: the content decides
    if actual != expected:
        raise _wrong_content(filename, expected or "table", actual)
    if actual == "xlsx":
        rows = _read_xlsx(data, filename, kind)
    elif actual == "docx":
        rows = _read_docx(data, filename, kind)
    else:
        rows = _split_text(_decode(data, filename), kind)
    _check_row_count(rows, max_rows + _EXTRA_ROWS, max_rows)
    return rows


def _check_row_count(rows: list[list], allowed: int, limit: int) -> None:
    if sum(1 for row in rows if not blank_row(row)) > allowed:
        raise too_many_rows(limit)


def too_many_rows(limit: int) -> ImportFileError:
    return ImportFileError(
        _l("The table has more than %(limit)d rows: import it in parts.", limit=limit)
    )


def _has_header(rows: list[list], kind: str | None) -> bool:
    # Imported on first use: records.py imports ImportFileError and blank_value from here.
    from app.schedule.records import has_header

    return has_header(rows, kind)


def _first_table(tables, kind: str | None) -> list[list]:
    """The first table (rows) with a header row, else the first with anything in it."""
    first = None
    for rows in tables:
        if not any(not blank_row(row) for row in rows):
            continue
        if _has_header(rows, kind):
            return rows
        if first is None:
            first = rows
    return first or []


def _read_xlsx(data: bytes, filename: str, kind: str | None) -> list[list]:
    import openpyxl

    with warnings.catch_warnings():
        for message in _OPENPYXL_WARNINGS:
            warnings.filterwarnings("ignore", message=message, category=UserWarning)
        try:
            # Not read-only: merged ranges are only known to a full worksheet. data_only=False:
            # a formula is kept as its text and never evaluated (nor its cached result trusted).
            workbook = openpyxl.load_workbook(
                io.BytesIO(data), read_only=False, data_only=False, keep_links=False
            )
        except Exception as exc:  # a damaged or hostile file can make the reader raise anything
            log.info("unreadable workbook: %s", type(exc).__name__)
            raise _damaged(filename, "Excel") from None
    sheets = sorted(workbook.worksheets, key=lambda sheet: sheet.sheet_state != "visible")
    return _first_table((_sheet_rows(sheet) for sheet in sheets), kind)


def _sheet_rows(sheet) -> list[list]:
    values: dict[int, dict[int, object]] = {}
    # Only the cells the file holds. iter_rows() would create every empty cell up to the last
    # one, and a stray value on row 1,048,576 would take the server's memory.
    for (row, column), cell in sheet._cells.items():
        value = cell.value
        if column > _MAX_COLUMNS or value is None or blank_value(value):
            continue
        values.setdefault(row, {})[column] = value
    # A range one column wide repeats its value down, on the rows that have cells of their own.
    for cells in sheet.merged_cells.ranges:
        top = values.get(cells.min_row, {}).get(cells.min_col)
        if cells.min_col != cells.max_col or cells.max_row == cells.min_row or top is None:
            continue
        for row in [r for r in values if cells.min_row < r <= cells.max_row]:
            values[row].setdefault(cells.min_col, top)
    if not values:
        return []
    last = max(values)
    if last > _MAX_SHEET_ROWS:
        raise ImportFileError(
            _l(
                'Something is written on row %(row)d of the sheet "%(sheet)s", far below the '
                "table. Delete it and try again.",
                row=last,
                sheet=sheet.title,
            )
        )
    width = max(max(cells) for cells in values.values())
    return [
        [values[r].get(c) for c in range(1, width + 1)] if r in values else []
        for r in range(1, last + 1)
    ]


def _read_docx(data: bytes, filename: str, kind: str | None) -> list[list]:
    import docx

    try:
        tables = [_table_rows(table) for table in docx.Document(io.BytesIO(data)).tables]
    except Exception as exc:  # as for workbooks: anything may go wrong in a hostile file
        log.info("unreadable document: %s", type(exc).__name__)
        raise _damaged(filename, "Word") from None
    if not tables:
        raise ImportFileError(
            _l(
                "%(filename)s has no table. Put the rows in a Word table, or paste them.",
                filename=_shown_name(filename),
            )
        )
    return _first_table(tables, kind)


def _table_rows(table) -> list[list]:
    """A Word table as rows of text, merged cells shown once (see the module's docstring)."""
    grid = [
        [None] * row.grid_cols_before + list(row.cells) + [None] * row.grid_cols_after
        for row in table.rows
    ]
    width = max((len(cells) for cells in grid), default=0)
    rows = []
    for r, cells in enumerate(grid):
        own: list[str] = []
        repeated: dict[int, str] = {}
        for c, cell in enumerate(cells):
            # A merged cell is the same <w:tc> in each grid position it covers.
            left = cells[c - 1] if c > 0 else None
            above = grid[r - 1][c] if r > 0 and c < len(grid[r - 1]) else None
            if cell is None or (left is not None and left._tc is cell._tc):
                own.append("")
            elif above is not None and above._tc is cell._tc:
                own.append("")
                if cell.grid_span == 1:
                    repeated[c] = cell.text.strip()
            else:
                own.append(cell.text.strip())
        if any(text.strip() for text in own):
            for c, text in repeated.items():
                own[c] = text
        rows.append(own + [""] * (width - len(own)))
    return rows


def _decode(data: bytes, filename: str) -> str:
    """Text in UTF-8 (with or without a BOM), UTF-16 with a BOM, or a Windows code page."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16's BOMs
        encodings: tuple[str, ...] = ("utf-32",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    else:
        # cp1258 is Vietnamese Windows; it writes tone marks apart, hence NFC below.
        encodings = ("utf-8-sig", "cp1258", "cp1252")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return unicodedata.normalize("NFC", text)
    raise ImportFileError(
        _l(
            "%(filename)s could not be read as text. Save it as CSV UTF-8 and try again.",
            filename=_shown_name(filename),
        )
    )


def read_pasted(text: str, *, kind: str | None = None, max_rows: int = MAX_ROWS) -> list[list]:
    """Rows copied from Word or Excel: cells separated by tabs, Excel's quotes around cells
    holding line breaks. Text without tabs is split on semicolons or commas, as a CSV file."""
    if len(text) > MAX_FILE_BYTES:
        raise ImportFileError(
            _l(
                "The pasted text is longer than %(limit)d characters: import a file instead.",
                limit=MAX_FILE_BYTES,
            )
        )
    rows = _split_text(unicodedata.normalize("NFC", text), kind)
    _check_row_count(rows, max_rows + _EXTRA_ROWS, max_rows)
    return rows


def _split_text(text: str, kind: str | None) -> list[list[str]]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    first_line, _, rest = text.partition("\n")
    declared = re.fullmatch(r"sep=(.)", first_line.strip())
    if declared:  # Excel's hint line; kept as an empty line so line numbers stay right
        return [[""], *_split_delimited(rest, declared.group(1))]
    # The delimiter that makes a header row; without one, tabs if any (rows copied from Word or
    # Excel), else the delimiter the first line has most of.
    sample = "\n".join(text.split("\n", 200)[:200])
    for delimiter in _DELIMITERS:
        if _has_header(_split_delimited(sample, delimiter), kind):
            return _split_delimited(text, delimiter)
    if "\t" in text:
        return _split_delimited(text, "\t")
    first = next((line for line in text.split("\n") if line.strip()), "")
    return _split_delimited(text, max(_DELIMITERS, key=first.count))


def _split_delimited(text: str, delimiter: str) -> list[list[str]]:
    """Lines of cells. A cell in double quotes (Excel's way for cells with line breaks, quotes
    doubled inside) is unquoted only when the quotes close before the next delimiter or the end
    of the line; otherwise, as in text copied from Word, the quotes are part of the text."""
    if not text:
        return []
    rows: list[list[str]] = []
    row: list[str] = []
    position, end = 0, len(text)
    while True:
        quoted = _quoted_cell(text, position, delimiter) if text.startswith('"', position) else None
        if quoted is not None:
            value, position = quoted
        else:
            stops = [
                i for i in (text.find(delimiter, position), text.find("\n", position)) if i >= 0
            ]
            stop = min(stops, default=end)
            value, position = text[position:stop], stop
        row.append(value)
        if position >= end:
            rows.append(row)
            return rows
        if text[position] == delimiter:
            position += 1
            continue
        rows.append(row)  # a line break
        row = []
        position += 1
        if position >= end:
            return rows


def _quoted_cell(text: str, start: int, delimiter: str) -> tuple[str, int] | None:
    parts = []
    position = start + 1
    while True:
        quote = text.find('"', position)
        if quote < 0:
            return None
        if text.startswith('"', quote + 1):
            parts.append(text[position : quote + 1])
            position = quote + 2
            continue
        after = quote + 1
        if after < len(text) and text[after] not in (delimiter, "\n"):
            return None
        parts.append(text[position:quote])
        return "".join(parts), after


# --- cells ----------------------------------------------------------------------------------


def blank_value(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def blank_row(row: list) -> bool:
    return all(blank_value(value) for value in row)

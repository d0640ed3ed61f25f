"""The data rows of a table read by tables.py: its header row, and lines continued below.

`find_header` finds the row that names the columns (TT, Giờ, Ngày … or STT, Thời gian …) and
which column is which; `table_records` gives the rows under it as records, one for each row of
the schedule or run-sheet, which importing.py makes drafts of. Pure functions: no database and
no request.

Continuation lines. A row with text but no TT, no time and no date other than the one above
(no STT or time in a run-sheet) is the rest of the row above: a Word cell split across rows,
a second paragraph typed on a row of its own. Its text is added to the row above, cell by cell
on a new line, with a warning there.
In pasted text and CSV files a line break inside a cell cuts the row in two: a line with fewer
cells than the header that does not start with a number is joined to the line above, its first
cell continuing that line's last one.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from app.i18n import format_date
from app.schedule.tables import (
    MAX_ROWS,
    ImportFileError,
    blank_row,
    blank_value,
    too_many_rows,
)

__all__ = [
    "Problem",
    "Record",
    "cell_text",
    "find_header",
    "has_header",
    "table_records",
]


@dataclass
class Problem:
    severity: str  #: "error" (the row cannot be imported) or "warning"
    message: Any  #: a lazy string, translated when shown
    column: str | None = None  #: the draft's field it is about ("date", "start_time" …)


# --- header rows ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    key: str
    label: str  #: as the official tables write it, for messages
    required: bool
    names: tuple[str, ...]  #: header texts, folded (no case, diacritics or punctuation)


_NUMBER_NAMES = ("tt", "stt", "so tt", "so thu tu", "thu tu", "no", "number")
_COLUMNS = {
    "schedule": (
        _Column("number", "TT", True, _NUMBER_NAMES),
        _Column("time", "Giờ", True, ("gio", "thoi gian", "time")),
        _Column("date", "Ngày", True, ("ngay", "ngay thang", "date")),
        _Column(
            "unit",
            "Đơn vị",
            True,
            ("don vi", "don vi to chuc", "don vi chu tri", "don vi thuc hien", "unit", "host"),
        ),
        _Column("title", "Nội dung", True, ("noi dung", "ten hoat dong", "hoat dong", "content")),
        _Column("venue", "Địa điểm", False, ("dia diem", "venue", "place")),
        _Column("notes", "Ghi chú", False, ("ghi chu", "notes", "note")),
    ),
    "runsheet": (
        _Column("number", "STT", True, _NUMBER_NAMES),
        _Column("time", "Thời gian", True, ("thoi gian", "gio", "time")),
        _Column("content", "Nội dung", True, ("noi dung", "content")),
        _Column(
            "performer",
            "Thực hiện",
            True,
            (
                "thuc hien",
                "nguoi thuc hien",
                "don vi thuc hien",
                "phu trach",
                "nguoi phu trach",
                "trach nhiem",
                "led by",
                "performer",
            ),
        ),
    ),
}
#: A heading cell may say more than the name ("Nội dung hoạt động"), within this length.
_LONGEST_HEADING = 40


def _fold(value) -> str:
    """ "THỜI GIAN", "Thời gian:" and "thoi gian" all give "thoi gian"."""
    text = str(value).replace("đ", "d").replace("Đ", "D").replace(".", "")  # S.T.T
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.findall(r"[a-z0-9]+", text))


def _match_header(row: list, columns: tuple[_Column, ...]) -> dict[str, int]:
    """The columns a row names: an exact name wins over a heading that starts with one."""
    exact: dict[str, int] = {}
    prefix: dict[str, int] = {}
    for index, value in enumerate(row):
        if not isinstance(value, str):
            continue
        folded = _fold(value)
        if not folded or len(folded) > _LONGEST_HEADING:
            continue
        column = next((c for c in columns if folded in c.names), None)
        if column is not None:
            exact.setdefault(column.key, index)
            continue
        column = next(
            (c for c in columns if any(folded.startswith(n + " ") for n in c.names)), None
        )
        if column is not None:
            prefix.setdefault(column.key, index)
    return {**prefix, **exact}


def find_header(rows: list[list], kind: str) -> tuple[int, dict[str, int]]:
    """The header row's index and the column index of each field it names.

    `kind` is "schedule" (TT, Giờ, Ngày, Đơn vị, Nội dung; Địa điểm and Ghi chú optional) or
    "runsheet" (STT, Thời gian, Nội dung, Thực hiện). Title rows above the header are allowed.
    """
    columns = _COLUMNS[kind]
    required = [c for c in columns if c.required]
    best: tuple[int, dict[str, int]] | None = None
    for index, row in enumerate(rows):
        mapping = _match_header(row, columns)
        if all(c.key in mapping for c in required):
            return index, mapping
        found = sum(1 for c in required if c.key in mapping)
        if found >= 2 and (best is None or found > sum(1 for c in required if c.key in best[1])):
            best = index, mapping
    if best is None:
        raise ImportFileError(
            _l(
                "No header row was found. The table needs a row with the column names %(columns)s.",
                columns=", ".join(c.label for c in required),
            )
        )
    index, mapping = best
    raise ImportFileError(
        _l(
            "The header row (line %(line)d) lacks these columns: %(columns)s.",
            line=index + 1,
            columns=", ".join(c.label for c in required if c.key not in mapping),
        )
    )


def has_header(rows: list[list], kind: str | None) -> bool:
    """Whether the rows have a complete header row of `kind` (None: of either kind)."""
    for each in (kind,) if kind else tuple(_COLUMNS):
        try:
            find_header(rows, each)
        except ImportFileError:
            continue
        return True
    return False


# --- cells ----------------------------------------------------------------------------------


#: Control characters other than tab and line feed: invisible, never meant (a stray byte of a
#: damaged file, a pasted page break), and NUL is refused by PostgreSQL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def cell_text(value) -> str:
    """A cell as the text to keep: strings as typed (without control characters), numbers,
    dates and times as written. A formula ("=HYPERLINK(…)") is text like any other."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value.replace("\r\n", "\n").replace("\r", "\n")
        return unicodedata.normalize("NFC", _CONTROL.sub("", text).strip())
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return format_date(value)
        return f"{format_date(value)} {value.hour}:{value.minute:02d}"
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, dt.time):
        return f"{value.hour}:{value.minute:02d}"
    text = getattr(value, "text", None)  # an array formula: its text, never its result
    return str(text if isinstance(text, str) else value).strip()


def _looks_like_number(value) -> bool:
    return isinstance(value, int | float) or bool(re.fullmatch(r"\d{1,4}[.)]?", cell_text(value)))


# --- rows to records --------------------------------------------------------------------------


@dataclass
class Record:
    line: int
    cells: list
    values: dict[str, object] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def table_records(
    rows: list[list],
    kind: str,
    *,
    keys: tuple[str, ...],
    same: tuple[str, ...] = (),
    texts: tuple[str, ...],
) -> list[Record]:
    """The data rows under the header, split cells joined and continuation lines merged.

    `keys` are the fields whose absence marks a continuation line, `same` those it may have if
    they repeat the row above (a date merged over both rows), `texts` the fields it adds to.
    """
    header, mapping = find_header(rows, kind)
    width = max(mapping.values()) + 1
    records: list[Record] = []
    previous_line = None
    for index in range(header + 1, len(rows)):
        row, line = list(rows[index]), index + 1
        if blank_row(row):
            continue
        last = records[-1] if records else None
        if (
            last is not None
            and previous_line == line - 1
            and len(row) < width
            and not _looks_like_number(row[0])
            and not blank_value(row[0])
            and len(last.cells) + len(row) - 1 <= width
        ):
            # The rest of a cell cut by a line break (pasted text, CSV): join the two lines.
            last.cells[-1] = _joined(cell_text(last.cells[-1]), cell_text(row[0]))
            last.cells.extend(row[1:])
            last.problems.append(
                Problem(
                    "warning",
                    _l(
                        "Line %(line)d was the rest of a cell of this row, cut by a line "
                        "break: the two lines were joined.",
                        line=line,
                    ),
                )
            )
        else:
            records.append(Record(line, row))
        previous_line = line
    if len(records) > MAX_ROWS:
        raise too_many_rows(MAX_ROWS)

    merged: list[Record] = []
    for record in records:
        record.values = {
            key: record.cells[column] if column < len(record.cells) else None
            for key, column in mapping.items()
        }
        values = record.values
        if all(blank_value(value) for value in values.values()):
            continue  # text only outside the table's columns
        above = merged[-1] if merged else None
        if (
            above is not None
            and all(blank_value(values.get(key)) for key in keys)
            and all(
                blank_value(values.get(key)) or values[key] == above.values[key] for key in same
            )
        ):
            for key in texts:
                above.values[key] = _joined(
                    cell_text(above.values.get(key)), cell_text(values.get(key))
                )
            above.problems.extend(record.problems)
            above.problems.append(
                Problem(
                    "warning",
                    _continuation_message(kind, record.line),
                )
            )
            continue
        merged.append(record)
    if not merged:
        raise ImportFileError(
            _l("The table has no rows under its header (line %(line)d).", line=header + 1)
        )
    return merged


def _continuation_message(kind: str, line: int):
    if kind == "schedule":
        return _l(
            "Line %(line)d has no TT, time or date of its own: its text was added to this row.",
            line=line,
        )
    return _l("Line %(line)d has no STT or time: its text was added to this row.", line=line)


def _joined(above: str, below: str) -> str:
    """Text continued on the next line; a value merely repeated (a merged cell) is not."""
    if not below or below == above:
        return above
    return f"{above}\n{below}" if above else below

"""Reading a statistics template back from .xlsx: every problem listed with its sheet row,
nothing created while any remains (the layout is described in template_xlsx.py)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from flask_babel import lazy_gettext as _l
from openpyxl.utils import get_column_letter

from app.reports.models import ReportRow, ReportTemplate, RowSource
from app.reports.template_xlsx import (
    COLUMNS,
    HEAD,
    LABEL_LENGTH,
    MAX_TEMPLATE_BYTES,
    MAX_TEMPLATE_ROWS,
    MAX_TEMPLATE_UNPACKED_BYTES,
    NUMBER_LENGTH,
    ROW,
    SECTION,
    SOURCE_WORDS,
    UNIT_LENGTH,
    fold_words,
    source_words,
)
from app.schedule.records import cell_text
from app.schedule.tables import ImportFileError, blank_value, read_rows

#: What the "Cách tính" column may say (folded): the exported words or the source's own name.
_SOURCES_READ: dict[str, tuple[RowSource, str | None]] = {
    **{fold_words(words): key for key, words in SOURCE_WORDS.items()},
    **{fold_words(key[0].value + (f":{key[1]}" if key[1] else "")): key for key in SOURCE_WORDS},
}
#: The "Danh mục hoạt động" column's marks (folded).
_YES = {"x", "co", "yes", "true", "1", "v"}
_NO = {"", "khong", "no", "false", "0"}
#: A header cell may say more than the name ("Cách tính (xem Hướng dẫn)"), within this length.
_LONGEST_HEADING = 40


@dataclass
class Problem:
    line: int  #: the sheet's row number
    message: Any  #: a lazy string, translated when shown


@dataclass
class RowDraft:
    """One row of the template as read, line being its sheet row."""

    line: int
    level: int
    number: str
    label: str
    unit_of_measure: str
    source: RowSource | None
    unit_filter: str | None
    is_category: bool

    @property
    def source_text(self) -> str:
        return source_words(self.source, self.unit_filter) if self.source else ""


@dataclass
class TemplateDraft:
    title: str  #: the text above the header row: the template's name
    rows: list[RowDraft]
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problems_on(self, line: int) -> list[Problem]:
        return [p for p in self.problems if p.line == line]

    @property
    def other_problems(self) -> list[Problem]:
        """Problems on rows that are not template rows (the title, the header)."""
        lines = {row.line for row in self.rows}
        return [p for p in self.problems if p.line not in lines]


def _shown_name(filename: str) -> str:
    name = PurePath(filename.replace("\\", "/")).name or filename
    return name if len(name) <= 60 else name[:59] + "…"


def read_template(filename: str, data: bytes) -> TemplateDraft:
    """The rows of an uploaded template workbook, and every problem found in them.

    Raises ImportFileError when the file itself cannot be used (type, size, damage, no header
    row, no rows, too many rows).
    """
    if PurePath(filename.replace("\\", "/")).suffix.lower() != ".xlsx":
        raise ImportFileError(
            _l(
                "%(filename)s is not an Excel workbook (.xlsx). Import a template downloaded "
                "here, edited and saved as .xlsx.",
                filename=_shown_name(filename),
            )
        )
    rows = read_rows(
        filename,
        data,
        max_bytes=MAX_TEMPLATE_BYTES,
        max_unpacked_bytes=MAX_TEMPLATE_UNPACKED_BYTES,
    )
    return parse_template(rows)


def _is_formula(value) -> bool:
    # The sheet is read with formulas as their text ("=SUM(…)"), array formulas as objects.
    if isinstance(value, str):
        return value.startswith("=")
    return not isinstance(value, int | float | bool | dt.date | dt.time | dt.datetime)


def _cell_name(index: int, column: int) -> str:
    return f"{get_column_letter(column + 1)}{index + 1}"


def _header_columns(row: list) -> dict[str, int]:
    exact: dict[str, int] = {}
    prefix: dict[str, int] = {}
    for index, value in enumerate(row):
        if not isinstance(value, str):
            continue
        folded = fold_words(value)
        if not folded or len(folded) > _LONGEST_HEADING:
            continue
        for column in COLUMNS:
            if folded in column.names:
                exact.setdefault(column.key, index)
                break
            if any(folded.startswith(name + " ") for name in column.names):
                prefix.setdefault(column.key, index)
                break
    return {**prefix, **exact}


def find_header(rows: list[list]) -> tuple[int, dict[str, int]]:
    """The header row's index and the column index of each field."""
    best: tuple[int, dict[str, int]] | None = None
    for index, row in enumerate(rows):
        columns = _header_columns(row)
        if len(columns) == len(COLUMNS):
            return index, columns
        if len(columns) >= 2 and (best is None or len(columns) > len(best[1])):
            best = index, columns
    if best is None:
        raise ImportFileError(
            _l(
                "No header row was found on the first sheet. It needs a row with the column "
                "names %(columns)s.",
                columns=", ".join(column.head for column in COLUMNS),
            )
        )
    index, columns = best
    raise ImportFileError(
        _l(
            "The header row (line %(line)d) lacks these columns: %(columns)s.",
            line=index + 1,
            columns=", ".join(column.head for column in COLUMNS if column.key not in columns),
        )
    )


def parse_template(rows: list[list]) -> TemplateDraft:
    """A draft of the template in `rows` (row i is sheet row i + 1). Pure: no database."""
    header, columns = find_header(rows)
    problems: list[Problem] = []
    formulas: set[tuple[int, int]] = set()
    for index, row in enumerate(rows):
        for column, value in enumerate(row):
            if value is not None and _is_formula(value):
                formulas.add((index, column))
                text = cell_text(value)
                problems.append(
                    Problem(
                        index + 1,
                        _l(
                            "Cell %(cell)s holds a formula (%(formula)s). Formulas are not "
                            "read: type the value itself.",
                            cell=_cell_name(index, column),
                            formula=text if len(text) <= 40 else text[:39] + "…",
                        ),
                    )
                )
    title = ""
    for index in range(header):
        texts = [
            cell_text(value)
            for column, value in enumerate(rows[index])
            if (index, column) not in formulas and not blank_value(value)
        ]
        if texts:
            title = texts[0]
            break
    drafts: list[RowDraft] = []
    for index in range(header + 1, len(rows)):
        row = rows[index]
        values = {
            key: (row[column] if column < len(row) and (index, column) not in formulas else None)
            for key, column in columns.items()
        }
        with_formula = {key for key, column in columns.items() if (index, column) in formulas}
        if not with_formula and all(blank_value(value) for value in values.values()):
            continue
        drafts.append(_draft(index + 1, values, with_formula, problems))
    if not drafts:
        raise ImportFileError(_l("The sheet has a header row but no template rows below it."))
    if len(drafts) > MAX_TEMPLATE_ROWS:
        raise ImportFileError(
            _l(
                "The template has %(count)d rows; at most %(limit)d are allowed.",
                count=len(drafts),
                limit=MAX_TEMPLATE_ROWS,
            )
        )
    _check_structure(drafts, problems)
    problems.sort(key=lambda problem: problem.line)
    return TemplateDraft(title=title, rows=drafts, problems=problems)


def _too_long(line: int, key: str, text: str, limit: int, problems: list[Problem]) -> None:
    if len(text) > limit:
        problems.append(
            Problem(
                line,
                _l(
                    "%(column)s is too long: %(length)d characters, at most %(limit)d.",
                    column=HEAD[key],
                    length=len(text),
                    limit=limit,
                ),
            )
        )


def _shown(text: str) -> str:
    return text if len(text) <= 40 else text[:39] + "…"


def _draft(line: int, values: dict, with_formula: set[str], problems: list[Problem]) -> RowDraft:
    text = {key: cell_text(value) for key, value in values.items()}
    number, label, unit = text["number"], text["label"], text["unit_of_measure"]
    _too_long(line, "number", number, NUMBER_LENGTH, problems)
    _too_long(line, "label", label, LABEL_LENGTH, problems)
    _too_long(line, "unit_of_measure", unit, UNIT_LENGTH, problems)
    if not label and "label" not in with_formula:
        problems.append(
            Problem(line, _l("The row has no text in %(column)s.", column=HEAD["label"]))
        )

    level = SECTION if number else ROW
    if text["level"] in (str(SECTION), str(ROW)):
        level = int(text["level"])
    elif text["level"]:
        problems.append(
            Problem(
                line,
                _l(
                    "%(column)s must be 1 (a section) or 2 (a row of the section above), "
                    "not “%(value)s”.",
                    column=HEAD["level"],
                    value=_shown(text["level"]),
                ),
            )
        )

    source, unit_filter = _SOURCES_READ.get(fold_words(text["source"]), (None, None))
    if source is None and "source" not in with_formula:
        allowed = "; ".join(f"“{words}”" for words in SOURCE_WORDS.values())
        if text["source"]:
            message = _l(
                "Unknown %(column)s “%(value)s”: write one of %(allowed)s.",
                column=HEAD["source"],
                value=_shown(text["source"]),
                allowed=allowed,
            )
        else:
            message = _l(
                "%(column)s is empty: write one of %(allowed)s.",
                column=HEAD["source"],
                allowed=allowed,
            )
        problems.append(Problem(line, message))

    mark = fold_words(text["category"])
    if mark not in _YES and mark not in _NO:
        problems.append(
            Problem(
                line,
                _l(
                    "%(column)s must be “x” or empty, not “%(value)s”.",
                    column=HEAD["category"],
                    value=_shown(text["category"]),
                ),
            )
        )
    return RowDraft(
        line=line,
        level=level,
        number=number,
        label=label,
        unit_of_measure=unit,
        source=source,
        unit_filter=unit_filter,
        is_category=mark in _YES,
    )


def label_key(label: str) -> str:
    """Labels compare without case or spacing differences (as app.schedule.reuse does)."""
    return " ".join(unicodedata.normalize("NFC", label).casefold().split())


def _check_structure(drafts: list[RowDraft], problems: list[Problem]) -> None:
    """Rows under sections, sums with rows to add up, one category per name."""
    sections: list[tuple[RowDraft, list[RowDraft]]] = []
    for draft in drafts:
        if draft.level == SECTION:
            sections.append((draft, []))
        elif not sections:
            problems.append(
                Problem(
                    draft.line,
                    _l(
                        "This row is a row of a section (%(column)s 2), but no section "
                        "(%(column)s 1) comes before it.",
                        column=HEAD["level"],
                    ),
                )
            )
        else:
            sections[-1][1].append(draft)
    heading = SOURCE_WORDS[(RowSource.HEADING, None)]
    total = SOURCE_WORDS[(RowSource.SUM, None)]
    for section, rows in sections:
        if section.source is RowSource.HEADING and not rows:
            problems.append(
                Problem(
                    section.line,
                    _l("“%(words)s” needs rows below the section, and it has none.", words=heading),
                )
            )
        if section.source is RowSource.SUM:
            problems.append(
                Problem(
                    section.line,
                    _l(
                        "“%(words)s” is for a row inside a section (%(column)s 2).",
                        words=total,
                        column=HEAD["level"],
                    ),
                )
            )
        for position, row in enumerate(rows):
            if row.source is RowSource.HEADING:
                problems.append(
                    Problem(
                        row.line,
                        _l(
                            "“%(words)s” is for a section (%(column)s 1).",
                            words=heading,
                            column=HEAD["level"],
                        ),
                    )
                )
            if row.source is RowSource.SUM and position == len(rows) - 1:
                problems.append(
                    Problem(
                        row.line,
                        _l("“%(words)s” needs rows after it in its section.", words=total),
                    )
                )
    first: dict[str, int] = {}
    for draft in drafts:
        if not draft.is_category or not draft.label:
            continue
        key = label_key(draft.label)
        if key in first:
            problems.append(
                Problem(
                    draft.line,
                    _l(
                        "Line %(first)d is an event category with the same text. Events are "
                        "filed by this text, so each category needs its own.",
                        first=first[key],
                    ),
                )
            )
        else:
            first[key] = draft.line


def build_template(name: str, draft: TemplateDraft) -> ReportTemplate:
    """A new ReportTemplate of a draft without problems (not yet added to the session)."""
    if not draft.ok:
        raise ValueError("a template draft with problems cannot be built")
    template = ReportTemplate(name=name.strip(), is_default=False)
    section: ReportRow | None = None
    for position, draft_row in enumerate(draft.rows, start=1):
        row = ReportRow(
            position=position,
            number=draft_row.number,
            label=draft_row.label,
            unit_of_measure=draft_row.unit_of_measure,
            source=draft_row.source,
            unit_filter=draft_row.unit_filter,
            is_category=draft_row.is_category,
            parent=section if draft_row.level == ROW else None,
        )
        if draft_row.level == SECTION:
            section = row
        template.rows.append(row)
    return template

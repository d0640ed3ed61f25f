"""Reading the week's schedule and run-sheets from the files organisers keep.

An Excel workbook, a Word table, a CSV file or rows pasted from Word or Excel become a list of
rows (`read_rows`, `read_pasted`, in tables.py), then records (records.py: the header row found,
continuation lines merged), then drafts: one per data row, each with its problems. Errors
keep a row from being imported, warnings only point something out; no row is dropped. Pure
functions: no database and no request (import_service.py saves what the user confirmed).

What callers use from the other two (`ImportFileError`, `read_rows`, `read_pasted`, the MAX_*
limits, `find_header`, `Problem`) is imported here and can be had from this module.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from app.i18n import format_date
from app.schedule.models import Event, ProgramItem
from app.schedule.records import Problem, Record, cell_text, find_header, table_records
from app.schedule.tables import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    MAX_ZIP_ENTRIES,
    ImportFileError,
    blank_value,
    read_pasted,
    read_rows,
)
from app.schedule.timeparse import ParseError, parse_date, parse_time_range

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "MAX_UNPACKED_BYTES",
    "MAX_ZIP_ENTRIES",
    "ImportFileError",
    "Problem",
    "ProgramDraft",
    "ScheduleDraft",
    "find_header",
    "load_runsheet",
    "load_schedule",
    "parse_runsheet",
    "parse_schedule",
    "paste_runsheet",
    "paste_schedule",
    "read_pasted",
    "read_rows",
]

# Cell sizes the tables take (import_service.py copies drafts into these columns).
_NUMBER_LENGTH = Event.__table__.c.number.type.length
_UNIT_LENGTH = Event.__table__.c.co_host.type.length
_VENUE_LENGTH = Event.__table__.c.venue_name.type.length
_PERFORMER_LENGTH = ProgramItem.__table__.c.performer.type.length


@dataclass
class ScheduleDraft:
    """One row of the week's schedule (TT, Giờ, Ngày, Đơn vị, Nội dung …) as read."""

    line: int  #: 1-based row of the sheet, table or text
    number: str
    date: dt.date | None
    start_time: dt.time | None
    end_time: dt.time | None
    unit_text: str
    title: str
    venue: str = ""
    notes: str = ""
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


@dataclass
class ProgramDraft:
    """One row of a run-sheet (STT, Thời gian, Nội dung, Thực hiện) as read."""

    line: int
    number: str
    start_time: dt.time | None
    end_time: dt.time | None
    content: str
    performer: str
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


# --- checks on a record ---------------------------------------------------------------------


def _shown(text: str) -> str:
    """A cell quoted in a message: a pasted paragraph is cut."""
    return text if len(text) <= 40 else text[:39] + "…"


def _only_number(number: str, label: str, values: dict[str, object]) -> Problem | None:
    """A row with nothing but its first cell: a number left alone, or a note under the table."""
    others = [value for key, value in values.items() if key != "number"]
    if number and all(blank_value(value) for value in others):
        return Problem(
            "error",
            _l(
                'Only the %(column)s cell is filled in ("%(value)s"): complete the row or '
                "delete it.",
                column=label,
                value=_shown(number),
            ),
            "number",
        )
    return None


def _too_long(text: str, label: str, limit: int, column: str) -> Problem | None:
    if len(text) <= limit:
        return None
    return Problem(
        "error",
        _l(
            "%(column)s is too long: %(length)d characters, at most %(limit)d.",
            column=label,
            length=len(text),
            limit=limit,
        ),
        column,
    )


def _times(value, problems: list[Problem]) -> tuple[dt.time | None, dt.time | None]:
    try:
        return parse_time_range(value)
    except ParseError as exc:
        problems.append(Problem("error", exc.message, "start_time"))
        return None, None


# --- the week's schedule ----------------------------------------------------------------------


def parse_schedule(
    rows: list[list],
    *,
    default_year: int,
    week_start: dt.date | None = None,
    week_end: dt.date | None = None,
) -> list[ScheduleDraft]:
    """A draft event for each row under the header, with what is wrong or odd about it."""
    records = table_records(
        rows,
        "schedule",
        keys=("number", "time"),
        same=("date",),
        texts=("unit", "title", "venue", "notes"),
    )
    drafts = [_schedule_draft(r, default_year, week_start, week_end) for r in records]
    _flag_duplicate_numbers(drafts)
    return drafts


def _schedule_draft(
    record: Record, default_year: int, week_start: dt.date | None, week_end: dt.date | None
) -> ScheduleDraft:
    values = record.values
    draft = ScheduleDraft(
        line=record.line,
        number=cell_text(values.get("number")),
        date=None,
        start_time=None,
        end_time=None,
        unit_text=cell_text(values.get("unit")),
        title=cell_text(values.get("title")),
        venue=cell_text(values.get("venue")),
        notes=cell_text(values.get("notes")),
        problems=list(record.problems),
    )
    problems = draft.problems
    only_number = _only_number(draft.number, "TT", values)
    if only_number:
        problems.append(only_number)
        return draft

    raw_date = values.get("date")
    if blank_value(raw_date):
        problems.append(Problem("error", _l("No date: every event needs one."), "date"))
    else:
        try:
            draft.date = parse_date(raw_date, default_year=default_year)
        except ParseError as exc:
            problems.append(Problem("error", exc.message, "date"))

    raw_time = values.get("time")
    if not blank_value(raw_time):
        draft.start_time, draft.end_time = _times(raw_time, problems)
    elif isinstance(raw_date, dt.datetime) and raw_date.time() != dt.time():
        draft.start_time = raw_date.time().replace(second=0, microsecond=0)  # "02/10 8:30"
    else:
        problems.append(Problem("warning", _l("No start time."), "start_time"))

    if not draft.title:
        problems.append(Problem("error", _l("The content (Nội dung) is empty."), "title"))

    if draft.date and week_start and draft.date < week_start:
        message = _l(
            "Dated %(date)s, before the week starts (%(week_start)s).",
            date=format_date(draft.date),
            week_start=format_date(week_start),
        )
        problems.append(Problem("warning", message, "date"))
    elif draft.date and week_end and draft.date > week_end:
        message = _l(
            "Dated %(date)s, after the week ends (%(week_end)s).",
            date=format_date(draft.date),
            week_end=format_date(week_end),
        )
        problems.append(Problem("warning", message, "date"))

    for problem in (
        _too_long(draft.number, "TT", _NUMBER_LENGTH, "number"),
        _too_long(draft.unit_text, "Đơn vị", _UNIT_LENGTH, "unit_text"),
        _too_long(draft.venue, "Địa điểm", _VENUE_LENGTH, "venue"),
    ):
        if problem:
            problems.append(problem)
    return draft


def _flag_duplicate_numbers(drafts: list[ScheduleDraft]) -> None:
    lines: dict[str, list[int]] = defaultdict(list)
    for draft in drafts:
        if draft.number:
            lines[draft.number.rstrip(".)")].append(draft.line)
    for draft in drafts:
        same = lines.get(draft.number.rstrip(".)"), [])
        if len(same) > 1:
            others = ", ".join(str(line) for line in same if line != draft.line)
            message = _l(
                "TT %(number)s is also used on line %(lines)s.",
                number=_shown(draft.number),
                lines=others,
            )
            draft.problems.append(Problem("warning", message, "number"))


# --- run-sheets -------------------------------------------------------------------------------


def parse_runsheet(rows: list[list]) -> list[ProgramDraft]:
    """A draft run-sheet row for each row under the header (STT, Thời gian, Nội dung …)."""
    records = table_records(
        rows, "runsheet", keys=("number", "time"), texts=("content", "performer")
    )
    return [_program_draft(record) for record in records]


def _program_draft(record: Record) -> ProgramDraft:
    values = record.values
    draft = ProgramDraft(
        line=record.line,
        number=cell_text(values.get("number")),
        start_time=None,
        end_time=None,
        content=cell_text(values.get("content")),
        performer=cell_text(values.get("performer")),
        problems=list(record.problems),
    )
    problems = draft.problems
    only_number = _only_number(draft.number, "STT", values)
    if only_number:
        problems.append(only_number)
        return draft
    raw_time = values.get("time")
    if blank_value(raw_time):
        problems.append(Problem("warning", _l("No start time."), "start_time"))
    else:
        draft.start_time, draft.end_time = _times(raw_time, problems)
        if draft.start_time is not None and draft.end_time is None:
            problems.append(Problem("warning", _l("No end time."), "end_time"))
    if not draft.content:
        problems.append(Problem("error", _l("The content (Nội dung) is empty."), "content"))
    problem = _too_long(draft.performer, "Thực hiện", _PERFORMER_LENGTH, "performer")
    if problem:
        problems.append(problem)
    return draft


# --- all in one -------------------------------------------------------------------------------


def load_schedule(filename: str, data: bytes, **kw) -> list[ScheduleDraft]:
    """Drafts from an uploaded file; `kw` as for `parse_schedule` (default_year, week_…)."""
    return parse_schedule(read_rows(filename, data, kind="schedule"), **kw)


def load_runsheet(filename: str, data: bytes) -> list[ProgramDraft]:
    return parse_runsheet(read_rows(filename, data, kind="runsheet"))


def paste_schedule(text: str, **kw) -> list[ScheduleDraft]:
    return parse_schedule(read_pasted(text, kind="schedule"), **kw)


def paste_runsheet(text: str) -> list[ProgramDraft]:
    return parse_runsheet(read_pasted(text, kind="runsheet"))

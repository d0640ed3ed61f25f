"""Checks on run-sheets and the week's schedule: gaps, overlaps, missing times, clashes.

Pure functions over duck-typed rows (the SQLAlchemy models in the app, dataclasses in tests):
they point out what looks wrong and never change or drop a row, because the seeds' tables have
such inconsistencies on purpose (a gap in a program, two rows numbered 5, a ceremony the day
before the week) and organisers must decide what to do about them.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from flask_babel import lazy_gettext as _l

from app.i18n import format_date, format_time

__all__ = [
    "DEFAULT_DURATION",
    "Warning",
    "performer_conflicts",
    "runsheet_warnings",
    "schedule_warnings",
    "venue_conflicts",
]

#: How long an event or a run-sheet row without an end time occupies its venue or performer.
DEFAULT_DURATION = dt.timedelta(hours=1)

_DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class Warning:  # shadows the built-in inside this module only; it is data, never raised
    """Something an organiser should look at. `rows` are the 1-based rows it is about."""

    code: str
    message: Any  # a lazy string: str() translates it in the language of the request
    rows: tuple[int, ...] = ()
    minutes: int | None = None


class _Time:
    """A time put into a lazy message, written when the message is: 7h30 (vi), 7:30 (en)."""

    __slots__ = ("value",)

    def __init__(self, value: dt.time) -> None:
        self.value = value

    def __str__(self) -> str:
        return format_time(self.value)


def _minute(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def _text_key(value: str | None) -> str:
    """Case and spacing do not make two names differ; NFC so pasted text compares equal."""
    return " ".join(unicodedata.normalize("NFC", value or "").casefold().split())


# Run-sheet (CHƯƠNG TRÌNH) ------------------------------------------------------------------


def _sequence_warning(previous, item) -> Warning | None:
    """How a row's start fits after the nearest row above it that has a start time."""
    before, after = previous.position, item.position
    start, previous_start, previous_end = item.start_time, previous.start_time, previous.end_time
    if _minute(start) < _minute(previous_start):
        minutes = _minute(previous_start) - _minute(start)
        message = _l(
            "Row %(after)d starts at %(start)s, before row %(before)d (%(before_start)s).",
            after=after,
            start=_Time(start),
            before=before,
            before_start=_Time(previous_start),
        )
        return Warning("out_of_order", message, (before, after), minutes)
    if previous_end is None:
        return None
    minutes = _minute(start) - _minute(previous_end)
    if minutes > 0:
        message = _l(
            "Gap of %(minutes)d min between rows %(before)d and %(after)d (%(end)s to %(start)s).",
            minutes=minutes,
            before=before,
            after=after,
            end=_Time(previous_end),
            start=_Time(start),
        )
        return Warning("gap", message, (before, after), minutes)
    if minutes < 0:
        message = _l(
            "Row %(after)d starts at %(start)s, %(minutes)d min before row %(before)d ends "
            "(%(end)s).",
            after=after,
            start=_Time(start),
            minutes=-minutes,
            before=before,
            end=_Time(previous_end),
        )
        return Warning("overlap", message, (before, after), -minutes)
    return None


def _event_bounds_warnings(item, event_start, event_end) -> list[Warning]:
    row, start, end = item.position, item.start_time, item.end_time
    found = []
    if event_start is not None and start is not None and _minute(start) < _minute(event_start):
        minutes = _minute(event_start) - _minute(start)
        message = _l(
            "Row %(row)d starts at %(start)s, %(minutes)d min before the event (%(event_start)s).",
            row=row,
            start=_Time(start),
            minutes=minutes,
            event_start=_Time(event_start),
        )
        found.append(Warning("before_event", message, (row,), minutes))
    if event_end is None:
        return found
    if end is not None and _minute(end) > _minute(event_end):
        minutes = _minute(end) - _minute(event_end)
        message = _l(
            "Row %(row)d ends at %(end)s, %(minutes)d min after the event ends (%(event_end)s).",
            row=row,
            end=_Time(end),
            minutes=minutes,
            event_end=_Time(event_end),
        )
        found.append(Warning("after_event", message, (row,), minutes))
    elif end is None and start is not None and _minute(start) > _minute(event_end):
        minutes = _minute(start) - _minute(event_end)
        message = _l(
            "Row %(row)d starts at %(start)s, after the event ends (%(event_end)s).",
            row=row,
            start=_Time(start),
            event_end=_Time(event_end),
        )
        found.append(Warning("after_event", message, (row,), minutes))
    return found


def runsheet_warnings(
    items: Iterable[Any],
    event_start: dt.time | None = None,
    event_end: dt.time | None = None,
) -> list[Warning]:
    """What to check in an event's program: gaps, overlaps, rows out of order or without times.

    `items` are in run-sheet order (by position). Each row is compared with the nearest row
    above it that has a start time. A welcome row before the ceremony's start gives a
    "before_event" warning: information, as most programs open the doors early.
    """
    warnings: list[Warning] = []
    previous = None
    for item in items:
        row, start, end = item.position, item.start_time, item.end_time
        if start is None:
            if end is None:
                message = _l("Row %(row)d has no time.", row=row)
                warnings.append(Warning("no_time", message, (row,)))
            else:
                message = _l("Row %(row)d has an end time but no start time.", row=row)
                warnings.append(Warning("no_start", message, (row,)))
            warnings.extend(_event_bounds_warnings(item, event_start, event_end))
            continue
        if previous is not None:
            found = _sequence_warning(previous, item)
            if found is not None:
                warnings.append(found)
        if end is None:
            message = _l("Row %(row)d has a start time but no end time.", row=row)
            warnings.append(Warning("no_end", message, (row,)))
        warnings.extend(_event_bounds_warnings(item, event_start, event_end))
        previous = item
    return warnings


# The week's schedule (LỊCH) -------------------------------------------------------------------


def _number_key(number: str | None) -> str:
    """TT as compared: "5", " 5.", "05" are the same number."""
    key = _text_key(number).rstrip(".").strip()
    return (key.lstrip("0") or key) if key.isdecimal() else key


def schedule_warnings(
    events: Iterable[Any],
    week_start: dt.date | None,
    week_end: dt.date | None,
) -> dict[Hashable, list[Warning]]:
    """What to check in the week's schedule, by event id (every event has a list, maybe empty).

    `rows` are the events' 1-based places in `events`, so pass them in the order shown.
    """
    events = list(events)
    numbered: dict[str, list[int]] = defaultdict(list)
    for index, event in enumerate(events, start=1):
        key = _number_key(event.number)
        if key:
            numbered[key].append(index)

    result: dict[Hashable, list[Warning]] = {event.id: [] for event in events}
    for index, event in enumerate(events, start=1):
        warnings = result[event.id]
        date = event.date
        if date is not None and week_start is not None and date < week_start:
            message = _l(
                "Dated %(date)s, before the week starts (%(week_start)s).",
                date=format_date(date),
                week_start=format_date(week_start),
            )
            warnings.append(Warning("before_week", message, (index,)))
        if date is not None and week_end is not None and date > week_end:
            message = _l(
                "Dated %(date)s, after the week ends (%(week_end)s).",
                date=format_date(date),
                week_end=format_date(week_end),
            )
            warnings.append(Warning("after_week", message, (index,)))
        same_number = numbered.get(_number_key(event.number), [])
        if len(same_number) > 1:
            message = _l(
                "%(count)d rows have the number %(number)s.",
                count=len(same_number),
                number=(event.number or "").strip(),
            )
            warnings.append(Warning("duplicate_number", message, tuple(same_number)))
        if event.start_time is None:
            warnings.append(Warning("no_time", _l("No start time."), (index,)))
    return result


# Clashes -------------------------------------------------------------------------------------


class _Slot(NamedTuple):
    """A row's place in time; sorts by date, start, end, then its place in the input."""

    date: dt.date
    start: int
    end: int
    index: int
    row: Any


def _slot(row, index: int) -> _Slot | None:
    if row.date is None or row.start_time is None:
        return None
    start = _minute(row.start_time)
    end = _minute(row.end_time) if row.end_time is not None else start
    if end <= start:  # no end (or a wrong one): it occupies the default duration
        end = min(start + int(DEFAULT_DURATION.total_seconds() // 60), _DAY_MINUTES)
    return _Slot(row.date, start, end, index, row)


def _overlapping_pairs(
    rows: Iterable[Any],
    key: Callable[[Any], str],
    may_clash: Callable[[Any, Any], bool],
) -> list[tuple[Any, Any]]:
    """Pairs of rows with the same non-empty key on the same date whose times overlap.

    Sort each (key, date) group by start and sweep it, keeping the rows still running: the work
    grows with the rows and the clashes found, not with the square of a week's rows.
    """
    groups: dict[tuple[str, dt.date], list[_Slot]] = defaultdict(list)
    for index, row in enumerate(rows):
        name = key(row)
        slot = _slot(row, index) if name else None
        if slot is not None:
            groups[name, slot.date].append(slot)

    pairs: list[tuple[_Slot, _Slot]] = []
    for group in groups.values():
        group.sort()
        running: list[_Slot] = []
        for slot in group:
            # Touching is not overlapping: 8h00-8h30 and 8h30-9h00 do not clash.
            running = [other for other in running if other.end > slot.start]
            pairs.extend((other, slot) for other in running if may_clash(other.row, slot.row))
            running.append(slot)
    pairs.sort()
    return [(first.row, second.row) for first, second in pairs]


def venue_conflicts(events: Iterable[Any]) -> list[tuple[Any, Any]]:
    """Pairs of events at the same venue on the same date whose times overlap, earlier first.

    Venues are the same when their names are, ignoring case and spacing. An event without an
    end time occupies `DEFAULT_DURATION`; one without a start time or a venue never clashes.
    """
    return _overlapping_pairs(
        events, key=lambda event: _text_key(event.venue_name), may_clash=lambda a, b: True
    )


def _performer_key(item) -> str:
    return _text_key(item.performer).rstrip(".").rstrip()


def performer_conflicts(items: Iterable[Any]) -> list[tuple[Any, Any]]:
    """Pairs of run-sheet rows of different events where one performer is due at overlapping
    times on the same date, earlier first.

    Items carry `.date`, their event's date. Performers are the same when their names are,
    ignoring case, spacing and a final ".". Rows of one event never clash with each other.
    """
    return _overlapping_pairs(
        items, key=_performer_key, may_clash=lambda a, b: a.event_id != b.event_id
    )

"""Time and date parsing as organisers type them, and the checks on run-sheets and schedules,
against the seeds' own tables (004's ceremony program, 001's week schedule)."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass

import pytest
from flask_babel import force_locale
from hypothesis import given, settings
from hypothesis import strategies as st

from app.schedule.rules import (
    DEFAULT_DURATION,
    performer_conflicts,
    runsheet_warnings,
    schedule_warnings,
    venue_conflicts,
)
from app.schedule.timeparse import ParseError, parse_date, parse_time, parse_time_range

# No deadline: the first call of a run pays for imports and the translations' loading.
PROPERTY = settings(deadline=None)


def t(hour: int, minute: int = 0) -> dt.time:
    return dt.time(hour, minute)


# parse_time ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7h30", t(7, 30)),
        ("7h", t(7)),
        ("7H30", t(7, 30)),
        ("07:30", t(7, 30)),
        ("7:30", t(7, 30)),
        ("14h30", t(14, 30)),
        ("7 giờ 30", t(7, 30)),
        ("7 giờ", t(7)),
        ("7 giờ 30 phút", t(7, 30)),
        ("7 gio 30", t(7, 30)),
        ("7 gio\u031b\u0300 30", t(7, 30)),  # "giờ" typed as decomposed letters
        ("7g30", t(7, 30)),
        ("7h30'", t(7, 30)),
        ("7h30p", t(7, 30)),
        ("7.30", t(7, 30)),
        ("  7h30 ", t(7, 30)),
        ("07h00", t(7)),
        ("0h00", t(0)),
        ("23h59", t(23, 59)),
        ("8h5", t(8, 5)),
        ("07:30:00", t(7, 30)),
        ("2h30 chiều", t(14, 30)),
        ("14h30 chiều", t(14, 30)),
        ("7h sáng", t(7)),
        ("8 giờ tối", t(20)),
        ("12h trưa", t(12)),
        ("1h trưa", t(13)),
        ("2:30 pm", t(14, 30)),
        ("12:15 am", t(0, 15)),
        (t(7, 30), t(7, 30)),
        (dt.datetime(2023, 10, 2, 7, 30), t(7, 30)),  # noqa: DTZ001 - an Excel cell, naive
        (0.3125, t(7, 30)),
        (0, t(0)),
        (0.5, t(12)),
        (0.99999, t(23, 59)),
    ],
)
def test_parse_time_accepts(typed, expected):
    assert parse_time(typed) == expected


@pytest.mark.parametrize(
    ("typed", "quoted"),
    [
        ("24h", "24h"),
        ("7h60", "7h60"),
        ("25:00", "25:00"),
        ("7", "7"),
        ("abc", "abc"),
        ("7:5", "7:5"),
        ("7.5", "7.5"),
        ("7h30h", "7h30h"),
        ("h30", "h30"),
        ("14h sáng", "14h sáng"),
        ("7:30:75", "7:30:75"),
        ("٧h30", "٧h30"),  # other scripts' digits are not times
        (1, "1"),
        (1.5, "1.5"),
        (-0.25, "-0.25"),
        (float("nan"), "nan"),
        (True, "True"),
    ],
)
def test_parse_time_rejects_naming_what_was_typed(app, typed, quoted):
    with app.test_request_context():
        with pytest.raises(ParseError) as caught:
            parse_time(typed)
        assert f'"{quoted}"' in str(caught.value)


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_parse_time_rejects_empty(typed):
    with pytest.raises(ParseError):
        parse_time(typed)


def test_parse_time_error_message_in_english(app):
    with app.test_request_context(), force_locale("en"):
        with pytest.raises(ParseError) as caught:
            parse_time("7h75")
        assert str(caught.value) == '"7h75": the minutes must be between 0 and 59.'
        with pytest.raises(ParseError) as caught:
            parse_time("x" * 200)
        assert str(caught.value) == f'"{"x" * 39}…" is not a time. Write it like 7h30 or 07:30.'


@PROPERTY
@given(st.integers(0, 23), st.integers(0, 59))
def test_every_written_time_parses_back(hour, minute):
    assert parse_time(f"{hour}h{minute:02d}") == t(hour, minute)
    assert parse_time(f"{hour:02d}:{minute:02d}") == t(hour, minute)


@PROPERTY
@given(st.one_of(st.text(), st.floats(), st.integers(), st.none(), st.booleans()))
def test_parse_time_raises_nothing_but_parse_error(value):
    with contextlib.suppress(ParseError):
        parse_time(value)


# parse_time_range ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7h00-7h30", (t(7), t(7, 30))),
        ("8h10 - 8h25", (t(8, 10), t(8, 25))),
        ("7h00 – 7h30", (t(7), t(7, 30))),
        ("7h00—7h30", (t(7), t(7, 30))),
        ("7h00 đến 7h30", (t(7), t(7, 30))),
        ("từ 7h00 đến 7h30", (t(7), t(7, 30))),
        ("07:00 - 07:30", (t(7), t(7, 30))),
        ("9h30", (t(9, 30), None)),
        ("9h30 -", (t(9, 30), None)),
        ("", (None, None)),
        ("  ", (None, None)),
        (None, (None, None)),
        (t(9, 30), (t(9, 30), None)),
    ],
)
def test_parse_time_range_accepts(typed, expected):
    assert parse_time_range(typed) == expected


@pytest.mark.parametrize(
    ("typed", "quoted"),
    [
        ("7h30-7h00", "7h30-7h00"),  # the end before the start
        ("7h30-7h30", "7h30-7h30"),
        ("-7h30", "-7h30"),
        ("7h-8h-9h", "7h-8h-9h"),
        ("7h-8h75", "8h75"),  # the part that is wrong
        ("sáng", "sáng"),
    ],
)
def test_parse_time_range_rejects(app, typed, quoted):
    with app.test_request_context():
        with pytest.raises(ParseError) as caught:
            parse_time_range(typed)
        assert f'"{quoted}"' in str(caught.value)


@PROPERTY
@given(st.integers(0, 24 * 60 - 1), st.integers(0, 24 * 60 - 1))
def test_every_written_range_parses_back(first, second):
    start, end = t(*divmod(min(first, second), 60)), t(*divmod(max(first, second), 60))
    written = f"{start.hour}h{start.minute:02d} - {end.hour:02d}:{end.minute:02d}"
    if start < end:
        assert parse_time_range(written) == (start, end)
    else:
        with pytest.raises(ParseError):
            parse_time_range(written)


@PROPERTY
@given(st.text())
def test_parse_time_range_raises_nothing_but_parse_error(value):
    with contextlib.suppress(ParseError):
        parse_time_range(value)


# parse_date ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("30/9", dt.date(2024, 9, 30)),
        ("02/10", dt.date(2024, 10, 2)),
        ("2/10/2024", dt.date(2024, 10, 2)),
        ("02/10/2023", dt.date(2023, 10, 2)),
        ("2/10/23", dt.date(2023, 10, 2)),
        ("30-9-2024", dt.date(2024, 9, 30)),
        ("30.9.2024", dt.date(2024, 9, 30)),
        ("ngày 02/10/2023", dt.date(2023, 10, 2)),
        ("Ngày 02 tháng 10 năm 2023", dt.date(2023, 10, 2)),
        ("2 tháng 10", dt.date(2024, 10, 2)),
        (" 1 / 10 ", dt.date(2024, 10, 1)),
        ("29/2", dt.date(2024, 2, 29)),
        ("2024-10-02", dt.date(2024, 10, 2)),  # an HTML date field
        (dt.date(2023, 10, 2), dt.date(2023, 10, 2)),
        (dt.datetime(2023, 10, 2, 7, 30), dt.date(2023, 10, 2)),  # noqa: DTZ001
    ],
)
def test_parse_date_accepts(typed, expected):
    assert parse_date(typed, default_year=2024) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "31/9",
        "0/10",
        "32/10",
        "1/13/2024",
        "abc",
        "29/2/2023",
        "1/1/0000",
        "30/9-2024",
        "30/9/202",
        "",
    ],
)
def test_parse_date_rejects(typed):
    with pytest.raises(ParseError):
        parse_date(typed, default_year=2024)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("31/9", '"31/9": month 9 of 2024 has no day 31.'),
        ("0/10", '"0/10": month 10 of 2024 has no day 0.'),
        ("30/13", '"30/13": the month must be between 1 and 12.'),
        ("abc", '"abc" is not a date. Write it like 30/09/2024.'),
        (None, "Enter a date, like 30/09/2024."),
    ],
)
def test_parse_date_messages(app, typed, message):
    with app.test_request_context(), force_locale("en"):
        with pytest.raises(ParseError) as caught:
            parse_date(typed, default_year=2024)
        assert str(caught.value) == message


@PROPERTY
@given(st.dates())
def test_every_written_date_parses_back(date):
    written = f"{date.day:02d}/{date.month:02d}/{date.year:04d}"
    assert parse_date(written, default_year=2024) == date


@PROPERTY
@given(st.text())
def test_parse_date_raises_nothing_but_parse_error(value):
    with contextlib.suppress(ParseError):
        parse_date(value, default_year=2024)


# Run-sheet warnings -------------------------------------------------------------------------


@dataclass
class Row:
    position: int
    start_time: dt.time | None
    end_time: dt.time | None


def program(*times: str) -> list[Row]:
    """Run-sheet rows from their Thời gian column, parsed as an import would."""
    return [Row(n, *parse_time_range(value)) for n, value in enumerate(times, start=1)]


# Seed 004: CHƯƠNG TRÌNH LỄ KHAI MẠC, 07h30 ngày 02/10/2023.
SEED_004_PROGRAM = (
    "7h00-7h30",
    "7h30-8h00",
    "8h00-8h10",
    "8h10-8h25",
    "8h35-8h45",
    "8h45-9h00",
    "9h00-9h30",
    "9h30",
)


def summary(warnings) -> list[tuple]:
    return [(w.code, w.rows, w.minutes) for w in warnings]


def test_seed_004_program_warnings():
    warnings = runsheet_warnings(program(*SEED_004_PROGRAM), event_start=t(7, 30))
    assert summary(warnings) == [
        ("before_event", (1,), 30),  # the welcome before the ceremony: information
        ("gap", (4, 5), 10),  # 8h25 → 8h35
        ("no_end", (8,), None),
    ]


def test_seed_004_program_without_the_event_times():
    warnings = runsheet_warnings(program(*SEED_004_PROGRAM))
    assert summary(warnings) == [("gap", (4, 5), 10), ("no_end", (8,), None)]


def test_runsheet_messages_name_rows_minutes_and_times(app):
    warnings = runsheet_warnings(program(*SEED_004_PROGRAM), event_start=t(7, 30))
    with app.test_request_context(), force_locale("en"):
        assert [str(w.message) for w in warnings] == [
            "Row 1 starts at 7:00, 30 min before the event (7:30).",
            "Gap of 10 min between rows 4 and 5 (8:25 to 8:35).",
            "Row 8 has a start time but no end time.",
        ]
    with app.test_request_context():  # Vietnamese by default: times written 7h00
        assert "7h00" in str(warnings[0].message)
        assert "10" in str(warnings[1].message)


@pytest.mark.parametrize(
    ("times", "expected"),
    [
        (("7h00-7h30", "7h30-8h00", "8h00-8h15"), []),
        (("7h00-7h30", "7h20-8h00"), [("overlap", (1, 2), 10)]),
        (("7h00-8h00", "7h00-7h30"), [("overlap", (1, 2), 60)]),
        (("8h00-8h30", "7h30-7h50"), [("out_of_order", (1, 2), 30)]),
        (("8h00-8h30", "7h30-7h50", "7h50-8h00"), [("out_of_order", (1, 2), 30)]),
        (("7h00-7h30", "", "7h40-8h00"), [("no_time", (2,), None), ("gap", (1, 3), 10)]),
        (("7h00", "7h10-7h30"), [("no_end", (1,), None)]),
        (("7h00", "6h50-7h30"), [("no_end", (1,), None), ("out_of_order", (1, 2), 10)]),
        (("7h00-7h30", "8h00-9h00"), [("gap", (1, 2), 30)]),
    ],
)
def test_runsheet_sequence(times, expected):
    assert summary(runsheet_warnings(program(*times))) == expected


def test_runsheet_row_with_only_an_end_time():
    rows = [Row(1, t(7), t(7, 30)), Row(2, None, t(8))]
    assert summary(runsheet_warnings(rows)) == [("no_start", (2,), None)]


def test_runsheet_rows_after_the_event_end():
    rows = program("7h30-8h00", "8h00-9h15", "9h30")
    warnings = runsheet_warnings(rows, event_start=t(7, 30), event_end=t(9))
    assert summary(warnings) == [
        ("after_event", (2,), 15),
        ("gap", (2, 3), 15),
        ("no_end", (3,), None),
        ("after_event", (3,), 30),
    ]


def test_runsheet_row_ending_exactly_at_the_event_end_is_fine():
    rows = program("7h30-8h00", "8h00-9h00")
    assert runsheet_warnings(rows, event_start=t(7, 30), event_end=t(9)) == []


# Schedule warnings --------------------------------------------------------------------------


@dataclass
class Event:
    id: int
    number: str
    date: dt.date | None
    start_time: dt.time | None
    end_time: dt.time | None = None
    venue_name: str = ""


# Seed 001: LỊCH "TUẦN LỄ HƯỞNG ỨNG HỌC TẬP SUỐT ĐỜI" NĂM 2024 (TT, Giờ, Ngày).
SEED_001_SCHEDULE = (
    ("1", "8h30", "30/9"),
    ("2", "8h30", "01/10"),
    ("3", "8h15", "01/10"),
    ("4", "8h30", "2/10"),
    ("5", "8h30", "02/10"),
    ("5", "8h30", "02/10"),
    ("6", "8h30", "02/10"),
    ("7", "8h30", "02/10"),
    ("8", "14h30", "02/10"),
    ("9", "9h30", "03/10"),
    ("10", "8h30", "04/10"),
    ("11", "8h15", "04/10"),
    ("12", "8h30", "04/10"),
    ("13", "8h15", "04/10"),
    ("14", "14h30", "04/10"),
    ("15", "8h30", "07/10"),
)


def seed_001_events() -> list[Event]:
    return [
        Event(n, number, parse_date(day, default_year=2024), parse_time(hour))
        for n, (number, hour, day) in enumerate(SEED_001_SCHEDULE, start=1)
    ]


def test_seed_001_schedule_warnings():
    warnings = schedule_warnings(seed_001_events(), dt.date(2024, 10, 1), dt.date(2024, 10, 7))
    assert set(warnings) == set(range(1, 17))  # every event has its list
    flagged = {key: summary(found) for key, found in warnings.items() if found}
    assert flagged == {
        1: [("before_week", (1,), None)],
        5: [("duplicate_number", (5, 6), None)],
        6: [("duplicate_number", (5, 6), None)],
    }


def test_schedule_messages(app):
    warnings = schedule_warnings(seed_001_events(), dt.date(2024, 10, 1), dt.date(2024, 10, 7))
    with app.test_request_context(), force_locale("en"):
        assert str(warnings[1][0].message) == (
            "Dated 30/09/2024, before the week starts (01/10/2024)."
        )
        assert str(warnings[5][0].message) == "2 rows have the number 5."


def test_schedule_after_week_missing_time_and_numbering():
    events = [
        Event(10, "", dt.date(2024, 10, 8), t(8)),
        Event(11, "", dt.date(2024, 10, 2), None),
        Event(12, "3.", dt.date(2024, 10, 2), t(9)),
        Event(13, " 03", dt.date(2024, 10, 3), t(9)),
        Event(14, "", dt.date(2024, 10, 3), t(9)),  # empty numbers are never duplicates
    ]
    warnings = schedule_warnings(events, dt.date(2024, 10, 1), dt.date(2024, 10, 7))
    assert {key: summary(found) for key, found in warnings.items()} == {
        10: [("after_week", (1,), None)],
        11: [("no_time", (2,), None)],
        12: [("duplicate_number", (3, 4), None)],
        13: [("duplicate_number", (3, 4), None)],
        14: [],
    }


# Venue conflicts ----------------------------------------------------------------------------

OCT_2 = dt.date(2024, 10, 2)


def at(id_: int, venue: str, start, end=None, date=OCT_2) -> Event:
    return Event(id_, "", date, start, end, venue)


def ids(pairs) -> list[tuple[int, int]]:
    return [(a.id, b.id) for a, b in pairs]


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        # Overlapping, the venue written differently.
        (
            [
                at(1, "Trường THCS Phủ Thông", t(8), t(9)),
                at(2, " trường THCS  phủ thông", t(8, 30)),
            ],
            [(1, 2)],
        ),
        # Touching, not overlapping.
        ([at(1, "Hội trường", t(8), t(8, 30)), at(2, "Hội trường", t(8, 30), t(9))], []),
        # Another date.
        ([at(1, "Hội trường", t(8)), at(2, "Hội trường", t(8), date=dt.date(2024, 10, 3))], []),
        # Another venue; diacritics count.
        ([at(1, "Hội trường", t(8)), at(2, "Hoi truong", t(8))], []),
        # No venue, no start time.
        ([at(1, "", t(8)), at(2, "", t(8)), at(3, "Sân", None), at(4, "Sân", None)], []),
        # No end: one hour from the start.
        ([at(1, "Sân", t(8)), at(2, "Sân", t(8, 59))], [(1, 2)]),
        ([at(1, "Sân", t(8)), at(2, "Sân", t(9))], []),
        # Given in any order, each pair once, earlier first.
        (
            [at(3, "Sân", t(9), t(10)), at(2, "Sân", t(8), t(9, 30)), at(1, "Sân", t(7), t(11))],
            [(1, 2), (1, 3), (2, 3)],
        ),
        # A long event overlaps rows beyond its neighbour.
        (
            [at(1, "Sân", t(7), t(12)), at(2, "Sân", t(8), t(9)), at(4, "Sân", t(10), t(11))],
            [(1, 2), (1, 4)],
        ),
    ],
)
def test_venue_conflicts(events, expected):
    assert ids(venue_conflicts(events)) == expected


def test_seed_001_rows_at_one_venue_clash():
    events = seed_001_events()
    for event in events:
        event.venue_name = "Hội trường UBND quận"
    pairs = ids(venue_conflicts(events))
    # 02/10 8h30: rows 4, 5, 5, 6 and 7 (ids 4-8) all at once; 14h30 is alone.
    assert [pair for pair in pairs if 4 <= pair[0] <= 9] == [
        (4, 5), (4, 6), (4, 7), (4, 8), (5, 6), (5, 7), (5, 8), (6, 7), (6, 8), (7, 8),
    ]  # fmt: skip
    # 04/10: 8h15 (ids 12, 14) and 8h30 (ids 11, 13) overlap within an hour.
    assert [pair for pair in pairs if pair[0] >= 11] == [
        (12, 14), (12, 11), (12, 13), (14, 11), (14, 13), (11, 13),
    ]  # fmt: skip


def test_default_duration_is_an_hour():
    assert dt.timedelta(hours=1) == DEFAULT_DURATION


# Performer conflicts ------------------------------------------------------------------------


@dataclass
class Item:
    id: int
    performer: str
    start_time: dt.time | None
    end_time: dt.time | None
    event_id: int
    date: dt.date


def item(id_: int, performer: str, times: str, event_id: int, date=OCT_2) -> Item:
    return Item(id_, performer, *parse_time_range(times), event_id, date)


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        # One leader due at two ceremonies at once; written with and without the final ".".
        (
            [
                item(1, "Lãnh đạo UBND huyện.", "8h10-8h25", event_id=1),
                item(2, "lãnh đạo  UBND huyện", "8h20-8h40", event_id=2),
            ],
            [(1, 2)],
        ),
        # Same event: never a conflict.
        (
            [
                item(1, "Lãnh đạo Phòng GD&ĐT", "8h00-8h10", event_id=1),
                item(2, "Lãnh đạo Phòng GD&ĐT", "8h05-9h30", event_id=1),
            ],
            [],
        ),
        # Touching.
        (
            [
                item(1, "Đội văn nghệ", "8h00-8h30", event_id=1),
                item(2, "Đội văn nghệ", "8h30-9h00", event_id=2),
            ],
            [],
        ),
        # Another date.
        (
            [
                item(1, "Đội văn nghệ", "8h00-8h30", event_id=1),
                item(2, "Đội văn nghệ", "8h00-8h30", event_id=2, date=dt.date(2024, 10, 3)),
            ],
            [],
        ),
        # No performer; no time.
        (
            [
                item(1, "", "8h00-8h30", event_id=1),
                item(2, " ", "8h00-8h30", event_id=2),
                item(3, "Đội văn nghệ", "", event_id=1),
                item(4, "Đội văn nghệ", "", event_id=2),
            ],
            [],
        ),
        # No end: one hour; an item of the same event in between does not hide the clash.
        (
            [
                item(1, "Đội văn nghệ", "9h30", event_id=1),
                item(2, "Đội văn nghệ", "9h40-9h50", event_id=1),
                item(3, "Đội văn nghệ", "10h00-10h20", event_id=2),
            ],
            [(1, 3)],
        ),
    ],
)
def test_performer_conflicts(items, expected):
    assert [(a.id, b.id) for a, b in performer_conflicts(items)] == expected

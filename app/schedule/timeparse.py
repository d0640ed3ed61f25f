"""Times and dates as Vietnamese organisers type them: 7h30, 7 giờ 30, 8h10 - 8h25, 30/9.

Pure functions: no database and no request. Errors are `ParseError`s whose message (a lazy,
translatable string) names what was typed, so a form or an import can show it as it is.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

from flask_babel import lazy_gettext as _l

__all__ = ["ParseError", "parse_date", "parse_time", "parse_time_range"]

#: What was typed is quoted in messages; a pasted paragraph is cut to this many characters.
_QUOTE_LIMIT = 40

_MINUTES_PER_DAY = 24 * 60

# 7h30, 7h, 7H30, 7g30, 7 giờ 30 (phút), 7h30', 7h30p, 07:30, 7:30:00, 7.30; an optional
# part of the day after it: 2h30 chiều, 7:30 am. Digits are ASCII only, on purpose: \d would
# let other scripts' digits through.
_TIME = re.compile(
    r"""
    (?P<hour>[0-9]{1,2})
    (?:
        \s*(?:h|g|giờ|gio)\s*(?P<word_minute>[0-9]{1,2})?\s*(?:'|’|′|p|ph|phút|phut)?
      | \s*:\s*(?P<colon_minute>[0-9]{2})(?:\s*:\s*(?P<second>[0-9]{2}))?
      | \.(?P<dot_minute>[0-9]{2})
    )
    (?:\s*(?P<period>sáng|sang|trưa|trua|chiều|chieu|tối|toi|am|pm|a\.m\.|p\.m\.))?
    """,
    re.VERBOSE,
)
_MORNING = {"sáng", "sang", "am", "a.m."}
_NOON = {"trưa", "trua"}
_AFTERNOON = {"chiều", "chieu", "tối", "toi", "pm", "p.m."}

# Between two times: a hyphen, an en or em dash, a minus sign, a tilde, "đến", "tới", "to".
# Not "toi": without its accents it could be "tối" (evening), as in "7h toi".
_RANGE_SEPARATOR = re.compile(r"\s*(?:-|–|—|−|~|→)\s*|\s+(?:đến|den|tới|to)\s+")
_RANGE_PREFIX = re.compile(r"^(?:từ|tu|from)\s+")

_DATE = re.compile(
    r"(?P<day>[0-9]{1,2})\s*(?P<sep>[/.-])\s*(?P<month>[0-9]{1,2})"
    r"(?:\s*(?P=sep)\s*(?P<year>[0-9]{4}|[0-9]{2}))?"
)
# The official documents' way: "ngày 02 tháng 10 năm 2023".
_DATE_WORDS = re.compile(
    r"(?P<day>[0-9]{1,2})\s+(?:tháng|thang)\s+(?P<month>[0-9]{1,2})"
    r"(?:\s*(?:,\s*)?(?:năm|nam)\s+(?P<year>[0-9]{4}))?"
)
# What an HTML date field and CSV exports send; the year first, so never ambiguous.
_DATE_ISO = re.compile(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})-(?P<day>[0-9]{1,2})")
_DATE_PREFIX = re.compile(r"^(?:ngày|ngay)\s*")


class ParseError(ValueError):
    """What was typed is not a time or a date; `str(exc)` is the message for the user."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def _quote(value) -> str:
    text = " ".join(str(value).split())
    if len(text) > _QUOTE_LIMIT:
        text = text[: _QUOTE_LIMIT - 1] + "…"
    return text


def _normalise(value: str) -> str:
    # NFC: text pasted from Word or typed on a Mac may carry "giờ" as decomposed letters.
    return " ".join(unicodedata.normalize("NFC", value).casefold().split())


def _not_a_time(value) -> ParseError:
    return ParseError(
        _l('"%(value)s" is not a time. Write it like 7h30 or 07:30.', value=_quote(value))
    )


def _from_day_fraction(value) -> dt.time:
    """An Excel time: the fraction of a day (0.3125 is 7h30), to the nearest minute."""
    if not math.isfinite(value) or not 0 <= value < 1:
        raise _not_a_time(value)
    # 23:59:40 would round up to midnight of the next day: it stays in this one.
    minutes = min(round(value * _MINUTES_PER_DAY), _MINUTES_PER_DAY - 1)
    return dt.time(minutes // 60, minutes % 60)


def _hour_of_day(hour: int, period: str | None, typed: str) -> int:
    """The 24-hour hour for "2h chiều", "7h sáng", "11h trưa", "2:30 pm"."""
    if period is None:
        return hour
    if hour > 12:
        if period in _MORNING:  # "14h sáng" contradicts itself
            raise _not_a_time(typed)
        return hour  # "14h30 chiều": already a 24-hour time
    if period in _MORNING:
        return 0 if hour == 12 else hour
    if period in _NOON:
        return hour if hour >= 11 else hour + 12
    return hour if hour == 12 else hour + 12


def parse_time(value) -> dt.time:
    """A time of day from what a user typed, an Excel cell or a `datetime`."""
    if isinstance(value, dt.datetime):
        return value.time()
    if isinstance(value, dt.time):
        return value
    if isinstance(value, bool):
        raise _not_a_time(value)
    if isinstance(value, int | float):
        return _from_day_fraction(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ParseError(_l("Enter a time, like 7h30."))
    if not isinstance(value, str):
        raise _not_a_time(value)

    typed = value.strip()
    match = _TIME.fullmatch(_normalise(value))
    if match is None:
        raise _not_a_time(typed)
    hour = int(match["hour"])
    minute_text = match["word_minute"] or match["colon_minute"] or match["dot_minute"]
    minute = int(minute_text) if minute_text else 0
    second = int(match["second"]) if match["second"] else 0
    if hour > 23:
        raise ParseError(_l('"%(value)s": the hour must be between 0 and 23.', value=_quote(typed)))
    if minute > 59:
        raise ParseError(
            _l('"%(value)s": the minutes must be between 0 and 59.', value=_quote(typed))
        )
    if second > 59:
        raise _not_a_time(typed)
    return dt.time(_hour_of_day(hour, match["period"], typed), minute, second)


def parse_time_range(value) -> tuple[dt.time | None, dt.time | None]:
    """(start, end) from "7h00-7h30", "8h10 – 8h25", "7h00 đến 7h30"; "9h30" has no end."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if not isinstance(value, str):
        return parse_time(value), None

    typed = value.strip()
    text = _RANGE_PREFIX.sub("", _normalise(value))
    parts = _RANGE_SEPARATOR.split(text)
    if len(parts) > 2 or not parts[0]:
        raise ParseError(
            _l('"%(value)s" is not a time range. Write it like 7h00-7h30.', value=_quote(typed))
        )
    start = parse_time(parts[0])
    end = parse_time(parts[1]) if len(parts) == 2 and parts[1] else None  # "9h30 -" is open
    if end is not None and end <= start:
        raise ParseError(
            _l('"%(value)s": the end time must be after the start time.', value=_quote(typed))
        )
    return start, end


def _not_a_date(value) -> ParseError:
    return ParseError(
        _l('"%(value)s" is not a date. Write it like 30/09/2024.', value=_quote(value))
    )


def parse_date(value, *, default_year: int) -> dt.date:
    """A date written day first (30/9, 02/10/2023, ngày 2 tháng 10 năm 2023), or a `date`.

    A date without a year is in `default_year` (the campaign's year).
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ParseError(_l("Enter a date, like 30/09/2024."))
    if not isinstance(value, str):
        raise _not_a_date(value)

    typed = value.strip()
    text = _DATE_PREFIX.sub("", _normalise(value))
    match = _DATE.fullmatch(text) or _DATE_WORDS.fullmatch(text) or _DATE_ISO.fullmatch(text)
    if match is None:
        raise _not_a_date(typed)
    day, month = int(match["day"]), int(match["month"])
    year_text = match["year"]
    if year_text is None:
        year = default_year
    elif len(year_text) == 2:
        year = 2000 + int(year_text)
    else:
        year = int(year_text)
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise _not_a_date(typed)
    if not 1 <= month <= 12:
        raise ParseError(
            _l('"%(value)s": the month must be between 1 and 12.', value=_quote(typed))
        )
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ParseError(
            _l(
                '"%(value)s": month %(month)d of %(year)d has no day %(day)d.',
                value=_quote(typed),
                month=month,
                year=year,
                day=day,
            )
        ) from None

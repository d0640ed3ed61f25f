"""Language choice and the Vietnamese way of writing dates and times."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

WEEKDAYS = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)


def select_locale() -> str:
    """The signed-in user's language, else the one chosen this session, else Vietnamese."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the CLI speaks the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    # An explicit choice only: a browser's English Accept-Language must not override the
    # Vietnamese default that these users expect on shared office computers.
    if request.args.get("lang") in languages:
        return request.args["lang"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "vi"


def format_date(value: dt.date | dt.datetime | None) -> str:
    """30/09/2024: the day first, as Vietnamese documents write it."""
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y")


def format_time(value: dt.time | dt.datetime | None) -> str:
    """7h30 in Vietnamese (as the plans write it), 7:30 in English."""
    if value is None:
        return ""
    if current_language() == "vi":
        return f"{value.hour}h{value.minute:02d}"
    return f"{value.hour}:{value.minute:02d}"


def to_local(value: dt.datetime) -> dt.datetime:
    """An aware moment (stored in UTC) as the wall-clock time at the venues."""
    if value.tzinfo is None:
        return value
    return value.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))


def format_datetime(value: dt.datetime | None) -> str:
    """7h30 30/09/2024, in the venues' time zone."""
    if value is None:
        return ""
    value = to_local(value)
    return f"{format_time(value)} {format_date(value)}"


def format_weekday(value: dt.date | None) -> str:
    """Thứ Hai, Thứ Ba … Chủ nhật."""
    if value is None:
        return ""
    return str(WEEKDAYS[value.weekday()])


def format_utc_datetime(value: dt.datetime | None) -> str:
    """A naive UTC moment as stored in the database, as 7h30 30/09/2024 at the venues."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return format_datetime(value)


def format_number(value: int | None) -> str:
    """1.250.000 in Vietnamese, 1,250,000 in English; None is an empty cell."""
    if value is None:
        return ""
    grouped = f"{value:,}"
    return grouped.replace(",", ".") if current_language() == "vi" else grouped


def register_template_helpers(app) -> None:
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["utc_datetime"] = format_utc_datetime
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["time"] = format_time
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["weekday"] = format_weekday
    app.jinja_env.globals["current_language"] = current_language

"""Reading JSON bodies: types, lengths, ISO dates and times, UUIDs, with every problem
collected per field ("title", "program.2.end_time", "items.7.client_uuid") so one answer
lists them all. Turning values into objects and the rules stay in the services."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from flask import request
from flask_babel import gettext as _

from app.api.errors import ApiError

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = re.compile(r"[0-9]{2}:[0-9]{2}(:[0-9]{2})?")
#: Control characters no text field takes (tab, line feed and carriage return are text);
#: PostgreSQL refuses NUL outright, the others only hide what a name really is.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MISSING = object()


def json_body() -> dict:
    """The request's JSON object, or a 400 `invalid_json`."""
    try:
        data = request.get_json(force=True, silent=True)
    except RecursionError:  # nested deeper than the parser goes: not a body we take
        data = None
    if data is None:
        raise ApiError(400, "invalid_json", _("The request body is not valid JSON."))
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", _("The request body must be a JSON object."))
    return data


class Checker:
    """Reads fields of one JSON object; problems go to `errors`, shared with nested checkers."""

    def __init__(self, data: dict, prefix: str = "", errors: dict | None = None):
        self.data = data
        self.prefix = prefix
        self.errors: dict[str, str] = {} if errors is None else errors

    def error(self, name, message) -> None:
        self.errors.setdefault(f"{self.prefix}{name}", str(message))

    def _value(self, name: str, required: bool):
        value = self.data.get(name, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.error(name, _("This field is required."))
            return _MISSING
        return value

    def text(self, name: str, *, required: bool = False, max_length: int = 300) -> str:
        value = self._value(name, required)
        if value is _MISSING:
            return ""
        if not isinstance(value, str):
            self.error(name, _("Must be a string."))
            return ""
        if _CONTROL.search(value) or not _encodable(value):
            self.error(name, _("Contains control or invalid characters."))
            return ""
        value = value.strip()
        if required and not value:
            self.error(name, _("This field is required."))
        elif len(value) > max_length:
            self.error(name, _("At most %(max)d characters.", max=max_length))
        return value

    def integer(self, name: str, *, required=False, minimum=None, maximum=None) -> int | None:
        value = self._value(name, required)
        if value is _MISSING:
            return None
        # 35.0 is an integer in JSON (and in JSON Schema), whatever the client's encoder wrote.
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(name, _("Must be an integer."))
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self.error(
                name, _("Must be between %(min)d and %(max)d.", min=minimum or 0, max=maximum)
            )
            return None
        return value

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self._value(name, False)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            self.error(name, _("Must be true or false."))
            return default
        return value

    def choice(self, name: str, choices, *, required: bool = False) -> str | None:
        value = self._value(name, required)
        if value is _MISSING:
            return None
        if value not in choices:
            self.error(name, _("Must be one of: %(choices)s.", choices=", ".join(choices)))
            return None
        return value

    def date(self, name: str, *, required: bool = False) -> dt.date | None:
        value = self._value(name, required)
        if value is _MISSING:
            return None
        try:
            if not isinstance(value, str) or not _DATE.fullmatch(value):
                raise ValueError
            return dt.date.fromisoformat(value)
        except ValueError:
            self.error(name, _("Must be a date like 2024-10-01."))
            return None

    def time(self, name: str) -> dt.time | None:
        value = self._value(name, False)
        if value is _MISSING or value == "":
            return None
        try:
            if not isinstance(value, str) or not _TIME.fullmatch(value):
                raise ValueError
            return dt.time.fromisoformat(value)
        except ValueError:
            self.error(name, _("Must be a time like 07:30."))
            return None

    def moment(self, name: str, *, required: bool = False) -> dt.datetime | None:
        """An ISO 8601 date and time with its offset ("Z" for UTC), as naive UTC."""
        value = self._value(name, required)
        if value is _MISSING:
            return None
        try:
            if not isinstance(value, str) or not _DATE.match(value):
                raise ValueError
            moment = dt.datetime.fromisoformat(value)
            if moment.tzinfo is None:
                raise ValueError
            # Year 1 east of Greenwich or year 9999 west of it has no UTC date.
            return moment.astimezone(dt.UTC).replace(tzinfo=None)
        except (ValueError, OverflowError):
            self.error(name, _("Must be a UTC date and time like 2024-10-01T00:30:00Z."))
            return None

    def uuid(self, name: str, *, required: bool = False) -> str | None:
        value = self._value(name, required)
        if value is _MISSING:
            return None
        try:
            if not isinstance(value, str) or len(value) != 36:
                raise ValueError
            return str(uuid.UUID(value))
        except ValueError:
            self.error(name, _("Must be a UUID like 0f8fad5b-d9cb-469f-a165-70867728950e."))
            return None

    def objects(self, name: str, *, max_items: int, required: bool = True) -> list[Checker]:
        """A list of objects (non-empty when required), each read by a checker of its own."""
        value = self._value(name, required)
        if value is _MISSING:
            return []
        if not isinstance(value, list):
            self.error(name, _("Must be a list."))
            return []
        if not value and required:
            self.error(name, _("Give at least one item."))
            return []
        if len(value) > max_items:
            self.error(name, _("At most %(max)d items.", max=max_items))
            return []
        checkers = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                self.error(f"{name}.{index}", _("Must be an object."))
                continue
            checkers.append(Checker(item, f"{self.prefix}{name}.{index}.", self.errors))
        return checkers

    def raise_if_invalid(self) -> None:
        if self.errors:
            raise ApiError(422, "validation_failed", details=self.errors)


def _encodable(value: str) -> bool:
    """False for a string with lone surrogates ("\\ud800" in JSON), which no database stores."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# --- output ------------------------------------------------------------------------------


def iso_date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def hhmm(value: dt.time | None) -> str | None:
    return value.strftime("%H:%M") if value else None


def iso_utc(value: dt.datetime | None) -> str | None:
    """Stored naive UTC → "2023-10-02T00:12:00Z"."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat() + "Z"

"""How a column's values are written into the archive's JSON Lines and read back.

Each column gets a kind from its SQLAlchemy type ("datetime", "bytes", "enum" …), recorded in
the manifest; values are encoded by kind so nothing depends on how an engine stores them:
datetimes, dates and times as ISO 8601, bytes as base64, enums by their stored value, decimals
as strings, JSON columns as their JSON text (so a JSON null and an SQL NULL stay apart).
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import uuid

from sqlalchemy import JSON, Column, String, Text, cast, null, type_coerce
from sqlalchemy import types as sqltypes


class UnknownColumnType(TypeError):
    """A column type the archive format has no encoding for."""


#: (SQLAlchemy type, kind), most specific first: Enum is a String, Float a Numeric,
#: DateTime must not be taken for a Date.
_KINDS: tuple[tuple[type, str], ...] = (
    (sqltypes.Enum, "enum"),
    (sqltypes.Boolean, "bool"),
    (sqltypes.DateTime, "datetime"),
    (sqltypes.Date, "date"),
    (sqltypes.Time, "time"),
    (sqltypes.Interval, "interval"),
    (sqltypes.LargeBinary, "bytes"),
    (sqltypes.BINARY, "bytes"),
    (sqltypes.VARBINARY, "bytes"),
    (sqltypes.Float, "float"),
    (sqltypes.Numeric, "decimal"),
    (sqltypes.Integer, "int"),
    (sqltypes.JSON, "json"),
    (sqltypes.Uuid, "uuid"),
    (sqltypes.String, "str"),
)

KINDS = frozenset(kind for _, kind in _KINDS)


def column_kind(column: Column) -> str:
    """The archive kind of a column, from its type."""
    column_type = column.type
    if isinstance(column_type, sqltypes.TypeDecorator):
        column_type = column_type.impl_instance
    for sql_type, kind in _KINDS:
        if isinstance(column_type, sql_type):
            return kind
    raise UnknownColumnType(
        f"Column {column.table.name}.{column.name} has a type ({column_type!r}) "
        "that the backup format cannot encode."
    )


def select_expression(column: Column, kind: str):
    """What to select for a column: enums as the stored string, whatever the Python enum's
    member names are; everything else through its own type."""
    if kind == "enum":
        return type_coerce(column, String()).label(column.name)
    if kind == "json":
        return cast(column, Text()).label(column.name)
    return column


def encode(kind: str, value):
    """A Python value from the database → a JSON value."""
    if value is None:
        return None
    if kind in ("datetime", "date", "time"):
        return value.isoformat()
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind == "decimal":
        return str(value)
    if kind == "interval":
        return value.total_seconds()
    if kind == "uuid":
        return str(value)
    if kind == "enum":
        return getattr(value, "value", value)
    if kind == "bool":
        return bool(value)
    return value  # int, float, str, json (its text)


def decode(kind: str, value):
    """A JSON value from the archive → the Python value to insert. Raises ValueError when the
    value does not fit its kind."""
    if kind == "json":
        if value is None:
            return null()  # SQL NULL, not the JSON value null
        loaded = json.loads(_text(value))
        return JSON.NULL if loaded is None else loaded
    if value is None:
        return None
    if kind == "datetime":
        return dt.datetime.fromisoformat(_text(value))
    if kind == "date":
        return dt.date.fromisoformat(_text(value))
    if kind == "time":
        return dt.time.fromisoformat(_text(value))
    if kind == "bytes":
        return base64.b64decode(_text(value), validate=True)
    if kind == "decimal":
        try:
            return decimal.Decimal(_text(value))
        except decimal.InvalidOperation as exc:
            raise ValueError(f"not a decimal: {value!r}") from exc
    if kind == "interval":
        return dt.timedelta(seconds=_number(value))
    if kind == "uuid":
        return uuid.UUID(_text(value))
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"not a boolean: {value!r}")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"not an integer: {value!r}")
        return value
    if kind == "float":
        return _number(value)
    return _text(value)  # str, enum


def _text(value) -> str:
    if not isinstance(value, str):
        raise ValueError(f"not a string: {value!r}")
    return value


def _number(value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"not a number: {value!r}")
    return float(value)

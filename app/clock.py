"""The app's clock: moments are stored as naive datetimes in UTC (shown in the venues' time zone
by app/i18n.py)."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """Now, in UTC, without a time zone (as the database columns keep it)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)

"""The short code shown on a screen at the venue that walk-ins type to check themselves in.

It stops check-ins from home with a photo of the poster: the code changes every minute (UTC),
derived from the event's secret with HMAC-SHA256, so every app process agrees on it without
storing anything. The current and the previous minute's codes are accepted, so a code read a
few seconds before it changes still works.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import update

from app.audit.models import AuditAction
from app.audit.services import record
from app.checkin.services import utcnow
from app.extensions import db
from app.schedule.models import Event

DIGITS = 4


def ensure_secret(event: Event) -> str:
    """The event's code secret, made on first use. The caller commits.

    Two first requests at once (the code display and a walk-in, two app processes) must agree
    on one secret, or one of them would show codes the other refuses: only an empty secret is
    written, by a conditional UPDATE that the database serialises, and the loser reads the
    winner's. That statement bypasses the session's audit hooks, so the winner writes the
    audit line itself (a secret: "changed", its value never kept)."""
    if not event.walkin_code_secret:
        made = db.session.execute(
            update(Event)
            .where(Event.id == event.id, Event.walkin_code_secret.is_(None))
            .values(
                walkin_code_secret=secrets.token_hex(32),
                updated_at=Event.updated_at,  # not an edit of the schedule
            )
        )
        if made.rowcount:
            # The line the session's hooks would write for this change, committed with it.
            record(AuditAction.UPDATE, event, changes={"walkin_code_secret": None})
        db.session.refresh(event)
    return event.walkin_code_secret


def _minute(moment: dt.datetime) -> dt.datetime:
    return moment.replace(second=0, microsecond=0)


def code_at(event: Event, moment: dt.datetime) -> str:
    """The code of the minute containing `moment` (naive UTC)."""
    secret = ensure_secret(event)
    message = f"{event.id}:{_minute(moment):%Y-%m-%dT%H:%M}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return str(int.from_bytes(digest[:4], "big") % 10**DIGITS).zfill(DIGITS)


def current_code(event: Event, now: dt.datetime | None = None) -> str:
    return code_at(event, now or utcnow())


def check_code(event: Event, typed: str | None, now: dt.datetime | None = None) -> bool:
    """True when `typed` is this minute's or the previous minute's code."""
    typed = "".join((typed or "").split())
    if len(typed) != DIGITS or not typed.isdigit():
        return False
    now = now or utcnow()
    accepted = (code_at(event, now), code_at(event, now - dt.timedelta(minutes=1)))
    # Both compared, in constant time, so the answer's timing says nothing about the code.
    matches = [hmac.compare_digest(typed, code) for code in accepted]
    return any(matches)

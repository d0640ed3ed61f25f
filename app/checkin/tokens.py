"""API tokens: a user creates them in their profile (or an administrator with the CLI), the
JSON API verifies them on every request, and the user revokes them when a phone is lost.

Only the SHA-256 of a token is stored; the token itself is shown once, when it is made.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.checkin.models import ApiToken
from app.clock import utcnow
from app.extensions import db
from app.units.models import User

#: last_used_at is written at most this often, so busy scanners do not write on every scan.
TOUCH_INTERVAL = dt.timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """Make a token for the user; returns the row and the token, which is not kept."""
    token = secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=" ".join((name or "").split())[:120],
        token_hash=hash_token(token),
        created_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    return row, token


def revoke_token(row: ApiToken) -> None:
    """The token stops working at once; the row stays so the user sees what was revoked."""
    if row.revoked_at is None:
        row.revoked_at = utcnow()


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked ones included)."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def live_token(token: str) -> ApiToken | None:
    """The live token of an active user, with the user and their unit loaded in the same query,
    noting when it was used (at most once a TOUCH_INTERVAL); None otherwise."""
    if not token or len(token) > 200:
        return None
    row = db.session.scalar(
        select(ApiToken)
        .options(joinedload(ApiToken.user).joinedload(User.unit))
        .where(ApiToken.token_hash == hash_token(token))
    )
    if row is None or row.revoked_at is not None or not row.user.is_active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_INTERVAL:
        row.last_used_at = now
    return row


def user_for_token(token: str) -> User | None:
    """The active user a live token belongs to, noting when it was used; None otherwise."""
    row = live_token(token)
    return row.user if row is not None else None

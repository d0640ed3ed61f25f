"""Fixes proposed for files this benchmark work does not own, measurable before they are made.

Each function here is the proposed new body of a function elsewhere in the app (named in its
docstring). `apply_reports()` and `apply_api(app)` swap them in, in this process only, so the
benchmarks print the figures before and after (`--proposed`). Once the lead has moved a fix
into its file, its entry here and its `apply_*` line go away.
"""

from __future__ import annotations

from functools import wraps

from flask import g
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import exists, func, or_, select, union_all
from sqlalchemy.orm import joinedload

from app.checkin.models import ApiToken, CheckIn, Headcount
from app.extensions import db
from app.schedule.models import Event, EventKind
from app.units.models import User

# --- app/reports/figures.py ------------------------------------------------------------------


def event_persons(campaign_id: int, unit_ids):
    """Proposed `figures.event_persons`: persons = live check-ins counted, no DISTINCT.

    One live check-in per invitee and event is the partial unique index
    `uq_check_in_event_invitee_live`, so count(DISTINCT invitee_id) + walk-ins equals
    count(*) of the live rows; the DISTINCT made PostgreSQL sort the million rows (on disk
    with the default work_mem) instead of hashing 5,000 groups.
    """
    events = select(Event.id).where(Event.campaign_id == campaign_id, Event.unit_id.in_(unit_ids))
    checked_in = (
        select(CheckIn.event_id.label("event_id"), func.count().label("persons"))
        .where(CheckIn.undone_at.is_(None), CheckIn.event_id.in_(events))
        .group_by(CheckIn.event_id)
    )
    tallied = (
        select(Headcount.event_id.label("event_id"), func.sum(Headcount.count).label("persons"))
        .where(Headcount.removed_at.is_(None), Headcount.event_id.in_(events))
        .group_by(Headcount.event_id)
    )
    both = union_all(checked_in, tallied).subquery("attendance")
    return (
        select(both.c.event_id, func.sum(both.c.persons).label("persons"))
        .group_by(both.c.event_id)
        .subquery("event_persons")
    )


def units_with_opening(campaign_id: int, unit_ids) -> set[int]:
    """Proposed `figures.units_with_opening`: only the opening ceremonies, and only whether
    each has a live check-in or tally (an index probe each), not everyone's persons again.

    The current version rebuilds `held_events` with every event's persons: a second pass
    over all the check-ins of the subtree for a yes/no per opening ceremony.
    """
    if not unit_ids:
        return set()
    attended = or_(
        Event.held.is_(True),
        exists().where(CheckIn.event_id == Event.id, CheckIn.undone_at.is_(None)),
        exists().where(Headcount.event_id == Event.id, Headcount.removed_at.is_(None)),
    )
    return set(
        db.session.scalars(
            select(Event.unit_id)
            .where(
                Event.campaign_id == campaign_id,
                Event.unit_id.in_(unit_ids),
                Event.kind == EventKind.OPENING,
                attended,
            )
            .distinct()
        )
    )


def apply_reports() -> None:
    """Use the proposed roll-up queries in this process."""
    from app.reports import figures

    figures.event_persons = event_persons
    figures.units_with_opening = units_with_opening


# --- app/checkin/tokens.py, app/api/auth.py --------------------------------------------------


def user_for_token(token: str) -> User | None:
    """Proposed `tokens.user_for_token`: the token, its user and the user's unit in one query
    (three before: the token, then the user and the unit loaded lazily)."""
    from app.checkin import tokens

    if not token or len(token) > 200:
        return None
    row = db.session.scalar(
        select(ApiToken)
        .options(joinedload(ApiToken.user).joinedload(User.unit))
        .where(ApiToken.token_hash == tokens.hash_token(token))
    )
    if row is None or row.revoked_at is not None or not row.user.is_active:
        return None
    now = tokens._now()
    if row.last_used_at is None or now - row.last_used_at >= tokens.TOUCH_INTERVAL:
        row.last_used_at = now
    return row.user


def api_auth(view):
    """Proposed `auth.api_auth`: commit the token's last use only when it was written (once a
    minute per token); the unconditional commit ended the transaction on every request,
    expired the user (loaded again right after) and checked a connection out twice."""
    from app.api import auth
    from app.api.errors import ApiError, request_language

    @wraps(view)
    def wrapper(*args, **kwargs):
        with force_locale(request_language()):
            user = auth.user_for_token(auth._bearer_token())
            if user is None:
                raise ApiError(
                    401, "invalid_token", _("This API token is unknown or has been revoked.")
                )
            if db.session.dirty:  # the token's last use, noted at most once a minute
                db.session.commit()
            g.api_user = user
        with force_locale(request_language()):
            return view(*args, **kwargs)

    return wrapper


def get_event(event_id: int, need: str = "see") -> Event:
    """Proposed `auth.get_event`: the event with its unit in one query."""
    from app.api import auth

    user = auth.api_user()
    event = (
        db.session.get(Event, event_id, options=[joinedload(Event.unit)])
        if event_id <= getattr(auth, "MAX_ID", 2**31 - 1)
        else None
    )
    if event is None or not event.unit.is_within(user.unit):
        raise auth.not_found()
    if need == "edit" and not auth.can_edit_schedule(user):
        raise auth.forbidden()
    if need == "checkin" and user.role not in auth.CHECKIN_ROLES:
        raise auth.forbidden()
    return event


def apply_api(app) -> None:
    """Use the proposed API authentication in this process (views are re-wrapped)."""
    from app.api import auth, routes

    auth.user_for_token = user_for_token
    routes.get_event = get_event
    for endpoint, view in list(app.view_functions.items()):
        if endpoint.startswith("api.") and hasattr(view, "__wrapped__"):
            app.view_functions[endpoint] = api_auth(view.__wrapped__)

"""Bearer-token authentication and the permission checks of the API.

The rules are the pages' rules: campaigns visible to the user's unit, events hosted in the
user's subtree (outside: 404), writes by role (inside without the role: 403).
"""

from __future__ import annotations

from functools import wraps

from flask import g, request
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from app.api.errors import ApiError, request_language
from app.checkin.tokens import live_token
from app.extensions import db
from app.schedule.models import Campaign, Event
from app.schedule.permissions import campaign_visible, can_edit_schedule
from app.units.models import Role, User

#: The largest id a row can have (32-bit keys); a bigger number in a URL is simply not found
#: (asking the database for it fails on both engines).
MAX_ID = 2**31 - 1

#: Who records check-ins and headcounts.
CHECKIN_ROLES = frozenset({Role.ADMIN, Role.ORGANISER, Role.CHECKIN_STAFF})


def _bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if not header:
        raise ApiError(401, "unauthorized")
    if scheme.lower() != "bearer" or not token.strip() or " " in token.strip():
        raise ApiError(401, "unauthorized", _("The Authorization header must be: Bearer <token>."))
    return token.strip()


def api_auth(view):
    """Let the request through with a live token of an active user (in `g.api_user`)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        with force_locale(request_language()):
            token = live_token(_bearer_token())
            if token is None:
                raise ApiError(
                    401, "invalid_token", _("This API token is unknown or has been revoked.")
                )
            g.api_user, g.api_token_name = token.user, token.name
            if db.session.dirty:
                # The token's last use (at most once a minute) is committed on its own, before
                # the request's own transaction; otherwise the request goes on in the first one.
                db.session.commit()
        with force_locale(request_language()):
            return view(*args, **kwargs)

    return wrapper


def api_user() -> User:
    return g.api_user


def forbidden() -> ApiError:
    return ApiError(403, "forbidden")


def not_found() -> ApiError:
    return ApiError(404, "not_found")


def get_campaign(campaign_id: int, *, add_events: bool = False) -> Campaign:
    """A campaign the user's unit takes part in or watches; adding events needs an organiser."""
    user = api_user()
    campaign = db.session.get(Campaign, campaign_id) if campaign_id <= MAX_ID else None
    if campaign is None or not campaign_visible(user, campaign):
        raise not_found()
    if add_events and not can_edit_schedule(user):
        raise forbidden()
    return campaign


def get_event(event_id: int, need: str = "see") -> Event:
    """An event hosted in the user's subtree.

    need: "see" (any role), "edit" (events, run-sheets, invitees: organisers and
    administrators), "checkin" (check-ins and headcounts: those and check-in staff; an archived
    event is not found), "sync" (a phone's offline queue: as "checkin", but an archived event
    still takes the scans queued before it was archived).
    """
    user = api_user()
    event = (
        db.session.get(Event, event_id, options=[joinedload(Event.unit)])
        if event_id <= MAX_ID
        else None
    )
    if event is None or not event.unit.is_within(user.unit):
        raise not_found()
    if need == "edit" and not can_edit_schedule(user):
        raise forbidden()
    if need in ("checkin", "sync") and user.role not in CHECKIN_ROLES:
        raise forbidden()
    if need == "checkin" and event.archived_at is not None:
        raise not_found()
    return event

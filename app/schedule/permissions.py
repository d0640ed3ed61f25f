"""Who may see and change campaigns and events.

Campaigns reach down the tree: a campaign launched by a unit is visible to every unit below
it (and to the units above, which watch their subtree). Events belong to their host unit:
users see the events hosted in their own subtree, and organisers and administrators of that
subtree edit them. Outside: 404. Inside without the role: 403.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import or_, select

from app.extensions import db
from app.schedule.models import Campaign, Event
from app.units.models import Role, Unit, User

EDITOR_ROLES = frozenset({Role.ADMIN, Role.ORGANISER})


def can_edit_schedule(user: User) -> bool:
    return user.role in EDITOR_ROLES


def campaign_visible(user: User, campaign: Campaign) -> bool:
    """Launched by the user's unit, a unit above it, or a unit below it."""
    return user.unit.is_within(campaign.unit) or campaign.unit.is_within(user.unit)


def visible_campaigns_query(user: User):
    unit = user.unit
    return (
        select(Campaign)
        .join(Campaign.unit)
        .where(
            or_(
                Campaign.unit_id.in_(unit.ancestor_ids()),
                Unit.path.startswith(unit.path, autoescape=True),
            )
        )
    )


def get_campaign_or_404(campaign_id: int, need: str = "see") -> Campaign:
    """The campaign, if the current user may `need` ("see" or "edit") it.

    Editing a campaign's own settings belongs to the organisers of the unit that launched it.
    """
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not campaign_visible(current_user, campaign):
        abort(404)
    if need == "edit" and not (
        can_edit_schedule(current_user) and campaign.unit.is_within(current_user.unit)
    ):
        abort(403)
    if need == "add_events" and not can_edit_schedule(current_user):
        abort(403)
    return campaign


def get_event_or_404(event_id: int, need: str = "see") -> Event:
    """The event, if hosted in the current user's subtree; "edit" needs an organiser role."""
    event = db.session.get(Event, event_id)
    if event is None or not event.unit.is_within(current_user.unit):
        abort(404)
    if need == "edit" and not can_edit_schedule(current_user):
        abort(403)
    return event

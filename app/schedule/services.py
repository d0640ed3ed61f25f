"""Rules for campaigns (events and run-sheets come with the schedule issue)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.schedule.models import Campaign
from app.units.models import Unit


def campaigns_visible_to(unit: Unit) -> list[Campaign]:
    """Campaigns launched by the unit itself or any unit above it, newest first."""
    return list(
        db.session.scalars(
            select(Campaign)
            .options(joinedload(Campaign.unit))
            .where(Campaign.unit_id.in_(unit.ancestor_ids()))
            .order_by(Campaign.start_date.desc(), Campaign.id.desc())
        )
    )

"""When a report is due, and whether it is late.

The campaign has one deadline (the launching unit's). A unit may ask the units directly below
it for an earlier date, so that it has time to add their figures up before its own report is
due: a district asks its schools for the 10th when the province wants the district's on the
15th. A unit's report is due on the date its parent unit set, else on the campaign's deadline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.i18n import format_date
from app.reports.models import Report, ReportDeadline
from app.schedule.models import Campaign
from app.units.models import Unit, User

_CAMPAIGN = object()  #: deadline_for's default: the campaign's own deadline


class DeadlineError(ValueError):
    """A deadline that cannot be set; the message is for the user."""


def local_today() -> dt.date:
    return dt.datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


@dataclass
class Deadline:
    date: dt.date | None
    days_left: int | None  #: negative once passed; None without a deadline
    late: bool  #: submitted after the deadline, or not submitted and the deadline has passed


def deadline_for(
    campaign: Campaign, report: Report | None, today: dt.date | None = None, *, due=_CAMPAIGN
) -> Deadline:
    """The report's deadline (`due`: the unit's due date; by default the campaign's) and
    whether it is late."""
    if due is _CAMPAIGN:
        due = campaign.report_deadline
    if due is None:
        return Deadline(None, None, False)
    today = today or local_today()
    submitted = report is not None and report.status.is_locked and report.submitted_at
    if submitted:
        submitted_on = (
            report.submitted_at.replace(tzinfo=dt.UTC)
            .astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
            .date()
        )
        return Deadline(due, (due - today).days, submitted_on > due)
    return Deadline(due, (due - today).days, today > due)


def deadline_below(campaign: Campaign, unit: Unit) -> dt.date | None:
    """The date `unit` asked the units directly below it to report by; None: not set."""
    return db.session.scalar(
        select(ReportDeadline.due).where(
            ReportDeadline.campaign_id == campaign.id, ReportDeadline.unit_id == unit.id
        )
    )


def dates_set_below(campaign: Campaign, setters: set[int]) -> dict[int, dt.date]:
    """For each unit among `setters` that set one: the date it asked its units below for."""
    if not setters:
        return {}
    rows = db.session.execute(
        select(ReportDeadline.unit_id, ReportDeadline.due).where(
            ReportDeadline.campaign_id == campaign.id, ReportDeadline.unit_id.in_(setters)
        )
    )
    return {unit_id: due for unit_id, due in rows}


def due_dates(owners: dict[Campaign, Unit]) -> dict[int, dt.date | None]:
    """For each campaign, when its unit's report is due (as `due_date`), in one query."""
    setters = {owner.parent_id for owner in owners.values() if owner.parent_id is not None}
    asked = {}
    if setters:
        asked = {
            (campaign_id, unit_id): due
            for campaign_id, unit_id, due in db.session.execute(
                select(
                    ReportDeadline.campaign_id, ReportDeadline.unit_id, ReportDeadline.due
                ).where(
                    ReportDeadline.campaign_id.in_([campaign.id for campaign in owners]),
                    ReportDeadline.unit_id.in_(setters),
                )
            )
        }
    return {
        campaign.id: asked.get((campaign.id, owner.parent_id), campaign.report_deadline)
        for campaign, owner in owners.items()
    }


def due_date(campaign: Campaign, unit: Unit) -> dt.date | None:
    """When `unit`'s report is due: the date its parent unit set, else the campaign's."""
    if unit.parent_id is not None:
        asked = dates_set_below(campaign, {unit.parent_id}).get(unit.parent_id)
        if asked is not None:
            return asked
    return campaign.report_deadline


def set_deadline_below(
    campaign: Campaign, unit: Unit, due: dt.date | None, user: User
) -> ReportDeadline | None:
    """Ask the units directly below `unit` to report by `due` (None: they follow the campaign's
    deadline again). It cannot be after the unit's own due date nor before the week starts.
    The caller commits."""
    row = db.session.scalar(
        select(ReportDeadline).where(
            ReportDeadline.campaign_id == campaign.id, ReportDeadline.unit_id == unit.id
        )
    )
    if due is None:
        if row is not None:
            db.session.delete(row)
        return None
    own = due_date(campaign, unit)
    if own is not None and due > own:
        raise DeadlineError(
            _(
                "The units below must report by %(date)s at the latest: your own report is due "
                "then.",
                date=format_date(own),
            )
        )
    if due < campaign.start_date:
        raise DeadlineError(
            _(
                "The deadline cannot be before the week starts (%(date)s).",
                date=format_date(campaign.start_date),
            )
        )
    if row is None:
        row = ReportDeadline(campaign_id=campaign.id, unit_id=unit.id, due=due)
        db.session.add(row)
    row.due = due
    row.set_by_id = user.id
    return row

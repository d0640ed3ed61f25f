"""Reuse: last year's campaign, or one event with its run-sheet, copied into a new campaign.

Dates move by the difference between the two weeks' first days; times, numbers, venues, hosts,
partners and notes are kept as they were. A shifted date that falls outside the new week is kept
too: the schedule's warnings point it out, nothing is changed behind the organiser's back.
Nothing is committed here: the route commits once.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import contains_eager, selectinload

from app.extensions import db
from app.reports.default_template import default_template
from app.reports.models import ReportRow
from app.schedule.models import Campaign, Event, ProgramItem
from app.schedule.services import ScheduleError, category_rows
from app.units.models import Unit


def copy_campaign(
    source: Campaign,
    *,
    unit: Unit,
    name: str,
    year: int,
    start_date: dt.date,
    end_date: dt.date,
    report_deadline: dt.date | None,
    within: Unit,
    theme: str | None = None,
    slogans: str | None = None,
) -> Campaign:
    """A new campaign launched by `unit`, like `source` (theme, slogans and report template
    unless given), with the events of `source` hosted in `within`'s subtree and their
    run-sheets, moved to the new week."""
    if end_date < start_date:
        raise ScheduleError(_("The week cannot end before it starts."))
    campaign = Campaign(
        unit=unit,
        name=name.strip(),
        year=year,
        theme=(source.theme if theme is None else theme).strip(),
        slogans=(source.slogans if slogans is None else slogans).strip(),
        start_date=start_date,
        end_date=end_date,
        report_deadline=report_deadline,
        report_template=source.report_template,
    )
    db.session.add(campaign)
    days = start_date - source.start_date
    category = _category_mapper(campaign)
    for event in _events_to_copy(source, within):
        _copy(event, campaign, days, category)
    db.session.flush()
    return campaign


def copy_event(event: Event, target: Campaign) -> Event:
    """A copy of `event` and its run-sheet in `target` (or in its own campaign), its date moved
    by the difference between the two campaigns' first days."""
    days = target.start_date - event.campaign.start_date
    copy = _copy(event, target, days, _category_mapper(target))
    db.session.flush()
    return copy


def copied_counts(campaign: Campaign) -> tuple[int, int]:
    """How many events, and run-sheet rows in them, the campaign holds."""
    events, rows = db.session.execute(
        select(func.count(distinct(Event.id)), func.count(ProgramItem.id))
        .select_from(Event)
        .outerjoin(ProgramItem, ProgramItem.event_id == Event.id)
        .where(Event.campaign_id == campaign.id, Event.archived_at.is_(None))
    ).one()
    return events, rows


def _events_to_copy(source: Campaign, within: Unit) -> list[Event]:
    """The source's events hosted in `within`'s subtree (archived ones stay behind), with what a
    copy reads loaded."""
    return list(
        db.session.scalars(
            select(Event)
            .join(Event.unit)
            .options(
                contains_eager(Event.unit),
                selectinload(Event.program),
                selectinload(Event.report_row),
            )
            .where(Event.campaign_id == source.id, Event.archived_at.is_(None))
            .where(Unit.path.startswith(within.path, autoescape=True))
            .order_by(Event.id)  # the copies keep the source's order among equal rows
        )
    )


def _copy(event: Event, campaign: Campaign, days: dt.timedelta, category: Callable) -> Event:
    copy = Event(
        campaign=campaign,
        unit=event.unit,
        kind=event.kind,
        title=event.title,
        content=event.content,
        co_host=event.co_host,
        date=event.date + days,
        start_time=event.start_time,
        end_time=event.end_time,
        venue_name=event.venue_name,
        venue_address=event.venue_address,
        format=event.format,
        report_row=category(event.report_row),
        expected_attendance=event.expected_attendance,
        notes=event.notes,
        number=event.number,
        program=[
            ProgramItem(
                position=item.position,
                start_time=item.start_time,
                end_time=item.end_time,
                content=item.content,
                performer=item.performer,
            )
            for item in sorted(event.program, key=lambda i: i.position)
        ],
    )
    db.session.add(copy)
    return copy


def _label_key(label: str) -> str:
    return " ".join(unicodedata.normalize("NFC", label).casefold().split())


def _category_mapper(target: Campaign) -> Callable[[ReportRow | None], ReportRow | None]:
    """Where an event's report category goes in `target`: the same row when `target` uses the
    same template, else the category with the same label in its template, else none."""
    template = target.report_template or default_template()
    by_label: dict[str, ReportRow] = {}
    for row in category_rows(target):
        by_label.setdefault(_label_key(row.label), row)

    def mapped(row: ReportRow | None) -> ReportRow | None:
        if row is None:
            return None
        if row.template_id == template.id:
            return row
        return by_label.get(_label_key(row.label))

    return mapped

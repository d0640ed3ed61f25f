"""Rules and writes for campaigns, events and run-sheets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from app.audit.services import note as audit_note
from app.checkin.models import CheckIn, Headcount
from app.clock import utcnow
from app.extensions import db
from app.reports.default_template import default_template
from app.reports.models import Report, ReportRow, ReportTemplate
from app.reports.template_import import label_key
from app.schedule.models import Campaign, Event, EventFormat, EventKind, ProgramItem
from app.units.models import Unit


class ScheduleError(ValueError):
    """A change the rules refuse; the message is shown to the user."""


# --- campaigns ---------------------------------------------------------------------------


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


@dataclass
class CampaignData:
    name: str
    year: int
    theme: str
    slogans: str
    start_date: dt.date
    end_date: dt.date
    report_deadline: dt.date | None


def save_campaign(campaign: Campaign | None, unit: Unit, data: CampaignData) -> Campaign:
    """Create (campaign None) or update a campaign launched by `unit`."""
    if data.end_date < data.start_date:
        raise ScheduleError(_("The week cannot end before it starts."))
    if campaign is None:
        campaign = Campaign(unit=unit, report_template=default_template())
        db.session.add(campaign)
    campaign.name = data.name.strip()
    campaign.year = data.year
    campaign.theme = data.theme.strip()
    campaign.slogans = data.slogans.strip()
    campaign.start_date = data.start_date
    campaign.end_date = data.end_date
    campaign.report_deadline = data.report_deadline
    db.session.flush()
    return campaign


def category_rows(campaign: Campaign) -> list[ReportRow]:
    """The template rows an event of this campaign can be filed under, in template order."""
    template = campaign.report_template or default_template()
    return [row for row in template.rows if row.is_category]


# --- events ------------------------------------------------------------------------------


@dataclass
class EventData:
    kind: EventKind
    title: str
    unit: Unit
    date: dt.date
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    content: str = ""
    co_host: str = ""
    venue_name: str = ""
    venue_address: str = ""
    format: EventFormat = EventFormat.IN_PERSON
    report_row: ReportRow | None = None
    expected_attendance: int | None = None
    notes: str = ""
    number: str = ""


def _check_times(start: dt.time | None, end: dt.time | None) -> None:
    if start is not None and end is not None and end <= start:
        raise ScheduleError(_("The end time must be after the start time."))
    if start is None and end is not None:
        raise ScheduleError(_("An end time needs a start time."))


def save_event(event: Event | None, campaign: Campaign, data: EventData) -> Event:
    """Create (event None) or update an event of the campaign."""
    _check_times(data.start_time, data.end_time)
    if data.report_row is not None and data.report_row not in category_rows(campaign):
        raise ScheduleError(_("This category is not part of the campaign's report template."))
    if event is None:
        event = Event(campaign=campaign)
        db.session.add(event)
    event.kind = data.kind
    event.title = data.title.strip()
    event.unit = data.unit
    event.date = data.date
    event.start_time = data.start_time
    event.end_time = data.end_time
    event.content = data.content.strip()
    event.co_host = data.co_host.strip()
    event.venue_name = data.venue_name.strip()
    event.venue_address = data.venue_address.strip()
    event.format = data.format
    event.report_row = data.report_row
    event.expected_attendance = data.expected_attendance
    event.notes = data.notes.strip()
    event.number = data.number.strip()
    db.session.flush()
    return event


@dataclass
class Holdings:
    """What an event holds that deleting it would destroy."""

    check_ins: int = 0  #: check-ins that count
    headcounts: int = 0  #: tallies that count
    history: int = 0  #: check-ins undone and tallies removed, kept for the record

    @property
    def any(self) -> bool:
        return bool(self.check_ins or self.headcounts or self.history)

    def describe(self) -> str:
        """ "This event has 35 check-ins and 2 headcount lists; …" for the confirmation."""
        if self.check_ins or self.headcounts:
            return _(
                "This event has %(checkins)s and %(headcounts)s; it will be archived instead "
                "of deleted: it leaves the schedule and the lists, and its attendance still "
                "counts in totals and reports.",
                checkins=ngettext("%(num)d check-in", "%(num)d check-ins", self.check_ins),
                headcounts=ngettext(
                    "%(num)d headcount list", "%(num)d headcount lists", self.headcounts
                ),
            )
        return _(
            "This event keeps the history of check-ins or headcounts that were undone; it will "
            "be archived instead of deleted."
        )


def event_holdings(event: Event) -> Holdings:
    """Check-ins and tallies of the event, counted in one query."""
    checkins = select(func.count(CheckIn.id)).where(CheckIn.event_id == event.id)
    tallies = select(func.count(Headcount.id)).where(Headcount.event_id == event.id)
    live, undone, counted, removed = db.session.execute(
        select(
            checkins.where(CheckIn.undone_at.is_(None)).scalar_subquery(),
            checkins.where(CheckIn.undone_at.is_not(None)).scalar_subquery(),
            tallies.where(Headcount.removed_at.is_(None)).scalar_subquery(),
            tallies.where(Headcount.removed_at.is_not(None)).scalar_subquery(),
        )
    ).one()
    return Holdings(check_ins=live, headcounts=counted, history=undone + removed)


def delete_event(event: Event) -> Holdings:
    """Remove an event and its run-sheet; an event holding check-ins or tallies is archived
    instead, so its attendance still counts. Returns what it held (nothing: it was deleted)."""
    holdings = event_holdings(event)
    if holdings.any:
        if event.archived_at is None:
            audit_note(event, holdings.describe())
            event.archived_at = utcnow()
    else:
        db.session.delete(event)
    return holdings


def restore_event(event: Event) -> None:
    """Bring an archived event back into the schedule and the lists."""
    event.archived_at = None


def archived_events(campaign: Campaign, within: Unit) -> list[Event]:
    """The campaign's archived events hosted in `within`'s subtree, last archived first."""
    return list(
        db.session.scalars(
            select(Event)
            .join(Event.unit)
            .options(joinedload(Event.unit))
            .where(
                Event.campaign_id == campaign.id,
                Event.archived_at.is_not(None),
                Unit.path.startswith(within.path, autoescape=True),
            )
            .order_by(Event.archived_at.desc(), Event.id)
        )
    )


def events_of(campaign: Campaign, within: Unit, *, unit: Unit | None = None, row_id=None):
    """The campaign's events hosted in `within`'s subtree (optionally one unit's subtree or one
    category), by date and time, with what the schedule page shows loaded in the same query.
    Archived events are left out."""
    scope = unit if unit is not None and unit.is_within(within) else within
    query = (
        select(Event)
        .join(Event.unit)
        .options(joinedload(Event.unit), joinedload(Event.report_row))
        .where(Event.campaign_id == campaign.id, Event.archived_at.is_(None))
        .where(Unit.path.startswith(scope.path, autoescape=True))
    )
    if row_id:
        query = query.where(Event.report_row_id == row_id)
    events = db.session.scalars(query).all()
    return sorted(events, key=_schedule_order)


def _schedule_order(event: Event):
    return (event.date, event.start_time or dt.time(0, 0), _number_key(event.number), event.id)


def _number_key(number: str):
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    digits = "".join(ch for ch in number if ch.isdecimal())
    return (int(digits) if digits else 10**6, number)


def group_by_day(events: list[Event]) -> list[tuple[dt.date, list[Event]]]:
    days: dict[dt.date, list[Event]] = {}
    for event in events:
        days.setdefault(event.date, []).append(event)
    return list(days.items())


# --- run-sheets --------------------------------------------------------------------------


@dataclass
class ItemData:
    content: str
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    performer: str = ""


def _renumber(event: Event) -> None:
    for index, item in enumerate(sorted(event.program, key=lambda i: i.position), start=1):
        item.position = index


def add_item(event: Event, data: ItemData, after: ProgramItem | None = None) -> ProgramItem:
    """Add a run-sheet row at the end, or right after `after`."""
    _check_times(data.start_time, data.end_time)
    items = sorted(event.program, key=lambda i: i.position)
    position = (after.position + 1) if after is not None else len(items) + 1
    for item in items:
        if item.position >= position:
            item.position += 1
    item = ProgramItem(
        position=position,
        content=data.content.strip(),
        start_time=data.start_time,
        end_time=data.end_time,
        performer=data.performer.strip(),
    )
    event.program.append(item)
    db.session.flush()
    _renumber(event)
    return item


def update_item(item: ProgramItem, data: ItemData) -> ProgramItem:
    _check_times(data.start_time, data.end_time)
    item.content = data.content.strip()
    item.start_time = data.start_time
    item.end_time = data.end_time
    item.performer = data.performer.strip()
    return item


def delete_item(item: ProgramItem) -> None:
    event = item.event
    event.program.remove(item)
    db.session.delete(item)
    _renumber(event)


def move_item(item: ProgramItem, offset: int) -> None:
    """Move a row up (-1) or down (+1); the first row stays first when moved up."""
    order = sorted(item.event.program, key=lambda i: i.position)
    index = order.index(item)
    target = max(0, min(len(order) - 1, index + offset))
    order.insert(target, order.pop(index))
    for position, row in enumerate(order, start=1):
        row.position = position


def reorder_items(event: Event, item_ids: list[int]) -> None:
    """Put the run-sheet in the order given (drag and drop); the ids must be exactly its rows."""
    by_id = {item.id: item for item in event.program}
    if sorted(item_ids) != sorted(by_id):
        raise ScheduleError(_("The run-sheet changed meanwhile; reload the page and try again."))
    for position, item_id in enumerate(item_ids, start=1):
        by_id[item_id].position = position


def _shifted(value: dt.time | None, minutes: int) -> dt.time | None:
    if value is None:
        return None
    moment = dt.datetime.combine(dt.date(2000, 1, 1), value) + dt.timedelta(minutes=minutes)
    if moment.date() != dt.date(2000, 1, 1):
        raise ScheduleError(_("Shifting by %(minutes)d minutes leaves the day.", minutes=minutes))
    return moment.time()


def shift_from(item: ProgramItem, minutes: int) -> int:
    """Shift this row and every row after it by `minutes` (negative: earlier).

    All or nothing: if one time would leave the day, nothing moves. Returns rows shifted.
    """
    rows = [i for i in item.event.program if i.position >= item.position]
    new_times = [
        (row, _shifted(row.start_time, minutes), _shifted(row.end_time, minutes)) for row in rows
    ]
    for row, start, end in new_times:
        row.start_time, row.end_time = start, end
    return len(rows)


def switch_report_template(campaign: Campaign, template: ReportTemplate) -> int:
    """Give the campaign another statistics template. Each event's category moves to the
    category with the same text in the new template; returns how many events moved.

    All or nothing: if an event's category has no match, or results reports already hold
    figures on the current template's rows, ScheduleError says so and nothing changes.
    """
    if campaign.report_template is not None and campaign.report_template.id == template.id:
        return 0
    targets: dict[str, ReportRow] = {}
    for row in template.rows:
        if row.is_category:
            targets.setdefault(label_key(row.label), row)
    events = db.session.scalars(
        select(Event)
        .options(joinedload(Event.report_row))
        .where(Event.campaign_id == campaign.id, Event.report_row_id.is_not(None))
        .order_by(Event.id)
    ).all()
    moves: list[tuple[Event, ReportRow]] = []
    unmatched: dict[str, int] = {}
    for event in events:
        if event.report_row.template_id == template.id:
            continue
        row = targets.get(label_key(event.report_row.label))
        if row is None:
            unmatched[event.report_row.label] = unmatched.get(event.report_row.label, 0) + 1
        else:
            moves.append((event, row))
    if unmatched:
        raise ScheduleError(
            ngettext(
                "%(num)d event is filed under a category that “%(template)s” does not have: "
                "%(categories)s. Give it another category first, or choose another template.",
                "%(num)d events are filed under categories that “%(template)s” does not have: "
                "%(categories)s. Give them other categories first, or choose another template.",
                sum(unmatched.values()),
                template=template.name,
                categories="; ".join(f"“{label}”" for label in unmatched),
            )
        )
    if campaign.id is not None:
        started = db.session.scalar(
            select(func.count(Report.id)).where(
                Report.campaign_id == campaign.id,
                or_(Report.entries.any(), Report.figures.any()),
            )
        )
        if started:
            raise ScheduleError(
                ngettext(
                    "%(num)d results report of this campaign already holds figures on the rows "
                    "of its template, which therefore can no longer be changed.",
                    "%(num)d results reports of this campaign already hold figures on the rows "
                    "of its template, which therefore can no longer be changed.",
                    started,
                )
            )
    for event, row in moves:
        event.report_row = row
    campaign.report_template = template
    db.session.flush()
    return len(moves)

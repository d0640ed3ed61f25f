"""The report officers' dashboard: a unit's live totals per category, per day and per unit
below, and which units below have submitted their report.

The figures are live from the check-ins (the counting rules of app/reports/figures.py) over
the events of the unit's whole subtree, whatever the state of each unit's report: the
dashboard watches the week's progress. The report page's roll-up adds submitted (frozen)
figures instead, and typed-over values; the two may differ, and the page says so.

Who has reported follows the roll-up (figures.coverage): a unit whose report is submitted
stands for its whole subtree, so the units under it are not listed again.

A constant number of grouped queries, whatever the number of units, events and check-ins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.extensions import db
from app.reports.deadlines import Deadline, dates_set_below, deadline_for, due_date, local_today
from app.reports.figures import (
    SUBMITTED_STATES,
    UnitStatus,
    campaign_template,
    coverage,
    held_events,
    template_rows,
)
from app.reports.models import Report, ReportRow, ReportStatus
from app.schedule.models import Campaign
from app.units.models import Unit

#: Width of a bar in a table cell, in percent of the largest figure; a figure above zero
#: never draws an invisible bar.
MIN_SHARE = 1.0


@dataclass
class Figures:
    """Events that took place and the persons who attended them."""

    events: int = 0
    persons: int = 0

    def add(self, events: int, persons: int) -> None:
        self.events += events
        self.persons += persons


@dataclass
class CategoryLine:
    """A template row that events are filed under; row None: events without a category."""

    row: ReportRow | None
    figures: Figures
    share: float = 0.0  #: persons, in percent of the largest category's
    #: A section title printed above its categories, without figures of its own.
    heading: bool = False


@dataclass
class DayLine:
    date: dt.date
    figures: Figures
    #: The date lies outside the campaign's dates (the seeds hold a ceremony the day before).
    outside: bool = False


@dataclass
class UnitLine:
    """The unit's own events, or a unit directly below with its whole subtree."""

    unit_id: int
    name: str
    own: bool
    figures: Figures
    status: ReportStatus | None = None  #: None: no report started
    submitted_at: dt.datetime | None = None  #: aware (UTC)
    late: bool = False
    share: float = 0.0


@dataclass
class DayBar:
    date: dt.date
    persons: int
    events: int
    x: int
    y: int
    height: int


@dataclass
class DayChart:
    """Persons per day as vertical bars, drawn in an SVG by the template."""

    bars: list[DayBar]
    width: int
    height: int
    base: int  #: y of the axis
    bar_width: int
    top: int  #: the largest figure, written beside the axis
    top_y: int  #: where it is written


@dataclass
class Dashboard:
    campaign: Campaign
    unit: Unit
    report: Report | None
    deadline: Deadline
    totals: Figures
    categories: list[CategoryLine]
    days: list[DayLine]
    day_chart: DayChart | None
    units: list[UnitLine]
    #: Units below as the roll-up lists them (figures.UnitStatus), in tree order.
    below: list[UnitStatus] = field(default_factory=list)

    @property
    def submitted_at(self) -> dt.datetime | None:
        """When the unit's own report was submitted, if it is now submitted or accepted."""
        if self.report is None or self.report.status not in SUBMITTED_STATES:
            return None
        return _aware(self.report.submitted_at)

    @property
    def missing(self) -> list[UnitStatus]:
        return [u for u in self.below if u.status not in SUBMITTED_STATES]

    @property
    def submitted_count(self) -> int:
        return len(self.below) - len(self.missing)


# --- the grouped queries ---------------------------------------------------------------------


def subtree_ids(unit: Unit):
    """The ids of the unit and every unit below it, as a subquery (one indexed prefix match)."""
    return select(Unit.id).where(Unit.path.startswith(unit.path, autoescape=True))


@dataclass
class FigureGroups:
    """Events held and persons over a subtree, added up by category, by day and by unit."""

    by_row: dict[int | None, Figures] = field(default_factory=dict)
    by_date: dict[dt.date, Figures] = field(default_factory=dict)
    by_unit: dict[int, Figures] = field(default_factory=dict)


def figure_groups(campaign: Campaign, unit: Unit) -> FigureGroups:
    """Events held and persons over the unit's subtree, by category, day and unit.

    One grouped query by (category, day, unit), a few rows per unit, added up here three ways:
    the subtree's check-ins are read once, not once for each view."""
    held = held_events(campaign.id, subtree_ids(unit))
    result = db.session.execute(
        select(
            held.c.row_id,
            held.c.date,
            held.c.unit_id,
            func.count(held.c.event_id),
            func.sum(held.c.persons),
        ).group_by(held.c.row_id, held.c.date, held.c.unit_id)
    )
    groups = FigureGroups()
    for row_id, date, unit_id, n, persons in result:
        events, persons = int(n), int(persons or 0)
        for by, key in ((groups.by_row, row_id), (groups.by_date, date), (groups.by_unit, unit_id)):
            by.setdefault(key, Figures()).add(events, persons)
    return groups


# --- the dashboard ---------------------------------------------------------------------------


def build_dashboard(
    campaign: Campaign, unit: Unit, report: Report | None, today: dt.date | None = None
) -> Dashboard:
    """Everything the dashboard shows for the unit, live from the database."""
    today = today or local_today()
    cover = coverage(campaign, unit, include_drafts=False)
    groups = figure_groups(campaign, unit)

    totals = Figures()
    for figures in groups.by_row.values():
        totals.add(figures.events, figures.persons)

    days = day_lines(campaign, groups.by_date)
    return Dashboard(
        campaign=campaign,
        unit=unit,
        report=report,
        deadline=deadline_for(campaign, report, today, due=due_date(campaign, unit)),
        totals=totals,
        categories=category_lines(template_rows(campaign_template(campaign)), groups.by_row),
        days=days,
        day_chart=day_chart(days),
        units=unit_lines(campaign, unit, cover.units, cover.units_below, groups.by_unit, today),
        below=cover.units_below,
    )


def category_lines(rows: list[ReportRow], by_row: dict[int | None, Figures]) -> list:
    """The template's categories in its order, under the titles of their sections; events
    filed under no category (or under a row that is not one) come last, so the lines add up
    to the totals."""
    sections = {row.parent_id for row in rows if row.is_category and row.parent_id is not None}
    lines = []
    for row in rows:
        if row.is_category:
            lines.append(CategoryLine(row, by_row.get(row.id, Figures())))
        elif row.id in sections:
            lines.append(CategoryLine(row, Figures(), heading=True))
    listed = {line.row.id for line in lines if not line.heading}
    rest = Figures()
    for row_id, figures in by_row.items():
        if row_id not in listed:
            rest.add(figures.events, figures.persons)
    if rest.events:
        lines.append(CategoryLine(None, rest))
    _share(lines)
    return lines


def day_lines(campaign: Campaign, by_date: dict[dt.date, Figures]) -> list[DayLine]:
    """Every day of the campaign, and any other day an event took place, in order."""
    dates = set(by_date)
    day = campaign.start_date
    while day <= campaign.end_date:
        dates.add(day)
        day += dt.timedelta(days=1)
    return [
        DayLine(
            day,
            by_date.get(day, Figures()),
            outside=not campaign.start_date <= day <= campaign.end_date,
        )
        for day in sorted(dates)
    ]


def day_chart(days: list[DayLine]) -> DayChart | None:
    """Persons per day as bars; None while no event has taken place."""
    if not any(day.figures.events for day in days):
        return None
    bar_width, gap, plot, base, left = 34, 10, 110, 130, 44
    top = max(day.figures.persons for day in days)
    bars = []
    for i, day in enumerate(days):
        height = round(plot * day.figures.persons / top) if top else 0
        if day.figures.persons and height < 1:
            height = 1
        bars.append(
            DayBar(
                date=day.date,
                persons=day.figures.persons,
                events=day.figures.events,
                x=left + i * (bar_width + gap),
                y=base - height,
                height=height,
            )
        )
    width = left + len(days) * (bar_width + gap) + 4
    return DayChart(bars, width, base + 34, base, bar_width, top, base - plot + 4)


def unit_lines(
    campaign: Campaign,
    unit: Unit,
    units: dict[int, tuple],
    below: list[UnitStatus],
    by_unit: dict[int, Figures],
    today: dt.date,
) -> list[UnitLine]:
    """The unit's own events, then each unit directly below with the events of its subtree,
    its report's status and whether it is late."""
    own = UnitLine(unit.id, unit.name, True, by_unit.get(unit.id, Figures()))
    children = [status for status in below if status.depth == 1]
    # The units directly below are due on the date this unit asked for, else the campaign's.
    due = dates_set_below(campaign, {unit.id}).get(unit.id, campaign.report_deadline)
    lines = {
        status.unit_id: UnitLine(
            status.unit_id,
            status.name,
            False,
            Figures(),
            status.status,
            _aware(status.submitted_at),
            _late(campaign, status, today, due),
        )
        for status in children
    }
    for unit_id, figures in by_unit.items():
        if unit_id == unit.id:
            continue
        child = _child_of(unit.id, unit_id, units)
        if child in lines:
            lines[child].figures.add(figures.events, figures.persons)
    result = [own, *(lines[status.unit_id] for status in children)]
    _share(result)
    return result


def _child_of(top_id: int, unit_id: int, units: dict[int, tuple]) -> int | None:
    """The unit directly below `top_id` on the way down to `unit_id`."""
    while unit_id in units:
        parent_id = units[unit_id][1]
        if parent_id == top_id:
            return unit_id
        unit_id = parent_id
    return None


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored (naive UTC) moment, marked UTC so the `datetime` filter shows local time."""
    return None if moment is None else moment.replace(tzinfo=dt.UTC)


def _late(campaign: Campaign, status: UnitStatus, today: dt.date, due: dt.date | None) -> bool:
    """The deadline rule of services.deadline_for, on the unit's report as the roll-up saw it."""
    report = None
    if status.status is not None:
        # Not added to the session: only its state and submission time are read.
        report = Report(status=status.status, submitted_at=status.submitted_at)
    return deadline_for(campaign, report, today, due=due).late


def _share(lines: list) -> None:
    """Each line's persons as a bar length, in percent of the largest."""
    top = max((line.figures.persons for line in lines), default=0)
    for line in lines:
        persons = line.figures.persons
        line.share = max(MIN_SHARE, round(100 * persons / top, 1)) if persons and top else 0.0

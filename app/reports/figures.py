"""The statistics table of a unit's report: every figure derived by aggregation in the database.

Counting rules (PRODUCT.md, "How attendance feeds the report"):

- persons of an event = distinct people checked in (not undone) + headcount tallies (not removed);
- an event took place when it has a check-in or a tally, or the organiser marked it held; it
  then counts once in its category's row, and its persons are added to that row;
- "units that held an opening ceremony" counts the units (the unit itself included) of the
  row's kind whose opening ceremony took place;
- typed rows hold what the report officer typed;
- a "Tổng số … trong đó" row adds the rows after it in its section; a section adds its rows when
  they share a unit of measure (a sum of "tập thể" and "quyển" would mean nothing), and a section
  that is itself a category (the opening ceremony) shows its own events.

Roll-up: a unit's table adds its own events and typed figures to the figures frozen in the
submitted (or accepted) reports of the units below it. A unit below that has not submitted is
listed as missing; the units under it that did submit still count. The preview "with drafts"
counts the missing units' own events and typed figures as they stand.

Everything is a handful of grouped queries whatever the number of units, events and check-ins.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import exists, func, or_, select, union_all

from app.checkin.models import CheckIn, Headcount
from app.extensions import db
from app.reports.default_template import default_template
from app.reports.models import (
    Report,
    ReportEntry,
    ReportFigure,
    ReportRow,
    ReportStatus,
    ReportTemplate,
    RowSource,
)
from app.schedule.models import Campaign, Event, EventKind
from app.units.models import EDUCATION_INSTITUTIONS, Unit, UnitKind

#: Unit kinds counted by an "opening ceremony" row, by its unit_filter.
OPENING_UNIT_KINDS = {
    "district": frozenset({UnitKind.DISTRICT_OFFICE, UnitKind.DISTRICT_COMMITTEE}),
    "education": EDUCATION_INSTITUTIONS,
}

#: Rows whose figures are added up by parents (sums and sections are recomputed).
LEAF_SOURCES = (RowSource.EVENTS, RowSource.OPENING_UNITS, RowSource.TYPED)
#: Rows whose figures come from the database and may be typed over.
DERIVED_SOURCES = (RowSource.EVENTS, RowSource.OPENING_UNITS)


@dataclass
class Pair:
    """The two figure columns: "Số lớp / số cuộc" and "Người". None prints as an empty cell."""

    count: int | None = None
    persons: int | None = None

    def __add__(self, other: Pair) -> Pair:
        return Pair(_add(self.count, other.count), _add(self.persons, other.persons))

    @property
    def is_empty(self) -> bool:
        return self.count is None and self.persons is None


def _add(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


@dataclass
class TableRow:
    """One printed row with its figures and where they came from."""

    row: ReportRow
    level: int  #: 0 for a section, 1 for a row inside it
    value: Pair = field(default_factory=Pair)
    #: What the database gives, shown beside a typed-over value.
    derived: Pair | None = None
    count_overridden: bool = False
    persons_overridden: bool = False
    note: str = ""
    #: What this unit's report officer typed on the row (a typed figure or an override).
    typed: Pair = field(default_factory=Pair)
    #: Typed rows of a unit with units below: the part that comes from them.
    below: Pair | None = None

    @property
    def editable(self) -> bool:
        """The report officer may type on this row (typed figures or overrides)."""
        return self.row.source in LEAF_SOURCES

    @property
    def overridden(self) -> bool:
        return self.count_overridden or self.persons_overridden


@dataclass
class UnitStatus:
    """A unit below in the roll-up, and whether its figures are in."""

    unit_id: int
    name: str
    depth: int
    status: ReportStatus | None  #: None: no report started
    counted: str  #: "submitted" (frozen figures), "draft" (preview) or "missing"
    submitted_at: object = None


@dataclass
class ReportTable:
    template: ReportTemplate
    rows: list[TableRow]
    units_below: list[UnitStatus]
    include_drafts: bool
    #: Figures as frozen at submission (not recomputed).
    frozen: bool = False

    @property
    def missing(self) -> list[UnitStatus]:
        return [u for u in self.units_below if u.status not in SUBMITTED_STATES]

    def by_label(self, label: str) -> TableRow:
        """The row with this label (for tests and the dashboard)."""
        for table_row in self.rows:
            if table_row.row.label == label:
                return table_row
        raise KeyError(label)


SUBMITTED_STATES = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)


def campaign_template(campaign: Campaign) -> ReportTemplate:
    return campaign.report_template or default_template()


def template_rows(template: ReportTemplate) -> list[ReportRow]:
    return list(
        db.session.scalars(
            select(ReportRow)
            .where(ReportRow.template_id == template.id)
            .order_by(ReportRow.position)
        )
    )


# --- the grouped queries ---------------------------------------------------------------------


def event_persons(campaign_id: int, unit_ids: list[int]):
    """(event_id, persons) for the campaign's events hosted by `unit_ids` that have a live
    check-in or tally: live check-ins + tallies, summed by the database."""
    events = select(Event.id).where(Event.campaign_id == campaign_id, Event.unit_id.in_(unit_ids))
    # count(*), not count(DISTINCT invitee_id) + walk-ins: the partial unique index
    # uq_check_in_event_invitee_live allows one live check-in per invitee and event, so both
    # give the same number, and DISTINCT made PostgreSQL sort every check-in of the subtree
    # (on disk at a province's million) instead of hashing one group per event.
    checked_in = (
        select(CheckIn.event_id.label("event_id"), func.count().label("persons"))
        .where(CheckIn.undone_at.is_(None), CheckIn.event_id.in_(events))
        .group_by(CheckIn.event_id)
    )
    tallied = (
        select(
            Headcount.event_id.label("event_id"),
            func.sum(Headcount.count).label("persons"),
        )
        .where(Headcount.removed_at.is_(None), Headcount.event_id.in_(events))
        .group_by(Headcount.event_id)
    )
    both = union_all(checked_in, tallied).subquery("attendance")
    return (
        select(both.c.event_id, func.sum(both.c.persons).label("persons"))
        .group_by(both.c.event_id)
        .subquery("event_persons")
    )


def held_events(campaign_id: int, unit_ids: list[int]):
    """The campaign's events of `unit_ids` that took place, with their persons (a subquery:
    event_id, unit_id, row_id, kind, date, persons)."""
    persons = event_persons(campaign_id, unit_ids)
    return (
        select(
            Event.id.label("event_id"),
            Event.unit_id.label("unit_id"),
            Event.report_row_id.label("row_id"),
            Event.kind.label("kind"),
            Event.date.label("date"),
            func.coalesce(persons.c.persons, 0).label("persons"),
        )
        .select_from(Event)
        .outerjoin(persons, persons.c.event_id == Event.id)
        .where(
            Event.campaign_id == campaign_id,
            Event.unit_id.in_(unit_ids),
            or_(Event.held.is_(True), persons.c.event_id.is_not(None)),
        )
        .subquery("held_events")
    )


def event_figures(campaign_id: int, unit_ids: list[int]) -> dict[int, Pair]:
    """Per template row: events that took place and their persons, over `unit_ids`' events."""
    if not unit_ids:
        return {}
    held = held_events(campaign_id, unit_ids)
    result = db.session.execute(
        select(held.c.row_id, func.count(held.c.event_id), func.sum(held.c.persons))
        .where(held.c.row_id.is_not(None))
        .group_by(held.c.row_id)
    )
    return {row_id: Pair(int(n), int(persons or 0)) for row_id, n, persons in result}


def units_with_opening(campaign_id: int, unit_ids: list[int]) -> set[int]:
    """Those of `unit_ids` whose opening ceremony took place."""
    if not unit_ids:
        return set()
    # Only the opening ceremonies, each with an index probe for a live check-in or tally:
    # not every event's persons over all the subtree's check-ins again (held_events).
    took_place = or_(
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
                took_place,
            )
            .distinct()
        )
    )


def typed_figures(report_ids: list[int]) -> dict[int, Pair]:
    """Per typed row: the sum of what these reports typed."""
    if not report_ids:
        return {}
    result = db.session.execute(
        select(
            ReportEntry.row_id,
            func.sum(ReportEntry.count_value),
            func.sum(ReportEntry.persons_value),
        )
        .join(ReportRow, ReportRow.id == ReportEntry.row_id)
        .where(ReportEntry.report_id.in_(report_ids), ReportRow.source == RowSource.TYPED)
        .group_by(ReportEntry.row_id)
    )
    return {row_id: Pair(_int(c), _int(p)) for row_id, c, p in result}


def frozen_figures(report_ids: list[int]) -> dict[int, Pair]:
    """Per leaf row: the sum of the figures frozen in these submitted reports."""
    if not report_ids:
        return {}
    result = db.session.execute(
        select(ReportFigure.row_id, func.sum(ReportFigure.count), func.sum(ReportFigure.persons))
        .join(ReportRow, ReportRow.id == ReportFigure.row_id)
        .where(ReportFigure.report_id.in_(report_ids), ReportRow.source.in_(LEAF_SOURCES))
        .group_by(ReportFigure.row_id)
    )
    return {row_id: Pair(_int(c), _int(p)) for row_id, c, p in result}


def _int(value) -> int | None:
    return None if value is None else int(value)


# --- who counts ------------------------------------------------------------------------------


@dataclass
class Coverage:
    """Which units count live (own events, typed figures) and which by frozen figures."""

    live_unit_ids: list[int]
    own_report_id: int | None
    live_report_ids: list[int]
    frozen_report_ids: list[int]
    units_below: list[UnitStatus]
    units: dict[int, tuple]  #: id → (kind, parent_id)


def coverage(campaign: Campaign, unit: Unit, include_drafts: bool) -> Coverage:
    subtree = db.session.execute(
        select(Unit.id, Unit.parent_id, Unit.kind, Unit.name, Unit.path)
        .where(Unit.path.startswith(unit.path, autoescape=True))
        .order_by(Unit.path)
    ).all()
    reports = {
        unit_id: (report_id, status, submitted_at)
        for report_id, unit_id, status, submitted_at in db.session.execute(
            select(Report.id, Report.unit_id, Report.status, Report.submitted_at).where(
                Report.campaign_id == campaign.id,
                Report.unit_id.in_([row.id for row in subtree]),
            )
        )
    }
    children: dict[int, list] = defaultdict(list)
    for row in subtree:
        children[row.parent_id].append(row)
    for siblings in children.values():
        siblings.sort(key=lambda row: row.name)

    live_units = [unit.id]
    own = reports.get(unit.id)
    live_reports = [own[0]] if own else []
    frozen_reports: list[int] = []
    below: list[UnitStatus] = []

    def visit(row, depth: int) -> None:
        report_id, status, submitted_at = reports.get(row.id, (None, None, None))
        if status in SUBMITTED_STATES:
            frozen_reports.append(report_id)
            below.append(UnitStatus(row.id, row.name, depth, status, "submitted", submitted_at))
            # Its frozen figures include everything below it; its units are not listed again.
            return
        below.append(
            UnitStatus(row.id, row.name, depth, status, "draft" if include_drafts else "missing")
        )
        if include_drafts:
            live_units.append(row.id)
            if report_id is not None:
                live_reports.append(report_id)
        for child in children.get(row.id, []):
            visit(child, depth + 1)

    for child in children.get(unit.id, []):
        visit(child, 1)
    return Coverage(
        live_units,
        own[0] if own else None,
        live_reports,
        frozen_reports,
        below,
        {row.id: (row.kind, row.parent_id) for row in subtree},
    )


# --- the table -------------------------------------------------------------------------------


def compute_table(campaign: Campaign, unit: Unit, *, include_drafts: bool = False) -> ReportTable:
    """The unit's statistics table for the campaign, live from the database."""
    template = campaign_template(campaign)
    rows = template_rows(template)
    cover = coverage(campaign, unit, include_drafts)

    events = event_figures(campaign.id, cover.live_unit_ids)
    opened = units_with_opening(campaign.id, cover.live_unit_ids)
    typed = typed_figures([i for i in cover.live_report_ids if i != cover.own_report_id])
    frozen = frozen_figures(cover.frozen_report_ids)
    own_entries = _entries(cover.own_report_id)

    table: list[TableRow] = []
    for row in rows:
        table_row = TableRow(row=row, level=0 if row.parent_id is None else 1)
        entry = own_entries.get(row.id)
        if entry is not None:
            table_row.note = entry.note
            table_row.typed = Pair(entry.count_value, entry.persons_value)
        if row.source == RowSource.EVENTS:
            derived = events.get(row.id, Pair(0, 0)) + frozen.get(row.id, Pair())
            _apply(table_row, derived, entry)
        elif row.source == RowSource.OPENING_UNITS:
            kinds = OPENING_UNIT_KINDS.get(row.unit_filter or "", frozenset())
            n = sum(1 for unit_id in opened if cover.units[unit_id][0] in kinds)
            derived = Pair(n, None) + Pair(frozen.get(row.id, Pair()).count, None)
            _apply(table_row, derived, entry)
        elif row.source == RowSource.TYPED:
            below = typed.get(row.id, Pair()) + frozen.get(row.id, Pair())
            table_row.below = below if cover.units_below else None
            table_row.value = table_row.typed + below
        table.append(table_row)

    _add_up(table, events)
    return ReportTable(template, table, cover.units_below, include_drafts)


def _entries(report_id: int | None) -> dict[int, ReportEntry]:
    if report_id is None:
        return {}
    return {
        entry.row_id: entry
        for entry in db.session.scalars(
            select(ReportEntry).where(ReportEntry.report_id == report_id)
        )
    }


def _apply(table_row: TableRow, derived: Pair, entry: ReportEntry | None) -> None:
    """A derived row: the database's figures, unless the report officer typed over them."""
    table_row.derived = derived
    table_row.value = Pair(derived.count, derived.persons)
    if entry is None:
        return
    if entry.count_value is not None and entry.count_value != derived.count:
        table_row.value.count = entry.count_value
        table_row.count_overridden = True
    if entry.persons_value is not None and entry.persons_value != derived.persons:
        table_row.value.persons = entry.persons_value
        table_row.persons_overridden = True


def measure_key(unit_of_measure: str) -> str:
    """ "số cuộc/người" → "số cuộc": what a row counts in its first column."""
    return re.split(r"[/,]", unit_of_measure.strip().lower(), maxsplit=1)[0].strip()


def _add_up(table: list[TableRow], events: dict[int, Pair]) -> None:
    """Fill "Tổng số … trong đó" rows and section rows from the rows below them."""
    by_section: dict[int, list[TableRow]] = defaultdict(list)
    for table_row in table:
        if table_row.row.parent_id is not None:
            by_section[table_row.row.parent_id].append(table_row)

    for section_rows in by_section.values():
        for index, table_row in enumerate(section_rows):
            if table_row.row.source != RowSource.SUM:
                continue
            total = Pair()
            for following in section_rows[index + 1 :]:
                if following.row.source == RowSource.SUM:
                    break
                total = total + following.value
            table_row.value = total

    for table_row in table:
        row = table_row.row
        if row.source != RowSource.HEADING:
            continue
        members = by_section.get(row.id, [])
        total = Pair()
        if row.is_category:
            # A section that is itself a category (the opening ceremony): its own events.
            total = total + events.get(row.id, Pair())
        parts = [m for m in members if m.row.source != RowSource.SUM]
        has_sum_row = any(m.row.source == RowSource.SUM for m in members)
        keys = {measure_key(m.row.unit_of_measure) for m in parts}
        if parts and not has_sum_row and len(keys) == 1:
            for member in parts:
                total = total + member.value
        table_row.value = total


# --- frozen tables ---------------------------------------------------------------------------


def freeze(report: Report, table: ReportTable) -> None:
    """Keep the table's figures on the report (at submission)."""
    report.figures.clear()
    db.session.flush()
    for table_row in table.rows:
        derived = table_row.derived or Pair()
        report.figures.append(
            ReportFigure(
                row_id=table_row.row.id,
                count=table_row.value.count,
                persons=table_row.value.persons,
                derived_count=derived.count,
                derived_persons=derived.persons,
                count_overridden=table_row.count_overridden,
                persons_overridden=table_row.persons_overridden,
            )
        )


def frozen_table(campaign: Campaign, unit: Unit, report: Report) -> ReportTable:
    """The table as it was submitted."""
    template = campaign_template(campaign)
    rows = template_rows(template)
    figures = {
        figure.row_id: figure
        for figure in db.session.scalars(
            select(ReportFigure).where(ReportFigure.report_id == report.id)
        )
    }
    entries = _entries(report.id)
    table = []
    for row in rows:
        figure = figures.get(row.id)
        table_row = TableRow(row=row, level=0 if row.parent_id is None else 1)
        if figure is not None:
            table_row.value = Pair(figure.count, figure.persons)
            if row.source in DERIVED_SOURCES:
                table_row.derived = Pair(figure.derived_count, figure.derived_persons)
            table_row.count_overridden = figure.count_overridden
            table_row.persons_overridden = figure.persons_overridden
        if row.id in entries:
            table_row.note = entries[row.id].note
            table_row.typed = Pair(entries[row.id].count_value, entries[row.id].persons_value)
        table.append(table_row)
    cover = coverage(campaign, unit, include_drafts=False)
    return ReportTable(template, table, cover.units_below, False, frozen=True)


def report_table(
    campaign: Campaign, unit: Unit, report: Report | None, *, include_drafts: bool = False
) -> ReportTable:
    """What the report shows: frozen figures once submitted, live ones before."""
    if report is not None and report.status in SUBMITTED_STATES and not include_drafts:
        return frozen_table(campaign, unit, report)
    return compute_table(campaign, unit, include_drafts=include_drafts)

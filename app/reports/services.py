"""Results reports: who may do what, typed figures, narrative, and the workflow
draft → submitted (locked, figures frozen) → accepted, or returned with a comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.reports.figures import DERIVED_SOURCES, LEAF_SOURCES, compute_table, freeze
from app.reports.models import (
    NARRATIVE_FIELDS,
    Report,
    ReportAction,
    ReportEntry,
    ReportRow,
    ReportStatus,
)
from app.schedule.models import Campaign
from app.units.models import Role, Unit, User

REPORT_ROLES = frozenset({Role.ADMIN, Role.REPORT_OFFICER})
#: Typed figures reach budgets in VND: up to a thousand billion.
MAX_FIGURE = 10**15
NOTE_MAX = 500
NARRATIVE_MAX = 20_000


class ReportError(Exception):
    """A workflow step that is not allowed now; the message is for the user."""


# --- rights ----------------------------------------------------------------------------------


def reports_unit_in_campaign(campaign: Campaign, unit: Unit) -> bool:
    """Units of the campaign's subtree report on it."""
    return unit.is_within(campaign.unit)


def can_see_report(user: User, unit: Unit) -> bool:
    """The unit's own users and the units above it."""
    return unit.is_within(user.unit)


def can_edit_report(user: User, report: Report) -> bool:
    """The unit's own report officers and administrators, while it is not locked."""
    return (
        user.role in REPORT_ROLES and user.unit_id == report.unit_id and not report.status.is_locked
    )


def can_submit_report(user: User, unit: Unit) -> bool:
    return user.role in REPORT_ROLES and user.unit_id == unit.id


def can_review_report(user: User, report: Report) -> bool:
    """Report officers and administrators of a unit above the report's unit."""
    return (
        user.role in REPORT_ROLES
        and user.unit_id != report.unit_id
        and report.unit.is_within(user.unit)
    )


# --- reports ---------------------------------------------------------------------------------


def find_report(campaign: Campaign, unit: Unit) -> Report | None:
    return db.session.scalar(
        select(Report).where(Report.campaign_id == campaign.id, Report.unit_id == unit.id)
    )


def get_or_create_report(campaign: Campaign, unit: Unit) -> Report:
    report = find_report(campaign, unit)
    if report is None:
        report = Report(campaign=campaign, unit=unit, status=ReportStatus.DRAFT)
        db.session.add(report)
        db.session.flush()
    return report


# --- typed figures and narrative -------------------------------------------------------------


def parse_figure(text: str) -> int | None:
    """ "1.250.000", "1 250 000" or "1250000" → 1250000; "" → None. ValueError otherwise."""
    cleaned = re.sub(r"[\s.,\u00a0]", "", text or "")
    if cleaned == "":
        return None
    if not (cleaned.isascii() and cleaned.isdigit()):  # "²" passes isdigit, not int()
        raise ValueError(_("Type a whole number (0 or more), e.g. 1.250.000."))
    value = int(cleaned)
    if value > MAX_FIGURE:
        raise ValueError(_("This number is too large."))
    return value


@dataclass
class FigureInput:
    count: str = ""
    persons: str = ""
    note: str = ""


def save_figures(
    report: Report, user: User, rows: list[ReportRow], inputs: dict[int, FigureInput]
) -> dict[int, str]:
    """Store typed figures, overrides and notes. Returns {row_id: error}; with any error
    nothing is changed. A derived figure typed equal to the derived value is no override."""
    if not can_edit_report(user, report):
        raise ReportError(_("This report is locked: it has been submitted."))
    errors: dict[int, str] = {}
    parsed: dict[int, tuple[int | None, int | None, str]] = {}
    for row in rows:
        if row.source not in LEAF_SOURCES or row.id not in inputs:
            continue
        given = inputs[row.id]
        try:
            count = parse_figure(given.count)
            persons = parse_figure(given.persons)
        except ValueError as error:
            errors[row.id] = str(error)
            continue
        note = (given.note or "").strip()
        if len(note) > NOTE_MAX:
            errors[row.id] = _("The note is too long (at most %(n)d characters).", n=NOTE_MAX)
            continue
        parsed[row.id] = (count, persons, note)
    if errors:
        return errors

    entries = {entry.row_id: entry for entry in report.entries}
    for row_id, (count, persons, note) in parsed.items():
        entry = entries.get(row_id)
        if count is None and persons is None and not note:
            if entry is not None:
                report.entries.remove(entry)
            continue
        if entry is None:
            entry = ReportEntry(row_id=row_id)
            report.entries.append(entry)
        entry.count_value, entry.persons_value, entry.note = count, persons, note
        entry.updated_by_id = user.id
    db.session.flush()
    _drop_overrides_equal_to_derived(report)
    return {}


def _drop_overrides_equal_to_derived(report: Report) -> None:
    """A derived figure typed back to the database's value is not an override."""
    table = compute_table(report.campaign, report.unit)
    entries = {entry.row_id: entry for entry in report.entries}
    for table_row in table.rows:
        entry = entries.get(table_row.row.id)
        if entry is None or table_row.row.source not in DERIVED_SOURCES:
            continue
        if not table_row.count_overridden:
            entry.count_value = None
        if not table_row.persons_overridden:
            entry.persons_value = None
        if entry.count_value is None and entry.persons_value is None and not entry.note:
            report.entries.remove(entry)
    db.session.flush()


def save_narrative(report: Report, user: User, values: dict[str, str]) -> dict[str, str]:
    if not can_edit_report(user, report):
        raise ReportError(_("This report is locked: it has been submitted."))
    errors = {}
    for name, _section, _label in NARRATIVE_FIELDS:
        if len(values.get(name, "")) > NARRATIVE_MAX:
            errors[name] = _("This text is too long (at most %(n)d characters).", n=NARRATIVE_MAX)
    if errors:
        return errors
    for name, _section, _label in NARRATIVE_FIELDS:
        if name in values:
            setattr(report, name, values[name].strip())
    db.session.flush()
    return {}


# --- workflow --------------------------------------------------------------------------------


def _record(report: Report, status: ReportStatus, user: User, comment: str = "") -> None:
    report.status = status
    report.history.append(
        ReportAction(status=status, user_id=user.id, at=utcnow(), comment=comment)
    )


def submit(report: Report, user: User) -> None:
    """Lock the report and freeze its figures: what the parent unit will add up."""
    if not can_submit_report(user, report.unit):
        raise ReportError(_("Only the unit's report officers can submit its report."))
    if report.status.is_locked:
        raise ReportError(_("This report has already been submitted."))
    table = compute_table(report.campaign, report.unit)
    freeze(report, table)
    report.submitted_at = utcnow()
    report.submitted_by_id = user.id
    report.reviewed_at = None
    report.reviewed_by_id = None
    _record(report, ReportStatus.SUBMITTED, user)
    db.session.flush()


def accept(report: Report, user: User, comment: str = "") -> None:
    if not can_review_report(user, report):
        raise ReportError(_("Only the report officers of a unit above can accept this report."))
    if report.status != ReportStatus.SUBMITTED:
        raise ReportError(_("Only a submitted report can be accepted."))
    report.reviewed_at = utcnow()
    report.reviewed_by_id = user.id
    report.review_comment = comment.strip()
    _record(report, ReportStatus.ACCEPTED, user, comment.strip())
    db.session.flush()


def return_report(report: Report, user: User, comment: str) -> None:
    """Send the report back for corrections; it becomes editable again."""
    if not can_review_report(user, report):
        raise ReportError(_("Only the report officers of a unit above can return this report."))
    if not report.status.is_locked:
        raise ReportError(_("Only a submitted report can be returned."))
    comment = (comment or "").strip()
    if not comment:
        raise ReportError(_("Say what needs correcting: the comment is required."))
    if len(comment) > NOTE_MAX * 4:
        raise ReportError(_("The comment is too long."))
    report.reviewed_at = utcnow()
    report.reviewed_by_id = user.id
    report.review_comment = comment
    _record(report, ReportStatus.RETURNED, user, comment)
    db.session.flush()

"""Recording what is not a row change (downloads), and reading the trail for a unit's
administrators."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.audit import hooks
from app.audit.labels import field_label
from app.audit.models import AuditAction, AuditEvent
from app.audit.values import ValueNames
from app.extensions import db
from app.units.models import Unit, User

#: Lines on one page of the trail.
PAGE_SIZE = 50
#: Lines in one download of the trail.
EXPORT_MAX = 10_000

OBJECT_TYPE_LABELS = {
    "Unit": _l("Unit"),
    "User": _l("User account"),
    "Campaign": _l("Campaign"),
    "Event": _l("Event"),
    "ProgramItem": _l("Program row"),
    "InviteeGroup": _l("Invited group"),
    "Invitee": _l("Invitee"),
    "Invitation": _l("Invitation"),
    "Contact": _l("Contact"),
    "CheckIn": _l("Check-in"),
    "Headcount": _l("Headcount"),
    "CheckinLink": _l("Check-in link"),
    "ApiToken": _l("API token"),
    "ReportTemplate": _l("Report template"),
    "ReportRow": _l("Report template row"),
    "Report": _l("Results report"),
    "ReportEntry": _l("Report figure"),
    "AuditEvent": _l("Audit trail"),
}


def object_type_label(name: str) -> str:
    label = OBJECT_TYPE_LABELS.get(name)
    return str(label) if label is not None else name


# --- recording -----------------------------------------------------------------------------


def record(
    action: AuditAction,
    obj=None,
    *,
    detail: str = "",
    object_type: str | None = None,
    object_id: int | None = None,
    label: str | None = None,
    unit_id: int | None = None,
    changes: dict | None = None,
    commit: bool = False,
) -> None:
    """Note something done to `obj` that the session's hooks do not see: a download, a print
    job, or a change made by a bulk UPDATE (`changes` as the hooks write them: a secret's
    field maps to None, "changed, value not kept").

    The line is written with the transaction's commit; `commit=True` commits now (for GET
    requests, which commit nothing else).
    """
    session: Session = db.session()
    if obj is not None:
        getattr(obj, "id", None)  # loads the object if a commit expired it
        spec = hooks.spec_for(type(obj))
        lookup = hooks.Lookup(session)
        object_type = object_type or hooks.object_type(type(obj))
        object_id = object_id if object_id is not None else hooks.value_of(obj, "id")
        if spec is not None:
            label = label if label is not None else spec.label(obj, lookup)
            unit_id = unit_id if unit_id is not None else spec.unit(obj, lookup)
    values = hooks.line_values(
        hooks.request_actor(),
        action,
        object_type=object_type or "",
        object_id=object_id,
        label=label or "",
        unit_id=unit_id,
        changes=changes,
        detail=detail,
    )
    hooks.add_line(session, values)
    if commit:
        db.session.commit()


def exported(obj, filename: str, *, unit_id: int | None = None) -> None:
    """A file was downloaded: one "export" line naming it, committed now."""
    record(AuditAction.EXPORT, obj, detail=filename, unit_id=unit_id, commit=True)


def note(obj, text: str) -> None:
    """A detail for the line of the next change of `obj` (what an archived item held)."""
    hooks.note(obj, text)


# --- reading ------------------------------------------------------------------------------------


@dataclass
class AuditFilters:
    action: str | None = None
    object_type: str | None = None
    user_id: int | None = None
    #: UTC, inclusive.
    since: dt.datetime | None = None
    #: UTC, exclusive.
    until: dt.datetime | None = None


def audit_query(unit: Unit, filters: AuditFilters):
    """The trail of the unit and every unit below it, newest first, with each line's unit name.

    Lines about no unit (a template changed from the command line) belong to the top units.
    """
    subtree = select(Unit.id).where(Unit.path.startswith(unit.path, autoescape=True))
    scope = AuditEvent.unit_id.in_(subtree)
    if unit.parent_id is None:
        scope = or_(scope, AuditEvent.unit_id.is_(None))
    query = (
        select(AuditEvent, Unit.name)
        .outerjoin(Unit, Unit.id == AuditEvent.unit_id)
        .where(scope)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.object_type:
        query = query.where(AuditEvent.object_type == filters.object_type)
    if filters.user_id:
        query = query.where(AuditEvent.user_id == filters.user_id)
    if filters.since is not None:
        query = query.where(AuditEvent.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEvent.at < filters.until)
    return query


def parse_cursor(text: str | None) -> tuple[dt.datetime, int] | None:
    """ "2026-11-24T08:15:02.123456_812" → (moment, id); anything else → None (first page)."""
    if not text or "_" not in text:
        return None
    moment, _sep, line_id = text.rpartition("_")
    try:
        return dt.datetime.fromisoformat(moment), int(line_id)
    except ValueError:
        return None


def make_cursor(line: AuditEvent) -> str:
    return f"{line.at.isoformat()}_{line.id}"


@dataclass
class AuditPage:
    lines: list[tuple[AuditEvent, str | None]]
    next_cursor: str | None


def audit_page(unit: Unit, filters: AuditFilters, cursor: str | None = None) -> AuditPage:
    """One page of the trail (keyset: the lines older than the cursor's)."""
    query = audit_query(unit, filters)
    after = parse_cursor(cursor)
    if after is not None:
        at, line_id = after
        query = query.where(
            or_(AuditEvent.at < at, and_(AuditEvent.at == at, AuditEvent.id < line_id))
        )
    rows = [tuple(row) for row in db.session.execute(query.limit(PAGE_SIZE + 1))]
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return AuditPage(rows, make_cursor(rows[-1][0]) if more else None)


def audit_export_rows(unit: Unit, filters: AuditFilters) -> list[tuple[AuditEvent, str | None]]:
    return [tuple(row) for row in db.session.execute(audit_query(unit, filters).limit(EXPORT_MAX))]


def users_of(unit: Unit) -> list[tuple[int, str]]:
    """Accounts of the unit's subtree, for the "who" filter."""
    return list(
        db.session.execute(
            select(User.id, User.name)
            .join(Unit, Unit.id == User.unit_id)
            .where(Unit.path.startswith(unit.path, autoescape=True))
            .order_by(User.name, User.id)
            .limit(1000)
        )
    )


# --- showing -------------------------------------------------------------------------------------


def actor_label(line: AuditEvent) -> str:
    kind = line.actor_kind
    if kind == "user":
        return line.actor
    if kind == "api":
        return _("API token: %(name)s", name=line.actor)
    if kind == "volunteer":
        return _("Volunteer: %(name)s", name=line.actor)
    if kind == "public":
        return _("Public page")
    return _("System")


@dataclass
class ChangeLine:
    field: str
    old: object
    new: object
    hidden: bool = False

    @property
    def label(self) -> str:
        """The field's name in the reader's language."""
        return field_label(self.field)


def change_lines(line: AuditEvent, names: ValueNames | None = None) -> list[ChangeLine]:
    """The line's changed fields; a secret shows that it changed, never its value. With
    `names`, ids read as the records' names and codes as their labels."""
    result = []
    for name, pair in (line.changes or {}).items():
        if pair is None:
            result.append(ChangeLine(name, None, None, hidden=True))
        else:
            old, new = (list(pair) + [None, None])[:2]
            if names is not None:
                old = names.shown(line.object_type, name, old)
                new = names.shown(line.object_type, name, new)
            result.append(ChangeLine(name, old, new))
    return result


def changes_text(line: AuditEvent, names: ValueNames | None = None) -> str:
    """The changes on one line of text (for the download)."""
    parts = []
    for change in change_lines(line, names):
        if change.hidden:
            parts.append(f"{change.label}: {_('changed (value not kept)')}")
        else:
            old = "" if change.old is None else change.old
            new = "" if change.new is None else change.new
            parts.append(f"{change.label}: {old} → {new}")
    return "; ".join(parts)

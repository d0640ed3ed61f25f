"""Session hooks that write the audit trail, so new code is audited without remembering to.

- `after_flush` notes every insert, update and delete of an audited model (the list below),
  with the changed fields, while the changes are still visible;
- `do_orm_execute` notes rows inserted by ORM-enabled ``INSERT … RETURNING`` statements, which
  bypass the flush (the scanner's one-statement check-in);
- `before_commit` writes the lines noted during the transaction as one multi-row INSERT on the
  transaction's own connection: committed with the change, rolled back with it, one statement
  per commit. Changes of one object within a transaction are merged into one line (created
  then deleted: no line).

Collecting never breaks the main transaction: an error while describing a change is logged and
the change goes through without its line.

Not audited (technical or already a history of their own): jobs, import uploads, revoked
tokens, headcount revisions, frozen report figures and report workflow rows (the report's
status change is the "submit"/"accept"/"return" line), and the audit trail itself.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, attributes

from app.audit.models import ActorKind, AuditAction, AuditEvent
from app.extensions import db

logger = logging.getLogger(__name__)

PENDING_KEY = "audit_pending"
NOTES_KEY = "audit_notes"
TEXT_MAX = 200

#: Columns never recorded: bookkeeping, delivery state written by jobs, derived paths.
IGNORED_FIELDS = frozenset(
    {
        "id",
        "created_at",
        "updated_at",
        "recorded_at",
        "last_used_at",
        "token_issued_at",
        "session_version",
        "locale",
        "path",
        "email_state",
        "email_error",
        "email_sent_at",
        "client_uuid",
        "updated_by_id",
    }
)
#: Personal data: recorded masked.
MASKED_FIELDS = frozenset({"phone", "email"})


def is_secret(key: str) -> bool:
    """Passwords, hashes, tokens and secrets: a change is noted, never its value."""
    return "password" in key or "secret" in key or key.endswith("_hash") or key.endswith("token")


def mask_phone(value: str) -> str:
    """0912345678 → •••••••678."""
    value = str(value or "")
    if not value:
        return ""
    keep = 3 if len(value) > 5 else 0
    return "•" * (len(value) - keep) + value[len(value) - keep :]


def mask_email(value: str) -> str:
    """lan.nguyen@example.vn → l•••@example.vn."""
    value = str(value or "")
    if not value:
        return ""
    local, _sep, domain = value.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"


def _truncate(text: str, limit: int = TEXT_MAX) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(value):
    """A value as JSON keeps it."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "…"
    return _truncate(value)


def shown(key: str, value):
    """What the trail keeps of a field's value."""
    if key == "phone":
        return mask_phone(value)
    if key == "email":
        return mask_email(value)
    return plain(value)


# --- who and from where ----------------------------------------------------------------------


@dataclass
class Actor:
    kind: ActorKind = ActorKind.SYSTEM
    user_id: int | None = None
    name: str = ""
    unit_id: int | None = None
    ip: str = ""
    user_agent: str = ""


def request_actor() -> Actor:
    """Who is acting: the signed-in user, the API token's user, the public; "system" outside
    a request (the command line, jobs, tests). Reads what the request already loaded."""
    if not (has_app_context() and has_request_context()):
        return Actor()
    actor = Actor(
        kind=ActorKind.PUBLIC,
        ip=_truncate(request.remote_addr or "", 45),
        user_agent=_truncate(request.user_agent.string or ""),
    )
    api_user = g.get("api_user")
    user = api_user or g.get("_login_user")
    if user is not None and getattr(user, "is_authenticated", False):
        actor.kind = ActorKind.API if api_user is not None else ActorKind.USER
        actor.user_id = inspect(user).identity[0] if inspect(user).identity else None
        actor.name = _truncate(user.name or "")
        actor.unit_id = user.unit_id
        token_name = g.get("api_token_name")
        if actor.kind is ActorKind.API and token_name:
            actor.name = _truncate(f"{token_name} · {user.name}")
    return actor


# --- reading objects without loading them -------------------------------------------------------


def value_of(obj, key: str):
    """An attribute as the object holds it, never loaded from the database (deleted rows
    cannot be refreshed)."""
    return inspect(obj).dict.get(key)


class Lookup:
    """Columns of related rows: from the session's identity map, else one small query."""

    def __init__(self, session: Session):
        self.session = session
        self._cache: dict[tuple, dict | None] = {}
        self._new: dict[tuple, object] | None = None

    def _held(self, model, row_id):
        """The object of that row in the session: in the identity map, or inserted by the flush
        being described (they join the identity map only after the flush's hooks)."""
        obj = self.session.identity_map.get(self.session.identity_key(model, (row_id,)))
        if obj is None:
            if self._new is None:
                self._new = {(type(o), inspect(o).dict.get("id")): o for o in self.session.new}
            obj = self._new.get((model, row_id))
        return obj

    def get(self, model, row_id, *columns: str) -> dict | None:
        if row_id is None:
            return None
        key = (model, row_id, columns)
        if key in self._cache:
            return self._cache[key]
        found = None
        obj = self._held(model, row_id)
        if obj is not None:
            held = inspect(obj).dict
            if all(column in held for column in columns):
                found = {column: held[column] for column in columns}
        if found is None:
            table = model.__table__
            row = (
                self.session.connection()
                .execute(select(*(table.c[c] for c in columns)).where(table.c.id == row_id))
                .first()
            )
            found = dict(row._mapping) if row is not None else None
        self._cache[key] = found
        return found

    def column(self, model, row_id, column: str):
        found = self.get(model, row_id, column)
        return found[column] if found else None


# --- what each audited model is ---------------------------------------------------------------


@dataclass
class Spec:
    label: Callable  #: (obj, lookup) → short text
    unit: Callable  #: (obj, lookup) → unit id or None


def _own_unit(obj, _lookup) -> int | None:
    return value_of(obj, "unit_id")


def _event_unit(obj, lookup: Lookup) -> int | None:
    from app.schedule.models import Event

    return lookup.column(Event, value_of(obj, "event_id"), "unit_id")


def _event_title(obj, lookup: Lookup) -> str:
    from app.schedule.models import Event

    return lookup.column(Event, value_of(obj, "event_id"), "title") or ""


def _joined(*parts) -> str:
    return " · ".join(str(part) for part in parts if part)


def _specs() -> dict[type, Spec]:
    """The audited models (imported here: the models import this package's neighbours)."""
    from app.checkin.models import ApiToken, CheckIn, CheckinLink, Headcount
    from app.invitations.models import Contact, Invitation, Invitee, InviteeGroup
    from app.reports.models import Report, ReportEntry, ReportRow, ReportTemplate
    from app.schedule.models import Campaign, Event, ProgramItem
    from app.units.models import Unit, User

    def field_label(key):
        return lambda obj, _lookup: value_of(obj, key) or ""

    def invitee_name(obj, lookup):
        return lookup.column(Invitee, value_of(obj, "invitee_id"), "full_name")

    return {
        Unit: Spec(field_label("name"), lambda obj, _l: value_of(obj, "id")),
        User: Spec(field_label("name"), _own_unit),
        Campaign: Spec(field_label("name"), _own_unit),
        Event: Spec(field_label("title"), _own_unit),
        ProgramItem: Spec(
            lambda obj, lookup: _joined(value_of(obj, "content"), _event_title(obj, lookup)),
            _event_unit,
        ),
        InviteeGroup: Spec(
            lambda obj, lookup: _joined(value_of(obj, "name"), _event_title(obj, lookup)),
            _event_unit,
        ),
        Invitee: Spec(field_label("full_name"), _own_unit),
        Invitation: Spec(
            lambda obj, lookup: _joined(invitee_name(obj, lookup), _event_title(obj, lookup)),
            _event_unit,
        ),
        Contact: Spec(field_label("full_name"), _own_unit),
        CheckIn: Spec(
            lambda obj, lookup: _joined(
                value_of(obj, "full_name") or invitee_name(obj, lookup),
                _event_title(obj, lookup),
            ),
            _event_unit,
        ),
        Headcount: Spec(
            lambda obj, lookup: _joined(value_of(obj, "label"), _event_title(obj, lookup)),
            _event_unit,
        ),
        CheckinLink: Spec(
            lambda obj, lookup: _joined(value_of(obj, "label"), _event_title(obj, lookup)),
            _event_unit,
        ),
        ApiToken: Spec(
            field_label("name"),
            lambda obj, lookup: lookup.column(User, value_of(obj, "user_id"), "unit_id"),
        ),
        ReportTemplate: Spec(field_label("name"), _own_unit),
        ReportRow: Spec(field_label("label"), lambda _o, _l: None),
        Report: Spec(
            lambda obj, lookup: lookup.column(Campaign, value_of(obj, "campaign_id"), "name"),
            _own_unit,
        ),
        ReportEntry: Spec(
            lambda obj, lookup: lookup.column(ReportRow, value_of(obj, "row_id"), "label"),
            lambda obj, lookup: lookup.column(Report, value_of(obj, "report_id"), "unit_id"),
        ),
    }


_SPECS: dict[type, Spec] | None = None


def spec_for(cls) -> Spec | None:
    global _SPECS
    if _SPECS is None:
        _SPECS = _specs()
    return _SPECS.get(cls)


def object_type(cls) -> str:
    return cls.__name__


# --- changes --------------------------------------------------------------------------------


def _columns(obj):
    return [attr.key for attr in inspect(obj).mapper.column_attrs if attr.key not in IGNORED_FIELDS]


def snapshot(obj, *, created: bool) -> dict:
    """A created row's values as [None, value], a deleted row's as [value, None]; empty
    values left out."""
    changes = {}
    held = inspect(obj).dict
    for key in _columns(obj):
        value = held.get(key)
        if value is None or value == "" or value is False:
            continue
        if is_secret(key):
            changes[key] = None
            continue
        changes[key] = [None, shown(key, value)] if created else [shown(key, value), None]
    return changes


def diff(obj) -> dict:
    """An updated row's changed fields as [old, new]."""
    changes = {}
    for key in _columns(obj):
        history = attributes.get_history(obj, key, passive=attributes.PASSIVE_NO_INITIALIZE)
        if not history.added and not history.deleted:
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        changes[key] = None if is_secret(key) else [shown(key, old), shown(key, new)]
    return changes


REPORT_STEPS = {
    "submitted": AuditAction.SUBMIT,
    "accepted": AuditAction.ACCEPT,
    "returned": AuditAction.RETURN,
}


def classify(obj, op: str, changes: dict, lookup: Lookup) -> tuple[AuditAction, dict | None]:
    """The action a row change stands for: an undo, an archive, an override, a sign-in …"""
    name = type(obj).__name__
    if name == "ReportEntry" and _on_derived_row(obj, lookup):
        return AuditAction.OVERRIDE, changes
    if op == "insert":
        return AuditAction.CREATE, changes
    if op == "delete":
        return AuditAction.DELETE, changes
    if name == "CheckIn" and _was_set(changes, "undone_at"):
        return AuditAction.UNDO, changes
    if name == "Headcount" and _was_set(changes, "removed_at"):
        return AuditAction.DELETE, changes
    if "archived_at" in changes:
        return (
            (AuditAction.ARCHIVE, changes)
            if _was_set(changes, "archived_at")
            else (AuditAction.RESTORE, changes)
        )
    if name == "User" and "last_login_at" in changes:
        del changes["last_login_at"]
        if not changes:
            return AuditAction.SIGN_IN, None
    if name == "Report" and "status" in changes:
        step = REPORT_STEPS.get(changes["status"][1])
        if step is not None:
            return step, changes
    return AuditAction.UPDATE, changes


def _was_set(changes: dict, key: str) -> bool:
    pair = changes.get(key)
    return bool(pair) and pair[0] is None and pair[1] is not None


def _on_derived_row(obj, lookup: Lookup) -> bool:
    from app.reports.figures import DERIVED_SOURCES
    from app.reports.models import ReportRow, RowSource

    source = lookup.column(ReportRow, value_of(obj, "row_id"), "source")
    if isinstance(source, str):
        source = RowSource(source)
    return source in DERIVED_SOURCES


# --- the lines of a transaction -----------------------------------------------------------------


@dataclass
class Line:
    values: dict
    op: str | None = None  #: insert / update / delete for row changes; None otherwise
    dropped: bool = False


@dataclass
class Pending:
    lines: list[Line] = field(default_factory=list)
    by_object: dict[tuple, Line] = field(default_factory=dict)
    deleted_users: set[int] = field(default_factory=set)


def pending(session: Session) -> Pending:
    found = session.info.get(PENDING_KEY)
    if found is None:
        found = session.info[PENDING_KEY] = Pending()
    return found


def note(obj, text: str) -> None:
    """A detail for the line of the next change of `obj` (what an archived event held)."""
    session = db.session()
    notes = session.info.setdefault(NOTES_KEY, {})
    notes[id(obj)] = _truncate(text, 300)


def line_values(
    actor: Actor,
    action: AuditAction,
    *,
    object_type: str,
    object_id,
    label: str,
    unit_id,
    changes,
    detail: str = "",
) -> dict:
    return {
        "at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
        "user_id": actor.user_id,
        "actor": _truncate(actor.name),
        "actor_kind": actor.kind.value,
        "unit_id": unit_id if unit_id is not None else actor.unit_id,
        "action": action.value,
        "object_type": _truncate(object_type, 40),
        "object_id": object_id,
        "label": _truncate(label or ""),
        "changes": changes or None,
        "detail": _truncate(detail or "", 300),
        "ip": actor.ip,
        "user_agent": actor.user_agent,
    }


def _object_actor(obj, actor: Actor, lookup: Lookup) -> Actor:
    """Check-ins and tallies recorded through a volunteer's link name the volunteer."""
    if actor.kind is not ActorKind.PUBLIC or type(obj).__name__ not in ("CheckIn", "Headcount"):
        return actor
    link_id = value_of(obj, "link_id")
    if link_id is None:
        return actor
    from app.checkin.models import CheckinLink

    link = lookup.column(CheckinLink, link_id, "label") or f"#{link_id}"
    name = _joined(value_of(obj, "volunteer_name"), link)
    return Actor(ActorKind.VOLUNTEER, None, _truncate(name), None, actor.ip, actor.user_agent)


def collect(session: Session, rows: list[tuple[object, str]]) -> None:
    """Note the changes of `rows` ((object, "insert" | "update" | "delete")) for the commit."""
    audited = [(obj, op) for obj, op in rows if spec_for(type(obj)) is not None]
    if not audited:
        return
    actor = request_actor()
    lookup = Lookup(session)
    queue = pending(session)
    notes = session.info.get(NOTES_KEY, {})
    from app.units.models import User

    for obj, op in audited:
        cls = type(obj)
        if op == "delete" and cls is User:
            queue.deleted_users.add(value_of(obj, "id"))
        if op == "update":
            changes = diff(obj)
            if not changes:
                continue
        else:
            changes = snapshot(obj, created=op == "insert")
        action, changes = classify(obj, op, changes, lookup)
        spec = spec_for(cls)
        unit_id = spec.unit(obj, lookup)
        if op == "delete" and cls.__name__ == "Unit":
            # A deleted unit's line belongs to the unit above, whose administrators see it.
            unit_id = value_of(obj, "parent_id")
        values = line_values(
            _object_actor(obj, actor, lookup),
            action,
            object_type=object_type(cls),
            object_id=value_of(obj, "id"),
            label=spec.label(obj, lookup),
            unit_id=unit_id,
            changes=changes,
            detail=notes.pop(id(obj), ""),
        )
        _add(queue, Line(values, op))


def _add(queue: Pending, line: Line) -> None:
    """Merge a row change into the line of the same object noted earlier in the transaction."""
    key = (line.values["object_type"], line.values["object_id"])
    earlier = queue.by_object.get(key)
    if earlier is None or earlier.dropped:
        queue.lines.append(line)
        queue.by_object[key] = line
        return
    if earlier.op == "insert" and line.op == "delete":
        earlier.dropped = True  # created and deleted in one go: nothing happened
        return
    if line.op == "delete":
        earlier.values, earlier.op = line.values, "delete"
        return
    merged = dict(earlier.values["changes"] or {})
    for name, pair in (line.values["changes"] or {}).items():
        if earlier.op == "insert":
            merged[name] = None if pair is None else [None, pair[1]]
        elif name in merged and merged[name] is not None and pair is not None:
            merged[name] = [merged[name][0], pair[1]]
        else:
            merged[name] = pair
    if earlier.op != "insert":
        merged = {k: v for k, v in merged.items() if v is None or v[0] != v[1]}
    # A plain change keeps the earlier line's action (a creation stays a creation); a step
    # that means more (submitted, undone, archived) names the line.
    keep_action = line.values["action"] == AuditAction.UPDATE.value
    values = dict(line.values)
    if keep_action:
        values["action"] = earlier.values["action"]
    values["changes"] = merged or None
    values["detail"] = line.values["detail"] or earlier.values["detail"]
    earlier.values = values
    if earlier.op != "insert" and not merged and values["action"] == AuditAction.UPDATE.value:
        earlier.dropped = True


def add_line(session: Session, values: dict) -> None:
    """A line that is not a row change (a download): never merged."""
    pending(session).lines.append(Line(values))


# --- the hooks --------------------------------------------------------------------------------


def _after_flush(session: Session, _flush_context) -> None:
    try:
        rows = [(obj, "insert") for obj in session.new]
        rows += [(obj, "update") for obj in session.dirty]
        rows += [(obj, "delete") for obj in session.deleted]
        with session.no_autoflush:
            collect(session, rows)
    except Exception:  # the change must go through even if its line cannot be written
        logger.exception("audit: a change could not be described")


def _on_orm_execute(state):
    """ORM-enabled INSERT … RETURNING of an audited model: note the inserted rows."""
    if not state.is_insert:
        return None
    mapper = state.bind_mapper
    if mapper is None or spec_for(mapper.class_) is None:
        return None
    if not getattr(state.statement, "_returning", None):
        return None  # without RETURNING the rows are unknown; inserts by flush are noted there
    result = state.invoke_statement()
    frozen = result.freeze()
    try:
        inserted = [
            (item, "insert")
            for row in frozen().all()
            for item in row
            if isinstance(item, mapper.class_)
        ]
        with state.session.no_autoflush:
            collect(state.session, inserted)
    except Exception:
        logger.exception("audit: an insert could not be described")
    return frozen()


def _before_commit(session: Session) -> None:
    session.flush()  # the transaction's last changes, so their lines go in with them
    queue: Pending | None = session.info.pop(PENDING_KEY, None)
    if queue is None:
        return
    rows = []
    for line in queue.lines:
        if line.dropped:
            continue
        if line.values["user_id"] in queue.deleted_users:
            line.values["user_id"] = None
        rows.append(line.values)
    if rows:
        session.connection().execute(AuditEvent.__table__.insert(), rows)


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:  # committed (written) or rolled back: forget the lines
        session.info.pop(PENDING_KEY, None)
        session.info.pop(NOTES_KEY, None)


def install() -> None:
    """Attach the hooks to the app's sessions (once, however many apps are created)."""
    if event.contains(db.session, "after_flush", _after_flush):
        return
    event.listen(db.session, "after_flush", _after_flush)
    event.listen(db.session, "do_orm_execute", _on_orm_execute)
    event.listen(db.session, "before_commit", _before_commit)
    event.listen(db.session, "after_transaction_end", _after_transaction_end)

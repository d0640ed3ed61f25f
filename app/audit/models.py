"""The audit trail: one row per change, download or workflow step — who, what, when, from where.

Rows are written by the session hooks (`app.audit.hooks`) for every change of an audited model
and by `app.audit.services.record` for what is not a row change (downloads). They are never
updated or deleted by the app.
"""

from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.units.models import User


class AuditAction(enum.Enum):
    """What happened. Stored as a short string (not a database enum) so a new action needs no
    migration."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    ARCHIVE = "archive"
    RESTORE = "restore"
    UNDO = "undo"  #: a check-in taken back
    OVERRIDE = "override"  #: a derived report figure typed over (or the override cleared)
    EXPORT = "export"  #: a file downloaded or a print job queued
    SUBMIT = "submit"
    ACCEPT = "accept"
    RETURN = "return"
    SIGN_IN = "sign_in"

    @property
    def label(self) -> str:
        return str(ACTION_LABELS[self])


ACTION_LABELS = {
    AuditAction.CREATE: _l("Added"),
    AuditAction.UPDATE: _l("Changed"),
    AuditAction.DELETE: _l("Deleted"),
    AuditAction.ARCHIVE: _l("Archived"),
    AuditAction.RESTORE: _l("Restored"),
    AuditAction.UNDO: _l("Check-in undone"),
    AuditAction.OVERRIDE: _l("Figure overridden"),
    AuditAction.EXPORT: _l("Exported"),
    AuditAction.SUBMIT: _l("Report submitted"),
    AuditAction.ACCEPT: _l("Report accepted"),
    AuditAction.RETURN: _l("Report returned"),
    AuditAction.SIGN_IN: _l("Signed in"),
}


class ActorKind(enum.Enum):
    USER = "user"  #: a signed-in account
    API = "api"  #: an account through an API token
    VOLUNTEER = "volunteer"  #: a volunteer's check-in link (no account)
    PUBLIC = "public"  #: a public page: an invitation link, a self check-in
    SYSTEM = "system"  #: no request: the command line, a background job, a test


class AuditEvent(db.Model):
    """Something a person (or the system) did to the unit's data."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_unit_at", "unit_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: UTC.
    at: Mapped[dt.datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    #: Who, as shown: the account's name, the volunteer's typed name and link, the API token.
    #: Kept as text so the line stays readable when the account is gone.
    actor: Mapped[str] = mapped_column(String(200), default="", server_default="")
    #: An ActorKind value.
    actor_kind: Mapped[str] = mapped_column(String(16), default="system", server_default="system")
    #: The unit the object belongs to (no foreign key: the trail outlives what it describes);
    #: the administrators of this unit and of the units above it see the line.
    unit_id: Mapped[int | None]
    #: An AuditAction value.
    action: Mapped[str] = mapped_column(String(16))
    #: The model's name: "Event", "Invitee", "Report" …
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    #: A short label of the object when it happened (the event's title, the person's name).
    label: Mapped[str] = mapped_column(String(200), default="", server_default="")
    #: field → [old, new]; secrets appear as field → null (changed, value not kept); phones and
    #: e-mails are masked.
    changes: Mapped[dict | None] = mapped_column(JSON)
    #: Free text for what is not a field change: the file downloaded, the records held.
    detail: Mapped[str] = mapped_column(String(300), default="", server_default="")
    ip: Mapped[str] = mapped_column(String(45), default="", server_default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="", server_default="")

    user: Mapped[User | None] = relationship()

    @property
    def action_label(self) -> str:
        try:
            return AuditAction(self.action).label
        except ValueError:
            return self.action

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.object_type}#{self.object_id}>"

"""Check-ins at the venue, headcount tallies, volunteers' check-in links, API tokens.

One person checks in once per event: a partial unique index on (event, invitee) among the
check-ins that were not undone. An undone check-in stays (the audit trail) and no longer
counts. Offline scans carry a client-generated UUID, unique, so a batch synced twice (or by
two phones) is recorded once; the first scan time wins.
"""

from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, enum_values
from app.invitations.models import Invitee
from app.schedule.models import Event
from app.units.models import User


class CheckInMethod(enum.Enum):
    SCAN = "scan"  # staff scanned the invitee's QR code
    MANUAL = "manual"  # staff found the name in the list
    SELF = "self"  # walk-in, from the venue poster
    API = "api"  # through the JSON API (including offline sync)

    @property
    def label(self) -> str:
        return str(METHOD_LABELS[self])


METHOD_LABELS = {
    CheckInMethod.SCAN: _l("QR scan"),
    CheckInMethod.MANUAL: _l("Found by name"),
    CheckInMethod.SELF: _l("Self check-in"),
    CheckInMethod.API: _l("API"),
}


class ParticipantType(enum.Enum):
    STUDENT = "hoc_sinh"
    TEACHER = "giao_vien"
    OFFICIAL = "can_bo"
    PARENT = "phu_huynh"
    RESIDENT = "nguoi_dan"
    OTHER = "khac"

    @property
    def label(self) -> str:
        return str(PARTICIPANT_LABELS[self])


PARTICIPANT_LABELS = {
    ParticipantType.STUDENT: _l("Student"),
    ParticipantType.TEACHER: _l("Teacher"),
    ParticipantType.OFFICIAL: _l("Official"),
    ParticipantType.PARENT: _l("Parent"),
    ParticipantType.RESIDENT: _l("Resident"),
    ParticipantType.OTHER: _l("Other"),
}


class CheckinLink(db.Model):
    """A per-event check-in link handed to a volunteer without an account."""

    __tablename__ = "checkin_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    #: The secret in the link (≥ 128 random bits).
    token: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="", server_default="")
    #: UTC; the link works only between these moments.
    valid_from: Mapped[dt.datetime]
    valid_until: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())

    event: Mapped[Event] = relationship()


class CheckIn(db.Model):
    """Someone arrived at an event: an invitee (by QR, by name, by API) or a walk-in."""

    __tablename__ = "check_in"
    __table_args__ = (
        # One live check-in per invitee and event, whoever scans and however often.
        Index(
            "uq_check_in_event_invitee_live",
            "event_id",
            "invitee_id",
            unique=True,
            sqlite_where=text("invitee_id IS NOT NULL AND undone_at IS NULL"),
            postgresql_where=text("invitee_id IS NOT NULL AND undone_at IS NULL"),
        ),
        Index("ix_check_in_event_time", "event_id", "checked_in_at"),
        # The reports count each event's live check-ins from this index alone.
        Index(
            "ix_check_in_event_live",
            "event_id",
            sqlite_where=text("undone_at IS NULL"),
            postgresql_where=text("undone_at IS NULL"),
        ),
        CheckConstraint(
            "invitee_id IS NOT NULL OR full_name IS NOT NULL", name="someone_checked_in"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    invitee_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitee.id", ondelete="SET NULL"), index=True
    )
    method: Mapped[CheckInMethod] = mapped_column(
        db.Enum(CheckInMethod, name="checkin_method", values_callable=enum_values, length=16)
    )
    #: When the person was scanned (the phone's clock for offline scans), UTC.
    checked_in_at: Mapped[dt.datetime]
    #: When the server recorded it, UTC.
    recorded_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    #: Idempotency key of offline scans, generated on the phone.
    client_uuid: Mapped[str | None] = mapped_column(String(36), unique=True)
    #: Staff account that checked the person in (None for walk-ins and volunteer links).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    link_id: Mapped[int | None] = mapped_column(ForeignKey("checkin_link.id", ondelete="SET NULL"))
    #: The name a volunteer typed when opening their link.
    volunteer_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    #: Which phone or browser, as it identified itself (random id kept in the browser).
    device_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
    #: Staff checked the person in outside the allowed window.
    override: Mapped[bool] = mapped_column(default=False, server_default=db.false())
    # Walk-ins (no invitee): who they said they are.
    full_name: Mapped[str | None] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(300), default="", server_default="")
    participant_type: Mapped[ParticipantType | None] = mapped_column(
        db.Enum(ParticipantType, name="participant_type", values_callable=enum_values, length=16)
    )
    undone_at: Mapped[dt.datetime | None]
    undone_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    event: Mapped[Event] = relationship()
    invitee: Mapped[Invitee | None] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    link: Mapped[CheckinLink | None] = relationship()

    @property
    def who_checked(self) -> str:
        if self.user is not None:
            return self.user.name
        return self.volunteer_name or (self.link.label if self.link else "")


class Headcount(db.Model):
    """A tally for people nobody scans one by one: "Lớp 6A: 35 học sinh"."""

    __tablename__ = "headcount"
    __table_args__ = (CheckConstraint("count >= 0", name="count_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    count: Mapped[int]
    #: Idempotency key when recorded offline or through the API.
    client_uuid: Mapped[str | None] = mapped_column(String(36), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    link_id: Mapped[int | None] = mapped_column(ForeignKey("checkin_link.id", ondelete="SET NULL"))
    volunteer_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    #: A removed tally stays for the history and no longer counts.
    removed_at: Mapped[dt.datetime | None]

    event: Mapped[Event] = relationship()
    revisions: Mapped[list[HeadcountRevision]] = relationship(
        back_populates="headcount", order_by="HeadcountRevision.id", cascade="all, delete-orphan"
    )


class HeadcountRevision(db.Model):
    """The history of a tally: every change, by whom, when."""

    __tablename__ = "headcount_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    headcount_id: Mapped[int] = mapped_column(
        ForeignKey("headcount.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(200))
    count: Mapped[int]
    changed_by: Mapped[str] = mapped_column(String(120), default="", server_default="")
    changed_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    note: Mapped[str] = mapped_column(Text, default="", server_default="")

    headcount: Mapped[Headcount] = relationship(back_populates="revisions")


class ApiToken(db.Model):
    """A bearer token for the JSON API, created and revoked by its user."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    #: SHA-256 of the token, hex; the token itself is shown once.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()

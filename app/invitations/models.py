"""Invited groups (thành phần), invitees with their personal QR tokens, the unit's contact book.

An `Invitee` is one person invited by a unit for a campaign: one token, one QR code, one
invitation page, covering one or more events (`Invitation` rows: the opening ceremony and the
closing, say), each in a group of that event, each with its own RSVP.
"""

from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, enum_values
from app.schedule.models import Campaign, Event
from app.units.models import Unit


class Rsvp(enum.Enum):
    PENDING = "pending"
    YES = "yes"
    NO = "no"

    @property
    def label(self) -> str:
        return str(RSVP_LABELS[self])


RSVP_LABELS = {
    Rsvp.PENDING: _l("No answer"),
    Rsvp.YES: _l("Confirmed"),
    Rsvp.NO: _l("Declined"),
}


class EmailState(enum.Enum):
    NOT_SENT = "not_sent"
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return str(EMAIL_STATE_LABELS[self])


EMAIL_STATE_LABELS = {
    EmailState.NOT_SENT: _l("Not sent"),
    EmailState.QUEUED: _l("Queued"),
    EmailState.SENT: _l("Sent"),
    EmailState.FAILED: _l("Failed"),
}


class InviteeGroup(db.Model):
    """A "thành phần" of an event: "Cấp huyện", "Các nhà hảo tâm" … with named invitees, an
    expected headcount ("Đại diện nhân dân thị trấn Phủ Thông: 10 người"), or both."""

    __tablename__ = "invitee_group"
    __table_args__ = (
        CheckConstraint(
            "expected_headcount IS NULL OR expected_headcount >= 0", name="headcount_not_negative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    #: Order in which the groups are listed (and introduced).
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    #: People expected without being named one by one.
    expected_headcount: Mapped[int | None]
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: UTC; set when the group was deleted while its people had checked in: it leaves the
    #: lists and keeps its people's membership, so restoring it brings everything back.
    archived_at: Mapped[dt.datetime | None]

    event: Mapped[Event] = relationship()
    invitations: Mapped[list[Invitation]] = relationship(back_populates="group")


class Contact(db.Model):
    """An entry of a unit's contact book, so the same people are invited without retyping."""

    __tablename__ = "contact"
    __table_args__ = (Index("ix_contact_unit_name", "unit_id", "full_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    full_name: Mapped[str] = mapped_column(String(200))
    #: Chức vụ: "Phó Chủ tịch UBND huyện".
    title: Mapped[str] = mapped_column(String(300), default="", server_default="")
    #: Đơn vị of the person (not a Unit of this app): "UBND huyện Bạch Thông".
    organisation: Mapped[str] = mapped_column(String(300), default="", server_default="")
    #: Normalised to 10 digits starting with 0 ("0912345678"); personal data.
    phone: Mapped[str] = mapped_column(String(20), default="", server_default="")
    #: Lower-cased; personal data.
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())

    unit: Mapped[Unit] = relationship()


class Invitee(db.Model):
    """A person invited by a unit to one or more events of a campaign."""

    __tablename__ = "invitee"
    __table_args__ = (Index("ix_invitee_campaign_unit", "campaign_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    #: The inviting unit; its organisers manage the invitee and see the contact details.
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))
    full_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300), default="", server_default="")
    organisation: Mapped[str] = mapped_column(String(300), default="", server_default="")
    phone: Mapped[str] = mapped_column(String(20), default="", server_default="")
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    #: Order of introduction at a ceremony ("giới thiệu đại biểu"): 1 first; empty last.
    protocol_rank: Mapped[int | None]
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: The secret in the QR code (≥ 128 random bits); None while revoked.
    token: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_issued_at: Mapped[dt.datetime | None]
    email_state: Mapped[EmailState] = mapped_column(
        db.Enum(EmailState, name="email_state", values_callable=enum_values, length=16),
        default=EmailState.NOT_SENT,
        server_default=EmailState.NOT_SENT.value,
    )
    #: Why the last sending failed, as the mail server said it.
    email_error: Mapped[str] = mapped_column(Text, default="", server_default="")
    email_sent_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    #: UTC; set when the invitee was deleted after checking in somewhere: hidden from lists,
    #: searches and scanners, their check-ins still count.
    archived_at: Mapped[dt.datetime | None]

    campaign: Mapped[Campaign] = relationship()
    unit: Mapped[Unit] = relationship()
    contact: Mapped[Contact | None] = relationship()
    invitations: Mapped[list[Invitation]] = relationship(
        back_populates="invitee", cascade="all, delete-orphan"
    )


class Invitation(db.Model):
    """An invitee invited to one event, in one of its groups, with their answer."""

    __tablename__ = "invitation"
    __table_args__ = (UniqueConstraint("invitee_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invitee_id: Mapped[int] = mapped_column(ForeignKey("invitee.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitee_group.id", ondelete="SET NULL"), index=True
    )
    rsvp: Mapped[Rsvp] = mapped_column(
        db.Enum(Rsvp, name="rsvp", values_callable=enum_values, length=16),
        default=Rsvp.PENDING,
        server_default=Rsvp.PENDING.value,
    )
    rsvp_at: Mapped[dt.datetime | None]

    invitee: Mapped[Invitee] = relationship(back_populates="invitations")
    event: Mapped[Event] = relationship()
    group: Mapped[InviteeGroup | None] = relationship(back_populates="invitations")


class RevokedToken(db.Model):
    """Tokens that were revoked, kept as hashes so a scanner can say "revoked", not "unknown"."""

    __tablename__ = "revoked_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the old token, hex.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invitee_id: Mapped[int] = mapped_column(ForeignKey("invitee.id", ondelete="CASCADE"))
    revoked_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())

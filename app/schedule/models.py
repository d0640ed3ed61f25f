"""Campaigns, their events (the week's schedule) and each event's run-sheet."""

from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, enum_values
from app.reports.models import ReportRow, ReportTemplate
from app.units.models import Unit


class EventKind(enum.Enum):
    OPENING = "opening"  # Lễ khai mạc
    CLOSING = "closing"  # Tổng kết / bế mạc
    ACTIVITY = "activity"  # Hoạt động

    @property
    def label(self) -> str:
        return str(EVENT_KIND_LABELS[self])


EVENT_KIND_LABELS = {
    EventKind.OPENING: _l("Opening ceremony"),
    EventKind.CLOSING: _l("Closing ceremony"),
    EventKind.ACTIVITY: _l("Activity"),
}


class EventFormat(enum.Enum):
    IN_PERSON = "in_person"
    ONLINE = "online"
    HYBRID = "hybrid"

    @property
    def label(self) -> str:
        return str(EVENT_FORMAT_LABELS[self])


EVENT_FORMAT_LABELS = {
    EventFormat.IN_PERSON: _l("In person"),
    EventFormat.ONLINE: _l("Online"),
    EventFormat.HYBRID: _l("In person and online"),
}


class Campaign(db.Model):
    """The year's week ("Tuần lễ hưởng ứng học tập suốt đời năm 2023") as a unit plans it.

    A campaign created by a unit is visible to every unit below it, which adds its own events.
    """

    __tablename__ = "campaign"
    __table_args__ = (CheckConstraint("end_date >= start_date", name="dates_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The unit that launched the campaign; units below it take part.
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    year: Mapped[int]
    #: Chủ đề, e.g. "Xây dựng năng lực tự học trong kỷ nguyên số".
    theme: Mapped[str] = mapped_column(String(500), default="", server_default="")
    #: Khẩu hiệu, one per line.
    slogans: Mapped[str] = mapped_column(Text, default="", server_default="")
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date]
    #: Hạn báo cáo: the date results reports are due at this unit.
    report_deadline: Mapped[dt.date | None]
    #: The statistics template the results report follows (its rows are event categories).
    report_template_id: Mapped[int | None] = mapped_column(ForeignKey("report_template.id"))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())

    unit: Mapped[Unit] = relationship()
    report_template: Mapped[ReportTemplate | None] = relationship()

    @property
    def slogan_list(self) -> list[str]:
        return [line.strip() for line in self.slogans.splitlines() if line.strip()]

    def __repr__(self) -> str:
        return f"<Campaign {self.year} {self.unit_id}>"


class Event(db.Model):
    """One row of the week's schedule: a ceremony or an activity hosted by a unit."""

    __tablename__ = "event"
    __table_args__ = (
        CheckConstraint("end_time IS NULL OR start_time IS NULL OR end_time > start_time",
                        name="times_in_order"),
        CheckConstraint("expected_attendance IS NULL OR expected_attendance >= 0",
                        name="attendance_not_negative"),
        Index("ix_event_campaign_date", "campaign_id", "date"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    #: Đơn vị: the host, a unit of the organiser's subtree.
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    kind: Mapped[EventKind] = mapped_column(
        db.Enum(EventKind, name="event_kind", values_callable=enum_values, length=16)
    )
    #: Nội dung as the schedule prints it.
    title: Mapped[str] = mapped_column(Text)
    #: Longer description, shown on the event page and the invitation.
    content: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Free-text partner: "Hội Khuyến học phối hợp với Hội Cựu chiến binh phường Láng Hạ".
    co_host: Mapped[str] = mapped_column(String(500), default="", server_default="")
    date: Mapped[dt.date]
    start_time: Mapped[dt.time | None]
    end_time: Mapped[dt.time | None]
    venue_name: Mapped[str] = mapped_column(String(300), default="", server_default="")
    venue_address: Mapped[str] = mapped_column(String(500), default="", server_default="")
    format: Mapped[EventFormat] = mapped_column(
        db.Enum(EventFormat, name="event_format", values_callable=enum_values, length=16),
        default=EventFormat.IN_PERSON,
        server_default=EventFormat.IN_PERSON.value,
    )
    #: The report template row the event's attendance counts towards.
    report_row_id: Mapped[int | None] = mapped_column(ForeignKey("report_row.id"), index=True)
    expected_attendance: Mapped[int | None]
    #: The organiser marked the event as held (it counts in the report even with no check-ins).
    held: Mapped[bool] = mapped_column(default=False, server_default=db.false())
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: TT as typed or imported; kept as given (the seeds number two rows "5").
    number: Mapped[str] = mapped_column(String(16), default="", server_default="")
    #: The secret in the venue poster's self check-in QR (≥ 128 random bits), made on demand.
    checkin_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Check-in opens this many minutes before the start and closes at the end of the day.
    checkin_opens_minutes: Mapped[int] = mapped_column(default=120, server_default="120")
    #: Walk-ins must type the code shown on the venue's screen (it changes every minute).
    walkin_code_required: Mapped[bool] = mapped_column(default=False, server_default=db.false())
    #: Key of the rotating walk-in code, made on demand.
    walkin_code_secret: Mapped[str | None] = mapped_column(String(64))
    #: Walk-ins allowed per device (a phone checking in a whole family needs more).
    walkins_per_device: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
    #: UTC; set when the event was deleted while holding check-ins or tallies: it leaves the
    #: schedule and the lists, and its attendance still counts in totals and reports.
    archived_at: Mapped[dt.datetime | None]

    campaign: Mapped[Campaign] = relationship()
    unit: Mapped[Unit] = relationship()
    report_row: Mapped[ReportRow | None] = relationship()
    program: Mapped[list[ProgramItem]] = relationship(
        back_populates="event", order_by="ProgramItem.position", cascade="all, delete-orphan"
    )

    @property
    def is_ceremony(self) -> bool:
        return self.kind in (EventKind.OPENING, EventKind.CLOSING)

    def __repr__(self) -> str:
        return f"<Event {self.date} {self.title[:30]!r}>"


class ProgramItem(db.Model):
    """One row of an event's run-sheet (CHƯƠNG TRÌNH: STT, Thời gian, Nội dung, Thực hiện)."""

    __tablename__ = "program_item"
    __table_args__ = (
        CheckConstraint("end_time IS NULL OR start_time IS NULL OR end_time > start_time",
                        name="times_in_order"),
        Index("ix_program_item_event_position", "event_id", "position"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    #: 1-based order in the run-sheet; STT is printed from it.
    position: Mapped[int]
    start_time: Mapped[dt.time | None]
    end_time: Mapped[dt.time | None]
    content: Mapped[str] = mapped_column(Text)
    #: Thực hiện: who leads the item ("Lãnh đạo UBND huyện.").
    performer: Mapped[str] = mapped_column(String(500), default="", server_default="")

    event: Mapped[Event] = relationship(back_populates="program")

    def __repr__(self) -> str:
        return f"<ProgramItem {self.position} {self.content[:30]!r}>"


class ImportUpload(db.Model):
    """A file or pasted text waiting between an import's preview and its confirmation.

    Kept in the database (not in memory or the session) so the confirmation works whichever
    app process answers it; removed once imported, and after a day if never confirmed.
    """

    __tablename__ = "import_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random, so one user cannot confirm another's upload by guessing.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    #: "schedule" (target: a campaign) or "runsheet" (target: an event).
    kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int]
    filename: Mapped[str] = mapped_column(String(255), default="", server_default="")
    data: Mapped[bytes | None] = mapped_column(db.LargeBinary)
    pasted: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now(), index=True)

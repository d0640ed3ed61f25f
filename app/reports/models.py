"""Report templates as data (the numbered rows of a "Mẫu tổng hợp số liệu") and each unit's
results report for a campaign: typed figures and overrides, narrative, workflow, and the
figures frozen when the report is submitted (what the parent unit adds up).

Events pick their category from a template's rows.
"""

from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, enum_values
from app.units.models import Unit


class RowSource(enum.Enum):
    """How a row's figures are obtained."""

    HEADING = "heading"  #: a section title whose figures are the sum of the rows below it
    SUM = "sum"  #: "Tổng số … trong đó": the sum of the following sibling rows
    EVENTS = "events"  #: derived from the events of this category (events held, persons)
    OPENING_UNITS = "opening_units"  #: units below that held an opening ceremony
    TYPED = "typed"  #: typed in by the report officer (articles, books, VND …)

    @property
    def label(self) -> str:
        return str(ROW_SOURCE_LABELS[self])


ROW_SOURCE_LABELS = {
    RowSource.HEADING: _l("Section (sum of its rows)"),
    RowSource.SUM: _l("Total of the rows that follow"),
    RowSource.EVENTS: _l("From events of this category"),
    RowSource.OPENING_UNITS: _l("Units that held an opening ceremony"),
    RowSource.TYPED: _l("Typed in"),
}


class ReportTemplate(db.Model):
    """A statistics template, e.g. Bến Tre 2022's "Mẫu tổng hợp số liệu kết quả tổ chức Tuần lễ"."""

    __tablename__ = "report_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    #: The template every campaign gets unless it picks another.
    is_default: Mapped[bool] = mapped_column(default=False, server_default=db.false())
    #: The unit whose administrators imported it and manage it; None: shared by the whole
    #: installation (the built-in one), managed by the administrators of a top-level unit.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())

    unit: Mapped[Unit | None] = relationship()

    rows: Mapped[list[ReportRow]] = relationship(
        back_populates="template", order_by="ReportRow.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<ReportTemplate {self.name!r}>"


class ReportRow(db.Model):
    """One row of a template: "Giáo dục kỹ năng sống cho học sinh", lớp/người, from events."""

    __tablename__ = "report_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("report_template.id"), index=True)
    #: Order of the row in the printed table.
    position: Mapped[int]
    #: STT as printed: "1", "2" … on sections, empty on sub-rows.
    number: Mapped[str] = mapped_column(String(16), default="", server_default="")
    label: Mapped[str] = mapped_column(Text)
    #: Đơn vị tính as printed: "lớp/người", "tin, bài", "đồng" …
    unit_of_measure: Mapped[str] = mapped_column(String(64), default="", server_default="")
    #: The section row this row belongs to.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("report_row.id"), index=True)
    source: Mapped[RowSource] = mapped_column(
        db.Enum(RowSource, name="row_source", values_callable=enum_values, length=32)
    )
    #: For OPENING_UNITS: which units count ("district" or "education").
    unit_filter: Mapped[str | None] = mapped_column(String(32))
    #: Events can be filed under this row (its activities, or "Tổ chức Lễ khai mạc").
    is_category: Mapped[bool] = mapped_column(default=False, server_default=db.false())

    template: Mapped[ReportTemplate] = relationship(back_populates="rows")
    parent: Mapped[ReportRow | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<ReportRow {self.number or '-'} {self.label[:30]!r}>"


class ReportStatus(enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  #: locked; the parent unit counts its frozen figures
    ACCEPTED = "accepted"  #: the parent unit accepted it (still locked)
    RETURNED = "returned"  #: the parent unit sent it back with a comment; editable again

    @property
    def label(self) -> str:
        return str(REPORT_STATUS_LABELS[self])

    @property
    def is_locked(self) -> bool:
        return self in (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)


REPORT_STATUS_LABELS = {
    ReportStatus.DRAFT: _l("Draft"),
    ReportStatus.SUBMITTED: _l("Submitted"),
    ReportStatus.ACCEPTED: _l("Accepted"),
    ReportStatus.RETURNED: _l("Returned"),
}

#: The narrative sections of seed 002's outline, in order: (field, section, label).
NARRATIVE_FIELDS = (
    ("direction", "I", _l("Direction and the implementation plan")),
    ("activities", "I", _l("Activities carried out during the week")),
    ("budget_notes", "I", _l("Funding of the week")),
    ("results", "II", _l("Results achieved")),
    ("lessons", "II", _l("Lessons learned")),
    ("difficulties", "II", _l("Difficulties and shortcomings")),
    ("proposals", "II", _l("Recommendations and proposals")),
)


class Report(db.Model):
    """One unit's results report for one campaign ("Báo cáo kết quả tổ chức Tuần lễ")."""

    __tablename__ = "report"
    __table_args__ = (UniqueConstraint("campaign_id", "unit_id", name="one_report_per_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    status: Mapped[ReportStatus] = mapped_column(
        db.Enum(ReportStatus, name="report_status", values_callable=enum_values, length=16),
        default=ReportStatus.DRAFT,
        server_default=ReportStatus.DRAFT.value,
    )
    # I. Tổ chức triển khai; II. Đánh giá chung.
    direction: Mapped[str] = mapped_column(Text, default="", server_default="")
    activities: Mapped[str] = mapped_column(Text, default="", server_default="")
    budget_notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    results: Mapped[str] = mapped_column(Text, default="", server_default="")
    lessons: Mapped[str] = mapped_column(Text, default="", server_default="")
    difficulties: Mapped[str] = mapped_column(Text, default="", server_default="")
    proposals: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: UTC.
    submitted_at: Mapped[dt.datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[dt.datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    #: The parent unit's comment when it returned (or accepted) the report.
    review_comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    campaign = relationship("Campaign")
    unit = relationship("Unit")
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    entries: Mapped[list[ReportEntry]] = relationship(
        back_populates="report", cascade="all, delete-orphan"
    )
    figures: Mapped[list[ReportFigure]] = relationship(
        back_populates="report", cascade="all, delete-orphan"
    )
    history: Mapped[list[ReportAction]] = relationship(
        back_populates="report", order_by="ReportAction.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Report campaign={self.campaign_id} unit={self.unit_id} {self.status.value}>"


class ReportDeadline(db.Model):
    """The date a unit asks the units directly below it to submit by, earlier than its own so
    it has time to add them up; without one, they follow the campaign's deadline."""

    __tablename__ = "report_deadline"
    __table_args__ = (UniqueConstraint("campaign_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    #: The unit that set it (for the units directly below it).
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    due: Mapped[dt.date]
    set_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class ReportEntry(db.Model):
    """What the report officer typed on one row: a typed figure, an override of a derived
    figure (either column), and the row's note (Ghi chú)."""

    __tablename__ = "report_entry"
    __table_args__ = (UniqueConstraint("report_id", "row_id", name="one_entry_per_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"))
    row_id: Mapped[int] = mapped_column(ForeignKey("report_row.id", ondelete="CASCADE"), index=True)
    #: Số lớp / số cuộc (or the single figure of rows like "tin, bài", "đồng").
    count_value: Mapped[int | None] = mapped_column(BigInteger)
    #: Người.
    persons_value: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    report: Mapped[Report] = relationship(back_populates="entries")
    row: Mapped[ReportRow] = relationship()


class ReportFigure(db.Model):
    """One row's figures frozen when the report was submitted: what it showed and what the
    parent unit adds up. Derived values are kept beside overridden ones."""

    __tablename__ = "report_figure"
    __table_args__ = (UniqueConstraint("report_id", "row_id", name="one_figure_per_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"))
    row_id: Mapped[int] = mapped_column(ForeignKey("report_row.id", ondelete="CASCADE"), index=True)
    count: Mapped[int | None] = mapped_column(BigInteger)
    persons: Mapped[int | None] = mapped_column(BigInteger)
    derived_count: Mapped[int | None] = mapped_column(BigInteger)
    derived_persons: Mapped[int | None] = mapped_column(BigInteger)
    count_overridden: Mapped[bool] = mapped_column(default=False, server_default=db.false())
    persons_overridden: Mapped[bool] = mapped_column(default=False, server_default=db.false())

    report: Mapped[Report] = relationship(back_populates="figures")


class ReportAction(db.Model):
    """The report's workflow history: submitted, accepted, returned — who, when, comment."""

    __tablename__ = "report_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    status: Mapped[ReportStatus] = mapped_column(
        db.Enum(ReportStatus, name="report_status", values_callable=enum_values, length=16)
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    at: Mapped[dt.datetime]
    comment: Mapped[str] = mapped_column(Text, default="", server_default="")

    report: Mapped[Report] = relationship(back_populates="history")
    user = relationship("User")

"""Report templates as data: the numbered rows of a "Mẫu tổng hợp số liệu".

Only the template structure lives here for now; reports, figures and the workflow come with
the reports work. Events pick their category from a template's rows.
"""

from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, enum_values


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
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())

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

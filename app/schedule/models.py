"""Campaigns: one Lifelong Learning Week as a unit runs it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.units.models import Unit


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
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())

    unit: Mapped[Unit] = relationship()

    @property
    def slogan_list(self) -> list[str]:
        return [line.strip() for line in self.slogans.splitlines() if line.strip()]

    def __repr__(self) -> str:
        return f"<Campaign {self.year} {self.unit_id}>"

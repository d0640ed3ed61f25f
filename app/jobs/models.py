"""Long work (1,000 badges, a province's export, a batch of e-mails) as rows in the database.

A request creates a Job and returns at once; a worker (`flask --app wsgi jobs work`, or the
app itself right after the response in a single-process deployment) runs it and updates its
progress; the page polls a small progress partial. Nothing is held in a thread's memory, so any
app process can answer the polling.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db, enum_values


class JobState(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(db.Model):
    __tablename__ = "job"
    __table_args__ = (Index("ix_job_state_created", "state", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random, for the polling URL and the download.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    #: What to run, e.g. "invitations.badges"; see app/jobs/registry.py.
    kind: Mapped[str] = mapped_column(String(64))
    #: The job's arguments as JSON text.
    params: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    state: Mapped[JobState] = mapped_column(
        db.Enum(JobState, name="job_state", values_callable=enum_values, length=16),
        default=JobState.QUEUED,
        server_default=JobState.QUEUED.value,
    )
    done: Mapped[int] = mapped_column(default=0, server_default="0")
    total: Mapped[int] = mapped_column(default=0, server_default="0")
    #: A user-facing message when the job failed.
    error: Mapped[str] = mapped_column(Text, default="", server_default="")
    result: Mapped[bytes | None] = mapped_column(db.LargeBinary)
    result_name: Mapped[str] = mapped_column(String(255), default="", server_default="")
    result_mimetype: Mapped[str] = mapped_column(String(128), default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0

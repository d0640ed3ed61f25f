"""Running long work as Job rows: enqueue, run, report progress, keep the result.

A job kind is a function registered with `@job_kind("name")`; it receives the job's params and
a `progress(done, total)` callback, and returns a `JobResult` (a file to download) or None.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, select, update

from app.clock import utcnow
from app.extensions import db
from app.jobs.models import Job, JobState

log = logging.getLogger(__name__)

_KINDS: dict[str, Callable] = {}


@dataclass
class JobResult:
    content: bytes
    filename: str
    mimetype: str


class JobFailed(Exception):
    """Raised by a job with a message for the user."""


def job_kind(name: str):
    def register(func):
        _KINDS[name] = func
        return func

    return register


def purge_finished() -> int:
    """Delete the jobs finished more than JOB_RETENTION_HOURS ago, with their files: badges,
    cards and letters hold names and working QR codes, so they are not kept for ever. Returns
    how many went; the caller commits."""
    hours = current_app.config.get("JOB_RETENTION_HOURS", 24)
    cutoff = utcnow() - dt.timedelta(hours=hours)
    result = db.session.execute(
        delete(Job).where(Job.state.in_((JobState.DONE, JobState.FAILED)), Job.finished_at < cutoff)
    )
    return result.rowcount or 0


def enqueue(kind: str, params: dict, user_id: int | None, total: int = 0) -> Job:
    """Create a queued job (old finished ones are deleted on the way); the caller commits."""
    if kind not in _KINDS:
        raise KeyError(kind)
    purge_finished()
    job = Job(
        token=secrets.token_urlsafe(24),
        kind=kind,
        params=json.dumps(params),
        user_id=user_id,
        total=total,
    )
    db.session.add(job)
    db.session.flush()
    return job


def _claim(job_id: int) -> bool:
    """Mark a queued job as running; False if another worker took it first."""
    result = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == JobState.QUEUED)
        .values(state=JobState.RUNNING, started_at=utcnow())
    )
    db.session.commit()
    return result.rowcount == 1


def run_job(job_id: int) -> None:
    """Run one queued job to its end, recording progress as it goes."""
    if not _claim(job_id):
        return
    job = db.session.get(Job, job_id)
    func = _KINDS[job.kind]

    def progress(done: int, total: int | None = None) -> None:
        values = {"done": done} if total is None else {"done": done, "total": total}
        db.session.execute(update(Job).where(Job.id == job_id).values(**values))
        db.session.commit()

    try:
        result = func(json.loads(job.params), progress)
    except JobFailed as exc:
        db.session.rollback()
        _finish(job_id, JobState.FAILED, error=str(exc))
    except Exception:
        db.session.rollback()
        log.exception("job %s (%s) failed", job_id, job.kind)
        _finish(job_id, JobState.FAILED, error="internal")
    else:
        values = {}
        if result is not None:
            values = {
                "result": result.content,
                "result_name": result.filename,
                "result_mimetype": result.mimetype,
            }
        _finish(job_id, JobState.DONE, **values)


def _finish(job_id: int, state: JobState, **values) -> None:
    db.session.execute(
        update(Job).where(Job.id == job_id).values(state=state, finished_at=utcnow(), **values)
    )
    db.session.commit()


def run_pending(limit: int | None = None) -> int:
    """Run queued jobs, oldest first; returns how many were run."""
    count = 0
    while limit is None or count < limit:
        job_id = db.session.scalar(
            select(Job.id).where(Job.state == JobState.QUEUED).order_by(Job.created_at, Job.id)
        )
        if job_id is None:
            break
        run_job(job_id)
        count += 1
    return count


def start_after_response(response, job: Job):
    """Run the job once this response has been sent (JOBS_INLINE, the default): the user gets
    the progress page at once, other users are served by the other threads and workers, and
    the progress lives in the database for whichever process answers the polling. Deployments
    with a separate `flask --app wsgi jobs work` process set JOBS_INLINE=false."""
    if not current_app.config.get("JOBS_INLINE", True):
        return response
    app = current_app._get_current_object()
    job_id = job.id

    def run():
        with app.app_context():
            run_job(job_id)

    response.call_on_close(run)
    return response

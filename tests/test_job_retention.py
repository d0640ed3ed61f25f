"""Finished jobs (badge and card PDFs: names and working QR codes) are deleted once they are
older than JOB_RETENTION_HOURS: when the next job is queued, by the worker, or by
`flask jobs purge`; queued and running jobs are never touched."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.jobs.models import Job, JobState
from app.jobs.services import enqueue, job_kind, purge_finished

NOW = dt.datetime.now(dt.UTC).replace(tzinfo=None)


@job_kind("tests.noop")
def _noop(_params, _progress):
    return None


@pytest.fixture
def jobs(db, make_unit, make_user):
    """Jobs in every state; the finished ones 2 days or 1 hour ago."""
    user = make_user(make_unit())

    def job(name: str, state: JobState, finished_hours_ago: float | None) -> Job:
        finished = None
        if finished_hours_ago is not None:
            finished = NOW - dt.timedelta(hours=finished_hours_ago)
        row = Job(token=name, kind="tests.noop", user_id=user.id, state=state,
                  finished_at=finished, result=b"%PDF badges" if state is JobState.DONE else None)  # fmt: skip
        db.session.add(row)
        return row

    job("old-done", JobState.DONE, 48)
    job("old-failed", JobState.FAILED, 30)
    job("new-done", JobState.DONE, 1)
    job("queued", JobState.QUEUED, None)
    job("running", JobState.RUNNING, None)
    db.session.commit()
    return user


def tokens(db) -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(Job.token)))


def test_the_service_deletes_only_old_finished_jobs(db, jobs):
    assert purge_finished() == 2
    db.session.commit()
    assert tokens(db) == ["new-done", "queued", "running"]


def test_the_retention_is_configurable(app, db, jobs, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_RETENTION_HOURS", 0.5)
    assert purge_finished() == 3
    db.session.commit()
    assert tokens(db) == ["queued", "running"]


def test_queueing_a_job_clears_the_old_ones(db, jobs):
    enqueue("tests.noop", {}, jobs.id)
    db.session.commit()
    assert "old-done" not in tokens(db) and len(tokens(db)) == 4


def test_the_purge_command(app, db, jobs):
    result = app.test_cli_runner().invoke(args=["jobs", "purge"])
    assert result.exit_code == 0, result.output
    assert "2" in result.output
    assert tokens(db) == ["new-done", "queued", "running"]


def test_a_deleted_jobs_download_is_not_found(client, auth, db, jobs):
    auth.login(jobs)
    assert client.get("/jobs/old-done/download").status_code == 200
    purge_finished()
    db.session.commit()
    assert client.get("/jobs/old-done/download").status_code == 404
    assert client.get("/jobs/new-done/download").status_code == 200

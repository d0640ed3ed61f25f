"""Progress of a job (polled by htmx) and its result's download."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template
from flask_login import current_user, login_required
from sqlalchemy import select

from app.extensions import db
from app.jobs.models import Job, JobState

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def get_job_or_404(token: str) -> Job:
    """A job of the current user (jobs hold personal data: only their owner sees them)."""
    job = db.session.scalar(select(Job).where(Job.token == token))
    if job is None or job.user_id != current_user.id:
        abort(404)
    return job


@bp.get("/<token>")
@login_required
def progress(token: str):
    """The progress partial; it polls itself until the job is done or failed."""
    return render_template("jobs/_progress.html", job=get_job_or_404(token))


@bp.get("/<token>/download")
@login_required
def download(token: str):
    """The file the job made."""
    job = get_job_or_404(token)
    if job.state is not JobState.DONE or job.result is None:
        abort(404)
    response = Response(job.result, mimetype=job.result_mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{job.result_name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response

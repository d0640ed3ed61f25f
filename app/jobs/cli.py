"""`flask --app wsgi jobs work`: run queued jobs in a separate process."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from app.extensions import db
from app.jobs.services import purge_finished, run_pending

jobs_cli = AppGroup("jobs", help="Background jobs.")


@jobs_cli.command("work")
@click.option("--once", is_flag=True, help="Run what is queued, then stop.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between looks.")
def work_command(once: bool, interval: float):
    """Run queued jobs (badges, exports, e-mails) until stopped."""
    while True:
        purge_finished()
        db.session.commit()
        count = run_pending()
        if count:
            click.echo(f"ran {count} job(s)")
        if once:
            return
        time.sleep(interval)


@jobs_cli.command("purge")
def purge_command():
    """Delete finished jobs older than JOB_RETENTION_HOURS, with their files."""
    count = purge_finished()
    db.session.commit()
    click.echo(f"deleted {count} finished job(s)")

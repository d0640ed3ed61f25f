"""`flask --app wsgi backup [PATH]` and `flask --app wsgi restore PATH`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import with_appcontext

from app.backup.archive import BackupError, Manifest, TableEntry
from app.backup.services import backup_database, restore_database
from app.extensions import db

PERSONAL_DATA_NOTE = (
    "The archive holds personal data (names, phone numbers, e-mails): keep it where only "
    "the administrators can read it."
)


def _code_revision() -> str:
    """The schema revision this version of the app expects: the head of its migrations."""
    directory = current_app.extensions["migrate"].directory
    return "+".join(sorted(ScriptDirectory(str(directory)).get_heads()))


def _default_path() -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    folder = Path(current_app.instance_path) / "backups"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder / f"llw-backup-{stamp}.zip"


def _echo_table(entry: TableEntry) -> None:
    click.echo(f"  {entry.name:<24} {entry.rows:>9} rows")


def _size(path: Path) -> str:
    size = path.stat().st_size
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


@click.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace PATH if it exists.")
@with_appcontext
def backup_command(path: Path | None, overwrite: bool):
    """Write the whole database to a portable archive (.zip) at PATH.

    Without PATH the archive goes to instance/backups/. It holds personal data.
    """
    path = path or _default_path()
    if path.exists() and not overwrite:
        raise click.ClickException(f"{path} already exists; choose another path or --overwrite.")
    if not path.parent.is_dir():
        raise click.ClickException(f"The folder {path.parent} does not exist.")
    click.echo(f"Backing up the {db.engine.dialect.name} database to {path}:")
    try:
        manifest = backup_database(
            db.engine,
            db.metadata,
            path,
            expected_revision=_code_revision(),
            on_table=_echo_table,
        )
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Backup written: {manifest.total_rows} rows in {len(manifest.tables)} tables, "
        f"schema revision {manifest.schema_revision}, {_size(path)}."
    )
    click.echo(PERSONAL_DATA_NOTE)


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(path: Path):
    """Restore an archive made by `backup` into an empty database.

    Create the database and run `flask --app wsgi db upgrade` first. The restore is one
    transaction: on any problem nothing is written.
    """

    def verified(manifest: Manifest) -> None:
        click.echo(
            f"Archive checked: made {manifest.created_at} on {manifest.source_engine or '?'}, "
            f"schema revision {manifest.schema_revision}, {manifest.total_rows} rows."
        )
        click.echo(f"Restoring into the {db.engine.dialect.name} database:")

    try:
        manifest = restore_database(db.engine, path, on_verified=verified, on_table=_echo_table)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored {manifest.total_rows} rows in {len(manifest.tables)} tables.")

"""Back the database up into an archive; restore an archive into an empty database.

The backup reads every table of the app's metadata from one consistent snapshot, streaming
rows. The restore works from the target database's own schema (reflected), so an archive
restores into any database at the archive's schema revision, on SQLite or PostgreSQL, in one
transaction: refused before anything is written when the database is not empty, the revision
differs or the archive is damaged.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from alembic.migration import MigrationContext
from sqlalchemy import Integer, MetaData, Table, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from app.backup.archive import (
    ArchiveReader,
    ArchiveWriter,
    BackupError,
    DamagedArchive,
    Manifest,
    TableEntry,
    utc_timestamp,
)
from app.backup.codec import UnknownColumnType, column_kind, encode, select_expression

VERSION_TABLE = "alembic_version"
#: Rows fetched (backup) or inserted (restore) at a time; fewer when a table holds files.
BATCH_ROWS = 1000
BATCH_ROWS_WITH_FILES = 5

Progress = Callable[[TableEntry], None]


def schema_revision(conn: Connection) -> str | None:
    """The Alembic revision the database is at, or None when it was never migrated."""
    heads = MigrationContext.configure(conn).get_current_heads()
    return "+".join(sorted(heads)) if heads else None


def _batch_size(kinds) -> int:
    return BATCH_ROWS_WITH_FILES if "bytes" in kinds else BATCH_ROWS


# --- backup ---------------------------------------------------------------------------------


@contextlib.contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only connection that sees the whole database as of one moment, so a backup
    taken while the app runs is consistent across tables."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        elif engine.dialect.name == "sqlite":
            # pysqlite starts transactions only before writes; a read snapshot needs one now.
            conn.exec_driver_sql("BEGIN")
        try:
            yield conn
        finally:
            conn.rollback()


def _encoded_rows(conn: Connection, table: Table, columns: list[tuple]) -> Iterator[dict]:
    statement = (
        select(*(select_expression(column, kind) for column, kind in columns))
        .order_by(*table.primary_key.columns)
        .execution_options(yield_per=_batch_size(kind for _, kind in columns))
    )
    names = [(column.name, kind) for column, kind in columns]
    for row in conn.execute(statement):
        yield {name: encode(kind, value) for (name, kind), value in zip(names, row, strict=True)}


def backup_database(
    engine: Engine,
    metadata: MetaData,
    path: Path,
    *,
    expected_revision: str,
    on_table: Progress | None = None,
) -> Manifest:
    """Write every table of `metadata` (in foreign-key order) into an archive at `path`."""
    try:
        plans = [
            (table, [(column, column_kind(column)) for column in table.columns])
            for table in metadata.sorted_tables
        ]
    except UnknownColumnType as exc:
        raise BackupError(str(exc)) from exc
    with _snapshot(engine) as conn:
        revision = schema_revision(conn)
        if revision is None:
            raise BackupError(
                "The database has no schema revision (no alembic_version table): "
                "it was not created with `flask --app wsgi db upgrade`."
            )
        if revision != expected_revision:
            raise BackupError(
                f"The database is at schema revision {revision}, but this version of the app "
                f"expects {expected_revision}. Run `flask --app wsgi db upgrade` first (or back "
                "up with the version of the app that matches the database)."
            )
        manifest = Manifest(
            schema_revision=revision,
            created_at=utc_timestamp(),
            source_engine=engine.dialect.name,
        )
        with ArchiveWriter(path, manifest) as writer:
            for table, columns in plans:
                entry = writer.add_table(
                    table.name,
                    [(column.name, kind) for column, kind in columns],
                    _encoded_rows(conn, table, columns),
                )
                if on_table is not None:
                    on_table(entry)
    return manifest


# --- restore --------------------------------------------------------------------------------


@dataclass
class _Target:
    """The database's tables, reflected, in foreign-key order."""

    tables: list[Table]

    @classmethod
    def reflect(cls, conn: Connection) -> _Target:
        metadata = MetaData()
        metadata.reflect(conn)
        return cls([table for table in metadata.sorted_tables if table.name != VERSION_TABLE])


@contextlib.contextmanager
def _write_transaction(conn: Connection) -> Iterator[None]:
    """One transaction for the whole restore; on SQLite it takes the write lock at once, so the
    emptiness check and the inserts cannot be interleaved with another writer."""
    with conn.begin():
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        yield


def _check_revision(conn: Connection, manifest: Manifest) -> str:
    revision = schema_revision(conn)
    if revision is None:
        raise BackupError(
            "The database has no schema: create it with `flask --app wsgi db upgrade`, "
            "then restore. Nothing was changed."
        )
    if revision != manifest.schema_revision:
        raise BackupError(
            f"The archive was made at schema revision {manifest.schema_revision}; this database "
            f"is at revision {revision}. Bring the empty database to the archive's revision "
            f"first (`flask --app wsgi db upgrade {manifest.schema_revision}` or "
            f"`flask --app wsgi db downgrade {manifest.schema_revision}`), restore, then run "
            "`flask --app wsgi db upgrade`. Nothing was changed."
        )
    return revision


def _check_same_tables(target: _Target, manifest: Manifest) -> None:
    """The archive and the database, at the same revision, must have the same columns."""
    ours = {table.name: {column.name for column in table.columns} for table in target.tables}
    theirs = {entry.name: {name for name, _ in entry.columns} for entry in manifest.tables}
    problems = []
    if missing := sorted(ours.keys() - theirs.keys()):
        problems.append(f"tables missing from the archive: {', '.join(missing)}")
    if unknown := sorted(theirs.keys() - ours.keys()):
        problems.append(f"tables this database does not have: {', '.join(unknown)}")
    for name in sorted(ours.keys() & theirs.keys()):
        if ours[name] != theirs[name]:
            problems.append(f"the columns of table {name} differ")
    if problems:
        raise BackupError(
            "The archive does not fit this database although both are at revision "
            f"{manifest.schema_revision}: {'; '.join(problems)}. Nothing was changed."
        )


def _check_empty(conn: Connection, target: _Target) -> None:
    filled = []
    for table in target.tables:
        count = conn.scalar(select(func.count()).select_from(table))
        if count:
            filled.append(f"{table.name}: {count}")
    if filled:
        raise BackupError(
            f"The database is not empty ({', '.join(filled)} rows). Restore only into an empty "
            "database: create a new one, run `flask --app wsgi db upgrade`, then restore. "
            "Nothing was changed."
        )


def _insert_rows(conn: Connection, table: Table, entry: TableEntry, rows: Iterator[dict]) -> int:
    """Insert a table's rows in batches, keeping their ids. A row whose parent (a reference to
    the same table: unit.parent_id, report_row.parent_id) comes later is inserted without it,
    and the reference is set once the whole table is in."""
    primary_key = list(table.primary_key.columns)
    self_references = []
    if len(primary_key) == 1:
        self_references = [
            fk.parent.name
            for fk in table.foreign_keys
            if fk.column.table is table and fk.column is primary_key[0]
        ]
    key = primary_key[0].name if self_references else None
    seen: set = set()
    later: list[tuple[object, dict]] = []
    size = _batch_size(kind for _, kind in entry.columns)
    batch: list[dict] = []
    count = 0
    for row in rows:
        if key is not None:
            seen.add(row[key])
            missing = {
                name: row[name]
                for name in self_references
                if row[name] is not None and row[name] not in seen
            }
            if missing:
                if any(not table.c[name].nullable for name in missing):
                    raise BackupError(
                        f"Table {table.name} refers to rows of itself that come later and the "
                        "reference cannot be left empty meanwhile. Nothing was changed."
                    )
                later.append((row[key], missing))
                row = {**row, **dict.fromkeys(missing)}
        batch.append(row)
        count += 1
        if len(batch) >= size:
            conn.execute(table.insert(), batch)
            batch = []
    if batch:
        conn.execute(table.insert(), batch)
    for key_value, values in later:
        conn.execute(table.update().where(primary_key[0] == key_value).values(values))
    return count


def _reset_sequences(conn: Connection, target: _Target) -> None:
    """PostgreSQL: rows came in with their ids; move each id sequence past the largest one so
    new rows get fresh ids. (SQLite takes max(id) + 1 by itself.)"""
    if conn.dialect.name != "postgresql":
        return
    preparer = conn.dialect.identifier_preparer
    for table in target.tables:
        primary_key = list(table.primary_key.columns)
        if len(primary_key) != 1 or not isinstance(primary_key[0].type, Integer):
            continue
        column = primary_key[0]
        largest = func.max(column)
        conn.execute(
            select(
                func.setval(
                    func.pg_get_serial_sequence(preparer.format_table(table), column.name),
                    func.coalesce(largest, 1),
                    largest.is_not(None),
                )
            ).select_from(table)
        )


def _refusal(exc: SQLAlchemyError, table: str | None) -> BackupError:
    """A database error, told without the row's values (they may be personal data)."""
    original = getattr(exc, "orig", None) or exc
    where = f" in table {table}" if table else ""
    if type(original).__module__.startswith("sqlite3"):
        # SQLite names the constraint or the problem, never the values.
        what = f" ({original})"
    else:
        # PostgreSQL's messages can quote values; name only the constraint.
        constraint = getattr(getattr(original, "diag", None), "constraint_name", None)
        what = f" (constraint {constraint})" if constraint else ""
    return BackupError(
        f"The database refused the restore{where}: {type(original).__name__}{what}. "
        "Nothing was changed."
    )


def restore_database(
    engine: Engine,
    path: Path,
    *,
    on_verified: Callable[[Manifest], None] | None = None,
    on_table: Progress | None = None,
) -> Manifest:
    """Restore the archive at `path` into the empty database behind `engine`."""
    with ArchiveReader(path) as archive:
        manifest = archive.manifest
        current = None
        with engine.connect() as conn:
            try:
                with _write_transaction(conn):
                    _check_revision(conn, manifest)
                    target = _Target.reflect(conn)
                    _check_same_tables(target, manifest)
                    _check_empty(conn, target)
                    archive.verify()
                    if on_verified is not None:
                        on_verified(manifest)
                    entries = {entry.name: entry for entry in manifest.tables}
                    for table in target.tables:
                        current = table.name
                        entry = entries[table.name]
                        inserted = _insert_rows(conn, table, entry, archive.rows(entry))
                        if inserted != entry.rows:
                            raise DamagedArchive(
                                f"table {table.name} has {inserted} rows where the manifest "
                                f"says {entry.rows}"
                            )
                        if on_table is not None:
                            on_table(entry)
                    current = None
                    _reset_sequences(conn, target)
            except SQLAlchemyError as exc:
                raise _refusal(exc, current) from None
    return manifest

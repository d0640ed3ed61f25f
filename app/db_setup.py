"""Engine settings that differ between SQLite and PostgreSQL."""

from __future__ import annotations

import time

from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from app.extensions import db


def configure_engine_events(engine: Engine) -> None:
    """SQLite: enforce foreign keys and use WAL so readers do not block the writer."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def database_health() -> dict:
    """Ask the database a trivial question; report whether it answered and how fast."""
    started = time.perf_counter()
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "down" to a health check
        db.session.rollback()
        return {"status": "down", "engine": db.engine.dialect.name, "error": type(exc).__name__}
    elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
    return {"status": "ok", "engine": db.engine.dialect.name, "latency_ms": elapsed_ms}

"""The bare reference for the check-in benchmark: one Flask endpoint that inserts one row
through SQLAlchemy into a table with a unique constraint and answers JSON.

It is what a check-in cannot be faster than on the same stack (Flask, Flask-SQLAlchemy,
psycopg, PostgreSQL, gunicorn): no authentication, no permission check, no lookup of the
person, no rules. `gunicorn bench.reference_app:app` with DATABASE_URL set.
"""

from __future__ import annotations

import datetime as dt
import os

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String, UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Arrival(db.Model):
    """One person arrived at one event, once."""

    __tablename__ = "bench_arrival"
    __table_args__ = (UniqueConstraint("event_id", "code", name="uq_bench_arrival_event_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int]
    code: Mapped[str] = mapped_column(String(64))
    arrived_at: Mapped[dt.datetime]


def create_app(database_url: str | None = None) -> Flask:
    app = Flask(__name__)
    url = database_url or os.environ["DATABASE_URL"]
    app.config["SQLALCHEMY_DATABASE_URI"] = url.replace("postgresql://", "postgresql+psycopg://")
    db.init_app(app)

    @app.post("/checkin")
    def checkin():
        data = request.get_json()
        arrival = Arrival(
            event_id=int(data["event_id"]),
            code=str(data["code"])[:64],
            arrived_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        )
        db.session.add(arrival)
        try:
            db.session.flush()  # the INSERT; the unique constraint answers here
        except IntegrityError:
            db.session.rollback()
            return jsonify({"outcome": "already"}), 200
        body = {"outcome": "ok", "id": arrival.id}  # read before the commit expires it
        db.session.commit()
        return jsonify(body), 201

    return app


def create_schema(database_url: str) -> None:
    """Make the reference's table (called by the benchmark before gunicorn starts)."""
    app = create_app(database_url)
    with app.app_context():
        db.create_all()
        db.engine.dispose()


app = create_app() if os.environ.get("DATABASE_URL") else None

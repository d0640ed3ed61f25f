"""The signed-in home page and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.db_setup import database_health
from app.extensions import db
from app.schedule.services import campaigns_visible_to
from app.units.models import Unit
from app.units.services import subtree_query

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def dashboard():
    """The user's unit, the campaigns it takes part in, and where to go next."""
    unit = current_user.unit
    units_below = db.session.scalar(
        select(func.count()).select_from(subtree_query(unit).where(Unit.id != unit.id).subquery())
    )
    return render_template(
        "main/dashboard.html",
        unit=unit,
        units_below=units_below,
        campaigns=campaigns_visible_to(unit),
    )


@bp.get("/healthz")
def healthz():
    """Whether the app and its database answer; 503 when the database does not."""
    database = database_health()
    status = 200 if database["status"] == "ok" else 503
    body = {"status": "ok" if status == 200 else "degraded", "database": database}
    return jsonify(body), status

"""The audit trail of a unit and the units below it, for their administrators: newest first,
filtered by action, record, person and days, a page at a time; and its download as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import login_required

from app.audit.forms import AuditFilterForm
from app.audit.services import (
    AuditFilters,
    actor_label,
    audit_export_rows,
    audit_page,
    change_lines,
    changes_text,
    exported,
    object_type_label,
    users_of,
)
from app.audit.values import ValueNames
from app.htmx import wants_fragment
from app.i18n import format_date
from app.schedule.export_routes import slug
from app.units.models import Unit
from app.units.permissions import get_unit_or_404

bp = Blueprint("audit", __name__)

#: A cell starting with one of these is a formula to a spreadsheet: it is kept as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _utc_start(day: dt.date) -> dt.datetime:
    """Midnight at the venues on `day`, in UTC (how the trail keeps its moments)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    local = dt.datetime.combine(day, dt.time(0, 0)).replace(tzinfo=zone)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def _filters(unit: Unit) -> tuple[AuditFilterForm, AuditFilters]:
    """The filters from the query string; one that does not parse is shown with its error
    and left out."""
    form = AuditFilterForm(request.args, users=users_of(unit))
    form.validate()
    filters = AuditFilters()
    if not form.action.errors:
        filters.action = form.action.data or None
    if not form.object_type.errors:
        filters.object_type = form.object_type.data or None
    if not form.user.errors:
        filters.user_id = form.user.data or None
    if form.since.parsed is not None:
        filters.since = _utc_start(form.since.parsed)
    if form.until.parsed is not None:
        filters.until = _utc_start(form.until.parsed + dt.timedelta(days=1))
    return form, filters


def _filter_args() -> dict:
    return {key: value for key, value in request.args.items() if key != "cursor" and value}


@bp.get("/units/<int:unit_id>/audit")
@login_required
def log(unit_id: int):
    """Who did what, when and from where, in the unit and the units below it."""
    unit = get_unit_or_404(unit_id, need="manage")
    form, filters = _filters(unit)
    page = audit_page(unit, filters, request.args.get("cursor"))
    names = ValueNames.for_lines(line for line, _unit_name in page.lines)
    context = {
        "unit": unit,
        "form": form,
        "page": page,
        "filter_args": _filter_args(),
        "actor_label": actor_label,
        "change_lines": lambda line: change_lines(line, names),
        "object_type_label": object_type_label,
    }
    if wants_fragment():
        return render_template("audit/_table.html", **context)
    return render_template("audit/log.html", **context)


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@bp.get("/units/<int:unit_id>/audit.csv")
@login_required
def log_csv(unit_id: int):
    """The filtered trail as a CSV file (at most 10,000 lines, newest first); the download is
    itself recorded."""
    unit = get_unit_or_404(unit_id, need="manage")
    _form, filters = _filters(unit)
    rows = audit_export_rows(unit, filters)
    names = ValueNames.for_lines(line for line, _unit_name in rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["time_utc", "who", "unit", "action", "record", "record_id", "label", "changes",
         "detail", "ip", "user_agent"]
    )  # fmt: skip
    for line, unit_name in rows:
        writer.writerow(
            _cell(value)
            for value in (
                line.at.isoformat(sep=" ", timespec="seconds"),
                actor_label(line),
                unit_name or "",
                line.action_label,
                object_type_label(line.object_type),
                line.object_id,
                line.label,
                changes_text(line, names),
                line.detail,
                line.ip,
                line.user_agent,
            )
        )
    today = format_date(dt.date.today()).replace("/", "-")  # noqa: DTZ011
    filename = f"nhat-ky-{slug(unit.code)}-{today}.csv"
    exported(unit, filename)
    response = Response("\ufeff" + buffer.getvalue(), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response

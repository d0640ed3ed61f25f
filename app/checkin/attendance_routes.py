"""The attendance list download: the event's sign-in sheet as Excel, for every role that may
see the event (it shows names, titles and organisations, never phones or e-mails)."""

from __future__ import annotations

from flask import Response
from flask_babel import force_locale
from flask_login import login_required

from app.audit.services import exported
from app.checkin.attendance_xlsx import (
    MIMETYPE,
    attendance_list,
    attendance_workbook,
    filename,
)
from app.checkin.blueprint import bp
from app.schedule.permissions import get_event_or_404


@bp.get("/events/<int:event_id>/attendance.xlsx")
@login_required
def attendance_xlsx(event_id: int):
    """Who checked in and the headcounts, as a workbook to print and sign like the paper sheet."""
    event = get_event_or_404(event_id)
    # An official document: Vietnamese whatever the interface language (docs/decisions.md).
    with force_locale("vi"):
        data = attendance_workbook(attendance_list(event))
    response = Response(data, mimetype=MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename(event)}"'
    response.headers["Cache-Control"] = "private, no-store"
    exported(event, filename(event))
    return response

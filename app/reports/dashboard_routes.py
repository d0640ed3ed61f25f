"""The report officers' dashboard: live totals of a unit's subtree and who has reported.

Every role of the unit and of the units above it may open it (the report's visibility,
app/reports/permissions.py); anyone else gets 404.
"""

from __future__ import annotations

import datetime as dt

from flask import redirect, render_template, url_for
from flask_login import current_user, login_required

from app.htmx import wants_fragment
from app.i18n import format_time, to_local
from app.reports.blueprint import bp
from app.reports.dashboard import build_dashboard
from app.reports.permissions import get_report_context_or_404
from app.schedule.permissions import get_campaign_or_404


@bp.get("/campaigns/<int:campaign_id>/reports/<int:unit_id>/dashboard")
@login_required
def dashboard(campaign_id: int, unit_id: int):
    """The unit's totals per category, per day and per unit below, and the missing reports."""
    context = get_report_context_or_404(campaign_id, unit_id)
    dash = build_dashboard(context.campaign, context.unit, context.report)
    refreshed = format_time(to_local(dt.datetime.now(dt.UTC)))
    if wants_fragment():  # the page's own figures, polled
        return render_template("reports/_dashboard_body.html", dash=dash, refreshed=refreshed)
    # The unit above, when the user may open its dashboard too.
    up = context.unit.parent
    if up is not None and not (
        up.is_within(current_user.unit) and up.is_within(context.campaign.unit)
    ):
        up = None
    return render_template("reports/dashboard.html", dash=dash, up=up, refreshed=refreshed)


@bp.get("/campaigns/<int:campaign_id>/report-dashboard")
@login_required
def my_dashboard(campaign_id: int):
    """The dashboard of the user's own unit; of the campaign's unit for a user above it."""
    campaign = get_campaign_or_404(campaign_id)
    unit = current_user.unit
    if not unit.is_within(campaign.unit):
        unit = campaign.unit
    return redirect(url_for("reports.dashboard", campaign_id=campaign.id, unit_id=unit.id))

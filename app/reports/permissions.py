"""Who may see which report: one loader used by every report view, export and API call.

A report belongs to a unit of the campaign's subtree. The unit's own users and the users of
the units above it see it; anyone else gets 404. Editing and submitting belong to the unit's
report officers and administrators, reviewing to those of a unit above (app/reports/services).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from flask_login import current_user

from app.extensions import db
from app.reports.models import Report
from app.reports.services import can_see_report, find_report, reports_unit_in_campaign
from app.schedule.models import Campaign
from app.schedule.permissions import get_campaign_or_404
from app.units.models import Unit


@dataclass
class ReportContext:
    campaign: Campaign
    unit: Unit
    #: None until someone opens the report for editing.
    report: Report | None


def get_report_context_or_404(campaign_id: int, unit_id: int) -> ReportContext:
    """The campaign, the unit and its report, if the current user may see them."""
    campaign = get_campaign_or_404(campaign_id)
    unit = db.session.get(Unit, unit_id)
    if (
        unit is None
        or not can_see_report(current_user, unit)
        or not reports_unit_in_campaign(campaign, unit)
    ):
        abort(404)
    return ReportContext(campaign, unit, find_report(campaign, unit))

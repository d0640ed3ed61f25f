"""Copy last year's campaign into a new week, or one event into another campaign."""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.htmx import FORM_ERROR_STATUS
from app.i18n import format_date
from app.schedule.blueprint import bp
from app.schedule.models import Campaign
from app.schedule.permissions import get_campaign_or_404, get_event_or_404, visible_campaigns_query
from app.schedule.reuse import copied_counts, copy_campaign, copy_event
from app.schedule.reuse_forms import CampaignCopyForm, EventCopyForm
from app.schedule.services import ScheduleError


def _a_year_later(value: dt.date | None) -> dt.date | None:
    """The same day and month next year (29 February becomes the 28th)."""
    if value is None:
        return None
    try:
        return value.replace(year=value.year + 1)
    except ValueError:
        return value.replace(year=value.year + 1, day=28)


def _next_year(source: Campaign) -> dict:
    """The copy form's first values: next year, same days and months."""
    return {
        "name": source.name.replace(str(source.year), str(source.year + 1)),
        "year": source.year + 1,
        "start_date": _a_year_later(source.start_date),
        "end_date": _a_year_later(source.end_date),
        "report_deadline": _a_year_later(source.report_deadline),
    }


@bp.route("/campaigns/<int:campaign_id>/copy", methods=["GET", "POST"])
@login_required
def campaign_copy(campaign_id: int):
    """Start a new campaign for the user's unit from this one, with the events the unit's
    subtree hosted and their run-sheets, moved to the new week."""
    source = get_campaign_or_404(campaign_id, need="add_events")
    form = CampaignCopyForm(data=_next_year(source) if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            campaign = copy_campaign(
                source,
                unit=current_user.unit,
                name=form.name.data,
                year=form.year.data,
                start_date=form.start_date.parsed,
                end_date=form.end_date.parsed,
                report_deadline=form.report_deadline.parsed,
                within=current_user.unit,
            )
        except ScheduleError as exc:
            db.session.rollback()
            form.end_date.errors.append(str(exc))
        else:
            events, rows = copied_counts(campaign)
            db.session.commit()
            flash(
                _(
                    "The campaign has been created: %(events)s and %(rows)s copied.",
                    events=ngettext("%(num)d event", "%(num)d events", events),
                    rows=ngettext("%(num)d run-sheet row", "%(num)d run-sheet rows", rows),
                ),
                "success",
            )
            return redirect(url_for("schedule.schedule", campaign_id=campaign.id), code=303)
    status = FORM_ERROR_STATUS if form.errors else 200
    return render_template("schedule/campaign_copy.html", form=form, source=source), status


def _target_campaigns() -> list[Campaign]:
    """Campaigns the user may add events to, newest first."""
    return list(
        db.session.scalars(
            visible_campaigns_query(current_user)
            .options(joinedload(Campaign.unit))
            .order_by(Campaign.start_date.desc(), Campaign.id.desc())
        )
    )


@bp.route("/events/<int:event_id>/copy", methods=["GET", "POST"])
@login_required
def event_copy(event_id: int):
    """Copy an event and its run-sheet into another campaign, moved to that campaign's week."""
    event = get_event_or_404(event_id, need="edit")
    campaigns = _target_campaigns()
    default = next((c for c in campaigns if c.id != event.campaign_id), event.campaign)
    form = EventCopyForm(
        campaigns=campaigns,
        data={"campaign_id": default.id} if request.method == "GET" else None,
    )
    if form.validate_on_submit():
        target = get_campaign_or_404(form.campaign_id.data, need="add_events")
        copy = copy_event(event, target)
        db.session.commit()
        flash(
            _(
                "The event has been copied to %(campaign)s, on %(date)s, with %(rows)s.",
                campaign=target.name,
                date=format_date(copy.date),
                rows=ngettext("%(num)d run-sheet row", "%(num)d run-sheet rows", len(copy.program)),
            ),
            "success",
        )
        return redirect(url_for("schedule.event", event_id=copy.id), code=303)
    status = FORM_ERROR_STATUS if form.errors else 200
    return render_template("schedule/event_copy.html", form=form, event=event), status

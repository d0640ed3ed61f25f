"""Campaign pages and the week's schedule, with inline add, edit and delete of events."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from app.extensions import db
from app.htmx import FORM_ERROR_STATUS, retarget, wants_fragment
from app.reports.models import ReportRow, ReportTemplate
from app.reports.template_access import visible_templates
from app.schedule import rules
from app.schedule.blueprint import bp
from app.schedule.forms import CampaignForm, EventForm
from app.schedule.models import Campaign, Event, EventFormat, EventKind
from app.schedule.permissions import (
    can_edit_schedule,
    get_campaign_or_404,
    get_event_or_404,
    visible_campaigns_query,
)
from app.schedule.program_routes import program_context
from app.schedule.services import (
    CampaignData,
    EventData,
    ScheduleError,
    archived_events,
    category_rows,
    delete_event,
    event_holdings,
    events_of,
    group_by_day,
    restore_event,
    save_campaign,
    save_event,
    switch_report_template,
)
from app.units.permissions import get_unit_or_404
from app.units.services import units_in_tree_order

# --- campaigns ---------------------------------------------------------------------------


@bp.get("/campaigns")
@login_required
def campaigns():
    """Campaigns the user's unit takes part in or watches."""
    items = db.session.scalars(
        visible_campaigns_query(current_user).order_by(Campaign.start_date.desc(), Campaign.id)
    ).all()
    return render_template(
        "schedule/campaigns.html", campaigns=items, can_edit=can_edit_schedule(current_user)
    )


def _campaign_data(form: CampaignForm) -> CampaignData:
    return CampaignData(
        name=form.name.data,
        year=form.year.data,
        theme=form.theme.data or "",
        slogans=form.slogans.data or "",
        start_date=form.start_date.parsed,
        end_date=form.end_date.parsed,
        report_deadline=form.report_deadline.parsed,
    )


def _report_templates(campaign=None) -> list[ReportTemplate]:
    """The templates a campaign may pick (those the user sees, and the one it follows), the
    default first."""
    templates = list(db.session.scalars(visible_templates(current_user)))
    current = campaign.report_template if campaign is not None else None
    if current is not None and current not in templates:
        templates.append(current)
    return templates


def _picked_template(form: CampaignForm) -> ReportTemplate | None:
    """The template chosen in the form; None when the form did not send one."""
    if not form.report_template_id.data:
        return None
    return db.session.get(ReportTemplate, form.report_template_id.data)


def _moved_message(moved: int) -> str:
    return ngettext(
        "%(num)d event now counts under the category with the same name in the new template.",
        "%(num)d events now count under the categories with the same names in the new template.",
        moved,
    )


@bp.route("/campaigns/new", methods=["GET", "POST"])
@login_required
def campaign_new():
    """Launch a campaign for the user's unit; the units below take part."""
    if not can_edit_schedule(current_user):
        abort(403)
    default_id = db.session.scalar(
        select(ReportTemplate.id).where(ReportTemplate.is_default).order_by(ReportTemplate.id)
    )
    form = CampaignForm(templates=_report_templates(), data={"report_template_id": default_id})
    if form.validate_on_submit():
        campaign = save_campaign(None, current_user.unit, _campaign_data(form))
        template = _picked_template(form)
        if template is not None:
            switch_report_template(campaign, template)  # a new campaign has no events yet
        db.session.commit()
        flash(_("The campaign has been created."), "success")
        return redirect(url_for("schedule.schedule", campaign_id=campaign.id), code=303)
    status = FORM_ERROR_STATUS if form.errors else 200
    return render_template("schedule/campaign_form.html", form=form, campaign=None), status


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@login_required
def campaign_edit(campaign_id: int):
    """Change a campaign's name, theme, dates, slogans, deadline and report template."""
    campaign = get_campaign_or_404(campaign_id, need="edit")
    form = CampaignForm(obj=campaign, templates=_report_templates(campaign))
    if form.validate_on_submit():
        moved = 0
        try:
            template = _picked_template(form)
            if template is not None:
                moved = switch_report_template(campaign, template)
        except ScheduleError as exc:
            db.session.rollback()
            form.report_template_id.errors.append(str(exc))
        else:
            try:
                save_campaign(campaign, campaign.unit, _campaign_data(form))
            except ScheduleError as exc:
                db.session.rollback()
                form.end_date.errors.append(str(exc))
            else:
                db.session.commit()
                flash(_("The campaign has been saved."), "success")
                if moved:
                    flash(_moved_message(moved), "success")
                return redirect(url_for("schedule.schedule", campaign_id=campaign.id), code=303)
    status = FORM_ERROR_STATUS if form.errors else 200
    return render_template("schedule/campaign_form.html", form=form, campaign=campaign), status


# --- the schedule ------------------------------------------------------------------------


def _filters(campaign: Campaign) -> dict:
    """Unit and category filters from the query string, checked against what the user sees."""
    unit = None
    unit_id = request.args.get("unit", type=int)
    if unit_id:
        unit = get_unit_or_404(unit_id)
    row_id = request.args.get("category", type=int)
    if row_id and not any(row.id == row_id for row in category_rows(campaign)):
        row_id = None
    view = request.args.get("view", "table")
    return {"unit": unit, "row_id": row_id, "view": view if view in ("table", "day") else "table"}


def schedule_context(campaign: Campaign, filters: dict | None = None) -> dict:
    """Everything the schedule partial needs: events, warnings and conflict hints."""
    filters = filters or {"unit": None, "row_id": None, "view": "table"}
    events = events_of(campaign, current_user.unit, unit=filters["unit"], row_id=filters["row_id"])
    warnings = rules.schedule_warnings(events, campaign.start_date, campaign.end_date)
    clashes: dict[int, list[Event]] = {}
    for first, second in rules.venue_conflicts(events):
        clashes.setdefault(first.id, []).append(second)
        clashes.setdefault(second.id, []).append(first)
    return {
        "campaign": campaign,
        "events": events,
        "days": group_by_day(events),
        "warnings": warnings,
        "clashes": clashes,
        "filters": filters,
        "can_edit": can_edit_schedule(current_user),
    }


@bp.get("/campaigns/<int:campaign_id>")
@login_required
def schedule(campaign_id: int):
    """The week's schedule (TT, Giờ, Ngày, Đơn vị, Nội dung), as one table or by day."""
    campaign = get_campaign_or_404(campaign_id)
    context = schedule_context(campaign, _filters(campaign))
    if wants_fragment():
        return render_template("schedule/_schedule.html", **context)
    return render_template(
        "schedule/schedule.html",
        units=units_in_tree_order(current_user.unit),
        categories=category_rows(campaign),
        **context,
    )


# --- events ------------------------------------------------------------------------------


def _event_form(campaign: Campaign, **kwargs) -> EventForm:
    return EventForm(
        units=units_in_tree_order(current_user.unit),
        categories=category_rows(campaign),
        year=campaign.year,
        **kwargs,
    )


def _event_data(form: EventForm) -> EventData:
    row = db.session.get(ReportRow, form.report_row_id.data) if form.report_row_id.data else None
    return EventData(
        kind=EventKind(form.kind.data),
        title=form.title.data,
        unit=get_unit_or_404(form.unit_id.data),
        date=form.date.parsed,
        start_time=form.start_time.parsed,
        end_time=form.end_time.parsed,
        content=form.content.data or "",
        co_host=form.co_host.data or "",
        venue_name=form.venue_name.data or "",
        venue_address=form.venue_address.data or "",
        format=EventFormat(form.format.data),
        report_row=row,
        expected_attendance=form.expected_attendance.data,
        notes=form.notes.data or "",
        number=form.number.data or "",
    )


def _refreshed_schedule(campaign: Campaign, message: str | None = None):
    html = render_template("schedule/_schedule.html", message=message, **schedule_context(campaign))
    return retarget(html, "#schedule")


@bp.get("/campaigns/<int:campaign_id>/events/new")
@login_required
def event_new(campaign_id: int):
    """The inline form for a new event."""
    campaign = get_campaign_or_404(campaign_id, need="add_events")
    form = _event_form(
        campaign,
        data={"unit_id": current_user.unit_id, "date": campaign.start_date, "kind": "activity"},
    )
    return render_template("schedule/_event_new.html", form=form, campaign=campaign)


@bp.post("/campaigns/<int:campaign_id>/events")
@login_required
def event_create(campaign_id: int):
    """Add an event to the week's schedule."""
    campaign = get_campaign_or_404(campaign_id, need="add_events")
    form = _event_form(campaign)
    if form.validate_on_submit():
        try:
            save_event(None, campaign, _event_data(form))
        except ScheduleError as exc:
            db.session.rollback()
            form.title.errors.append(str(exc))
        else:
            db.session.commit()
            message = _("The event has been added.")
            if wants_fragment():
                return render_template(
                    "schedule/_event_created.html", message=message, **schedule_context(campaign)
                )
            flash(message, "success")
            return redirect(url_for("schedule.schedule", campaign_id=campaign.id), code=303)
    return render_template(
        "schedule/_event_new.html", form=form, campaign=campaign
    ), FORM_ERROR_STATUS


@bp.get("/events/<int:event_id>/row")
@login_required
def event_row(event_id: int):
    """One schedule row (cancels an inline edit)."""
    event = get_event_or_404(event_id)
    return render_template(
        "schedule/_event_row.html", event=event, **schedule_context(event.campaign)
    )


@bp.get("/events/<int:event_id>/edit")
@login_required
def event_edit(event_id: int):
    """One schedule row as an inline form."""
    event = get_event_or_404(event_id, need="edit")
    form = _event_form(
        event.campaign,
        obj=event,
        data={
            "kind": event.kind.value,
            "format": event.format.value,
            "report_row_id": event.report_row_id or 0,
            "date": event.date,
            "start_time": event.start_time,
            "end_time": event.end_time,
        },
    )
    return render_template("schedule/_event_edit.html", event=event, form=form)


@bp.post("/events/<int:event_id>")
@login_required
def event_update(event_id: int):
    """Save an event; the schedule is redrawn since its place may change."""
    event = get_event_or_404(event_id, need="edit")
    form = _event_form(event.campaign)
    if form.validate_on_submit():
        try:
            save_event(event, event.campaign, _event_data(form))
        except ScheduleError as exc:
            db.session.rollback()
            event = get_event_or_404(event_id, need="edit")
            form.title.errors.append(str(exc))
        else:
            db.session.commit()
            if wants_fragment():
                return _refreshed_schedule(event.campaign, _("The event has been saved."))
            flash(_("The event has been saved."), "success")
            return redirect(url_for("schedule.event", event_id=event.id), code=303)
    return render_template("schedule/_event_edit.html", event=event, form=form), FORM_ERROR_STATUS


@bp.get("/events/<int:event_id>/delete")
@login_required
def event_delete_confirm(event_id: int):
    """Ask before deleting, naming what the event holds (then it is archived instead)."""
    event = get_event_or_404(event_id, need="edit")
    holdings = event_holdings(event)
    context = {
        "event": event,
        "holdings": holdings,
        "message": holdings.describe() if holdings.any else _("Delete this event and its program?"),
    }
    if wants_fragment():
        return render_template("schedule/_event_delete.html", inline=True, **context)
    return render_template("schedule/event_delete.html", inline=False, **context)


@bp.post("/events/<int:event_id>/delete")
@login_required
def event_delete(event_id: int):
    """Delete an event and its run-sheet; one holding check-ins or headcounts is archived."""
    event = get_event_or_404(event_id, need="edit")
    campaign = event.campaign
    archived = delete_event(event).any
    db.session.commit()
    message = (
        _("The event has been archived: it left the schedule and its attendance still counts.")
        if archived
        else _("The event has been deleted.")
    )
    if wants_fragment():
        return _refreshed_schedule(campaign, message)
    flash(message, "success")
    return redirect(url_for("schedule.schedule", campaign_id=campaign.id), code=303)


@bp.post("/events/<int:event_id>/restore")
@login_required
def event_restore(event_id: int):
    """Bring an archived event back into the schedule."""
    event = get_event_or_404(event_id, need="edit")
    restore_event(event)
    db.session.commit()
    flash(_("The event is back in the schedule."), "success")
    return redirect(url_for("schedule.event", event_id=event.id), code=303)


@bp.get("/campaigns/<int:campaign_id>/archived")
@login_required
def archived(campaign_id: int):
    """The campaign's archived events of the user's subtree, to look at or restore."""
    campaign = get_campaign_or_404(campaign_id)
    return render_template(
        "schedule/archived.html",
        campaign=campaign,
        events=archived_events(campaign, current_user.unit),
        can_edit=can_edit_schedule(current_user),
    )


@bp.get("/events/<int:event_id>")
@login_required
def event(event_id: int):
    """An event's details and its run-sheet editor."""
    event = get_event_or_404(event_id)
    return render_template("schedule/event.html", **program_context(event))

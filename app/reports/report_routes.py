"""A unit's results report: the statistics table (derived, typed, overridden), the narrative,
the units below and the workflow (submit, accept, return)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.extensions import db
from app.htmx import wants_fragment
from app.i18n import format_date
from app.reports.blueprint import bp
from app.reports.deadlines import (
    DeadlineError,
    deadline_below,
    deadline_for,
    due_date,
    due_dates,
    set_deadline_below,
)
from app.reports.figures import LEAF_SOURCES, campaign_template, report_table, template_rows
from app.reports.forms import DeadlineBelowForm
from app.reports.models import NARRATIVE_FIELDS, Report, ReportStatus
from app.reports.permissions import ReportContext, get_report_context_or_404
from app.reports.services import (
    FigureInput,
    ReportError,
    accept,
    can_edit_report,
    can_review_report,
    can_submit_report,
    get_or_create_report,
    parse_figure,
    return_report,
    save_figures,
    save_narrative,
    submit,
)
from app.schedule.models import Campaign
from app.schedule.permissions import get_event_or_404, visible_campaigns_query
from app.units.models import Unit

FORM_ERROR_STATUS = 422


@bp.get("/reports")
@login_required
def index():
    """The reports the user's unit deals with: its own report on each campaign it takes part
    in, and for a campaign launched below it, the report of the launching unit (the roll-up)."""
    campaigns = db.session.scalars(
        visible_campaigns_query(current_user).order_by(Campaign.start_date.desc(), Campaign.id)
    ).all()
    # Whose report the row opens: the user's unit, or the unit below that launched the campaign.
    owners = {
        campaign.id: (
            current_user.unit if current_user.unit.is_within(campaign.unit) else campaign.unit
        )
        for campaign in campaigns
    }
    reports = {
        (report.campaign_id, report.unit_id): report
        for report in db.session.scalars(
            select(Report).where(
                Report.campaign_id.in_([campaign.id for campaign in campaigns]),
                Report.unit_id.in_({unit.id for unit in owners.values()}),
            )
        )
    }
    due = due_dates({campaign: owners[campaign.id] for campaign in campaigns})
    items = []
    for campaign in campaigns:
        owner = owners[campaign.id]
        report = reports.get((campaign.id, owner.id))
        items.append(
            (campaign, owner, report, deadline_for(campaign, report, due=due[campaign.id]))
        )
    return render_template("reports/index.html", items=items)


@bp.get("/campaigns/<int:campaign_id>/report")
@login_required
def my_report(campaign_id: int):
    return redirect(
        url_for("reports.report", campaign_id=campaign_id, unit_id=current_user.unit_id)
    )


def _page(
    context: ReportContext,
    *,
    errors=None,
    inputs=None,
    narrative_errors=None,
    status=200,
    below_form: DeadlineBelowForm | None = None,
):
    campaign, unit, report = context.campaign, context.unit, context.report
    include_drafts = request.args.get("drafts") == "1"
    table = report_table(campaign, unit, report, include_drafts=include_drafts)
    below = deadline_below(campaign, unit) if table.units_below else None
    editable = (
        can_edit_report(current_user, report)
        if report is not None
        else can_submit_report(current_user, unit)
    ) and not include_drafts
    return (
        render_template(
            "reports/report.html",
            campaign=campaign,
            unit=unit,
            report=report,
            status=report.status if report else ReportStatus.DRAFT,
            table=table,
            include_drafts=include_drafts,
            editable=editable,
            can_submit=can_submit_report(current_user, unit)
            and (report is None or not report.status.is_locked),
            can_review=report is not None and can_review_report(current_user, report),
            deadline=deadline_for(campaign, report, due=due_date(campaign, unit)),
            below_deadline=below,
            below_form=below_form
            or DeadlineBelowForm(formdata=None, year=campaign.year, data={"due": below}),
            can_set_below=can_submit_report(current_user, unit) and bool(table.units_below),
            narrative_fields=NARRATIVE_FIELDS,
            errors=errors or {},
            inputs=inputs or {},
            narrative_errors=narrative_errors or {},
            parent=db.session.get(Unit, unit.parent_id) if unit.parent_id else None,
            LEAF_SOURCES=LEAF_SOURCES,
        ),
        status,
    )


@bp.get("/campaigns/<int:campaign_id>/reports/<int:unit_id>")
@login_required
def report(campaign_id: int, unit_id: int):
    return _page(get_report_context_or_404(campaign_id, unit_id))


def _editable_report(context: ReportContext) -> Report:
    """The report the current user may change, created on the first save."""
    if not can_submit_report(current_user, context.unit):
        abort(403)
    report = context.report or get_or_create_report(context.campaign, context.unit)
    context.report = report
    return report


def _back(context: ReportContext, anchor: str = ""):
    return redirect(
        url_for("reports.report", campaign_id=context.campaign.id, unit_id=context.unit.id) + anchor
    )


def _typed(row_id: int, column: str) -> str:
    """What was typed in a figure input. A derived figure left as the page showed it is not
    typed (even if check-ins changed it since the page was loaded)."""
    value = request.form.get(f"{column}-{row_id}", "")
    shown = request.form.get(f"d{column}-{row_id}")
    if shown is not None:
        try:
            if parse_figure(value) == int(shown):
                return ""
        except ValueError:
            pass
    return value


@bp.post("/campaigns/<int:campaign_id>/reports/<int:unit_id>/figures")
@login_required
def save_table(campaign_id: int, unit_id: int):
    context = get_report_context_or_404(campaign_id, unit_id)
    report = _editable_report(context)
    rows = template_rows(campaign_template(context.campaign))
    inputs = {
        row.id: FigureInput(
            count=_typed(row.id, "c"),
            persons=_typed(row.id, "p"),
            note=request.form.get(f"n-{row.id}", ""),
        )
        for row in rows
        if row.source in LEAF_SOURCES and f"n-{row.id}" in request.form
    }
    try:
        errors = save_figures(report, current_user, rows, inputs)
    except ReportError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _back(context)
    if errors:
        db.session.rollback()
        context.report = get_report_context_or_404(campaign_id, unit_id).report
        return _page(context, errors=errors, inputs=inputs, status=FORM_ERROR_STATUS)
    db.session.commit()
    flash(_("The figures have been saved."), "success")
    return _back(context, "#table")


@bp.post("/campaigns/<int:campaign_id>/reports/<int:unit_id>/narrative")
@login_required
def save_text(campaign_id: int, unit_id: int):
    context = get_report_context_or_404(campaign_id, unit_id)
    report = _editable_report(context)
    values = {name: request.form.get(name, "") for name, _s, _l in NARRATIVE_FIELDS}
    try:
        errors = save_narrative(report, current_user, values)
    except ReportError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _back(context)
    if errors:
        db.session.rollback()
        context.report = get_report_context_or_404(campaign_id, unit_id).report
        for name, value in values.items():
            if context.report is not None:
                setattr(context.report, name, value)
        return _page(context, narrative_errors=errors, status=FORM_ERROR_STATUS)
    db.session.commit()
    flash(_("The report's text has been saved."), "success")
    return _back(context, "#narrative")


def _workflow(campaign_id: int, unit_id: int, step, message: str, *, may, needs_report=True):
    """One step of the workflow; `may(user, report)` says who may take it (others: 403)."""
    context = get_report_context_or_404(campaign_id, unit_id)
    report = context.report
    if report is None and not needs_report:
        report = _editable_report(context)
    if report is None:
        flash(_("This report has not been started."), "error")
        return _back(context)
    if not may(current_user, report):
        abort(403)
    try:
        step(report)
    except ReportError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _back(context)
    db.session.commit()
    flash(message, "success")
    return _back(context)


@bp.post("/campaigns/<int:campaign_id>/reports/<int:unit_id>/submit")
@login_required
def submit_report(campaign_id: int, unit_id: int):
    return _workflow(
        campaign_id,
        unit_id,
        lambda report: submit(report, current_user),
        _("The report has been submitted. Its figures are now locked."),
        may=lambda user, report: can_submit_report(user, report.unit),
        needs_report=False,
    )


@bp.post("/campaigns/<int:campaign_id>/reports/<int:unit_id>/accept")
@login_required
def accept_report(campaign_id: int, unit_id: int):
    comment = request.form.get("comment", "")
    return _workflow(
        campaign_id,
        unit_id,
        lambda report: accept(report, current_user, comment),
        _("The report has been accepted."),
        may=can_review_report,
    )


@bp.post("/campaigns/<int:campaign_id>/reports/<int:unit_id>/return")
@login_required
def send_back(campaign_id: int, unit_id: int):
    comment = request.form.get("comment", "")
    return _workflow(
        campaign_id,
        unit_id,
        lambda report: return_report(report, current_user, comment),
        _("The report has been returned to the unit for corrections."),
        may=can_review_report,
    )


@bp.post("/campaigns/<int:campaign_id>/reports/<int:unit_id>/deadline-below")
@login_required
def deadline_for_units_below(campaign_id: int, unit_id: int):
    """Ask the units directly below to report by a date (empty: the campaign's deadline)."""
    context = get_report_context_or_404(campaign_id, unit_id)
    if not can_submit_report(current_user, context.unit):
        abort(403)
    form = DeadlineBelowForm(year=context.campaign.year)
    if form.validate_on_submit():
        due = form.due.parsed
        try:
            set_deadline_below(context.campaign, context.unit, due, current_user)
        except DeadlineError as error:
            db.session.rollback()
            form.due.errors.append(str(error))
        else:
            db.session.commit()
            if due is None:
                flash(_("The units below now follow the campaign's deadline."), "success")
            else:
                flash(
                    _("The units below are asked to report by %(date)s.", date=format_date(due)),
                    "success",
                )
            return _back(context, "#units-below")
    return _page(context, below_form=form, status=FORM_ERROR_STATUS)


@bp.post("/events/<int:event_id>/held")
@login_required
def event_held(event_id: int):
    """The organiser marks an event as held (it counts in the report without check-ins)."""
    event = get_event_or_404(event_id, need="edit")
    event.held = request.form.get("held") == "1"
    db.session.commit()
    if wants_fragment():
        return render_template("reports/_event_held.html", event=event, can_edit=True)
    return redirect(url_for("schedule.event", event_id=event.id))

"""Importing the week's schedule and run-sheets: upload or paste → preview → confirm.

Nothing is saved before the user has seen every row and every problem. A file with errors
saves nothing unless the user chooses to import only the valid rows.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.extensions import db
from app.htmx import FORM_ERROR_STATUS
from app.schedule import importing
from app.schedule.blueprint import bp
from app.schedule.forms import ImportForm, time_range_text
from app.schedule.import_service import (
    forget_upload,
    import_runsheet,
    import_schedule,
    keep_upload,
    plan_schedule,
)
from app.schedule.models import ImportUpload
from app.schedule.permissions import get_campaign_or_404, get_event_or_404
from app.units.services import units_in_tree_order


def _received(form: ImportForm) -> tuple[str, bytes | None, str | None]:
    upload = form.file.data
    if upload and upload.filename:
        return upload.filename, upload.read(), None
    return "", None, form.pasted.data


def _schedule_drafts(upload: ImportUpload, campaign):
    options = {
        "default_year": campaign.year,
        "week_start": campaign.start_date,
        "week_end": campaign.end_date,
    }
    if upload.data is not None:
        return importing.load_schedule(upload.filename, upload.data, **options)
    return importing.paste_schedule(upload.pasted or "", **options)


def _runsheet_drafts(upload: ImportUpload):
    if upload.data is not None:
        return importing.load_runsheet(upload.filename, upload.data)
    return importing.paste_runsheet(upload.pasted or "")


def _get_upload_or_404(token: str) -> ImportUpload:
    upload = db.session.scalar(select(ImportUpload).where(ImportUpload.token == token))
    if upload is None or upload.user_id != current_user.id:
        abort(404)
    if upload.kind not in ("schedule", "runsheet"):  # invitee uploads have their own pages
        abort(404)
    return upload


def _preview_schedule(upload: ImportUpload):
    campaign = get_campaign_or_404(upload.target_id, need="add_events")
    drafts = _schedule_drafts(upload, campaign)
    planned = plan_schedule(drafts, units_in_tree_order(current_user.unit), current_user.unit)
    return render_template(
        "schedule/import_preview.html",
        upload=upload,
        kind="schedule",
        campaign=campaign,
        planned=planned,
        drafts=drafts,
        errors=sum(1 for d in drafts if not d.ok),
        back=url_for("schedule.schedule", campaign_id=campaign.id),
        time_range_text=time_range_text,
    )


def _preview_runsheet(upload: ImportUpload):
    event = get_event_or_404(upload.target_id, need="edit")
    drafts = _runsheet_drafts(upload)
    return render_template(
        "schedule/import_preview.html",
        upload=upload,
        kind="runsheet",
        event=event,
        drafts=drafts,
        errors=sum(1 for d in drafts if not d.ok),
        back=url_for("schedule.event", event_id=event.id),
        time_range_text=time_range_text,
    )


def _start_import(kind: str, target_id: int, parse, page_context: dict):
    """Read the upload once (an unreadable file is refused here), keep it, show the preview."""
    form = ImportForm()
    if form.validate_on_submit():
        filename, data, pasted = _received(form)
        try:
            parse(ImportUpload(filename=filename, data=data, pasted=pasted))
        except importing.ImportFileError as exc:
            form.file.errors.append(str(exc))
        else:
            upload = keep_upload(current_user, kind, target_id, filename, data, pasted)
            db.session.commit()
            return redirect(url_for("schedule.import_preview", token=upload.token), code=303)
    status = FORM_ERROR_STATUS if form.errors else 200
    return render_template(
        "schedule/import_form.html", form=form, kind=kind, **page_context
    ), status


@bp.route("/campaigns/<int:campaign_id>/import", methods=["GET", "POST"])
@login_required
def schedule_import(campaign_id: int):
    """Upload or paste the week's schedule (TT, Giờ, Ngày, Đơn vị, Nội dung)."""
    campaign = get_campaign_or_404(campaign_id, need="add_events")
    context = {"campaign": campaign, "back": url_for("schedule.schedule", campaign_id=campaign.id)}
    return _start_import(
        "schedule", campaign.id, lambda upload: _schedule_drafts(upload, campaign), context
    )


@bp.route("/events/<int:event_id>/program/import", methods=["GET", "POST"])
@login_required
def program_import(event_id: int):
    """Upload or paste a run-sheet (STT, Thời gian, Nội dung, Thực hiện)."""
    event = get_event_or_404(event_id, need="edit")
    context = {"event": event, "back": url_for("schedule.event", event_id=event.id)}
    return _start_import("runsheet", event.id, _runsheet_drafts, context)


@bp.get("/imports/<token>")
@login_required
def import_preview(token: str):
    """Every row and every problem, before anything is saved."""
    upload = _get_upload_or_404(token)
    if upload.kind == "schedule":
        return _preview_schedule(upload)
    return _preview_runsheet(upload)


@bp.post("/imports/<token>")
@login_required
def import_confirm(token: str):
    """Save the previewed rows: all of them, or only the valid ones when some have errors."""
    upload = _get_upload_or_404(token)
    only_valid = request.form.get("mode") == "valid"
    if upload.kind == "schedule":
        campaign = get_campaign_or_404(upload.target_id, need="add_events")
        drafts = _schedule_drafts(upload, campaign)
        target = url_for("schedule.schedule", campaign_id=campaign.id)
    else:
        event = get_event_or_404(upload.target_id, need="edit")
        drafts = _runsheet_drafts(upload)
        target = url_for("schedule.event", event_id=event.id)
    errors = sum(1 for d in drafts if not d.ok)
    if errors and not only_valid:
        flash(_("Some rows have errors: fix the file, or import only the valid rows."), "error")
        return redirect(url_for("schedule.import_preview", token=token), code=303)
    if upload.kind == "schedule":
        planned = plan_schedule(drafts, units_in_tree_order(current_user.unit), current_user.unit)
        count = import_schedule(campaign, planned, only_valid=only_valid)
    else:
        replace = request.form.get("replace") == "y"
        count = import_runsheet(event, drafts, only_valid=only_valid, replace=replace)
    forget_upload(upload)
    db.session.commit()
    if errors:
        flash(
            _(
                "%(count)d rows imported; %(skipped)d rows with errors were not.",
                count=count,
                skipped=errors,
            ),
            "success",
        )
    else:
        flash(_("%(count)d rows imported.", count=count), "success")
    return redirect(target, code=303)

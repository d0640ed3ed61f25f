"""Importing invitees into an event: upload or paste → preview → confirm.

As for the schedule import: the upload waits in the database (ImportUpload, kind "invitees",
target the event) under a random token owned by the user; nothing is saved before the user has
seen every row; a list with errors saves nothing unless only the valid rows are asked for.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from app.extensions import db
from app.htmx import FORM_ERROR_STATUS
from app.invitations import importing
from app.invitations.blueprint import bp
from app.invitations.permissions import get_invitation_event_or_404
from app.invitations.services import InvitationError, format_phone
from app.schedule.forms import ImportForm
from app.schedule.import_service import forget_upload, keep_upload
from app.schedule.models import Event, ImportUpload


def _drafts(upload: ImportUpload) -> list[importing.InviteeDraft]:
    if upload.data is not None:
        return importing.load_invitees(upload.filename, upload.data)
    return importing.paste_invitees(upload.pasted or "")


def _get_upload_or_404(token: str) -> tuple[ImportUpload, Event]:
    """The user's own invitee upload, and its event (which the user must still manage)."""
    upload = db.session.scalar(select(ImportUpload).where(ImportUpload.token == token))
    if upload is None or upload.user_id != current_user.id or upload.kind != importing.UPLOAD_KIND:
        abort(404)
    return upload, get_invitation_event_or_404(upload.target_id)


@bp.route("/events/<int:event_id>/invitees/import", methods=["GET", "POST"])
@login_required
def invitee_import(event_id: int):
    """Upload or paste a list of delegates (Họ và tên, Chức vụ, Đơn vị, Nhóm, Điện thoại,
    Email); an unreadable file is refused here, before anything is kept."""
    event = get_invitation_event_or_404(event_id)
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        if upload and upload.filename:
            filename, data, pasted = upload.filename, upload.read(), None
        else:
            filename, data, pasted = "", None, form.pasted.data
        try:
            _drafts(ImportUpload(filename=filename, data=data, pasted=pasted))
        except importing.ImportFileError as exc:
            (form.file if data is not None else form.pasted).errors.append(str(exc))
        else:
            kept = keep_upload(
                current_user, importing.UPLOAD_KIND, event.id, filename, data, pasted
            )
            db.session.commit()
            return redirect(
                url_for("invitations.invitee_import_preview", token=kept.token), code=303
            )
    status = FORM_ERROR_STATUS if form.errors else 200
    return render_template("invitations/import_form.html", form=form, event=event), status


@bp.get("/invitee-imports/<token>")
@login_required
def invitee_import_preview(token: str):
    """Every row with its problems, who is new, who is already invited, which groups are new."""
    upload, event = _get_upload_or_404(token)
    drafts = importing.plan_import(event, current_user.unit, _drafts(upload))
    return render_template(
        "invitations/import_preview.html",
        upload=upload,
        event=event,
        drafts=drafts,
        errors=sum(1 for d in drafts if not d.ok),
        to_import=sum(1 for d in drafts if d.ok and not d.skipped),
        new_groups=importing.new_group_names(drafts),
        format_phone=format_phone,
    )


@bp.post("/invitee-imports/<token>")
@login_required
def invitee_import_confirm(token: str):
    """Invite the previewed people, in one transaction: all rows, or only the valid ones."""
    upload, event = _get_upload_or_404(token)
    only_valid = request.form.get("mode") == "valid"
    drafts = importing.plan_import(event, current_user.unit, _drafts(upload))
    if any(not d.ok for d in drafts) and not only_valid:
        flash(_("Some rows have errors: fix the file, or import only the valid rows."), "error")
        return redirect(url_for("invitations.invitee_import_preview", token=token), code=303)
    try:
        counts = importing.import_invitees(event, current_user.unit, drafts, only_valid=only_valid)
    except InvitationError as exc:  # someone changed the list since the preview
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("invitations.invitee_import_preview", token=token), code=303)
    forget_upload(upload)
    db.session.commit()
    flash(_summary(counts), "success")
    return redirect(url_for("invitations.event_invitees", event_id=event.id), code=303)


def _summary(counts: importing.ImportCounts) -> str:
    parts = [
        ngettext("%(num)d person invited.", "%(num)d people invited.", counts.imported),
    ]
    if counts.added:
        parts.append(
            ngettext(
                "%(num)d of them was already invited to another event of the week.",
                "%(num)d of them were already invited to another event of the week.",
                counts.added,
            )
        )
    if counts.new_groups:
        parts.append(ngettext("%(num)d group added.", "%(num)d groups added.", counts.new_groups))
    if counts.skipped:
        parts.append(
            ngettext(
                "%(num)d row skipped (already invited or repeated).",
                "%(num)d rows skipped (already invited or repeated).",
                counts.skipped,
            )
        )
    if counts.invalid:
        parts.append(
            ngettext(
                "%(num)d row with errors was not imported.",
                "%(num)d rows with errors were not imported.",
                counts.invalid,
            )
        )
    return " ".join(parts)

"""Statistics templates: the list, one template as the printed table, its .xlsx download, and
for administrators import (upload → preview → confirm), the default template and deletion.

Templates hold no personal data. An imported template belongs to the importing administrator's
unit; who sees and who manages which is in `template_access`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select

from app.audit.services import exported
from app.extensions import db
from app.htmx import FORM_ERROR_STATUS, wants_fragment
from app.reports.blueprint import bp
from app.reports.models import ReportEntry, ReportFigure, ReportRow, ReportTemplate, RowSource
from app.reports.template_access import (
    can_make_default,
    can_manage,
    can_see,
    visible_templates,
)
from app.reports.template_forms import TemplateConfirmForm, TemplateImportForm
from app.reports.template_import import TemplateDraft, build_template, read_template
from app.reports.template_xlsx import (
    MAX_TEMPLATE_BYTES,
    MAX_TEMPLATE_ROWS,
    MIMETYPE,
    NAME_LENGTH,
    template_xlsx,
)
from app.schedule.export_routes import slug
from app.schedule.import_service import forget_upload, keep_upload
from app.schedule.models import Campaign, Event, ImportUpload
from app.schedule.tables import ImportFileError
from app.units.models import Role
from app.units.permissions import admin_required

#: ImportUpload.kind of a template waiting for its confirmation.
UPLOAD_KIND = "report_template"


@dataclass
class Usage:
    """What a template is used by: deleting it would break these."""

    rows: int = 0
    campaigns: int = 0
    events: int = 0
    report_figures: int = 0

    @property
    def used(self) -> bool:
        return bool(self.campaigns or self.events or self.report_figures)


def usage_by_template() -> dict[int, Usage]:
    """Rows, campaigns, events and report figures of every template, in four grouped queries.

    A campaign without a template follows the default one, so it counts for the default.
    """
    usage: dict[int, Usage] = {}
    default_id = db.session.scalar(
        select(ReportTemplate.id).where(ReportTemplate.is_default).order_by(ReportTemplate.id)
    )
    counts = {
        "rows": select(ReportRow.template_id, func.count()).group_by(ReportRow.template_id),
        "campaigns": select(Campaign.report_template_id, func.count()).group_by(
            Campaign.report_template_id
        ),
        "events": select(ReportRow.template_id, func.count(Event.id))
        .join(Event, Event.report_row_id == ReportRow.id)
        .group_by(ReportRow.template_id),
        # Report entries and frozen figures cascade with their row: never delete them silently.
        "report_figures": select(ReportRow.template_id, func.count(ReportRow.id))
        .where(
            or_(
                ReportRow.id.in_(select(ReportEntry.row_id)),
                ReportRow.id.in_(select(ReportFigure.row_id)),
            )
        )
        .group_by(ReportRow.template_id),
    }
    for name, query in counts.items():
        for template_id, count in db.session.execute(query):
            template_id = default_id if template_id is None else template_id
            if template_id is not None:
                entry = usage.setdefault(template_id, Usage())
                setattr(entry, name, getattr(entry, name) + count)
    return usage


UNIT_FILTER_LABELS = {"district": _l("districts"), "education": _l("schools and centres")}


def how_obtained(row: ReportRow) -> str:
    """How a row's figures are obtained, in the user's language."""
    text = row.source.label
    if row.source is RowSource.OPENING_UNITS and row.unit_filter in UNIT_FILTER_LABELS:
        text = f"{text}: {UNIT_FILTER_LABELS[row.unit_filter]}"
    return text


def _get_template_or_404(template_id: int, need: str = "see") -> ReportTemplate:
    """A template the user sees (else 404); need "manage" or "default": may do that (else 403)."""
    template = db.session.get(ReportTemplate, template_id)
    if template is None or not can_see(current_user, template):
        abort(404)
    if need == "manage" and not can_manage(current_user, template):
        abort(403)
    if need == "default" and not can_make_default(current_user, template):
        abort(403)
    return template


def _is_admin() -> bool:
    return current_user.role is Role.ADMIN


def _go(endpoint: str, **values):
    """After a button's POST: htmx follows HX-Redirect, a plain form a 303."""
    url = url_for(endpoint, **values)
    if wants_fragment():
        return Response("", 200, {"HX-Redirect": url})
    return redirect(url, code=303)


@bp.get("/report-templates")
@login_required
def templates():
    """The statistics templates the user sees, with their rows, campaigns and the default
    marked."""
    items = db.session.scalars(visible_templates(current_user)).all()
    return render_template(
        "reports/template_list.html",
        templates=items,
        usage=usage_by_template(),
        empty=Usage(),
        is_admin=_is_admin(),
        may_make_default={t.id for t in items if can_make_default(current_user, t)},
    )


@bp.get("/report-templates/<int:template_id>")
@login_required
def template(template_id: int):
    """The template as the printed table, with how each row's figures are obtained."""
    template = _get_template_or_404(template_id)
    return render_template(
        "reports/template_detail.html",
        template=template,
        rows=sorted(template.rows, key=lambda row: row.position),
        usage=usage_by_template().get(template.id, Usage()),
        may_manage=can_manage(current_user, template),
        may_make_default=can_make_default(current_user, template),
        how_obtained=how_obtained,
    )


@bp.get("/report-templates/<int:template_id>.xlsx")
@login_required
def template_download(template_id: int):
    """The template as an Excel workbook to read, edit and import again."""
    template = _get_template_or_404(template_id)
    response = Response(template_xlsx(template), mimetype=MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{slug(template.name)}.xlsx"'
    response.headers["Cache-Control"] = "private, no-store"
    exported(template, f"{slug(template.name)}.xlsx")
    return response


# --- import ----------------------------------------------------------------------------------


def _kept_name(filename: str) -> str:
    """The file's own name, short enough for ImportUpload.filename, its extension kept."""
    path = PurePath(filename.replace("\\", "/"))
    name = path.name or "template.xlsx"
    return name if len(name) <= 200 else path.stem[:190] + path.suffix[:10]


def _get_upload_or_404(token: str) -> ImportUpload:
    upload = db.session.scalar(select(ImportUpload).where(ImportUpload.token == token))
    if upload is None or upload.user_id != current_user.id or upload.kind != UPLOAD_KIND:
        abort(404)
    return upload


def _draft_of(upload: ImportUpload) -> TemplateDraft | None:
    """The upload read again (it was readable when kept; None if that ever changes)."""
    try:
        return read_template(upload.filename, upload.data or b"")
    except ImportFileError:
        return None


def _preview(upload: ImportUpload, draft: TemplateDraft, form: TemplateConfirmForm, status=200):
    return render_template(
        "reports/template_import_preview.html",
        upload=upload,
        draft=draft,
        form=form,
    ), status


@bp.route("/report-templates/import", methods=["GET", "POST"])
@admin_required
def template_import():
    """Upload a template workbook; nothing is created before the preview is confirmed."""
    form = TemplateImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(MAX_TEMPLATE_BYTES + 1)  # more than the limit is refused anyway
        try:
            read_template(upload.filename, data)
        except ImportFileError as exc:
            form.file.errors.append(str(exc))
        else:
            kept = keep_upload(
                current_user, UPLOAD_KIND, 0, _kept_name(upload.filename), data, None
            )
            db.session.commit()
            name = (form.name.data or "").strip() or None
            return redirect(
                url_for("reports.template_import_preview", token=kept.token, name=name), code=303
            )
    status = FORM_ERROR_STATUS if form.errors else 200
    return render_template(
        "reports/template_import.html", form=form, max_rows=MAX_TEMPLATE_ROWS
    ), status


@bp.get("/report-templates/import/<token>")
@admin_required
def template_import_preview(token: str):
    """Every row read and every problem, and the name the template will get."""
    upload = _get_upload_or_404(token)
    draft = _draft_of(upload)
    if draft is None:
        abort(404)
    name = (request.args.get("name") or draft.title).strip()[:NAME_LENGTH]
    form = TemplateConfirmForm(formdata=None, data={"name": name})
    if name:  # a name already taken is said now, not after the click
        form.name.validate(form, extra_validators=[TemplateConfirmForm.validate_name])
    return _preview(upload, draft, form)


@bp.post("/report-templates/import/<token>")
@admin_required
def template_import_confirm(token: str):
    """Create the template previewed; a file with any error creates nothing."""
    upload = _get_upload_or_404(token)
    draft = _draft_of(upload)
    if draft is None:
        abort(404)
    form = TemplateConfirmForm()
    if not draft.ok:
        flash(_("The file has errors: nothing was created. Fix them and import it again."), "error")
        return redirect(url_for("reports.template_import_preview", token=token), code=303)
    if not form.validate_on_submit():
        return _preview(upload, draft, form, FORM_ERROR_STATUS)
    template = build_template(form.name.data, draft)
    template.unit_id = current_user.unit_id
    db.session.add(template)
    forget_upload(upload)
    db.session.commit()
    flash(
        ngettext(
            "The template “%(name)s” has been imported with %(num)d row.",
            "The template “%(name)s” has been imported with %(num)d rows.",
            len(draft.rows),
            name=template.name,
        ),
        "success",
    )
    return redirect(url_for("reports.template", template_id=template.id), code=303)


# --- default and deletion --------------------------------------------------------------------


@bp.post("/report-templates/<int:template_id>/default")
@admin_required
def template_make_default(template_id: int):
    """New campaigns get this template unless they pick another."""
    template = _get_template_or_404(template_id, need="default")
    for other in db.session.scalars(select(ReportTemplate).where(ReportTemplate.is_default)):
        other.is_default = False
    template.is_default = True
    db.session.commit()
    flash(_("“%(name)s” is now the default template.", name=template.name), "success")
    return _go("reports.templates")


def refusal(template: ReportTemplate, usage: Usage) -> str | None:
    """Why the template cannot be deleted, or None."""
    if template.is_default:
        return _(
            "“%(name)s” is the default template: make another one the default first.",
            name=template.name,
        )
    if usage.used:
        parts = []
        if usage.campaigns:
            parts.append(ngettext("%(num)d campaign", "%(num)d campaigns", usage.campaigns))
        if usage.events:
            parts.append(ngettext("%(num)d event", "%(num)d events", usage.events))
        if usage.report_figures:
            parts.append(
                ngettext("%(num)d report row", "%(num)d report rows", usage.report_figures)
            )
        return _(
            "“%(name)s” cannot be deleted: it is used by %(uses)s. Move them to another "
            "template first.",
            name=template.name,
            uses=", ".join(parts),
        )
    return None


@bp.post("/report-templates/<int:template_id>/delete")
@admin_required
def template_delete(template_id: int):
    """Delete a template no campaign, event or report uses."""
    template = _get_template_or_404(template_id, need="manage")
    reason = refusal(template, usage_by_template().get(template.id, Usage()))
    if reason:
        flash(reason, "error")
        return _go("reports.template", template_id=template.id)
    name = template.name
    db.session.delete(template)
    db.session.commit()
    flash(_("The template “%(name)s” has been deleted.", name=name), "success")
    return _go("reports.templates")

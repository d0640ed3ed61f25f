"""Downloads of the results report: the statistics table as Excel, the whole report as Word
and PDF, for anyone who may see the report (the loader decides; others get 404).

`?drafts=1` gives the preview that also counts the drafts of the units below, and says so in
the file. `report_file` builds the same bytes for other code (buttons, jobs, the API).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, request
from flask_login import login_required

from app.audit import services as audit
from app.reports.blueprint import bp
from app.reports.export_docx import DOCX_MIMETYPE, write_docx
from app.reports.export_pdf import PDF_MIMETYPE, write_pdf
from app.reports.export_xlsx import write_xlsx
from app.reports.exports import XLSX_MIMETYPE, report_document
from app.reports.permissions import ReportContext, get_report_context_or_404
from app.schedule.export_routes import slug

WRITERS = {
    "xlsx": (write_xlsx, XLSX_MIMETYPE),
    "docx": (write_docx, DOCX_MIMETYPE),
    "pdf": (write_pdf, PDF_MIMETYPE),
}


@dataclass
class ExportFile:
    content: bytes
    filename: str
    mimetype: str


def export_filename(context: ReportContext, fmt: str, *, include_drafts: bool = False) -> str:
    """ "bao-cao-tuan-le-2022-pgd-bt.xlsx"; the preview ends in "-ban-xem-truoc"."""
    name = f"bao-cao-tuan-le-{context.campaign.year}-{slug(context.unit.code)}"
    return f"{name}-ban-xem-truoc.{fmt}" if include_drafts else f"{name}.{fmt}"


def report_file(context: ReportContext, fmt: str, *, include_drafts: bool = False) -> ExportFile:
    """The report of `context` (from get_report_context_or_404) as "xlsx", "docx" or "pdf"."""
    write, mimetype = WRITERS[fmt]
    content = write(report_document(context, include_drafts=include_drafts))
    return ExportFile(
        content, export_filename(context, fmt, include_drafts=include_drafts), mimetype
    )


def _download(campaign_id: int, unit_id: int, fmt: str) -> Response:
    context = get_report_context_or_404(campaign_id, unit_id)
    exported = report_file(context, fmt, include_drafts=request.args.get("drafts") == "1")
    response = Response(exported.content, mimetype=exported.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    audit.exported(context.campaign, exported.filename, unit_id=context.unit.id)
    return response


@bp.get("/campaigns/<int:campaign_id>/reports/<int:unit_id>/report.xlsx")
@login_required
def report_xlsx(campaign_id: int, unit_id: int):
    """The statistics table as an Excel workbook in the template's layout."""
    return _download(campaign_id, unit_id, "xlsx")


@bp.get("/campaigns/<int:campaign_id>/reports/<int:unit_id>/report.docx")
@login_required
def report_docx(campaign_id: int, unit_id: int):
    """The whole report (sections I and II and the table) as a Word document."""
    return _download(campaign_id, unit_id, "docx")


@bp.get("/campaigns/<int:campaign_id>/reports/<int:unit_id>/report.pdf")
@login_required
def report_pdf(campaign_id: int, unit_id: int):
    """The whole report as a PDF."""
    return _download(campaign_id, unit_id, "pdf")

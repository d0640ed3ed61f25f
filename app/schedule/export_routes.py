"""Downloads: the ceremony program and the week's schedule as Word and PDF."""

from __future__ import annotations

import re
import unicodedata

from flask import Response, abort, request
from flask_login import current_user, login_required

from app.audit.services import exported
from app.i18n import format_date
from app.schedule import exports
from app.schedule.blueprint import bp
from app.schedule.models import Campaign, Event, EventKind
from app.schedule.permissions import get_campaign_or_404, get_event_or_404
from app.schedule.routes import _filters
from app.schedule.services import events_of
from app.units.models import Unit

MIMETYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def vi_time(value) -> str:
    """7h30: the documents are Vietnamese whatever the interface language."""
    return f"{value.hour}h{value.minute:02d}" if value else ""


def vi_range(start, end) -> str:
    if start is None:
        return ""
    return vi_time(start) + (f"-{vi_time(end)}" if end else "")


def header_for(unit: Unit) -> exports.DocHeader:
    parent = unit.parent.name.upper() if unit.parent else ""
    return exports.DocHeader(parent_unit=parent, unit=unit.name.upper())


def slug(text: str) -> str:
    """A file name without diacritics: "Lễ khai mạc" → "le-khai-mac"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()[:60] or "tai-lieu"


def _send(content: bytes, fmt: str, name: str):
    response = Response(content, mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{slug(name)}.{fmt}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


KIND_HEADINGS = {
    EventKind.OPENING: "LỄ KHAI MẠC",
    EventKind.CLOSING: "LỄ TỔNG KẾT",
    EventKind.ACTIVITY: "",
}


def program_document(event: Event) -> exports.ProgramDoc:
    """The CHƯƠNG TRÌNH of an event, laid out like seed 004's."""
    heading = KIND_HEADINGS[event.kind]
    subtitle = (
        f"{heading} {event.campaign.name.upper()}".strip() if heading else event.title.upper()
    )
    time_line = f"{vi_time(event.start_time)} ngày {format_date(event.date)}".strip()
    venue = event.venue_name + (f" (Địa chỉ: {event.venue_address})" if event.venue_address else "")
    rows = [
        exports.ProgramRow(
            number=str(item.position),
            time=vi_range(item.start_time, item.end_time),
            content=item.content,
            performer=item.performer,
        )
        for item in sorted(event.program, key=lambda i: i.position)
    ]
    return exports.ProgramDoc(
        header=header_for(event.unit),
        title="CHƯƠNG TRÌNH",
        subtitle=subtitle,
        time_line=time_line,
        venue_line=venue,
        rows=rows,
    )


def schedule_document(campaign: Campaign, events: list[Event], unit: Unit) -> exports.ScheduleDoc:
    """The LỊCH of the week, laid out like seed 001's."""
    subtitle = (
        f"(Từ ngày {format_date(campaign.start_date)} đến ngày {format_date(campaign.end_date)})"
    )
    rows = [
        exports.ScheduleRow(
            number=event.number,
            time=vi_range(event.start_time, event.end_time),
            date=format_date(event.date),
            unit=event.unit.name + (f" phối hợp với {event.co_host}" if event.co_host else ""),
            content=event.title,
            day_label=exports.day_label(event.date),
        )
        for event in events
    ]
    return exports.ScheduleDoc(
        header=header_for(unit),
        title=f"LỊCH “{campaign.name.upper()}”",
        subtitle_lines=[subtitle],
        rows=rows,
    )


@bp.get("/events/<int:event_id>/program.<fmt>")
@login_required
def program_export(event_id: int, fmt: str):
    """The event's program as .docx or .pdf."""
    if fmt not in MIMETYPES:
        abort(404)
    event = get_event_or_404(event_id)
    document = program_document(event)
    render = exports.program_docx if fmt == "docx" else exports.program_pdf
    response = _send(render(document), fmt, f"chuong-trinh {event.title}")
    exported(event, f"{slug('chuong-trinh ' + event.title)}.{fmt}")
    return response


@bp.get("/campaigns/<int:campaign_id>/schedule.<fmt>")
@login_required
def schedule_export(campaign_id: int, fmt: str):
    """The week's schedule as .docx or .pdf, with the page's filters."""
    if fmt not in MIMETYPES:
        abort(404)
    campaign = get_campaign_or_404(campaign_id)
    filters = _filters(campaign)
    events = events_of(campaign, current_user.unit, unit=filters["unit"], row_id=filters["row_id"])
    document = schedule_document(campaign, events, filters["unit"] or current_user.unit)
    document.day_breaks = filters["view"] == "day" or request.args.get("view") == "day"
    render = exports.schedule_docx if fmt == "docx" else exports.schedule_pdf
    response = _send(render(document), fmt, f"lich {campaign.name}")
    exported(campaign, f"{slug('lich ' + campaign.name)}.{fmt}", unit_id=current_user.unit_id)
    return response

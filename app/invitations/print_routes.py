"""Printables for organisers: one invitee's card, badge, letter and QR code; a group's or a
whole event's cards and badges as background jobs; the event's venue poster.

Organisers and administrators of the inviting unit's subtree only (404 outside it, 403 for the
other roles). The printables carry names, titles, organisations and groups, never a phone
number or an e-mail address.
"""

from __future__ import annotations

import datetime as dt
import secrets

from flask import Response, abort, current_app, make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, selectinload
from wtforms import IntegerField
from wtforms.validators import Optional

from app.audit.models import AuditAction
from app.audit.services import exported, record
from app.extensions import db
from app.forms import AppForm
from app.htmx import FORM_ERROR_STATUS, retarget
from app.i18n import format_date, to_local
from app.invitations import printables
from app.invitations.blueprint import bp
from app.invitations.groups import groups_of
from app.invitations.models import Invitation, Invitee, InviteeGroup
from app.invitations.permissions import (
    get_group_or_404,
    get_invitation_event_or_404,
    get_invitee_or_404,
)
from app.invitations.qr import invitation_url, public_url, qr_png, qr_svg
from app.invitations.services import invitations_of_event
from app.jobs.services import JobFailed, JobResult, enqueue, job_kind, start_after_response
from app.schedule.export_routes import _send, header_for, program_document, slug, vi_range
from app.schedule.exports import WEEKDAYS
from app.schedule.models import Event
from app.units.models import Unit

CHECKIN_TOKEN_BYTES = 24  # 192 bits, as the invitation tokens


class PrintForm(AppForm):
    """Whom a batch of cards or badges is for: a group of the event, or everyone invited."""

    group_id = IntegerField(validators=[Optional()])


@bp.app_template_global("print_groups")
def print_groups(event: Event) -> list[InviteeGroup]:
    """The event's groups, for the group choice of `_print_actions.html` wherever it is
    included."""
    return groups_of(event)


# --- From models to the printables' data --------------------------------------------------


def event_info(event: Event) -> printables.EventInfo:
    """The event's title, "7h30-9h30, Thứ Hai, ngày 02/10/2023" and venue, in Vietnamese."""
    day = f"{WEEKDAYS[event.date.weekday()]}, ngày {format_date(event.date)}"
    times = vi_range(event.start_time, event.end_time)
    venue = event.venue_name
    if event.venue_address:
        venue = f"{venue} ({event.venue_address})" if venue else event.venue_address
    return printables.EventInfo(
        title=event.title, when=f"{times}, {day}" if times else day, venue=venue
    )


def document_date(day: dt.date) -> str:
    """The date line of a document, as Decree 30/2020 writes it: a zero before days under 10
    and before months 1 and 2 ("Ngày 05 tháng 02 năm 2024", "Ngày 25 tháng 9 năm 2023")."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"Ngày {day.day:02d} tháng {month} năm {day.year}"


def _invitations_by_date(invitee: Invitee) -> list[Invitation]:
    return sorted(
        invitee.invitations, key=lambda i: (i.event.date, i.event.start_time or i.event.date.min)
    )


def _url(invitee: Invitee) -> str | None:
    """The QR code's address; None while the invitee's token is revoked."""
    return invitation_url(invitee.token) if invitee.token else None


def card_for(invitee: Invitee) -> printables.Card:
    return printables.Card(
        header=header_for(invitee.unit),
        name=invitee.full_name,
        title=invitee.title,
        organisation=invitee.organisation,
        events=[event_info(i.event) for i in _invitations_by_date(invitee)],
        url=_url(invitee),
    )


def badge_for(invitee: Invitee, event: Event | None = None) -> printables.Badge:
    """The badge worn at `event` (its group there), or for the whole campaign."""
    invitations = _invitations_by_date(invitee)
    if event is not None:
        invitations = [i for i in invitations if i.event_id == event.id]
    group = next((i.group.name for i in invitations if i.group is not None), "")
    return printables.Badge(
        heading=event.title if event is not None else invitee.campaign.name,
        name=invitee.full_name,
        title=invitee.title,
        organisation=invitee.organisation,
        group=group,
        url=_url(invitee),
    )


def letter_for(invitee: Invitee) -> printables.Letter:
    events = [i.event for i in _invitations_by_date(invitee)]
    header = header_for(invitee.unit)
    today = to_local(dt.datetime.now(dt.UTC)).date()
    header.place_and_date = document_date(today)
    return printables.Letter(
        header=header,
        inviter=invitee.unit.name,
        name=invitee.full_name,
        title=invitee.title,
        organisation=invitee.organisation,
        events=[event_info(event) for event in events],
        programs=[program_document(event) for event in events if event.program],
        url=_url(invitee),
    )


# --- One invitee ------------------------------------------------------------------------------


@bp.get("/invitees/<int:invitee_id>/card.pdf")
@login_required
def invitee_card(invitee_id: int):
    """One person's invitation card (PDF), to print on its own."""
    invitee = get_invitee_or_404(invitee_id)
    content = printables.cards_pdf([card_for(invitee)])
    exported(invitee, "card.pdf")
    return _send(content, "pdf", f"giay moi {invitee.full_name}")


@bp.get("/invitees/<int:invitee_id>/badge.pdf")
@login_required
def invitee_badge(invitee_id: int):
    """One person's name badge (PDF)."""
    invitee = get_invitee_or_404(invitee_id)
    content = printables.badges_pdf([badge_for(invitee)])
    exported(invitee, "badge.pdf")
    return _send(content, "pdf", f"the dai bieu {invitee.full_name}")


@bp.get("/invitees/<int:invitee_id>/letter.docx")
@login_required
def invitee_letter(invitee_id: int):
    """One person's invitation letter as Word, the events' programs attached."""
    invitee = get_invitee_or_404(invitee_id)
    content = printables.letter_docx(letter_for(invitee))
    exported(invitee, "letter.docx")
    return _send(content, "docx", f"giay moi {invitee.full_name}")


@bp.get("/invitees/<int:invitee_id>/qr.<fmt>")
@login_required
def invitee_qr(invitee_id: int, fmt: str):
    """One person's QR code as PNG or SVG, for the organisers' own layouts."""
    invitee = get_invitee_or_404(invitee_id)
    if fmt not in ("png", "svg") or not invitee.token:
        abort(404)
    url = invitation_url(invitee.token)
    if fmt == "png":
        response = Response(qr_png(url), mimetype="image/png")
    else:
        response = Response(qr_svg(url), mimetype="image/svg+xml")
    name = slug(f"qr {invitee.full_name}")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response.headers["Cache-Control"] = "private, no-store"
    exported(invitee, f"{name}.{fmt}")
    return response


# --- A group or a whole event: background jobs ------------------------------------------------


def _batch(event_id: int, kind: str):
    """Queue the cards or badges of the chosen group (or everyone) and answer its progress."""
    event = get_invitation_event_or_404(event_id)
    form = PrintForm()
    if not form.validate():
        abort(400)
    group = None
    if form.group_id.data:
        group = get_group_or_404(form.group_id.data)
        if group.event_id != event.id:
            abort(404)
    invitations = invitations_of_event(event)
    if group is not None:
        invitations = [i for i in invitations if i.group_id == group.id]
    if not invitations:
        html = render_template(
            "invitations/_print_actions.html",
            event=event,
            print_error=_("Nobody to print: nobody is invited in this choice."),
        )
        return retarget(html, "#print-actions", status=FORM_ERROR_STATUS)
    params = {
        "event_id": event.id,
        "group_id": group.id if group else None,
        "invitee_ids": [i.invitee_id for i in invitations],
        # The job may run in another process, without a request: the invitation addresses
        # are built there as they would be here.
        "base_url": request.url_root,
    }
    job = enqueue(kind, params, current_user.id, total=len(invitations))
    record(AuditAction.EXPORT, group or event, detail=f"{kind} ({len(invitations)})")
    db.session.commit()
    response = make_response(render_template("jobs/_progress.html", job=job))
    return start_after_response(response, job)


@bp.post("/events/<int:event_id>/cards")
@login_required
def event_cards(event_id: int):
    """Invitation cards of a group or of everyone invited (a job; answers its progress)."""
    return _batch(event_id, "invitations.cards")


@bp.post("/events/<int:event_id>/badges")
@login_required
def event_badges(event_id: int):
    """Name badges of a group or of everyone invited (a job; answers its progress)."""
    return _batch(event_id, "invitations.badges")


def _job_data(params: dict) -> tuple[Event, InviteeGroup | None, list[Invitee]]:
    """The job's event, group and invitees (in the order queued; people removed since are
    left out)."""
    event = db.session.get(Event, params["event_id"])
    if event is None:
        raise JobFailed(_("The event no longer exists."))
    group = db.session.get(InviteeGroup, params["group_id"]) if params.get("group_id") else None
    ids = params["invitee_ids"]
    rows = db.session.scalars(
        select(Invitee)
        .where(Invitee.id.in_(ids))
        .options(
            joinedload(Invitee.unit).joinedload(Unit.parent),
            joinedload(Invitee.campaign),
            selectinload(Invitee.invitations).joinedload(Invitation.event),
            selectinload(Invitee.invitations).joinedload(Invitation.group),
        )
    )
    by_id = {invitee.id: invitee for invitee in rows}
    return event, group, [by_id[i] for i in ids if i in by_id]


def _job_filename(prefix: str, event: Event, group: InviteeGroup | None) -> str:
    return slug(f"{prefix} {event.title}" + (f" {group.name}" if group else "")) + ".pdf"


@job_kind("invitations.cards")
def cards_job(params: dict, progress) -> JobResult:
    """Invitation cards of the queued invitees as one PDF."""
    event, group, invitees = _job_data(params)
    with current_app.test_request_context(base_url=params["base_url"]):
        cards = [card_for(invitee) for invitee in invitees]
    progress(0, len(cards))
    content = printables.cards_pdf(cards, progress=progress)
    return JobResult(content, _job_filename("giay moi", event, group), "application/pdf")


@job_kind("invitations.badges")
def badges_job(params: dict, progress) -> JobResult:
    """Name badges of the queued invitees, worn at the event, as one PDF."""
    event, group, invitees = _job_data(params)
    with current_app.test_request_context(base_url=params["base_url"]):
        badges = [badge_for(invitee, event) for invitee in invitees]
    progress(0, len(badges))
    content = printables.badges_pdf(badges, progress=progress)
    return JobResult(content, _job_filename("the dai bieu", event, group), "application/pdf")


# --- The venue poster and its self check-in address -------------------------------------------


def ensure_checkin_token(event: Event) -> str:
    """The event's self check-in token, made on first use and never changed afterwards (two
    first requests at once agree on one: only an empty token is written)."""
    if event.checkin_token is None:
        made = db.session.execute(
            update(Event)
            .where(Event.id == event.id, Event.checkin_token.is_(None))
            .values(
                checkin_token=secrets.token_urlsafe(CHECKIN_TOKEN_BYTES),
                updated_at=Event.updated_at,  # not an edit of the schedule
            )
        )
        if made.rowcount:
            # The bulk UPDATE bypasses the session's audit hooks: the winner writes the line
            # (a token: "changed", its value never kept).
            record(AuditAction.UPDATE, event, changes={"checkin_token": None})
        db.session.commit()
        db.session.refresh(event)
    return event.checkin_token


@bp.get("/events/<int:event_id>/poster.pdf")
@login_required
def event_poster(event_id: int):
    """The venue poster: the event and its self check-in QR code, one A4 page."""
    event = get_invitation_event_or_404(event_id)
    token = ensure_checkin_token(event)
    poster = printables.Poster(
        header=header_for(event.unit),
        campaign=event.campaign.name,
        event=event_info(event),
        url=public_url("venue.self_checkin", token=token),
    )
    exported(event, "poster.pdf")
    return _send(printables.poster_pdf(poster), "pdf", f"ap phich diem danh {event.title}")

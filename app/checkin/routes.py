"""The staff scanner: scan or type a code, find a name, undo, and record headcounts.

Every check-in answers with the result panel (`checkin/_scan_result.html`) and, out of band,
the live counts and the lines the recent check-ins list lacks (those after the newest one the
page shows, `recent_after`; the page keeps the 20 newest), so the phone shows the whole
picture after each person without the 20 lines being sent again each time. An undo sends the
whole list back (the undone line changes). The rules are in `app.checkin.services`; this
module only loads, checks permission, validates, calls them and commits once.

An archived event has no scanner: every route here answers 404 for it, as for an event that
does not exist (the offline sync alone still takes the scans phones queued, offline_routes).
"""

from __future__ import annotations

import datetime as dt

from flask import abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import inspect, select
from sqlalchemy.orm import joinedload

from app.checkin import services
from app.checkin.blueprint import bp
from app.checkin.forms import CheckinOptionsForm, HeadcountForm, ScanForm
from app.checkin.models import CheckIn, CheckInMethod, Headcount
from app.checkin.services import Actor, CheckinError
from app.extensions import db
from app.htmx import FORM_ERROR_STATUS, wants_fragment
from app.i18n import to_local
from app.invitations.models import Invitation
from app.invitations.queries import search_invitations
from app.invitations.services import fold_name
from app.schedule.models import Event
from app.schedule.permissions import get_event_or_404
from app.units.models import Role

#: Who may check people in: the event's organisers, administrators and check-in staff.
CHECKIN_ROLES = frozenset({Role.ADMIN, Role.ORGANISER, Role.CHECKIN_STAFF})
#: Lines in the "recent check-ins" list.
RECENT = 20
#: Names shown for one search.
SEARCH_LIMIT = 20
#: Shortest search: one letter matches half the list.
SEARCH_MIN = 2


def get_checkin_event_or_404(event_id: int, *, archived: bool = False) -> Event:
    """An event of the user's subtree, for a user whose role may check people in; an archived
    event only when `archived` (the offline sync of scans made before it was archived)."""
    event = get_event_or_404(event_id)
    if current_user.role not in CHECKIN_ROLES:
        abort(403)
    if event.archived_at is not None and not archived:
        abort(404)
    return event


def local(value: dt.datetime | None) -> dt.datetime | None:
    """A stored UTC moment as the venue's wall-clock time (for the `time` filter)."""
    return to_local(value.replace(tzinfo=dt.UTC)) if value is not None else None


def _actor(form: CheckinOptionsForm) -> Actor:
    return Actor(user=current_user, device_id=(form.device_id.data or "").strip())


# --- the page and its pieces -------------------------------------------------------------


def recent_checkins(event: Event, after: int | None = None) -> list[CheckIn]:
    """The last check-ins of the event, newest first, undone ones included (marked); only
    those recorded after the check-in `after`, when given."""
    query = (
        select(CheckIn)
        .options(joinedload(CheckIn.invitee), joinedload(CheckIn.user), joinedload(CheckIn.link))
        .where(CheckIn.event_id == event.id)
    )
    if after is not None:
        query = query.where(CheckIn.id > after)
    return list(db.session.scalars(query.order_by(CheckIn.id.desc()).limit(RECENT)))


def recent_after(form: CheckinOptionsForm) -> int | None:
    """The newest check-in the page's list shows, as the page sent it; None when it did not
    (a page from before this field, a client of its own)."""
    text = (form.recent_after.data or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def live_headcounts(event: Event) -> list[Headcount]:
    return list(
        db.session.scalars(
            select(Headcount)
            .options(joinedload(Headcount.revisions))
            .where(Headcount.event_id == event.id, Headcount.removed_at.is_(None))
            .order_by(Headcount.id)
        ).unique()
    )


def _context(event: Event, **extra) -> dict:
    """What the page and the out-of-band pieces need."""
    context = {
        "result": None,
        "undone": None,
        "error": None,
        "form": None,
        "search_row": None,
        "event": event,
        "totals": services.totals(event),
        "local": local,
        "keep": RECENT,
        "opens_at": local(services.window(event)[0]),
    }
    context.update(extra)
    return context


def _headcount_context(event: Event, context: dict) -> dict:
    """The headcount section: the add form, and each tally with its edit form."""
    headcounts = live_headcounts(event)
    edit_forms = {
        headcount.id: HeadcountForm(formdata=None, obj=headcount, prefix=f"hc{headcount.id}")
        for headcount in headcounts
    }
    edit_forms.update(context.get("edit_forms") or {})
    context["headcounts"] = headcounts
    context["edit_forms"] = edit_forms
    context.setdefault("open_edit", None)
    context.setdefault("headcount_form", HeadcountForm(formdata=None))
    return context


def _page(event: Event, status: int = 200, **extra):
    context = _headcount_context(event, _context(event, recent=recent_checkins(event), **extra))
    if context["form"] is None:
        context["form"] = ScanForm(formdata=None)
    return render_template("checkin/scanner.html", **context), status


def _result(event: Event, status: int = 200, *, after: int | None = None, **extra):
    """The result panel with, out of band, the counts and the recent check-ins after `after`
    (the newest line the page shows; without it, the check-in just made), or the whole list
    for an undo (htmx); the page with the result in place (a form posted without JavaScript).
    """
    if not wants_fragment():
        return _page(event, status, **extra)
    context = _context(event, **extra)
    if context["undone"] is not None:
        context.update(recent=recent_checkins(event), whole_list=True)
        return render_template("checkin/_scan_answer.html", **context), status
    if after is None:
        # From the check-in just made on (its id is known without reloading it after the
        # commit; the query reloads it with its person and recorder in one statement).
        made = context["result"].checkin if context["result"] is not None else None
        after = inspect(made).identity[0] - 1 if made is not None else None
    recent = recent_checkins(event, after) if after is not None else []
    context.update(recent=recent, whole_list=False)
    return render_template("checkin/_scan_answer.html", **context), status


def _headcount_section(event: Event, status: int = 200, **extra):
    """The headcount section with the counts out of band (htmx), or the page."""
    if not wants_fragment():
        return _page(event, status, **extra)
    context = _headcount_context(event, _context(event, **extra))
    return render_template("checkin/_headcount_answer.html", **context), status


@bp.get("/events/<int:event_id>/checkin")
@login_required
def scanner(event_id: int):
    """The scanner page: camera, typed codes, name search, recent check-ins and headcounts."""
    event = get_checkin_event_or_404(event_id)
    return _page(event)


# --- check-ins ---------------------------------------------------------------------------


@bp.post("/events/<int:event_id>/checkin/scan")
@login_required
def scan(event_id: int):
    """Check in the person whose code was scanned or typed; every outcome is shown, in colour."""
    event = get_checkin_event_or_404(event_id)
    form = ScanForm()
    if not form.validate_on_submit():
        return _result(event, FORM_ERROR_STATUS, after=recent_after(form), form=form, result=None)
    result = services.scan(event, form.code.data, _actor(form), override=form.override.data)
    db.session.commit()
    return _result(event, after=recent_after(form), result=result)


@bp.get("/events/<int:event_id>/checkin/search")
@login_required
def search(event_id: int):
    """Invitees of the event whose name (or title, or organisation) contains the typed words,
    accents ignored: for people who came without their QR code."""
    event = get_checkin_event_or_404(event_id)
    query = fold_name(request.args.get("q", ""))
    matches: list[Invitation] = []
    if len(query) >= SEARCH_MIN:
        matches = search_invitations(event, query, SEARCH_LIMIT)
    checked = _checked_in(event, [invitation.invitee_id for invitation in matches])
    return render_template(
        "checkin/_search_results.html",
        event=event,
        query=query,
        too_short=len(query) < SEARCH_MIN,
        matches=matches,
        checked=checked,
        local=local,
    )


def _checked_in(event: Event, invitee_ids: list[int]) -> dict[int, CheckIn]:
    if not invitee_ids:
        return {}
    rows = db.session.scalars(
        select(CheckIn).where(
            CheckIn.event_id == event.id,
            CheckIn.invitee_id.in_(invitee_ids),
            CheckIn.undone_at.is_(None),
        )
    )
    return {row.invitee_id: row for row in rows}


@bp.post("/events/<int:event_id>/checkin/invitees/<int:invitee_id>")
@login_required
def manual(event_id: int, invitee_id: int):
    """Check in an invitee found by name (no QR code at hand)."""
    event = get_checkin_event_or_404(event_id)
    invitation = db.session.scalar(
        select(Invitation)
        .options(joinedload(Invitation.invitee), joinedload(Invitation.group))
        .where(Invitation.event_id == event.id, Invitation.invitee_id == invitee_id)
    )
    if invitation is None:
        abort(404)
    form = CheckinOptionsForm()
    form.validate_on_submit()  # only the optional override and device id: never refused
    result = services.check_in_invitee(
        event,
        invitation.invitee,
        _actor(form),
        method=CheckInMethod.MANUAL,
        override=bool(form.override.data),
    )
    db.session.commit()
    return _result(
        event,
        after=recent_after(form),
        result=result,
        search_row=invitation,
        checked=_checked_in(event, [invitee_id]),
    )


@bp.post("/checkins/<int:checkin_id>/undo")
@login_required
def undo(checkin_id: int):
    """Take back a mistaken check-in: it stays in the list, marked, and stops counting."""
    checkin = db.session.get(CheckIn, checkin_id)
    if checkin is None:
        abort(404)
    event = get_checkin_event_or_404(checkin.event_id)
    error = None
    try:
        services.undo(checkin, current_user)
    except CheckinError as exc:
        error = str(exc)
    db.session.commit()
    return _result(event, undone=checkin, error=error)


# --- headcounts --------------------------------------------------------------------------


def get_headcount_or_404(headcount_id: int) -> tuple[Headcount, Event]:
    headcount = db.session.get(Headcount, headcount_id)
    if headcount is None or headcount.removed_at is not None:
        abort(404)
    return headcount, get_checkin_event_or_404(headcount.event_id)


def _refused(form: HeadcountForm, error: CheckinError) -> None:
    form.label.errors = [*form.label.errors, str(error)]


@bp.post("/events/<int:event_id>/headcounts")
@login_required
def headcount_create(event_id: int):
    """Record a tally of people nobody scans one by one: "Lớp 6A: 35 học sinh"."""
    event = get_checkin_event_or_404(event_id)
    form = HeadcountForm()
    if form.validate_on_submit():
        try:
            services.record_headcount(
                event, form.label.data, form.count.data, Actor(user=current_user)
            )
        except CheckinError as exc:
            db.session.rollback()
            _refused(form, exc)
        else:
            db.session.commit()
            return _headcount_section(event)
    return _headcount_section(event, FORM_ERROR_STATUS, headcount_form=form)


@bp.post("/headcounts/<int:headcount_id>")
@login_required
def headcount_update(headcount_id: int):
    """Correct a tally; the earlier values stay in its history."""
    headcount, event = get_headcount_or_404(headcount_id)
    form = HeadcountForm(prefix=f"hc{headcount.id}")
    if form.validate_on_submit():
        try:
            services.change_headcount(
                headcount, form.label.data, form.count.data, Actor(user=current_user)
            )
        except CheckinError as exc:
            db.session.rollback()
            _refused(form, exc)
        else:
            db.session.commit()
            return _headcount_section(event)
    return _headcount_section(
        event, FORM_ERROR_STATUS, edit_forms={headcount.id: form}, open_edit=headcount.id
    )


@bp.post("/headcounts/<int:headcount_id>/delete")
@login_required
def headcount_delete(headcount_id: int):
    """Remove a tally: it stops counting and stays in the history."""
    headcount, event = get_headcount_or_404(headcount_id)
    services.remove_headcount(headcount, Actor(user=current_user))
    db.session.commit()
    return _headcount_section(event)

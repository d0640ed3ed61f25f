"""The venue's public pages, without an account: a walk-in's self check-in from the poster's
QR code, and a volunteer's scanner opened from their check-in link.

Both are rate limited three ways: per address, with a high limit (hundreds of phones can share
the venue wifi's address), per phone (its cookie) and per poster or link; wrong walk-in codes
make the next tries wait longer and longer. They are kept out of caches and search engines,
and show nobody's phone or e-mail. A volunteer's link only checks people in to its own event,
only while it works; it opens no list and no search. An archived event's poster and links lead
to the same "not found" page as an unknown token, saying nothing more.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import (
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from app.backoff import Backoff
from app.checkin import walkin_code
from app.checkin.blueprint import venue_bp
from app.checkin.models import CheckinLink
from app.checkin.services import Actor, CheckinError, Outcome, scan, utcnow, walk_in, window
from app.checkin.venue_forms import (
    VolunteerNameForm,
    VolunteerScanForm,
    WalkInForm,
    local,
    moment_text,
)
from app.extensions import db, limiter
from app.htmx import FORM_ERROR_STATUS, wants_fragment
from app.i18n import format_time
from app.invitations.print_routes import event_info
from app.schedule.models import Event

DEVICE_COOKIE = "llw_device"
DEVICE_COOKIE_AGE = 365 * 24 * 3600
#: Where a volunteer's typed name is kept, per link.
NAME_KEY = "volunteer_name_{}"


#: Wrong walk-in codes are forgotten this long after the first one (a code lives 2 minutes).
CODE_FAILURE_WINDOW = 600
#: The longest wait after wrong walk-in codes, in seconds.
CODE_LONGEST_DELAY = 120


# --- Rate limits ------------------------------------------------------------------------------


def _address_limit() -> str:
    """Per address: high, since a venue's wifi puts hundreds of phones behind one address."""
    return current_app.config.get("VENUE_ADDRESS_RATE_LIMIT") or "600 per minute"


def _device_limit() -> str:
    """Per phone (its cookie): what one visitor of a public page may do."""
    config = current_app.config
    return (
        config.get("VENUE_DEVICE_RATE_LIMIT") or config.get("PUBLIC_RATE_LIMIT") or "60 per minute"
    )


def _token_limit() -> str:
    """Per poster or link, all phones together."""
    return current_app.config.get("VENUE_TOKEN_RATE_LIMIT") or "1200 per minute"


def _digest(value: str) -> str:
    # The limiter's store (Redis, perhaps) never holds a link's token or a phone's id as such.
    return hashlib.sha256(value.encode()).hexdigest()[:24]


def _device_key() -> str:
    return "venue-device/" + _digest(_device_id()[0])


def _token_key() -> str:
    return "venue-token/" + _digest((request.view_args or {}).get("token", ""))


def venue_limits(view):
    """The three limits of a venue page (the limiter's 429 page when one is exceeded)."""
    view = limiter.limit(_token_limit, key_func=_token_key)(view)
    view = limiter.limit(_device_limit, key_func=_device_key)(view)
    return limiter.limit(_address_limit)(view)


# --- The phone's identity -----------------------------------------------------------------


def _device_id() -> tuple[str, bool]:
    """The phone's random id from its cookie, or a new one; True when it is new.

    A new id is made once per request (the rate limit counts the first request against it).
    """
    known = request.cookies.get(DEVICE_COOKIE, "")
    if 32 <= len(known) <= 64 and all(c.isalnum() or c in "-_" for c in known):
        return known, False
    if "venue_device" not in g:
        g.venue_device = secrets.token_urlsafe(32)
    return g.venue_device, True


def _public(body, status: int = 200, device: tuple[str, bool] | None = None):
    """A public page's answer: not cached, not indexed, the phone's id cookie set once."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    if device is not None and device[1]:
        response.set_cookie(
            DEVICE_COOKIE,
            device[0],
            max_age=DEVICE_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
    return response


# --- Walk-in self check-in ----------------------------------------------------------------


def _event_or_404(token: str) -> Event:
    """The poster's event; 404 for an unknown token and for an archived event alike."""
    event = None
    if token and len(token) <= 64:
        event = db.session.scalar(
            select(Event).where(Event.checkin_token == token, Event.archived_at.is_(None))
        )
    if event is None:
        abort(404)
    return event


def _open_now(event: Event) -> bool:
    opens, closes = window(event)
    return opens <= utcnow() < closes


def _walkin_page(event: Event, form: WalkInForm, device, status: int = 200, error: str = ""):
    body = render_template(
        "checkin/walkin.html",
        event=event,
        info=event_info(event),
        form=form,
        error=error,
        open_now=_open_now(event),
    )
    return _public(body, status, device)


def _code_backoffs(event: Event, device: str) -> list[tuple[Backoff, str]]:
    """Wrong codes count per phone, and (many more allowed) per address for phones that
    drop their cookie."""
    config = current_app.config
    per_device = Backoff(
        "walkin-code-device",
        config.get("WALKIN_CODE_FREE_FAILURES", 5),
        CODE_LONGEST_DELAY,
        CODE_FAILURE_WINDOW,
    )
    per_address = Backoff(
        "walkin-code-address",
        config.get("WALKIN_CODE_FREE_FAILURES_PER_ADDRESS", 100),
        CODE_LONGEST_DELAY,
        CODE_FAILURE_WINDOW,
    )
    return [
        (per_device, f"{event.id}|{device}"),
        (per_address, f"{event.id}|{get_remote_address()}"),
    ]


def _code_wait_message(seconds: int) -> str:
    return ngettext(
        "Too many wrong codes. Wait %(num)d second, then type the code shown at the venue.",
        "Too many wrong codes. Wait %(num)d seconds, then type the code shown at the venue.",
        seconds,
    )


def _checked_code(event: Event, form: WalkInForm, device):
    """None when the code is right; else the walk-in page with the reason (a wait: 429)."""
    backoffs = _code_backoffs(event, device[0])
    waiting = max(backoff.wait(key) for backoff, key in backoffs)
    if not waiting:
        if walkin_code.check_code(event, form.code.data):
            for backoff, key in backoffs:
                backoff.succeeded(key)
            return None
        db.session.commit()  # the code's secret, made on first use
        waiting = max(backoff.failed(key) for backoff, key in backoffs)
        if not waiting:
            message = _("This code is wrong or too old. Type the code shown at the venue now.")
            form.code.errors = [message]
            return _walkin_page(event, form, device, FORM_ERROR_STATUS)
    # The code is not even compared while the phone waits.
    form.code.errors = [_code_wait_message(waiting)]
    response = _walkin_page(event, form, device, 429)
    response.headers["Retry-After"] = str(waiting)
    return response


@venue_bp.route("/c/<token>", methods=["GET", "POST"])
@venue_limits
def self_checkin(token: str):
    """A walk-in checks in from the venue poster: name, unit, who they are (and the code)."""
    event = _event_or_404(token)
    device = _device_id()
    form = WalkInForm()
    if request.method == "GET":
        return _walkin_page(event, form, device)
    if not form.validate():
        return _walkin_page(event, form, device, FORM_ERROR_STATUS)
    if event.walkin_code_required:
        refused = _checked_code(event, form, device)
        if refused is not None:
            return refused
    try:
        checkin = walk_in(
            event,
            full_name=form.full_name.data,
            organisation=form.organisation.data or "",
            participant_type=form.participant,
            actor=Actor(device_id=device[0]),
        )
    except CheckinError as exc:
        db.session.rollback()
        return _walkin_page(event, form, device, FORM_ERROR_STATUS, error=str(exc))
    db.session.commit()
    body = render_template(
        "checkin/walkin_done.html",
        event=event,
        name=checkin.full_name,
        time=format_time(local(checkin.checked_in_at)),
    )
    return _public(body, 200, device)


# --- A volunteer's check-in link ----------------------------------------------------------


def _refused(message: str, status: int):
    body = render_template("checkin/volunteer_refused.html", message=message)
    abort(_public(body, status))


def _working_link(token: str) -> CheckinLink:
    """The link, if it works now; otherwise a clear 404 or 403 page and nothing recorded. A
    link of an archived event is as unknown: its state is not told."""
    link = None
    if token and len(token) <= 64:
        link = db.session.scalar(
            select(CheckinLink)
            .join(CheckinLink.event)
            .options(contains_eager(CheckinLink.event))
            .where(CheckinLink.token == token, Event.archived_at.is_(None))
        )
    if link is None:
        _refused(_("This check-in link does not exist. Ask the organisers for a new one."), 404)
    now = utcnow()
    if link.revoked_at is not None:
        _refused(_("This check-in link has been stopped by the organisers."), 403)
    if now < link.valid_from:
        _refused(
            _("This check-in link works from %(moment)s.", moment=moment_text(link.valid_from)),
            403,
        )
    if now >= link.valid_until:
        _refused(
            _(
                "This check-in link stopped working at %(moment)s.",
                moment=moment_text(link.valid_until),
            ),
            403,
        )
    return link


def _volunteer_name(link: CheckinLink) -> str:
    return session.get(NAME_KEY.format(link.id), "")


def _volunteer_page(link: CheckinLink, device, status: int = 200, **extra):
    name = _volunteer_name(link)
    context = {
        "link": link,
        "event": link.event,
        "name": name,
        "name_form": extra.pop("name_form", None) or VolunteerNameForm(formdata=None, name=name),
        "scan_form": extra.pop("scan_form", None) or VolunteerScanForm(formdata=None),
        "asking_name": not name or request.args.get("change") == "1",
        **extra,
    }
    return _public(render_template("checkin/volunteer.html", **context), status, device)


@venue_bp.get("/v/<token>")
@venue_limits
def volunteer(token: str):
    """A volunteer's scanner: their name once, then codes to check people in."""
    link = _working_link(token)
    return _volunteer_page(link, _device_id())


@venue_bp.post("/v/<token>/name")
@venue_limits
def volunteer_name(token: str):
    """The volunteer's name, kept for this link, written on each check-in they make."""
    link = _working_link(token)
    form = VolunteerNameForm()
    if not form.validate():
        return _volunteer_page(link, _device_id(), FORM_ERROR_STATUS, name_form=form)
    session[NAME_KEY.format(link.id)] = " ".join(form.name.data.split())
    return redirect(url_for("venue.volunteer", token=token), code=303)


RESULT_TONES = {
    Outcome.OK: "ok",
    Outcome.ALREADY: "warn",
}


@venue_bp.post("/v/<token>/scan")
@venue_limits
def volunteer_scan(token: str):
    """Check in the person whose code the volunteer scanned (camera.js) or typed."""
    link = _working_link(token)
    device = _device_id()
    name = _volunteer_name(link)
    if not name:
        _refused(_("Type your name first: open the check-in link again."), 403)
    form = VolunteerScanForm()
    if not form.validate():
        if wants_fragment():
            # The answer only (red, "no code"): the form stays as it is.
            html = render_template("checkin/_link_scan_result.html", invalid=True)
            return _public(html, FORM_ERROR_STATUS, device)
        return _volunteer_page(link, device, FORM_ERROR_STATUS, scan_form=form)
    actor = Actor(link=link, volunteer_name=name, device_id=device[0])
    result = scan(link.event, form.code.data, actor)
    db.session.commit()
    context = {
        "result": result,
        "tone": RESULT_TONES.get(result.outcome, "error"),
        "previous_at": (
            format_time(local(result.previous.checked_in_at)) if result.previous else ""
        ),
        "scan_form": VolunteerScanForm(formdata=None),
    }
    if wants_fragment():
        # The answer replaces the previous one; the form (the camera's too) stays in place.
        html = render_template("checkin/_link_scan_result.html", link=link, **context)
        return _public(html, 200, device)
    return _volunteer_page(link, device, **context)

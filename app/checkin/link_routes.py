"""What organisers set up so people check in without a staff account: volunteers' check-in
links, the walk-in settings and the rotating code's display for the venue's screen.

For the event's organisers and administrators (403 for the other roles, 404 outside the
subtree). An archived event has none of them (404); revoking a link of it still works.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

from flask import abort, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import flag_modified

from app.checkin import walkin_code
from app.checkin.blueprint import bp
from app.checkin.dashboard_routes import get_live_event_or_404, no_store
from app.checkin.models import CheckIn, CheckinLink
from app.checkin.services import new_link_token, utcnow
from app.checkin.venue_forms import LinkForm, WalkinSettingsForm, moment_text
from app.extensions import db
from app.htmx import FORM_ERROR_STATUS, wants_fragment
from app.invitations.print_routes import ensure_checkin_token
from app.invitations.qr import public_url, qr_svg
from app.schedule.models import Event
from app.schedule.permissions import get_event_or_404

# --- Volunteers' check-in links and the walk-in settings -----------------------------------

LINK_STATES = {
    "active": _l("Working"),
    "pending": _l("Not yet valid"),
    "expired": _l("Expired"),
    "revoked": _l("Revoked"),
}


def link_state(link: CheckinLink, now: dt.datetime) -> str:
    if link.revoked_at is not None:
        return "revoked"
    if now < link.valid_from:
        return "pending"
    if now >= link.valid_until:
        return "expired"
    return "active"


@dataclass
class LinkRow:
    link: CheckinLink
    state: str
    url: str
    qr: str  #: a data: URI of the QR code's SVG, "" when the link no longer works
    checkins: int
    valid_from: str
    valid_until: str

    @property
    def state_label(self) -> str:
        return str(LINK_STATES[self.state])


def svg_data_uri(data: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(data)).decode()


def link_rows(event: Event) -> list[LinkRow]:
    now = utcnow()
    links = db.session.scalars(
        select(CheckinLink)
        .where(CheckinLink.event_id == event.id)
        .order_by(CheckinLink.created_at.desc(), CheckinLink.id.desc())
    ).all()
    used = dict(
        db.session.execute(
            select(CheckIn.link_id, func.count(CheckIn.id))
            .where(
                CheckIn.event_id == event.id,
                CheckIn.link_id.is_not(None),
                CheckIn.undone_at.is_(None),
            )
            .group_by(CheckIn.link_id)
        ).all()
    )
    rows = []
    for link in links:
        state = link_state(link, now)
        url = public_url("venue.volunteer", token=link.token)
        working = state in ("active", "pending")
        rows.append(
            LinkRow(
                link,
                state,
                url if working else "",
                svg_data_uri(url) if working else "",
                used.get(link.id, 0),
                moment_text(link.valid_from),
                moment_text(link.valid_until),
            )
        )
    return rows


def links_context(event: Event, **extra) -> dict:
    settings = extra.pop("settings_form", None) or WalkinSettingsForm(
        formdata=None,
        require_code=event.walkin_code_required,
        walkins_per_device=event.walkins_per_device,
    )
    return {
        "event": event,
        "rows": link_rows(event),
        "form": extra.pop("form", None) or LinkForm(formdata=None, event=event),
        "settings_form": settings,
        **extra,
    }


def _links_answer(event: Event, status: int = 200, **extra):
    """The links section for htmx; the page otherwise (303 back to it after a change)."""
    if wants_fragment():
        return render_template(
            "checkin/_link_section.html", **links_context(event, **extra)
        ), status
    if status != 200:
        return render_template("checkin/links.html", **links_context(event, **extra)), status
    return redirect(url_for("checkin.links", event_id=event.id), code=303)


@bp.get("/events/<int:event_id>/links")
@login_required
def links(event_id: int):
    """The event's volunteer check-in links and walk-in settings."""
    event = get_live_event_or_404(event_id, need="edit")
    return render_template("checkin/links.html", **links_context(event))


@bp.post("/events/<int:event_id>/links")
@login_required
def link_create(event_id: int):
    """Hand out a new check-in link, working between the chosen times."""
    event = get_live_event_or_404(event_id, need="edit")
    form = LinkForm(event=event)
    if not form.validate():
        return _links_answer(event, FORM_ERROR_STATUS, form=form)
    db.session.add(
        CheckinLink(
            event_id=event.id,
            token=new_link_token(),
            label=" ".join(form.label.data.split()),
            valid_from=form.starts,
            valid_until=form.ends,
            created_by_id=current_user.id,
            created_at=utcnow(),
        )
    )
    db.session.commit()
    return _links_answer(event)


@bp.post("/links/<int:link_id>/revoke")
@login_required
def link_revoke(link_id: int):
    """Stop a check-in link at once; its check-ins stay."""
    link = db.session.get(CheckinLink, link_id)
    if link is None:
        abort(404)
    event = get_event_or_404(link.event_id, need="edit")
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        db.session.commit()
    return _links_answer(event)


@bp.post("/events/<int:event_id>/walkin-settings")
@login_required
def walkin_settings(event_id: int):
    """Whether walk-ins must type the venue's code, and how many may check in per phone."""
    event = get_live_event_or_404(event_id, need="edit")
    form = WalkinSettingsForm()
    if not form.validate():
        return _links_answer(event, FORM_ERROR_STATUS, settings_form=form)
    # Through the ORM, so the audit trail notes the change (old and new values); the time of
    # the schedule's last edit is written back as it was: this is not an edit of the schedule.
    event.walkin_code_required = form.require_code.data
    event.walkins_per_device = form.walkins_per_device.data
    flag_modified(event, "updated_at")
    if event.walkin_code_required:
        walkin_code.ensure_secret(event)
    db.session.commit()
    return _links_answer(event, saved=True)


# --- The code on the projector ------------------------------------------------------------


def code_context(event: Event) -> dict:
    return {"event": event, "code": walkin_code.current_code(event)}


@bp.get("/events/<int:event_id>/code")
@login_required
def code_display(event_id: int):
    """Full screen, for a projector at the venue: the walk-ins' code and the poster's QR."""
    event = get_live_event_or_404(event_id, need="edit")
    url = public_url("venue.self_checkin", token=ensure_checkin_token(event))
    context = code_context(event)
    db.session.commit()  # the code's secret, made on first use
    return no_store(
        render_template(
            "checkin/code_display.html", poster_qr=svg_data_uri(url), url=url, **context
        )
    )


@bp.get("/events/<int:event_id>/code/current")
@login_required
def code_current(event_id: int):
    """The current code alone, polled by the display."""
    event = get_live_event_or_404(event_id, need="edit")
    context = code_context(event)
    db.session.commit()
    return no_store(render_template("checkin/_dash_code.html", **context))

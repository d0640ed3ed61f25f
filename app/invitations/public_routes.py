"""The invitation page opened from a QR code: no login, one person's invitation only.

It shows the person's own name, title and group and the events they are invited to (date,
time, venue, program), and lets them confirm or decline. Never anyone else's data, never a
phone number or an e-mail address. Rate limited per address.
"""

from __future__ import annotations

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from app.extensions import db, limiter
from app.htmx import FORM_ERROR_STATUS, wants_fragment
from app.invitations.blueprint import public_bp
from app.invitations.models import Invitation, Invitee, Rsvp
from app.invitations.qr import invitation_url, qr_png, qr_svg
from app.invitations.services import answer, invitee_by_token, token_was_revoked
from app.schedule.forms import time_range_text


def _public_limit() -> str:
    return current_app.config.get("PUBLIC_RATE_LIMIT", "60 per minute")


def _invitee_or_404(token: str) -> Invitee:
    invitee = invitee_by_token(token)
    if invitee is None:
        revoked = token_was_revoked(token) if token and len(token) <= 64 else False
        message = (
            _("This invitation has been withdrawn. Ask the organisers for a new one.")
            if revoked
            else _("This invitation does not exist. Check the link or the QR code.")
        )
        response = render_template("invitations/public_missing.html", message=message)
        abort(Response(response, status=404))
    return invitee


def _page(invitee: Invitee, status: int = 200, **extra):
    invitations = (
        db.session.query(Invitation)
        .options(joinedload(Invitation.event), joinedload(Invitation.group))
        .filter(Invitation.invitee_id == invitee.id)
        .all()
    )
    invitations.sort(key=lambda i: (i.event.date, i.event.start_time or i.event.date))
    template = "invitations/_public_rsvp.html" if wants_fragment() else "invitations/public.html"
    response = current_app.make_response(
        (
            render_template(
                template,
                invitee=invitee,
                invitations=invitations,
                time_range_text=time_range_text,
                **extra,
            ),
            status,
        )
    )
    # The token is a secret: keep the page out of caches and of other sites' referrers.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@public_bp.get("/i/<token>")
@limiter.limit(_public_limit)
def invitation(token: str):
    """One person's invitation: events, program, their group; confirm or decline."""
    return _page(_invitee_or_404(token))


@public_bp.post("/i/<token>/rsvp")
@limiter.limit(_public_limit)
def rsvp(token: str):
    """The invitee's answer for one event: yes or no (it can be changed)."""
    invitee = _invitee_or_404(token)
    invitation_id = request.form.get("invitation", type=int)
    choice = {"yes": Rsvp.YES, "no": Rsvp.NO}.get(request.form.get("answer", ""))
    invitation = next((i for i in invitee.invitations if i.id == invitation_id), None)
    if invitation is None or choice is None:
        return _page(invitee, FORM_ERROR_STATUS, error=_("Choose an event and an answer."))
    answer(invitation, choice)
    db.session.commit()
    if not wants_fragment():
        return redirect(url_for("public.invitation", token=token), code=303)
    message = _("Thank you, your answer is recorded.")
    return _page(invitee, message=message)


@public_bp.get("/i/<token>/qr.<fmt>")
@limiter.limit(_public_limit)
def qr(token: str, fmt: str):
    """The invitation's own QR code, to show at the venue."""
    invitee = _invitee_or_404(token)
    url = invitation_url(invitee.token)
    if fmt == "png":
        response = Response(qr_png(url, box_size=8), mimetype="image/png")
    elif fmt == "svg":
        response = Response(qr_svg(url), mimetype="image/svg+xml")
    else:
        abort(404)
    response.headers["Cache-Control"] = "private, no-store"
    return response

"""Sending invitations by e-mail: one button per event, a job that sends, a state per invitee.

The route picks the recipients and computes their invitation links (the job may run outside
any request, where no URL can be built), marks them queued and enqueues the job; the job sends
over one SMTP connection and records SENT or FAILED (with the server's reason) per invitee,
committing after each so that the states and the progress survive a crash.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from urllib.parse import urlsplit

from flask import flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import func, select
from wtforms import BooleanField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from app.clock import utcnow
from app.extensions import db
from app.forms import AppForm
from app.htmx import FORM_ERROR_STATUS, wants_fragment
from app.invitations.blueprint import bp
from app.invitations.groups import groups_of
from app.invitations.mailer import Mailer, MailError, build_message, mail_configured
from app.invitations.models import EmailState, Invitation, Invitee
from app.invitations.permissions import get_invitation_event_or_404
from app.invitations.qr import invitation_url
from app.invitations.services import invitations_of_event
from app.jobs.services import JobFailed, enqueue, job_kind, start_after_response
from app.schedule.models import Event

log = logging.getLogger(__name__)

JOB_KIND = "invitations.email"


class EmailForm(AppForm):
    """Whom to send the invitations to: a group or everyone, and whether to send again."""

    group_id = SelectField(_l("Group"), coerce=int, default=0, validators=[Optional()])
    only_unsent = BooleanField(_l("Only to those not sent yet"), default=True)

    def __init__(self, *args, groups=(), **kwargs):
        # Prefixed: the invitee page has other forms with a group field and a CSRF token.
        kwargs.setdefault("prefix", "email")
        super().__init__(*args, **kwargs)
        self.group_id.choices = [SelectChoice(0, _l("All groups"))] + [
            SelectChoice(group.id, group.name) for group in groups
        ]


@bp.app_template_global("invitation_email_form")
def email_form(event: Event) -> EmailForm:
    return EmailForm(formdata=None, groups=groups_of(event))


@bp.app_template_global("invitation_email_counts")
def email_counts(event: Event) -> Counter:
    """How many of the event's invitees have an e-mail address, and their sending states."""
    counts: Counter = Counter()
    has_email = Invitee.email != ""
    rows = db.session.execute(
        select(Invitee.email_state, has_email, func.count())
        .join(Invitation, Invitation.invitee_id == Invitee.id)
        .where(Invitation.event_id == event.id)
        .group_by(Invitee.email_state, has_email)
    )
    for state, with_email, count in rows:
        if with_email:
            counts["with_email"] += count
            counts[state.value] += count
        else:
            counts["without_email"] += count
    return counts


def _answer(event: Event, form: EmailForm, status: int = 200, job=None, message="", error=""):
    """The e-mail panel for htmx; the invitee page (with a flashed message) otherwise."""
    if wants_fragment():
        html = render_template(
            "invitations/_email_actions.html",
            event=event,
            email_form=form,
            job=job,
            message=message,
            error=error,
        )
        return make_response(html, status)
    if message or error:
        flash(error or message, "error" if error else "success")
    return redirect(url_for("invitations.event_invitees", event_id=event.id), code=303)


@bp.post("/events/<int:event_id>/invitees/email")
@login_required
def event_email(event_id: int):
    """Send the invitations of the event (or of one group) by e-mail, in the background."""
    event = get_invitation_event_or_404(event_id)
    form = EmailForm(groups=groups_of(event))
    if not form.validate_on_submit():
        return _answer(event, form, FORM_ERROR_STATUS, error=_("Some fields need fixing."))
    if not mail_configured():
        error = _("E-mail cannot be sent: no mail server is configured (MAIL_SERVER).")
        return _answer(event, form, FORM_ERROR_STATUS, error=error)
    invitations = [
        invitation
        for invitation in invitations_of_event(event)
        if not form.group_id.data or invitation.group_id == form.group_id.data
    ]
    if form.only_unsent.data:
        invitations = [i for i in invitations if i.invitee.email_state is not EmailState.SENT]
    with_email = [i.invitee for i in invitations if i.invitee.email]
    recipients = [invitee for invitee in with_email if invitee.token]
    without_email = len(invitations) - len(with_email)
    withdrawn = len(with_email) - len(recipients)
    if not recipients:
        message = _("Nobody to send to.") + " " + _skipped_text(without_email, withdrawn)
        return _answer(event, form, message=message.strip())
    for invitee in recipients:
        invitee.email_state, invitee.email_error = EmailState.QUEUED, ""
    params = {
        "event_id": event.id,
        "queued_at": utcnow().isoformat(),
        "unit_name": event.unit.name,
        "without_email": without_email,
        "recipients": [
            {"invitee_id": invitee.id, "url": invitation_url(invitee.token)}
            for invitee in recipients
        ],
    }
    job = enqueue(JOB_KIND, params, current_user.id, total=len(recipients))
    db.session.commit()
    message = ngettext(
        "Sending %(num)d invitation by e-mail.",
        "Sending %(num)d invitations by e-mail.",
        len(recipients),
    )
    message = f"{message} {_skipped_text(without_email, withdrawn)}".strip()
    return start_after_response(_answer(event, form, job=job, message=message), job)


def _skipped_text(without_email: int, withdrawn: int) -> str:
    parts = []
    if without_email:
        parts.append(
            ngettext(
                "%(num)d invitee has no e-mail address.",
                "%(num)d invitees have no e-mail address.",
                without_email,
            )
        )
    if withdrawn:
        parts.append(
            ngettext(
                "%(num)d invitee's QR code is withdrawn: not sent.",
                "%(num)d invitees' QR codes are withdrawn: not sent.",
                withdrawn,
            )
        )
    return " ".join(parts)


# --- the job ------------------------------------------------------------------------------


def _event_order(invitation: Invitation):
    event = invitation.event
    return (event.date, event.start_time or dt.time.min, event.id)


def _send_one(mailer: Mailer, invitee: Invitee, url: str, unit_name: str) -> str | None:
    """Send one invitation; None when sent, else the reason."""
    if not invitee.token or urlsplit(url).path.rsplit("/", 1)[-1] != invitee.token:
        return _("The QR code was withdrawn or reissued after sending began: send again.")
    invitations = sorted(invitee.invitations, key=_event_order)
    try:
        message = build_message(invitee, invitations, url, unit_name)
    except Exception as exc:  # an address the e-mail library refuses, say: the others go on
        log.warning("invitation e-mail for invitee %s not made: %s", invitee.id, type(exc).__name__)
        return _("The message could not be made (%(error)s).", error=type(exc).__name__)
    try:
        mailer.send(message)
    except MailError as exc:
        return str(exc)
    return None


def _still_to_send(invitee: Invitee | None, queued_at: dt.datetime) -> bool:
    """Not removed, nor its address, since; not sent meanwhile by another sending (a second
    click before this one ran)."""
    if invitee is None or not invitee.email:
        return False
    sent_since = invitee.email_sent_at is not None and invitee.email_sent_at >= queued_at
    return not (invitee.email_state is EmailState.SENT and sent_since)


@job_kind(JOB_KIND)
def send_invitation_emails(params: dict, progress) -> None:
    """Send each recipient their invitation; their state is saved as soon as it is known."""
    recipients = params["recipients"]
    queued_at = dt.datetime.fromisoformat(params["queued_at"])
    progress(0, len(recipients))
    sent, failed, first_reason = 0, 0, ""
    with Mailer() as mailer:
        for done, recipient in enumerate(recipients, 1):
            invitee = db.session.get(Invitee, recipient["invitee_id"])
            if _still_to_send(invitee, queued_at):
                reason = _send_one(mailer, invitee, recipient["url"], params["unit_name"])
                if reason is None:
                    invitee.email_state, invitee.email_error = EmailState.SENT, ""
                    invitee.email_sent_at = utcnow()
                    sent += 1
                else:
                    invitee.email_state, invitee.email_error = EmailState.FAILED, reason
                    failed += 1
                    first_reason = first_reason or reason
                db.session.commit()
            progress(done)
    log.info(
        "invitation e-mails for event %s: %d sent, %d failed, %d without an address",
        params["event_id"],
        sent,
        failed,
        params.get("without_email", 0),
    )
    if failed and not sent:
        raise JobFailed(first_reason)

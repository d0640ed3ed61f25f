"""What the invitation pages answer with: the invitee section (the list by group, searched,
with its counts and the group form), one person's row after a change to it, and the
confirmation before something is removed.

A change to one person (their details, their QR code, taking them off the list) answers with
their row, so a search or a group opened in full stays as it was; a change that moves people
between groups or adds someone answers with the whole invitee section
(`invitations/_invitees.html`), counts per group included.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from app.htmx import retarget, wants_fragment
from app.invitations.forms import GroupForm
from app.invitations.models import EmailState, Invitation, Rsvp
from app.invitations.permissions import get_group_or_404
from app.invitations.queries import invitee_list, listed_row
from app.invitations.services import format_phone
from app.schedule.models import Event


def row_context() -> dict:
    """What an invitee row needs besides its values, worked out once for the whole list."""
    return {
        "format_phone": format_phone,
        "rsvp_labels": {rsvp: rsvp.label for rsvp in Rsvp},
        "email_labels": {state: state.label for state in EmailState},
    }


def search_query() -> str:
    return request.args.get("q", "").strip()[:100]


def section_context(event: Event, **extra) -> dict:
    """What the invitee section needs: the list (searched for `q`), the group form, labels."""
    query = extra.pop("q", "")
    return {
        "event": event,
        "groups": invitee_list(event, query),
        "q": query,
        "group_form": extra.pop("group_form", None) or GroupForm(formdata=None),
        **row_context(),
        **extra,
    }


def section_answer(event: Event, status: int = 200, **extra):
    """The invitee section, for htmx (retargeted: row forms target their row); the page
    otherwise."""
    if wants_fragment():
        html = render_template("invitations/_invitees.html", **section_context(event, **extra))
        return retarget(html, "#invitees", status=status)
    return redirect(url_for("invitations.event_invitees", event_id=event.id), code=303)


def row_answer(invitation: Invitation, message: str | None = None):
    """A person's row after a change to it (with what was done, when it says something the
    row does not), for htmx; the page otherwise."""
    if not wants_fragment():
        if message:
            flash(message, "success")
        return redirect(url_for("invitations.event_invitees", event_id=invitation.event_id), 303)
    return render_template(
        "invitations/_invitee_row.html",
        row=listed_row(invitation.id),
        message=message,
        **row_context(),
    )


def group_or_none(event: Event, group_id: int | None):
    if not group_id:
        return None
    group = get_group_or_404(group_id)
    return group if group.event_id == event.id else None


def removal_confirm(event: Event, *, action: str, message: str, archives: bool, row: bool):
    """A deletion's confirmation naming what would be archived: inline for htmx (a table row
    for an invitee, a card for a group), a page otherwise."""
    context = {"event": event, "action": action, "message": message, "archives": archives}
    if wants_fragment():
        return render_template("invitations/_delete_confirm.html", row=row, inline=True, **context)
    return render_template("invitations/delete_confirm.html", row=False, inline=False, **context)

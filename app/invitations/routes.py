"""The organisers' invitee pages: the list (searched, a group's other names, a row and its
actions on demand), people added, edited, taken off or restored, their QR codes, and inviting
from the contact book. What they answer with is in `sections`; groups in `group_routes`."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.extensions import db
from app.htmx import FORM_ERROR_STATUS, wants_fragment
from app.invitations.blueprint import bp
from app.invitations.forms import InviteeForm, person_data
from app.invitations.groups import archived_groups, groups_of
from app.invitations.models import (
    Contact,
    Invitee,
)
from app.invitations.permissions import (
    get_contact_or_404,
    get_invitation_event_or_404,
    get_invitation_or_404,
    get_invitee_or_404,
)
from app.invitations.qr import invitation_url
from app.invitations.queries import contacts_matching, invitee_list, listed_row
from app.invitations.sections import (
    group_or_none,
    removal_confirm,
    row_answer,
    row_context,
    search_query,
    section_answer,
    section_context,
)
from app.invitations.services import (
    InvitationError,
    PersonData,
    archived_invitees,
    find_duplicates,
    invite,
    invitee_holdings,
    issue_token,
    restore_invitee,
    revoke_token,
    save_contact,
    uninvite,
    update_invitee,
)
from app.schedule.models import Event

# --- the list ------------------------------------------------------------------------------


@bp.get("/events/<int:event_id>/invitees")
@login_required
def event_invitees(event_id: int):
    """Invited groups and invitees of an event, with invited/confirmed/declined counts; a
    search (`q`) lists only the people it finds (for htmx: the groups alone)."""
    event = get_invitation_event_or_404(event_id)
    context = section_context(event, q=search_query())
    if wants_fragment():
        return render_template("invitations/_invitee_groups.html", **context)
    return render_template("invitations/event_invitees.html", **context)


@bp.get("/events/<int:event_id>/invitees/rows")
@login_required
def invitee_rows(event_id: int):
    """The rest of a group's rows (`group`, 0 for people without a group) after the first
    `start`, among those the search `q` finds."""
    event = get_invitation_event_or_404(event_id)
    key = request.args.get("group", 0, type=int)
    start = max(request.args.get("start", 0, type=int), 0)
    entry = next((e for e in invitee_list(event, search_query()) if e.key == key), None)
    rows = entry.rows[start:] if entry else []
    return render_template("invitations/_invitee_more.html", rows=rows, **row_context())


@bp.get("/invitations/<int:invitation_id>/row")
@login_required
def invitation_row(invitation_id: int):
    """A person's row of the list (cancels an inline edit)."""
    invitation = get_invitation_or_404(invitation_id)
    return render_template(
        "invitations/_invitee_row.html", row=listed_row(invitation.id), **row_context()
    )


@bp.get("/invitations/<int:invitation_id>/actions")
@login_required
def invitation_actions(invitation_id: int):
    """A row's actions (edit, link and QR, new QR, withdraw QR, remove), opened on demand so
    a list of thousands carries one button per person."""
    invitation = get_invitation_or_404(invitation_id)
    return render_template(
        "invitations/_invitee_actions.html",
        invitation=invitation,
        invitee=invitation.invitee,
        event=invitation.event,
    )


# --- invitees ----------------------------------------------------------------------------


def _invitee_form(event: Event, **kwargs) -> InviteeForm:
    return InviteeForm(groups=groups_of(event), **kwargs)


@bp.get("/events/<int:event_id>/invitees/new")
@login_required
def invitee_new(event_id: int):
    """The inline form for a new invitee (a group may be preselected)."""
    event = get_invitation_event_or_404(event_id)
    form = _invitee_form(event, data={"group_id": request.args.get("group", 0, type=int)})
    return render_template("invitations/_invitee_new.html", event=event, form=form)


@bp.post("/events/<int:event_id>/invitees")
@login_required
def invitee_create(event_id: int):
    """Invite a new person; a person who looks already known is pointed out first."""
    event = get_invitation_event_or_404(event_id)
    form = _invitee_form(event)
    duplicates = []
    if form.validate_on_submit():
        data = person_data(form)
        duplicates = find_duplicates(
            current_user.unit, data, model=Invitee, campaign_id=event.campaign_id
        )
        if not duplicates or form.confirm_new.data:
            contact = None
            if not find_duplicates(current_user.unit, data, model=Contact):
                contact = save_contact(None, current_user.unit, data)
            group = group_or_none(event, form.group_id.data)
            invite(event, current_user.unit, data, group=group, contact=contact)
            db.session.commit()
            return section_answer(event, message=_("%(name)s is invited.", name=data.full_name))
    return render_template(
        "invitations/_invitee_new.html", event=event, form=form, duplicates=duplicates
    ), FORM_ERROR_STATUS


@bp.post("/events/<int:event_id>/invitees/<int:invitee_id>/add")
@login_required
def invitee_add_existing(event_id: int, invitee_id: int):
    """Invite someone already invited to another event of the campaign (same QR code)."""
    event = get_invitation_event_or_404(event_id)
    invitee = get_invitee_or_404(invitee_id)
    group = group_or_none(event, request.form.get("group_id", type=int))
    try:
        invite(event, invitee.unit, PersonData(invitee.full_name), group=group, invitee=invitee)
    except InvitationError as exc:
        db.session.rollback()
        return section_answer(event, FORM_ERROR_STATUS, error=str(exc))
    db.session.commit()
    return section_answer(event, message=_("%(name)s is invited.", name=invitee.full_name))


@bp.get("/invitees/<int:invitee_id>/edit")
@login_required
def invitee_edit(invitee_id: int):
    invitee = get_invitee_or_404(invitee_id)
    event = get_invitation_event_or_404(request.args.get("event", type=int) or 0)
    invitation = next((i for i in invitee.invitations if i.event_id == event.id), None)
    form = _invitee_form(
        event, obj=invitee, data={"group_id": invitation.group_id if invitation else 0}
    )
    return render_template(
        "invitations/_invitee_edit.html",
        event=event,
        invitee=invitee,
        invitation=invitation,
        form=form,
    )


@bp.post("/invitees/<int:invitee_id>")
@login_required
def invitee_update(invitee_id: int):
    """Save an invitee's details and their group for this event: their row again, or the
    whole section when they moved to another group."""
    invitee = get_invitee_or_404(invitee_id)
    event = get_invitation_event_or_404(request.args.get("event", type=int) or 0)
    invitation = next((i for i in invitee.invitations if i.event_id == event.id), None)
    form = _invitee_form(event)
    if form.validate_on_submit():
        update_invitee(invitee, person_data(form))
        moved = False
        if invitation is not None:
            group = group_or_none(event, form.group_id.data)
            moved = invitation.group_id != (group.id if group else None)
            invitation.group = group
        db.session.commit()
        if invitation is None or moved:
            return section_answer(event)
        return row_answer(invitation)
    return render_template(
        "invitations/_invitee_edit.html",
        event=event,
        invitee=invitee,
        invitation=invitation,
        form=form,
    ), FORM_ERROR_STATUS


@bp.get("/invitations/<int:invitation_id>/delete")
@login_required
def invitation_delete_confirm(invitation_id: int):
    """Ask before taking a person off the event, naming their check-ins."""
    invitation = get_invitation_or_404(invitation_id)
    holdings = invitee_holdings(invitation)
    return removal_confirm(
        invitation.event,
        action=url_for("invitations.invitation_delete", invitation_id=invitation.id),
        message=holdings.describe(),
        archives=holdings.archives,
        row=True,
    )


@bp.post("/invitations/<int:invitation_id>/delete")
@login_required
def invitation_delete(invitation_id: int):
    """Take a person off this event's list; one who checked in and has no other event is
    archived instead of deleted. For htmx: their row leaves the list and the counts are
    redrawn."""
    invitation = get_invitation_or_404(invitation_id)
    event, row_id = invitation.event, invitation.id
    holdings = uninvite(invitation)
    db.session.commit()
    message = None
    if holdings.archives:
        message = _("%(name)s has been archived: their check-ins still count.", name=holdings.name)
    if not wants_fragment():
        return section_answer(event)
    return render_template(
        "invitations/_invitee_removed.html",
        row_id=row_id,
        message=message,
        event=event,
        groups=invitee_list(event),
    )


@bp.post("/invitees/<int:invitee_id>/restore")
@login_required
def invitee_restore(invitee_id: int):
    """Bring an archived invitee back on their events' lists, with the same QR code."""
    invitee = get_invitee_or_404(invitee_id)
    restore_invitee(invitee)
    db.session.commit()
    flash(_("%(name)s is back on the list.", name=invitee.full_name), "success")
    event_id = request.args.get("event", type=int)
    if event_id:
        return redirect(url_for("invitations.archived", event_id=event_id), code=303)
    return redirect(url_for("invitations.contacts"), code=303)


@bp.get("/events/<int:event_id>/invitees/archived")
@login_required
def archived(event_id: int):
    """The event's archived groups and invitees, to restore."""
    event = get_invitation_event_or_404(event_id)
    return render_template(
        "invitations/archived.html",
        event=event,
        groups=archived_groups(event),
        invitees=archived_invitees(event),
    )


@bp.post("/invitees/<int:invitee_id>/token/<action>")
@login_required
def invitee_token(invitee_id: int, action: str):
    """Reissue (a new QR code; the old one stops working) or revoke an invitee's token; their
    row answers, with what was done."""
    invitee = get_invitee_or_404(invitee_id)
    event = get_invitation_event_or_404(request.args.get("event", type=int) or 0)
    invitation = next((i for i in invitee.invitations if i.event_id == event.id), None)
    if action == "reissue":
        issue_token(invitee)
        message = _(
            "A new QR code was issued to %(name)s; the old one no longer works.",
            name=invitee.full_name,
        )
    elif action == "revoke":
        revoke_token(invitee)
        message = _("The QR code of %(name)s no longer works.", name=invitee.full_name)
    else:
        return section_answer(event, FORM_ERROR_STATUS, error=_("Unknown action."))
    db.session.commit()
    if invitation is None:
        return section_answer(event, message=message)
    return row_answer(invitation, message)


@bp.get("/invitees/<int:invitee_id>/link")
@login_required
def invitee_link(invitee_id: int):
    """The invitee's personal link, to copy into a message."""
    invitee = get_invitee_or_404(invitee_id)
    url = invitation_url(invitee.token) if invitee.token else ""
    return render_template("invitations/_link.html", invitee=invitee, url=url)


# --- inviting from the contact book -----------------------------------------------------


@bp.get("/events/<int:event_id>/contacts")
@login_required
def event_contact_search(event_id: int):
    """Contacts matching what is typed, each with an "invite" button for this event."""
    event = get_invitation_event_or_404(event_id)
    query = request.args.get("q", "").strip()[:100]
    return render_template(
        "invitations/_contact_pick.html",
        event=event,
        contacts=contacts_matching(query, limit=20) if query else [],
        groups=groups_of(event),
    )


@bp.post("/events/<int:event_id>/contacts/<int:contact_id>/invite")
@login_required
def contact_invite(event_id: int, contact_id: int):
    """Invite a person from the contact book (or add this event to their invitation)."""
    event = get_invitation_event_or_404(event_id)
    contact = get_contact_or_404(contact_id)
    group = group_or_none(event, request.form.get("group_id", type=int))
    existing = db.session.scalar(
        select(Invitee).where(
            Invitee.contact_id == contact.id, Invitee.campaign_id == event.campaign_id
        )
    )
    data = PersonData(
        contact.full_name, contact.title, contact.organisation, contact.phone, contact.email
    )
    try:
        invite(event, current_user.unit, data, group=group, contact=contact, invitee=existing)
    except InvitationError as exc:
        db.session.rollback()
        return section_answer(event, FORM_ERROR_STATUS, error=str(exc))
    db.session.commit()
    return section_answer(event, message=_("%(name)s is invited.", name=contact.full_name))

"""The organisers' invitation pages: groups, invitees, tokens and the contact book.

A change to one person (their details, their QR code, taking them off the list) answers with
their row, so a search or a group opened in full stays as it was; a change that moves people
between groups or adds someone answers with the whole invitee section
(`invitations/_invitees.html`), counts per group included.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.extensions import db
from app.htmx import FORM_ERROR_STATUS, retarget, wants_fragment
from app.invitations.blueprint import bp
from app.invitations.forms import GroupForm, InviteeForm, person_data
from app.invitations.models import (
    Contact,
    EmailState,
    Invitation,
    Invitee,
    Rsvp,
)
from app.invitations.permissions import (
    get_contact_or_404,
    get_group_or_404,
    get_invitation_event_or_404,
    get_invitation_or_404,
    get_invitee_or_404,
)
from app.invitations.qr import invitation_url
from app.invitations.queries import (
    contacts_matching,
    invitee_list,
    listed_row,
)
from app.invitations.services import (
    InvitationError,
    PersonData,
    archived_groups,
    archived_invitees,
    delete_group,
    describe_group,
    find_duplicates,
    format_phone,
    group_check_ins,
    groups_of,
    invite,
    invitee_holdings,
    issue_token,
    restore_group,
    restore_invitee,
    revoke_token,
    save_contact,
    save_group,
    uninvite,
    update_invitee,
)
from app.schedule.models import Event

# --- the list ------------------------------------------------------------------------------


def row_context() -> dict:
    """What an invitee row needs besides its values, worked out once for the whole list."""
    return {
        "format_phone": format_phone,
        "rsvp_labels": {rsvp: rsvp.label for rsvp in Rsvp},
        "email_labels": {state: state.label for state in EmailState},
    }


def _query() -> str:
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


def _section(event: Event, status: int = 200, **extra):
    """The invitee section, for htmx (retargeted: row forms target their row); the page
    otherwise."""
    if wants_fragment():
        html = render_template("invitations/_invitees.html", **section_context(event, **extra))
        return retarget(html, "#invitees", status=status)
    return redirect(url_for("invitations.event_invitees", event_id=event.id), code=303)


def _row_answer(invitation: Invitation, message: str | None = None):
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


def _group_or_none(event: Event, group_id: int | None):
    if not group_id:
        return None
    group = get_group_or_404(group_id)
    return group if group.event_id == event.id else None


@bp.get("/events/<int:event_id>/invitees")
@login_required
def event_invitees(event_id: int):
    """Invited groups and invitees of an event, with invited/confirmed/declined counts; a
    search (`q`) lists only the people it finds (for htmx: the groups alone)."""
    event = get_invitation_event_or_404(event_id)
    context = section_context(event, q=_query())
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
    entry = next((e for e in invitee_list(event, _query()) if e.key == key), None)
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


# --- groups ------------------------------------------------------------------------------


@bp.post("/events/<int:event_id>/groups")
@login_required
def group_create(event_id: int):
    """Add a group (thành phần) with an optional expected headcount."""
    event = get_invitation_event_or_404(event_id)
    form = GroupForm()
    if form.validate_on_submit():
        save_group(None, event, form.name.data, form.expected_headcount.data, form.notes.data)
        db.session.commit()
        return _section(event, message=_("The group has been added."))
    return _section(event, FORM_ERROR_STATUS, group_form=form)


@bp.get("/groups/<int:group_id>/edit")
@login_required
def group_edit(group_id: int):
    group = get_group_or_404(group_id)
    form = GroupForm(obj=group)
    return render_template("invitations/_group_edit.html", group=group, form=form)


@bp.post("/groups/<int:group_id>")
@login_required
def group_update(group_id: int):
    """Rename a group or change its expected headcount."""
    group = get_group_or_404(group_id)
    form = GroupForm()
    if form.validate_on_submit():
        save_group(
            group, group.event, form.name.data, form.expected_headcount.data, form.notes.data
        )
        db.session.commit()
        return _section(group.event)
    return render_template(
        "invitations/_group_edit.html", group=group, form=form
    ), FORM_ERROR_STATUS


def _confirm(event: Event, *, action: str, message: str, archives: bool, row: bool):
    """A deletion's confirmation naming what would be archived: inline for htmx (a table row
    for an invitee, a card for a group), a page otherwise."""
    context = {"event": event, "action": action, "message": message, "archives": archives}
    if wants_fragment():
        return render_template("invitations/_delete_confirm.html", row=row, inline=True, **context)
    return render_template("invitations/delete_confirm.html", row=False, inline=False, **context)


@bp.get("/groups/<int:group_id>/delete")
@login_required
def group_delete_confirm(group_id: int):
    """Ask before removing a group, naming the check-ins of its people (then it is archived)."""
    group = get_group_or_404(group_id)
    check_ins = group_check_ins(group)
    return _confirm(
        group.event,
        action=url_for("invitations.group_delete", group_id=group.id),
        message=describe_group(group, check_ins),
        archives=bool(check_ins),
        row=False,
    )


@bp.post("/groups/<int:group_id>/delete")
@login_required
def group_delete(group_id: int):
    """Remove a group; its people stay invited, without a group. A group whose people
    checked in is archived instead."""
    group = get_group_or_404(group_id)
    event = group.event
    archived = delete_group(group)
    db.session.commit()
    if archived:
        message = _("The group has been archived; its people stay invited.")
    else:
        message = _("The group has been removed; its people stay invited.")
    return _section(event, message=message)


@bp.post("/groups/<int:group_id>/restore")
@login_required
def group_restore(group_id: int):
    """Bring an archived group back, with the people still in it."""
    group = get_group_or_404(group_id)
    restore_group(group)
    db.session.commit()
    flash(_("The group %(name)s is back on the list.", name=group.name), "success")
    return redirect(url_for("invitations.archived", event_id=group.event_id), code=303)


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
            group = _group_or_none(event, form.group_id.data)
            invite(event, current_user.unit, data, group=group, contact=contact)
            db.session.commit()
            return _section(event, message=_("%(name)s is invited.", name=data.full_name))
    return render_template(
        "invitations/_invitee_new.html", event=event, form=form, duplicates=duplicates
    ), FORM_ERROR_STATUS


@bp.post("/events/<int:event_id>/invitees/<int:invitee_id>/add")
@login_required
def invitee_add_existing(event_id: int, invitee_id: int):
    """Invite someone already invited to another event of the campaign (same QR code)."""
    event = get_invitation_event_or_404(event_id)
    invitee = get_invitee_or_404(invitee_id)
    group = _group_or_none(event, request.form.get("group_id", type=int))
    try:
        invite(event, invitee.unit, PersonData(invitee.full_name), group=group, invitee=invitee)
    except InvitationError as exc:
        db.session.rollback()
        return _section(event, FORM_ERROR_STATUS, error=str(exc))
    db.session.commit()
    return _section(event, message=_("%(name)s is invited.", name=invitee.full_name))


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
            group = _group_or_none(event, form.group_id.data)
            moved = invitation.group_id != (group.id if group else None)
            invitation.group = group
        db.session.commit()
        if invitation is None or moved:
            return _section(event)
        return _row_answer(invitation)
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
    return _confirm(
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
        return _section(event)
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
        return _section(event, FORM_ERROR_STATUS, error=_("Unknown action."))
    db.session.commit()
    if invitation is None:
        return _section(event, message=message)
    return _row_answer(invitation, message)


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
    group = _group_or_none(event, request.form.get("group_id", type=int))
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
        return _section(event, FORM_ERROR_STATUS, error=str(exc))
    db.session.commit()
    return _section(event, message=_("%(name)s is invited.", name=contact.full_name))

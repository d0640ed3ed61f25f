"""The organisers' invitation pages: groups, invitees, tokens and the contact book.

Every change answers with the whole invitee section (`invitations/_invitees.html`), since the
counts per group depend on every row.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.extensions import db
from app.htmx import FORM_ERROR_STATUS, retarget, wants_fragment
from app.invitations.blueprint import bp
from app.invitations.forms import ContactForm, GroupForm, InviteeForm
from app.invitations.models import Contact, Invitee
from app.invitations.permissions import (
    get_contact_or_404,
    get_group_or_404,
    get_invitation_event_or_404,
    get_invitation_or_404,
    get_invitee_or_404,
    require_organiser,
)
from app.invitations.qr import invitation_url
from app.invitations.services import (
    InvitationError,
    PersonData,
    archived_groups,
    archived_invitees,
    counts_by_group,
    delete_group,
    describe_group,
    find_duplicates,
    fold_name,
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


def _person(form) -> PersonData:
    return PersonData(
        full_name=form.full_name.data,
        title=form.title.data or "",
        organisation=form.organisation.data or "",
        phone=form.phone.data or "",
        email=form.email.data or "",
        protocol_rank=getattr(form, "protocol_rank", None) and form.protocol_rank.data,
        notes=form.notes.data or "",
    )


def section_context(event: Event, **extra) -> dict:
    return {
        "event": event,
        "counts": counts_by_group(event),
        "group_form": extra.pop("group_form", None) or GroupForm(formdata=None),
        "format_phone": format_phone,
        **extra,
    }


def _section(event: Event, status: int = 200, **extra):
    """The invitee section, for htmx (retargeted: row forms target their row); the page
    otherwise."""
    if wants_fragment():
        html = render_template("invitations/_invitees.html", **section_context(event, **extra))
        return retarget(html, "#invitees", status=status)
    return redirect(url_for("invitations.event_invitees", event_id=event.id), code=303)


def _group_or_none(event: Event, group_id: int | None):
    if not group_id:
        return None
    group = get_group_or_404(group_id)
    return group if group.event_id == event.id else None


@bp.get("/events/<int:event_id>/invitees")
@login_required
def event_invitees(event_id: int):
    """Invited groups and invitees of an event, with invited/confirmed/declined counts."""
    event = get_invitation_event_or_404(event_id)
    return render_template("invitations/event_invitees.html", **section_context(event))


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
        data = _person(form)
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
        "invitations/_invitee_edit.html", event=event, invitee=invitee, form=form
    )


@bp.post("/invitees/<int:invitee_id>")
@login_required
def invitee_update(invitee_id: int):
    """Save an invitee's details and their group for this event."""
    invitee = get_invitee_or_404(invitee_id)
    event = get_invitation_event_or_404(request.args.get("event", type=int) or 0)
    form = _invitee_form(event)
    if form.validate_on_submit():
        update_invitee(invitee, _person(form))
        for invitation in invitee.invitations:
            if invitation.event_id == event.id:
                invitation.group = _group_or_none(event, form.group_id.data)
        db.session.commit()
        return _section(event)
    return render_template(
        "invitations/_invitee_edit.html", event=event, invitee=invitee, form=form
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
    archived instead of deleted."""
    invitation = get_invitation_or_404(invitation_id)
    event = invitation.event
    holdings = uninvite(invitation)
    db.session.commit()
    message = None
    if holdings.archives:
        message = _("%(name)s has been archived: their check-ins still count.", name=holdings.name)
    return _section(event, message=message)


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
    """Reissue (a new QR code; the old one stops working) or revoke an invitee's token."""
    invitee = get_invitee_or_404(invitee_id)
    event = get_invitation_event_or_404(request.args.get("event", type=int) or 0)
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
    return _section(event, message=message)


@bp.get("/invitees/<int:invitee_id>/link")
@login_required
def invitee_link(invitee_id: int):
    """The invitee's personal link, to copy into a message."""
    invitee = get_invitee_or_404(invitee_id)
    url = invitation_url(invitee.token) if invitee.token else ""
    return render_template("invitations/_link.html", invitee=invitee, url=url)


# --- contact book ------------------------------------------------------------------------


def _contacts(query: str, limit: int = 50) -> list[Contact]:
    """Contacts of the user's unit matching a name, title or organisation."""
    contacts = db.session.scalars(
        select(Contact).where(Contact.unit_id == current_user.unit_id).order_by(Contact.full_name)
    ).all()
    if query:
        wanted = fold_name(query)
        contacts = [
            c for c in contacts if wanted in fold_name(f"{c.full_name} {c.title} {c.organisation}")
        ]
    return contacts[:limit]


@bp.get("/contacts")
@login_required
def contacts():
    """The unit's contact book, searchable as you type."""
    require_organiser()
    query = request.args.get("q", "").strip()[:100]
    context = {"contacts": _contacts(query, limit=500), "q": query, "format_phone": format_phone}
    if wants_fragment():
        return render_template("invitations/_contact_list.html", **context)
    return render_template("invitations/contacts.html", form=ContactForm(formdata=None), **context)


@bp.post("/contacts")
@login_required
def contact_create():
    """Add a person to the contact book (duplicates are refused with the known entry named)."""
    require_organiser()
    form = ContactForm()
    if form.validate_on_submit():
        data = _person(form)
        same = find_duplicates(current_user.unit, data, model=Contact)
        if same:
            form.full_name.errors.append(
                _(
                    "Already in the contact book: %(name)s (%(organisation)s).",
                    name=same[0].full_name,
                    organisation=same[0].organisation,
                )
            )
        else:
            save_contact(None, current_user.unit, data)
            db.session.commit()
            return redirect(url_for("invitations.contacts"), code=303)
    return render_template(
        "invitations/contacts.html",
        form=form,
        contacts=_contacts(""),
        q="",
        format_phone=format_phone,
    ), FORM_ERROR_STATUS


@bp.get("/contacts/<int:contact_id>/edit")
@login_required
def contact_edit(contact_id: int):
    contact = get_contact_or_404(contact_id)
    return render_template(
        "invitations/_contact_edit.html", contact=contact, form=ContactForm(obj=contact)
    )


@bp.post("/contacts/<int:contact_id>")
@login_required
def contact_update(contact_id: int):
    """Save a contact-book entry."""
    contact = get_contact_or_404(contact_id)
    form = ContactForm()
    if form.validate_on_submit():
        save_contact(contact, contact.unit, _person(form))
        db.session.commit()
        return render_template(
            "invitations/_contact_row.html", contact=contact, format_phone=format_phone
        )
    return render_template(
        "invitations/_contact_edit.html", contact=contact, form=form
    ), FORM_ERROR_STATUS


@bp.get("/contacts/<int:contact_id>/row")
@login_required
def contact_row(contact_id: int):
    contact = get_contact_or_404(contact_id)
    return render_template(
        "invitations/_contact_row.html", contact=contact, format_phone=format_phone
    )


@bp.get("/events/<int:event_id>/contacts")
@login_required
def event_contact_search(event_id: int):
    """Contacts matching what is typed, each with an "invite" button for this event."""
    event = get_invitation_event_or_404(event_id)
    query = request.args.get("q", "").strip()[:100]
    return render_template(
        "invitations/_contact_pick.html",
        event=event,
        contacts=_contacts(query, limit=20) if query else [],
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

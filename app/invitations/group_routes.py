"""Invited groups (thành phần) of an event: add, rename, remove or archive, restore."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.extensions import db
from app.htmx import FORM_ERROR_STATUS
from app.invitations.blueprint import bp
from app.invitations.forms import GroupForm
from app.invitations.groups import (
    delete_group,
    describe_group,
    group_check_ins,
    restore_group,
    save_group,
)
from app.invitations.permissions import get_group_or_404, get_invitation_event_or_404
from app.invitations.sections import removal_confirm, section_answer


@bp.post("/events/<int:event_id>/groups")
@login_required
def group_create(event_id: int):
    """Add a group (thành phần) with an optional expected headcount."""
    event = get_invitation_event_or_404(event_id)
    form = GroupForm()
    if form.validate_on_submit():
        save_group(None, event, form.name.data, form.expected_headcount.data, form.notes.data)
        db.session.commit()
        return section_answer(event, message=_("The group has been added."))
    return section_answer(event, FORM_ERROR_STATUS, group_form=form)


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
        return section_answer(group.event)
    return render_template(
        "invitations/_group_edit.html", group=group, form=form
    ), FORM_ERROR_STATUS


@bp.get("/groups/<int:group_id>/delete")
@login_required
def group_delete_confirm(group_id: int):
    """Ask before removing a group, naming the check-ins of its people (then it is archived)."""
    group = get_group_or_404(group_id)
    check_ins = group_check_ins(group)
    return removal_confirm(
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
    return section_answer(event, message=message)


@bp.post("/groups/<int:group_id>/restore")
@login_required
def group_restore(group_id: int):
    """Bring an archived group back, with the people still in it."""
    group = get_group_or_404(group_id)
    restore_group(group)
    db.session.commit()
    flash(_("The group %(name)s is back on the list.", name=group.name), "success")
    return redirect(url_for("invitations.archived", event_id=group.event_id), code=303)

"""Who may see invitees: organisers and administrators of the inviting unit's subtree.

Invitees carry personal data (phones, e-mails): check-in staff and report officers do not see
them, another unit's organisers get 404, the public sees only one invitation through its token.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from app.extensions import db
from app.invitations.models import Contact, Invitation, Invitee, InviteeGroup
from app.schedule.models import Event
from app.schedule.permissions import can_edit_schedule, get_event_or_404


def require_organiser() -> None:
    if not can_edit_schedule(current_user):
        abort(403)


def get_invitation_event_or_404(event_id: int) -> Event:
    """An event of the user's subtree whose invitations the user (an organiser) manages."""
    event = get_event_or_404(event_id)
    require_organiser()
    return event


def get_invitee_or_404(invitee_id: int) -> Invitee:
    invitee = db.session.get(Invitee, invitee_id)
    if invitee is None or not invitee.unit.is_within(current_user.unit):
        abort(404)
    require_organiser()
    return invitee


def get_invitation_or_404(invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        abort(404)
    get_invitee_or_404(invitation.invitee_id)
    get_event_or_404(invitation.event_id)
    return invitation


def get_group_or_404(group_id: int) -> InviteeGroup:
    group = db.session.get(InviteeGroup, group_id)
    if group is None:
        abort(404)
    get_invitation_event_or_404(group.event_id)
    return group


def get_contact_or_404(contact_id: int) -> Contact:
    contact = db.session.get(Contact, contact_id)
    if contact is None or not contact.unit.is_within(current_user.unit):
        abort(404)
    require_organiser()
    return contact

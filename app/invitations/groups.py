"""An event's invited groups (thành phần): made, renamed, removed or archived (when their people
checked in), restored."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, func, select

from app.audit.services import note as audit_note
from app.checkin.models import CheckIn
from app.clock import utcnow
from app.extensions import db
from app.invitations.models import Invitation, InviteeGroup
from app.schedule.models import Event


def groups_of(event: Event) -> list[InviteeGroup]:
    """The event's groups in their order; archived groups are left out."""
    return list(
        db.session.scalars(
            select(InviteeGroup)
            .where(InviteeGroup.event_id == event.id, InviteeGroup.archived_at.is_(None))
            .order_by(InviteeGroup.position, InviteeGroup.id)
        )
    )


def save_group(
    group: InviteeGroup | None, event: Event, name: str, headcount, notes=""
) -> InviteeGroup:
    if group is None:
        position = (
            db.session.scalar(
                select(func.coalesce(func.max(InviteeGroup.position), 0)).where(
                    InviteeGroup.event_id == event.id
                )
            )
            + 1
        )
        group = InviteeGroup(event=event, position=position)
        db.session.add(group)
    group.name = name.strip()
    group.expected_headcount = headcount
    group.notes = (notes or "").strip()
    db.session.flush()
    return group


def group_check_ins(group: InviteeGroup) -> int:
    """Check-ins (that count) at the group's event of the people in the group."""
    return db.session.scalar(
        select(func.count(CheckIn.id))
        .join(
            Invitation,
            and_(
                Invitation.invitee_id == CheckIn.invitee_id,
                Invitation.event_id == CheckIn.event_id,
            ),
        )
        .where(
            Invitation.group_id == group.id,
            CheckIn.event_id == group.event_id,
            CheckIn.undone_at.is_(None),
        )
    )


def describe_group(group: InviteeGroup, check_ins: int) -> str:
    """What deleting the group will do, for its confirmation."""
    if check_ins:
        return _(
            "The group %(name)s has %(checkins)s; it will be archived instead of deleted, so "
            "its attendance stays known. Its people stay invited.",
            name=group.name,
            checkins=ngettext("%(num)d check-in", "%(num)d check-ins", check_ins),
        )
    return _("Remove the group %(name)s? Its people stay invited.", name=group.name)


def delete_group(group: InviteeGroup) -> int:
    """Remove a group; its invitees stay invited, without a group. A group whose people
    checked in is archived instead, keeping who was in it. Returns those check-ins."""
    check_ins = group_check_ins(group)
    if check_ins:
        if group.archived_at is None:
            audit_note(group, describe_group(group, check_ins))
            group.archived_at = utcnow()
    else:
        db.session.delete(group)
    return check_ins


def restore_group(group: InviteeGroup) -> None:
    """An archived group comes back with the people still in it."""
    group.archived_at = None


def archived_groups(event: Event) -> list[InviteeGroup]:
    return list(
        db.session.scalars(
            select(InviteeGroup)
            .where(InviteeGroup.event_id == event.id, InviteeGroup.archived_at.is_not(None))
            .order_by(InviteeGroup.position, InviteeGroup.id)
        )
    )

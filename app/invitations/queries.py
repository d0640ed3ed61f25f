"""Reading the invitation lists: the event's invitees by group (thousands of rows as plain
values, counted, searched and cut to what a page shows) and the unit's contact book."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.invitations.groups import groups_of
from app.invitations.models import Contact, Invitation, Invitee, InviteeGroup, Rsvp
from app.invitations.services import fold_name
from app.schedule.models import Event

#: An event with up to this many named invitees (or a search with up to this many matches)
#: lists everyone; beyond, each group shows its first GROUP_PAGE names and the others on demand.
FULL_LIST_UP_TO = 200
GROUP_PAGE = 50
#: What a row shows, read as plain values (thousands of rows: no ORM objects to build).
ROW_COLUMNS = (
    Invitation.id,
    Invitation.group_id,
    Invitation.rsvp,
    Invitee.full_name,
    Invitee.title,
    Invitee.organisation,
    Invitee.phone,
    Invitee.email,
    Invitee.email_state,
    Invitee.email_error,
    Invitee.protocol_rank,
    Invitee.token.is_not(None).label("has_token"),
)


@functools.lru_cache(maxsize=20_000)
def _folded(text: str) -> str:
    """fold_name, remembered: the list sorts and searches by it on every request."""
    return fold_name(text)


def _protocol_order(row) -> tuple:
    """As `invitations_of_event` orders them: by rank (none last), then by name."""
    return (row.protocol_rank is None, row.protocol_rank or 0, _folded(row.full_name))


def _matches(row, words: list[str], digits: str) -> bool:
    """Every word of the search is in the name, position, organisation or e-mail (without
    accents); or the digits typed are in the phone number."""
    if digits and digits in row.phone:
        return True
    text = _folded(f"{row.full_name} {row.title} {row.organisation} {row.email}")
    return bool(words) and all(word in text for word in words)


@dataclass
class ListedGroup:
    """A group of the list (None: people without a group), its answers, and its rows (those
    that match the search, if any) in protocol order, of which the page shows `shown`."""

    group: InviteeGroup | None
    rows: list = field(default_factory=list)
    invited: int = 0
    confirmed: int = 0
    declined: int = 0
    no_answer: int = 0
    shown: int = 0

    @property
    def key(self) -> int:
        return self.group.id if self.group else 0


def invitee_list(event: Event, query: str = "") -> list[ListedGroup]:
    """The event's groups with their counts and rows, in two statements whatever the number
    of invitees. People of an archived group are listed without a group."""
    rows = db.session.execute(
        select(*ROW_COLUMNS)
        .join(Invitation.invitee)
        .where(Invitation.event_id == event.id, Invitee.archived_at.is_(None))
    ).all()
    rows.sort(key=_protocol_order)
    table = {group.id: ListedGroup(group) for group in groups_of(event)}
    ungrouped = ListedGroup(None)
    words = fold_name(query).split()
    digits = "".join(ch for ch in query if ch.isdigit())
    digits = digits if len(digits) >= 3 else ""
    for row in rows:
        entry = table.get(row.group_id, ungrouped)
        entry.invited += 1
        if row.rsvp is Rsvp.YES:
            entry.confirmed += 1
        elif row.rsvp is Rsvp.NO:
            entry.declined += 1
        else:
            entry.no_answer += 1
        if not query or _matches(row, words, digits):
            entry.rows.append(row)
    groups = list(table.values())
    if ungrouped.invited:
        groups.append(ungrouped)
    listed = sum(len(entry.rows) for entry in groups)
    for entry in groups:
        entry.shown = len(entry.rows) if listed <= FULL_LIST_UP_TO else GROUP_PAGE
    return groups


def search_invitations(event: Event, folded_query: str, limit: int) -> list[Invitation]:
    """The event's invitations (archived invitees left out) whose invitee's name, position or
    organisation contains `folded_query` (folded like fold_name), in protocol order, at most
    `limit`. Everybody is read as plain values (a ceremony has thousands); only the matches are
    loaded as objects, with their invitee and group."""
    rows = db.session.execute(
        select(
            Invitation.id,
            Invitee.full_name,
            Invitee.title,
            Invitee.organisation,
            Invitee.protocol_rank,
        )
        .join(Invitation.invitee)
        .where(Invitation.event_id == event.id, Invitee.archived_at.is_(None))
    ).all()
    rows.sort(key=_protocol_order)
    ids = [
        row.id
        for row in rows
        if folded_query in _folded(f"{row.full_name} {row.title} {row.organisation}")
    ][:limit]
    if not ids:
        return []
    loaded = {
        invitation.id: invitation
        for invitation in db.session.scalars(
            select(Invitation)
            .options(joinedload(Invitation.invitee), joinedload(Invitation.group))
            .where(Invitation.id.in_(ids))
        )
    }
    return [loaded[invitation_id] for invitation_id in ids]


def listed_row(invitation_id: int):
    """One row of the list, read as the list reads them."""
    return db.session.execute(
        select(*ROW_COLUMNS).join(Invitation.invitee).where(Invitation.id == invitation_id)
    ).one()


def contacts_matching(query: str, limit: int = 50) -> list[Contact]:
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

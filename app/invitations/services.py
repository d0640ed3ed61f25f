"""Rules and writes for invited groups, invitees, tokens, RSVPs and the contact book."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from app.audit.services import note as audit_note
from app.checkin.models import CheckIn
from app.clock import utcnow
from app.extensions import db
from app.invitations.models import (
    Contact,
    Invitation,
    Invitee,
    InviteeGroup,
    RevokedToken,
    Rsvp,
)
from app.schedule.models import Event
from app.units.models import Unit

#: 24 random bytes: 192 bits, URL-safe (32 characters).
TOKEN_BYTES = 24


class InvitationError(ValueError):
    """A change the rules refuse; the message is shown to the user."""


# --- phones and names --------------------------------------------------------------------


def normalise_phone(text: str) -> str:
    """Vietnamese numbers as 10 digits from 0: "0912 345 678", "+84 912345678", "84912345678",
    "(091) 234-5678" → "0912345678". Raises InvitationError when it is not a phone number."""
    raw = (text or "").strip()
    if not raw:
        return ""
    shown = raw if len(raw) <= 40 else raw[:40] + "…"  # a cell of junk is not echoed whole
    # Full-width digits and signs (typed with some input methods) are the ordinary ones;
    # other scripts' digits ("٠٩١…", which str.isdigit() accepts) are not a phone number.
    digits = re.sub(r"[\s.\-()]", "", unicodedata.normalize("NFKC", raw))
    if digits.startswith("+"):
        digits = digits[1:]
        if not digits.startswith("84"):
            raise InvitationError(_("%(phone)s is not a Vietnamese phone number.", phone=shown))
    if not re.fullmatch(r"[0-9]+", digits):
        raise InvitationError(_("%(phone)s is not a phone number.", phone=shown))
    if digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if not (digits.startswith("0") and len(digits) in (10, 11)):
        raise InvitationError(
            _(
                "%(phone)s is not a phone number: it needs 10 digits, like 0912 345 678.",
                phone=shown,
            )
        )
    return digits


def format_phone(phone: str) -> str:
    """0912345678 → 0912 345 678 (landlines 0209 3850 123 keep 4-3-3 too)."""
    if len(phone) == 10:
        return f"{phone[:4]} {phone[4:7]} {phone[7:]}"
    return phone


def fold_name(text: str) -> str:
    """For duplicate checks: lower case, no diacritics, single spaces."""
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


# --- tokens ------------------------------------------------------------------------------


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(invitee: Invitee) -> str:
    """Give the invitee a fresh token; an older one stops working and is remembered as revoked."""
    if invitee.token:
        _remember_revoked(invitee)
    invitee.token = new_token()
    invitee.token_issued_at = utcnow()
    return invitee.token


def revoke_token(invitee: Invitee) -> None:
    """The QR code stops working until a new one is issued."""
    if invitee.token:
        _remember_revoked(invitee)
    invitee.token = None


def _remember_revoked(invitee: Invitee) -> None:
    db.session.add(RevokedToken(token_hash=token_hash(invitee.token), invitee_id=invitee.id))


def invitee_by_token(token: str) -> Invitee | None:
    """The invitee of a QR code; an archived invitee's code leads nowhere."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(
        select(Invitee).where(Invitee.token == token, Invitee.archived_at.is_(None))
    )


def token_was_revoked(token: str) -> bool:
    return (
        db.session.scalar(
            select(RevokedToken.id).where(RevokedToken.token_hash == token_hash(token))
        )
        is not None
    )


# --- invitees ----------------------------------------------------------------------------


@dataclass
class PersonData:
    full_name: str
    title: str = ""
    organisation: str = ""
    phone: str = ""
    email: str = ""
    protocol_rank: int | None = None
    notes: str = ""


def _apply_person(target, data: PersonData) -> None:
    target.full_name = data.full_name.strip()
    target.title = data.title.strip()
    target.organisation = data.organisation.strip()
    target.phone = normalise_phone(data.phone)
    target.email = data.email.strip().lower()
    target.notes = data.notes.strip()


def find_duplicates(
    unit: Unit, data: PersonData, *, model=Contact, campaign_id=None, exclude_id=None
):
    """People of the unit that look like the same person: same phone, same e-mail, or the same
    name at the same organisation (diacritics and case ignored)."""
    conditions = []
    phone = normalise_phone(data.phone) if data.phone else ""
    if phone:
        conditions.append(model.phone == phone)
    if data.email.strip():
        conditions.append(model.email == data.email.strip().lower())
    query = select(model).where(model.unit_id == unit.id)
    if campaign_id is not None:
        query = query.where(model.campaign_id == campaign_id)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    by_contact = list(db.session.scalars(query.where(or_(*conditions)))) if conditions else []
    name, organisation = fold_name(data.full_name), fold_name(data.organisation)
    by_name = [
        person
        for person in db.session.scalars(query)
        if fold_name(person.full_name) == name and fold_name(person.organisation) == organisation
    ]
    seen, result = set(), []
    for person in by_contact + by_name:
        if person.id not in seen:
            seen.add(person.id)
            result.append(person)
    return result


def save_contact(contact: Contact | None, unit: Unit, data: PersonData) -> Contact:
    if contact is None:
        contact = Contact(unit=unit)
        db.session.add(contact)
    _apply_person(contact, data)
    db.session.flush()
    return contact


def invite(
    event: Event,
    unit: Unit,
    data: PersonData,
    *,
    group: InviteeGroup | None = None,
    contact: Contact | None = None,
    invitee: Invitee | None = None,
) -> Invitee:
    """Invite a person to an event: a new invitee (with a token), or an existing invitee of the
    same campaign to one more event (one invitation, one QR code, for the whole week)."""
    if group is not None and group.event_id != event.id:
        raise InvitationError(_("This group belongs to another event."))
    if invitee is None:
        invitee = Invitee(campaign_id=event.campaign_id, unit=unit, contact=contact)
        _apply_person(invitee, data)
        invitee.protocol_rank = data.protocol_rank
        db.session.add(invitee)
        db.session.flush()
        issue_token(invitee)
    elif invitee.campaign_id != event.campaign_id:
        raise InvitationError(_("This person was invited for another campaign."))
    else:
        invitee.archived_at = None  # invited again: an archived invitee comes back
    if any(inv.event_id == event.id for inv in invitee.invitations):
        raise InvitationError(
            _("%(name)s is already invited to this event.", name=invitee.full_name)
        )
    invitee.invitations.append(Invitation(event=event, group=group))
    db.session.flush()
    return invitee


def invite_many(
    event: Event,
    unit: Unit,
    people: Sequence[tuple[PersonData, InviteeGroup | None, Contact | None]],
) -> list[Invitee]:
    """New people invited to an event in bulk (an import, the API): for each (data, group,
    contact), what invite() makes, written in a few statements whatever their number."""
    if any(group is not None and group.event_id != event.id for _data, group, _c in people):
        raise InvitationError(_("This group belongs to another event."))
    issued = utcnow()
    invitees = []
    for data, group, contact in people:
        invitee = Invitee(
            campaign_id=event.campaign_id,
            unit=unit,
            contact=contact,
            protocol_rank=data.protocol_rank,
            token=new_token(),
            token_issued_at=issued,
        )
        _apply_person(invitee, data)
        invitee.invitations.append(Invitation(event=event, group=group))
        invitees.append(invitee)
    db.session.add_all(invitees)
    db.session.flush()
    return invitees


def update_invitee(invitee: Invitee, data: PersonData) -> Invitee:
    _apply_person(invitee, data)
    invitee.protocol_rank = data.protocol_rank
    return invitee


@dataclass
class InviteeHoldings:
    """What taking an invitation away would touch."""

    name: str
    check_ins: int  #: the invitee's check-ins that count, at any event
    here: int  #: of which at this invitation's event
    history: int  #: the invitee's check-ins that were undone
    last: bool  #: this is the invitee's only invitation

    @property
    def archives(self) -> bool:
        """Removing the last invitation deletes the invitee: one who checked in anywhere is
        archived instead, so their check-ins keep a person to count."""
        return self.last and bool(self.check_ins or self.history)

    def describe(self) -> str:
        if self.archives and self.check_ins:
            return _(
                "%(name)s has %(checkins)s; they will be archived instead of deleted: they "
                "leave the lists, searches and scanners, and their check-ins still count.",
                name=self.name,
                checkins=ngettext("%(num)d check-in", "%(num)d check-ins", self.check_ins),
            )
        if self.archives:
            return _(
                "%(name)s has check-ins that were undone; they will be archived instead of "
                "deleted, to keep that history.",
                name=self.name,
            )
        if self.here:
            return _(
                "Take %(name)s off this event? Their check-in here still counts.",
                name=self.name,
            )
        return _("Take %(name)s off this event?", name=self.name)


def invitee_holdings(invitation: Invitation) -> InviteeHoldings:
    """The invitee's check-ins, counted in one query."""
    invitee = invitation.invitee
    mine = select(func.count(CheckIn.id)).where(CheckIn.invitee_id == invitee.id)
    live, here, undone = db.session.execute(
        select(
            mine.where(CheckIn.undone_at.is_(None)).scalar_subquery(),
            mine.where(
                CheckIn.undone_at.is_(None), CheckIn.event_id == invitation.event_id
            ).scalar_subquery(),
            mine.where(CheckIn.undone_at.is_not(None)).scalar_subquery(),
        )
    ).one()
    return InviteeHoldings(invitee.full_name, live, here, undone, len(invitee.invitations) == 1)


def uninvite(invitation: Invitation) -> InviteeHoldings:
    """Take a person off one event; an invitee left with no event is removed, or archived
    when they checked in somewhere (their last invitation is kept for a restore). A check-in
    at the event stays and counts either way."""
    holdings = invitee_holdings(invitation)
    invitee = invitation.invitee
    if holdings.archives:
        if invitee.archived_at is None:
            audit_note(invitee, holdings.describe())
            invitee.archived_at = utcnow()
        return holdings
    invitee.invitations.remove(invitation)
    db.session.delete(invitation)
    if not invitee.invitations:
        db.session.delete(invitee)
    return holdings


def restore_invitee(invitee: Invitee) -> None:
    """An archived invitee comes back on the lists of their events, with the same QR code."""
    invitee.archived_at = None


def archived_invitees(event: Event) -> list[Invitee]:
    """Archived invitees invited to the event."""
    return list(
        db.session.scalars(
            select(Invitee)
            .join(Invitation, Invitation.invitee_id == Invitee.id)
            .where(Invitation.event_id == event.id, Invitee.archived_at.is_not(None))
            .order_by(Invitee.archived_at.desc(), Invitee.id)
        )
    )


def answer(invitation: Invitation, rsvp: Rsvp) -> None:
    """The invitee's own answer from their invitation page (can be changed)."""
    invitation.rsvp = rsvp
    invitation.rsvp_at = utcnow()


def invitations_of_event(event: Event) -> list[Invitation]:
    """Invitations to the event with their invitee and group, in protocol order; archived
    invitees are left out."""
    rows = db.session.scalars(
        select(Invitation)
        .join(Invitation.invitee)
        .options(joinedload(Invitation.invitee), joinedload(Invitation.group))
        .where(Invitation.event_id == event.id, Invitee.archived_at.is_(None))
    ).all()
    return sorted(
        rows,
        key=lambda i: (
            i.invitee.protocol_rank is None,
            i.invitee.protocol_rank or 0,
            fold_name(i.invitee.full_name),
        ),
    )

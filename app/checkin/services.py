"""Check-in rules: one check-in per person per event, the allowed window, undo, walk-ins,
headcounts, offline batches, and the totals that feed the dashboard and the report.

Every way in (scanner page, volunteer link, self check-in, JSON API, offline sync) goes
through these functions.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.checkin.models import (
    CheckIn,
    CheckinLink,
    CheckInMethod,
    Headcount,
    HeadcountRevision,
    ParticipantType,
)
from app.extensions import db
from app.invitations.models import Invitation, Invitee, Rsvp
from app.invitations.services import invitee_by_token, token_was_revoked
from app.schedule.models import Event
from app.units.models import User


class Outcome(enum.Enum):
    OK = "ok"  #: green: checked in now
    ALREADY = "already"  #: amber: checked in before (when, by whom)
    UNKNOWN = "unknown"  #: red: not a code of ours
    REVOKED = "revoked"  #: red: a withdrawn code
    OTHER_EVENT = "other_event"  #: red: a code of someone not invited to this event
    TOO_EARLY = "too_early"  #: red: check-in not open yet (staff may override)
    CLOSED = "closed"  #: red: the event's day is over (staff may override)


class CheckinError(ValueError):
    """Refused input; the message is shown to the user."""


@dataclass
class Actor:
    """Who records a check-in: a staff account, or a volunteer's link with the typed name."""

    user: User | None = None
    link: CheckinLink | None = None
    volunteer_name: str = ""
    device_id: str = ""

    @property
    def label(self) -> str:
        return self.user.name if self.user else self.volunteer_name


@dataclass
class ScanResult:
    outcome: Outcome
    invitee: Invitee | None = None
    checkin: CheckIn | None = None
    group_name: str = ""
    #: For ALREADY: the earlier check-in.
    previous: CheckIn | None = None

    @property
    def counted(self) -> bool:
        return self.outcome is Outcome.OK


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def to_utc(local: dt.datetime) -> dt.datetime:
    return local.replace(tzinfo=_zone()).astimezone(dt.UTC).replace(tzinfo=None)


def window(event: Event) -> tuple[dt.datetime, dt.datetime]:
    """When check-in is allowed, UTC: from N minutes before the start to the end of the day."""
    start = dt.datetime.combine(event.date, event.start_time or dt.time(0, 0))
    opens = start - dt.timedelta(minutes=event.checkin_opens_minutes)
    closes = dt.datetime.combine(event.date + dt.timedelta(days=1), dt.time(0, 0))
    return to_utc(opens), to_utc(closes)


def window_outcome(event: Event, at: dt.datetime) -> Outcome | None:
    opens, closes = window(event)
    if at < opens:
        return Outcome.TOO_EARLY
    if at >= closes:
        return Outcome.CLOSED
    return None


def live_checkin(event: Event, invitee: Invitee) -> CheckIn | None:
    return db.session.scalar(
        select(CheckIn).where(
            CheckIn.event_id == event.id,
            CheckIn.invitee_id == invitee.id,
            CheckIn.undone_at.is_(None),
        )
    )


def _invitation(event: Event, invitee: Invitee) -> Invitation | None:
    return next((i for i in invitee.invitations if i.event_id == event.id), None)


def check_in_invitee(
    event: Event,
    invitee: Invitee,
    actor: Actor,
    *,
    method: CheckInMethod,
    at: dt.datetime | None = None,
    client_uuid: str | None = None,
    override: bool = False,
) -> ScanResult:
    """Check an invited person in, once. Safe under concurrency: the unique index decides."""
    at = at or utcnow()
    invitation = _invitation(event, invitee)
    if invitation is None:
        return ScanResult(Outcome.OTHER_EVENT, invitee)
    group = invitation.group.name if invitation.group else ""
    if not override:
        refused = window_outcome(event, at)
        if refused is not None:
            return ScanResult(refused, invitee, group_name=group)
    previous = live_checkin(event, invitee)
    if previous is not None:
        _keep_earliest(previous, at)
        return ScanResult(Outcome.ALREADY, invitee, group_name=group, previous=previous)
    checkin = CheckIn(
        event_id=event.id,
        invitee_id=invitee.id,
        method=method,
        checked_in_at=at,
        recorded_at=utcnow(),
        client_uuid=client_uuid,
        user_id=actor.user.id if actor.user else None,
        link_id=actor.link.id if actor.link else None,
        volunteer_name=actor.volunteer_name,
        device_id=actor.device_id[:64],
        override=override,
    )
    try:
        with db.session.begin_nested():
            db.session.add(checkin)
    except IntegrityError:
        # Another scanner won the race for this person (or this client UUID was synced).
        previous = live_checkin(event, invitee)
        return ScanResult(Outcome.ALREADY, invitee, group_name=group, previous=previous)
    return ScanResult(Outcome.OK, invitee, checkin, group_name=group)


def _keep_earliest(previous: CheckIn, at: dt.datetime) -> None:
    """Two phones scanned the same person offline: the first scan time is the one kept."""
    if at < previous.checked_in_at:
        previous.checked_in_at = at


def scan(
    event: Event,
    token: str,
    actor: Actor,
    *,
    method: CheckInMethod = CheckInMethod.SCAN,
    at: dt.datetime | None = None,
    client_uuid: str | None = None,
    override: bool = False,
) -> ScanResult:
    """What a scanned code means for this event, checking the person in when it is theirs."""
    token = extract_token(token)
    invitee = invitee_by_token(token)
    if invitee is None:
        revoked = bool(token) and token_was_revoked(token)
        return ScanResult(Outcome.REVOKED if revoked else Outcome.UNKNOWN)
    return check_in_invitee(
        event, invitee, actor, method=method, at=at, client_uuid=client_uuid, override=override
    )


def extract_token(scanned: str) -> str:
    """A QR code carries `<base URL>/i/<token>`; accept the bare token too."""
    scanned = (scanned or "").strip()
    if "/i/" in scanned:
        scanned = scanned.rsplit("/i/", 1)[1]
    return scanned.split("?", 1)[0].split("#", 1)[0].strip("/")[:64]


def undo(checkin: CheckIn, by: User) -> None:
    """Take back a mistaken check-in: it stays in the history and stops counting."""
    if checkin.undone_at is not None:
        raise CheckinError(_("This check-in was already undone."))
    checkin.undone_at = utcnow()
    checkin.undone_by_id = by.id


# --- walk-ins ----------------------------------------------------------------------------


def walk_in(
    event: Event,
    *,
    full_name: str,
    organisation: str,
    participant_type: ParticipantType,
    actor: Actor,
    at: dt.datetime | None = None,
    client_uuid: str | None = None,
) -> CheckIn:
    """A person who was not invited checks in (from the poster, or at the desk)."""
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise CheckinError(_("Type your full name."))
    at = at or utcnow()
    refused = window_outcome(event, at)
    if refused is not None and actor.user is None:
        raise CheckinError(
            _("Check-in for this event is not open now.")
            if refused is Outcome.TOO_EARLY
            else _("Check-in for this event is closed.")
        )
    if actor.device_id and actor.user is None:
        used = db.session.scalar(
            select(func.count())
            .select_from(CheckIn)
            .where(
                CheckIn.event_id == event.id,
                CheckIn.device_id == actor.device_id[:64],
                CheckIn.invitee_id.is_(None),
                CheckIn.undone_at.is_(None),
            )
        )
        if used >= event.walkins_per_device:
            raise CheckinError(
                _("This phone has already been used to check in. Ask the staff at the entrance.")
            )
    checkin = CheckIn(
        event_id=event.id,
        method=CheckInMethod.SELF if actor.user is None else CheckInMethod.MANUAL,
        checked_in_at=at,
        recorded_at=utcnow(),
        client_uuid=client_uuid,
        user_id=actor.user.id if actor.user else None,
        link_id=actor.link.id if actor.link else None,
        volunteer_name=actor.volunteer_name,
        device_id=actor.device_id[:64],
        full_name=full_name[:200],
        organisation=" ".join((organisation or "").split())[:300],
        participant_type=participant_type,
    )
    db.session.add(checkin)
    db.session.flush()
    return checkin


# --- headcounts --------------------------------------------------------------------------


def record_headcount(
    event: Event, label: str, count: int, actor: Actor, client_uuid: str | None = None
) -> Headcount:
    """A tally: "Lớp 6A: 35 học sinh". Counted as persons."""
    label = " ".join((label or "").split())
    if not label:
        raise CheckinError(_("Say who is counted, e.g. Lớp 6A."))
    if count is None or count < 0 or count > 100_000:
        raise CheckinError(_("The number of people must be between 0 and 100000."))
    if client_uuid:
        existing = db.session.scalar(select(Headcount).where(Headcount.client_uuid == client_uuid))
        if existing is not None:
            return existing
    headcount = Headcount(
        event_id=event.id,
        label=label[:200],
        count=count,
        client_uuid=client_uuid,
        user_id=actor.user.id if actor.user else None,
        link_id=actor.link.id if actor.link else None,
        volunteer_name=actor.volunteer_name,
    )
    headcount.revisions.append(
        HeadcountRevision(
            label=label[:200], count=count, changed_by=actor.label, changed_at=utcnow()
        )
    )
    db.session.add(headcount)
    db.session.flush()
    return headcount


def change_headcount(headcount: Headcount, label: str, count: int, actor: Actor, note="") -> None:
    """Correct a tally; the earlier values stay in its history."""
    label = " ".join((label or "").split())
    if not label:
        raise CheckinError(_("Say who is counted, e.g. Lớp 6A."))
    if count is None or count < 0 or count > 100_000:
        raise CheckinError(_("The number of people must be between 0 and 100000."))
    headcount.label, headcount.count = label[:200], count
    headcount.revisions.append(
        HeadcountRevision(
            label=label[:200],
            count=count,
            changed_by=actor.label,
            note=note,
            changed_at=utcnow(),
        )
    )


def remove_headcount(headcount: Headcount, actor: Actor) -> None:
    headcount.removed_at = utcnow()
    headcount.revisions.append(
        HeadcountRevision(
            label=headcount.label,
            count=0,
            changed_by=actor.label,
            note="removed",
            changed_at=utcnow(),
        )
    )


# --- offline batches ---------------------------------------------------------------------


@dataclass
class BatchItem:
    client_uuid: str
    token: str
    scanned_at: dt.datetime


@dataclass
class BatchItemResult:
    client_uuid: str
    outcome: str  #: an Outcome value, or "duplicate" (this very scan was synced before)
    invitee_id: int | None = None
    name: str = ""
    checked_in_at: dt.datetime | None = None


def sync_batch(event: Event, items: list[BatchItem], actor: Actor) -> list[BatchItemResult]:
    """Record a phone's queued scans in one transaction; idempotent by client UUID.

    A scan already synced answers "duplicate"; a person already checked in (by another phone)
    answers "already" and keeps the earliest scan time. Scans made offline were accepted on
    the phone within the window, so the window is not checked again here.
    """
    uuids = [item.client_uuid for item in items]
    known = {
        row.client_uuid: row
        for row in db.session.scalars(select(CheckIn).where(CheckIn.client_uuid.in_(uuids)))
    }
    results = []
    for item in items:
        if item.client_uuid in known:
            row = known[item.client_uuid]
            results.append(
                BatchItemResult(
                    item.client_uuid, "duplicate", row.invitee_id, "", row.checked_in_at
                )
            )
            continue
        result = scan(
            event,
            item.token,
            actor,
            method=CheckInMethod.API,
            at=item.scanned_at,
            client_uuid=item.client_uuid,
            override=True,
        )
        invitee = result.invitee
        when = (
            result.checkin.checked_in_at
            if result.checkin
            else (result.previous.checked_in_at if result.previous else None)
        )
        results.append(
            BatchItemResult(
                item.client_uuid,
                result.outcome.value,
                invitee.id if invitee else None,
                invitee.full_name if invitee else "",
                when,
            )
        )
        if result.checkin is not None:
            known[item.client_uuid] = result.checkin
    return results


# --- totals ------------------------------------------------------------------------------


@dataclass
class Totals:
    invited: int = 0
    confirmed: int = 0
    checked_in_invitees: int = 0
    walk_ins: int = 0
    headcounts: int = 0
    per_group: dict = field(default_factory=dict)

    @property
    def persons(self) -> int:
        """The figure the report takes: distinct people checked in, plus tallies."""
        return self.checked_in_invitees + self.walk_ins + self.headcounts


def totals(event: Event) -> Totals:
    """Attendance of an event, computed by aggregation in the database."""
    result = Totals()
    result.invited, result.confirmed = db.session.execute(
        select(
            func.count(Invitation.id),
            func.count(Invitation.id).filter(Invitation.rsvp == Rsvp.YES),
        ).where(Invitation.event_id == event.id)
    ).one()
    result.checked_in_invitees, result.walk_ins = db.session.execute(
        select(
            func.count(func.distinct(CheckIn.invitee_id)),
            func.count(CheckIn.id).filter(CheckIn.invitee_id.is_(None)),
        ).where(CheckIn.event_id == event.id, CheckIn.undone_at.is_(None))
    ).one()
    result.headcounts = db.session.scalar(
        select(func.coalesce(func.sum(Headcount.count), 0)).where(
            Headcount.event_id == event.id, Headcount.removed_at.is_(None)
        )
    )
    return result


def arrivals_per_slot(event: Event, minutes: int = 5) -> list[tuple[dt.datetime, int]]:
    """Live check-ins per slot of `minutes` (UTC slot starts), for the arrivals chart."""
    times = db.session.scalars(
        select(CheckIn.checked_in_at)
        .where(CheckIn.event_id == event.id, CheckIn.undone_at.is_(None))
        .order_by(CheckIn.checked_in_at)
    ).all()
    slots: dict[dt.datetime, int] = {}
    for moment in times:
        start = moment.replace(second=0, microsecond=0)
        start -= dt.timedelta(minutes=start.minute % minutes)
        slots[start] = slots.get(start, 0) + 1
    return sorted(slots.items())


def new_link_token() -> str:
    return secrets.token_urlsafe(24)

"""Check-in rules: one check-in per person per event, the allowed window, undo, walk-ins,
headcounts, offline batches, and the totals that feed the dashboard and the report.

Every way in (scanner page, volunteer link, self check-in, JSON API, offline sync) goes
through these functions.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import secrets
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.checkin.models import (
    CheckIn,
    CheckinLink,
    CheckInMethod,
    Headcount,
    HeadcountRevision,
    ParticipantType,
)
from app.clock import utcnow
from app.extensions import db
from app.invitations.models import Invitation, Invitee, InviteeGroup, RevokedToken, Rsvp
from app.invitations.services import token_hash, token_was_revoked
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


@functools.cache
def _lookup(by: str):
    """One query for all a scan needs to know: the invitee, their invitation to this event and
    its group's name, and their live check-in there with who recorded it (a scan at the rush
    used to send one query for each). `by` is "token", "tokens" (a batch) or "invitee"; the
    event's id and the code(s) or invitee id are bound at execution. Codes are looked up among
    invitees not archived, as `invitee_by_token` does: an archived invitee's code leads nowhere.

    Built once per process: building this statement costs more CPU than running it.
    """
    event_id = bindparam("event_id")
    statement = (
        select(Invitee, Invitation, InviteeGroup.name, CheckIn)
        .outerjoin(
            Invitation, and_(Invitation.invitee_id == Invitee.id, Invitation.event_id == event_id)
        )
        .outerjoin(InviteeGroup, InviteeGroup.id == Invitation.group_id)
        .outerjoin(
            CheckIn,
            and_(
                CheckIn.invitee_id == Invitee.id,
                CheckIn.event_id == event_id,
                CheckIn.undone_at.is_(None),
            ),
        )
        .options(joinedload(CheckIn.user))
    )
    if by == "invitee":
        return statement.where(Invitee.id == bindparam("invitee_id"))
    code = (
        Invitee.token == bindparam("token")
        if by == "token"
        else Invitee.token.in_(bindparam("tokens", expanding=True))
    )
    return statement.where(code, Invitee.archived_at.is_(None))


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
    _person, invitation, group, previous = db.session.execute(
        _lookup("invitee"), {"event_id": event.id, "invitee_id": invitee.id}
    ).one()
    return _check_in(
        event,
        invitee,
        invitation,
        group or "",
        previous,
        actor,
        method=method,
        at=at,
        client_uuid=client_uuid,
        override=override,
    )


def _check_in(
    event: Event,
    invitee: Invitee,
    invitation: Invitation | None,
    group: str,
    previous: CheckIn | None,
    actor: Actor,
    *,
    method: CheckInMethod,
    at: dt.datetime | None,
    client_uuid: str | None,
    override: bool,
) -> ScanResult:
    """The rules, once `_lookup` has said who the person is for this event."""
    at = at or utcnow()
    if invitation is None:
        return ScanResult(Outcome.OTHER_EVENT, invitee)
    if not override:
        refused = window_outcome(event, at)
        if refused is not None:
            return ScanResult(refused, invitee, group_name=group)
    if previous is not None:
        _keep_earliest(previous, at)
        return ScanResult(Outcome.ALREADY, invitee, group_name=group, previous=previous)
    inserted = _insert_checkins(
        [_checkin_values(event, invitee, actor, method, at, client_uuid, override)]
    )
    checkin = inserted[0] if inserted else None
    if checkin is None:
        # Another scanner won the race for this person (or this client UUID was synced).
        previous = live_checkin(event, invitee)
        return ScanResult(Outcome.ALREADY, invitee, group_name=group, previous=previous)
    return ScanResult(Outcome.OK, invitee, checkin, group_name=group)


def _checkin_values(
    event: Event,
    invitee: Invitee,
    actor: Actor,
    method: CheckInMethod,
    at: dt.datetime,
    client_uuid: str | None,
    override: bool,
) -> dict:
    """The columns of an invitee's new check-in."""
    return {
        "event_id": event.id,
        "invitee_id": invitee.id,
        "method": method,
        "checked_in_at": at,
        "recorded_at": utcnow(),
        "client_uuid": client_uuid,
        "user_id": actor.user.id if actor.user else None,
        "link_id": actor.link.id if actor.link else None,
        "volunteer_name": actor.volunteer_name,
        "device_id": actor.device_id[:64],
        "override": override,
    }


def _insert_checkins(rows: list[dict]) -> list[CheckIn]:
    """Insert check-ins, in the order given, skipping those a unique index refuses (the
    person is checked in already, or the client UUID was synced); returns those inserted.

    INSERT … ON CONFLICT DO NOTHING RETURNING: one statement for a whole batch, and for a
    single scan one where a savepoint around a plain INSERT costs three; the transaction
    stays usable either way.
    """
    if not rows:
        return []
    dialect = db.session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(CheckIn).on_conflict_do_nothing().returning(CheckIn)
        return list(db.session.scalars(statement, rows))
    inserted = []
    for values in rows:
        checkin = CheckIn(**values)
        try:
            with db.session.begin_nested():
                db.session.add(checkin)
        except IntegrityError:
            continue
        inserted.append(checkin)
    return inserted


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
    found = None
    if token:
        found = db.session.execute(_lookup("token"), {"event_id": event.id, "token": token}).first()
    if found is None:
        revoked = bool(token) and token_was_revoked(token)
        return ScanResult(Outcome.REVOKED if revoked else Outcome.UNKNOWN)
    invitee, invitation, group, previous = found
    return _check_in(
        event,
        invitee,
        invitation,
        group or "",
        previous,
        actor,
        method=method,
        at=at,
        client_uuid=client_uuid,
        override=override,
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

    Nothing is committed here: the caller commits once, so a batch that fails half-way (an
    error, a dropped connection, a killed worker) leaves nothing behind and is sent again
    whole. The items are written in the order of their codes (then scan times), so two phones
    syncing the same people at once lock them in the same order and cannot deadlock; the
    answers keep the order of the request.

    A handful of statements whatever the batch's size: the synced UUIDs, the codes with their
    invitations and live check-ins, the revoked codes, one INSERT for every new check-in.
    """
    uuids = [item.client_uuid for item in items]
    known = {
        row.client_uuid: row
        for row in db.session.scalars(select(CheckIn).where(CheckIn.client_uuid.in_(uuids)))
    }
    codes = [extract_token(item.token) for item in items]
    wanted = {codes[n] for n, item in enumerate(items) if item.client_uuid not in known}
    wanted.discard("")
    found = {}
    if wanted:
        found = {
            row[0].token: row
            for row in db.session.execute(
                _lookup("tokens"), {"event_id": event.id, "tokens": sorted(wanted)}
            )
        }
    revoked = _revoked_tokens(wanted - set(found))

    results: list[BatchItemResult | None] = [None] * len(items)
    pending: dict[int, dict] = {}  #: invitee id → the check-in to insert
    answered: dict[int, list[int]] = {}  #: invitee id → items answered from `pending`
    pending_uuids: dict[str, int] = {}  #: client UUID → invitee id, for repeats in the batch
    order = sorted(
        range(len(items)),
        key=lambda n: (codes[n], items[n].scanned_at, n),
    )
    for n in order:
        item = items[n]
        if item.client_uuid in known:
            row = known[item.client_uuid]
            results[n] = BatchItemResult(
                item.client_uuid, "duplicate", row.invitee_id, "", row.checked_in_at
            )
            continue
        if item.client_uuid in pending_uuids:
            row = pending[pending_uuids[item.client_uuid]]
            results[n] = BatchItemResult(
                item.client_uuid, "duplicate", row["invitee_id"], "", row["checked_in_at"]
            )
            continue
        if codes[n] not in found:
            outcome = Outcome.REVOKED if codes[n] in revoked else Outcome.UNKNOWN
            results[n] = BatchItemResult(item.client_uuid, outcome.value)
            continue
        invitee, invitation, _group, previous = found[codes[n]]
        result = BatchItemResult(item.client_uuid, "", invitee.id, invitee.full_name)
        results[n] = result
        if invitation is None:
            result.outcome = Outcome.OTHER_EVENT.value
        elif previous is not None:
            _keep_earliest(previous, item.scanned_at)
            # The same scan, recorded by this batch sent twice at once: "duplicate".
            same = previous.client_uuid == item.client_uuid
            result.outcome = "duplicate" if same else Outcome.ALREADY.value
            result.checked_in_at = previous.checked_in_at
        elif invitee.id in pending:
            row = pending[invitee.id]
            row["checked_in_at"] = min(row["checked_in_at"], item.scanned_at)
            result.outcome, result.checked_in_at = Outcome.ALREADY.value, row["checked_in_at"]
            answered[invitee.id].append(n)
        else:
            pending[invitee.id] = _checkin_values(
                event, invitee, actor, CheckInMethod.API, item.scanned_at, item.client_uuid, True
            )
            pending_uuids[item.client_uuid] = invitee.id
            result.outcome, result.checked_in_at = Outcome.OK.value, item.scanned_at
            answered[invitee.id] = [n]

    inserted = {row.invitee_id for row in _insert_checkins(list(pending.values()))}
    lost = [invitee_id for invitee_id in pending if invitee_id not in inserted]
    if lost:
        # Another phone (or this batch, sent twice at once) checked these people in between
        # the lookup and the insert.
        winners = {
            row.invitee_id: row
            for row in db.session.scalars(
                select(CheckIn).where(
                    CheckIn.event_id == event.id,
                    CheckIn.invitee_id.in_(lost),
                    CheckIn.undone_at.is_(None),
                )
            )
        }
        for invitee_id in lost:
            previous = winners.get(invitee_id)
            if previous is not None:
                _keep_earliest(previous, pending[invitee_id]["checked_in_at"])
            for n in answered[invitee_id]:
                same = previous is None or previous.client_uuid == items[n].client_uuid
                results[n].outcome = "duplicate" if same else Outcome.ALREADY.value
                if previous is not None:
                    results[n].checked_in_at = previous.checked_in_at
    return [result for result in results if result is not None]


def _revoked_tokens(tokens: set[str]) -> set[str]:
    """Those of `tokens` that were withdrawn (one query for a whole batch)."""
    if not tokens:
        return set()
    by_hash = {token_hash(token): token for token in tokens}
    return {
        by_hash[digest]
        for digest in db.session.scalars(
            select(RevokedToken.token_hash).where(RevokedToken.token_hash.in_(by_hash))
        )
    }


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
    """Attendance of an event, computed by aggregation in the database (one round trip)."""
    live = and_(CheckIn.event_id == event.id, CheckIn.undone_at.is_(None))
    invited = Invitation.event_id == event.id
    figures = db.session.execute(
        select(
            select(func.count(Invitation.id)).where(invited).scalar_subquery(),
            select(func.count(Invitation.id))
            .where(invited, Invitation.rsvp == Rsvp.YES)
            .scalar_subquery(),
            select(func.count(func.distinct(CheckIn.invitee_id))).where(live).scalar_subquery(),
            select(func.count(CheckIn.id))
            .where(live, CheckIn.invitee_id.is_(None))
            .scalar_subquery(),
            select(func.coalesce(func.sum(Headcount.count), 0))
            .where(Headcount.event_id == event.id, Headcount.removed_at.is_(None))
            .scalar_subquery(),
        )
    ).one()
    return Totals(*(int(value or 0) for value in figures))


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

"""The scanner's offline mode: the roster a phone keeps to validate codes without network, and
the sync of the scans it queued meanwhile.

The roster carries the start of each token's SHA-256, names and groups only (no phones,
e-mails or raw tokens), in a compact form (`roster_data`); each download is in the audit
trail. The sync goes through `services.sync_batch`, like the API's batch: idempotent by client
UUID, the earliest scan time kept, every code checked in full against the database. Both
routes use the scanner page's permission; the sync is a session POST and so needs the CSRF
header htmx pages send.

An archived event gives no roster (404, like its scanner), but its sync still records the
scans phones queued: they were made at the event, and its attendance still counts.
"""

from __future__ import annotations

import datetime as dt
import json

from flask import current_app, jsonify
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from app.api.errors import ApiError
from app.api.schemas import Checker, iso_utc, json_body
from app.audit import hooks as audit_hooks
from app.audit import services as audit
from app.audit.models import AuditAction, AuditEvent
from app.checkin import services
from app.checkin.blueprint import bp
from app.checkin.models import CheckIn
from app.checkin.routes import get_checkin_event_or_404
from app.extensions import db
from app.invitations.services import invitations_of_event, token_hash
from app.schedule.models import Event

#: Most scans one sync may carry (as the API's batch).
MAX_BATCH = 1000
#: The roster's format: 2 is the compact one below (1 had whole hashes and names per person).
ROSTER_FORMAT = 2
#: Hex characters kept of each token's SHA-256: 64 bits, no collision among any event's
#: invitees (the chance among 2,000 is about 1 in 10^13); the sync checks the whole code.
HASH_CHARS = 16
#: The audit trail's detail of a roster download starts with this (whatever the language).
ROSTER_FILE = "roster.json"
#: A phone fetches the roster again every 2 minutes: one audit line per account, event,
#: address and browser in this time says who took the list where, without a line each time.
ROSTER_AUDIT_EVERY = dt.timedelta(hours=1)


def short_hash(token: str) -> str:
    """What the roster keeps of a token: the start of its SHA-256 (scanner.js: shortHash)."""
    return token_hash(token)[:HASH_CHARS]


def roster_data(event: Event) -> dict:
    """The roster: `groups` the names of the groups; `invitees` one [hash, name] per person,
    with the index of their group in `groups` as a third item when they have one;
    `checked_in` the indexes in `invitees` of the people checked in."""
    invitations = [i for i in invitations_of_event(event) if i.invitee.token]
    checked_ids = set(
        db.session.scalars(
            select(CheckIn.invitee_id).where(
                CheckIn.event_id == event.id,
                CheckIn.invitee_id.is_not(None),
                CheckIn.undone_at.is_(None),
            )
        )
    )
    groups: dict[str, int] = {}
    people = []
    for invitation in invitations:
        person = [short_hash(invitation.invitee.token), invitation.invitee.full_name]
        if invitation.group is not None:
            person.append(groups.setdefault(invitation.group.name, len(groups)))
        people.append(person)
    opens, closes = services.window(event)
    return {
        "format": ROSTER_FORMAT,
        "event_id": event.id,
        "opens": iso_utc(opens),
        "closes": iso_utc(closes),
        "groups": list(groups),
        "invitees": people,
        "checked_in": [
            n for n, invitation in enumerate(invitations) if invitation.invitee_id in checked_ids
        ],
    }


def _audit_roster(event: Event, count: int) -> None:
    """An "export" line for the roster handed to a phone, unless the same account took it
    from the same address and browser within the last hour (the phone's refreshes)."""
    actor = audit_hooks.request_actor()
    since = services.utcnow() - ROSTER_AUDIT_EVERY
    earlier = db.session.scalar(
        select(AuditEvent.id)
        .where(
            AuditEvent.unit_id == event.unit_id,
            AuditEvent.at >= since,
            AuditEvent.action == AuditAction.EXPORT.value,
            AuditEvent.object_type == "Event",
            AuditEvent.object_id == event.id,
            AuditEvent.user_id == actor.user_id,
            AuditEvent.ip == actor.ip,
            AuditEvent.user_agent == actor.user_agent,
            AuditEvent.detail.startswith(ROSTER_FILE),
        )
        .limit(1)
    )
    if earlier is None:
        detail = f"{ROSTER_FILE} · " + ngettext("%(num)d invitee", "%(num)d invitees", count)
        audit.record(AuditAction.EXPORT, event, detail=detail, commit=True)


@bp.get("/events/<int:event_id>/checkin/roster.json")
@login_required
def roster(event_id: int):
    """The event's invitees as hashed tokens with name and group, for checking codes offline."""
    event = get_checkin_event_or_404(event_id)
    data = roster_data(event)
    _audit_roster(event, len(data["invitees"]))
    # UTF-8 as it is: Vietnamese names escaped as \uXXXX would take twice the bytes.
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def _invalid(details: dict):
    body = {"code": "validation_failed", "message": _("Some fields need fixing.")}
    body["details"] = {key: str(value) for key, value in details.items()}
    return jsonify({"error": body}), 422


@bp.post("/events/<int:event_id>/checkin/sync")
@login_required
def sync(event_id: int):
    """Record the scans a phone queued while offline; each is answered with its outcome.
    Also for an archived event: the scans were made while it took place."""
    event = get_checkin_event_or_404(event_id, archived=True)
    try:
        check = Checker(json_body())
    except ApiError as error:
        return _invalid({"body": error.message or _("The request could not be understood.")})
    device_id = check.text("device_id", max_length=64)
    items = [
        services.BatchItem(
            client_uuid=item.uuid("client_uuid", required=True),
            token=item.text("code", required=True, max_length=500),
            scanned_at=item.moment("scanned_at", required=True),
        )
        for item in check.objects("items", max_items=MAX_BATCH)
    ]
    if check.errors:
        return _invalid(check.errors)
    actor = services.Actor(user=current_user, device_id=device_id)
    results = services.sync_batch(event, items, actor)
    db.session.commit()
    return jsonify(
        {
            "results": [
                {
                    "client_uuid": r.client_uuid,
                    "outcome": r.outcome,
                    "invitee_id": r.invitee_id,
                    "name": r.name,
                    "checked_in_at": iso_utc(r.checked_in_at),
                }
                for r in results
            ]
        }
    )

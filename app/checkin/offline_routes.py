"""The scanner's offline mode: the roster a phone keeps to validate codes without network, and
the sync of the scans it queued meanwhile.

The roster carries hashed tokens, names and groups only (no phones, e-mails or raw tokens).
The sync goes through `services.sync_batch`, like the API's batch: idempotent by client UUID,
the earliest scan time kept. Both routes use the scanner page's permission; the sync is a
session POST and so needs the CSRF header htmx pages send.
"""

from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.api.errors import ApiError
from app.api.schemas import Checker, iso_utc, json_body
from app.checkin import services
from app.checkin.blueprint import bp
from app.checkin.models import CheckIn
from app.checkin.routes import get_checkin_event_or_404
from app.extensions import db
from app.invitations.services import invitations_of_event, token_hash

#: Most scans one sync may carry (as the API's batch).
MAX_BATCH = 1000


@bp.get("/events/<int:event_id>/checkin/roster.json")
@login_required
def roster(event_id: int):
    """The event's invitees as hashed tokens with name and group, for checking codes offline."""
    event = get_checkin_event_or_404(event_id)
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
    opens, closes = services.window(event)
    response = jsonify(
        {
            "event_id": event.id,
            "opens": iso_utc(opens),
            "closes": iso_utc(closes),
            "invitees": [
                {
                    "h": token_hash(i.invitee.token),
                    "name": i.invitee.full_name,
                    "group": i.group.name if i.group else "",
                }
                for i in invitations
            ],
            "checked_in": [
                token_hash(i.invitee.token) for i in invitations if i.invitee_id in checked_ids
            ],
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _invalid(details: dict):
    body = {"code": "validation_failed", "message": _("Some fields need fixing.")}
    body["details"] = {key: str(value) for key, value in details.items()}
    return jsonify({"error": body}), 422


@bp.post("/events/<int:event_id>/checkin/sync")
@login_required
def sync(event_id: int):
    """Record the scans a phone queued while offline; each is answered with its outcome."""
    event = get_checkin_event_or_404(event_id)
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

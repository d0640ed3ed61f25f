"""JSON API v1: campaigns and events, run-sheets, invitees, check-ins (one by one and offline
batches), headcounts and attendance totals. Each route loads and checks permission, reads the
body, calls the same services as the pages, commits once and answers."""

from __future__ import annotations

import re

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.routing import Map, Rule

from app.api import errors
from app.api.auth import api_auth, api_user, get_campaign, get_event
from app.api.blueprint import bp
from app.api.errors import ApiError
from app.api.openapi import build_document
from app.api.schemas import Checker, hhmm, iso_date, iso_utc, json_body
from app.checkin import services
from app.checkin.models import CheckInMethod, Headcount
from app.extensions import db
from app.invitations.groups import groups_of, save_group
from app.invitations.services import (
    InvitationError,
    PersonData,
    invitations_of_event,
    invite_many,
    normalise_phone,
)
from app.schedule.models import Campaign, Event, EventKind
from app.schedule.permissions import visible_campaigns_query
from app.schedule.services import (
    EventData,
    ItemData,
    ScheduleError,
    add_item,
    category_rows,
    events_of,
    save_event,
)
from app.units.models import Unit

errors.register(bp)

MAX_INVITEES = 2000
MAX_BATCH = 1000
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


# --- campaigns and events ----------------------------------------------------------------


def campaign_json(campaign: Campaign) -> dict:
    return {
        "id": campaign.id,
        "name": campaign.name,
        "year": campaign.year,
        "theme": campaign.theme,
        "start_date": iso_date(campaign.start_date),
        "end_date": iso_date(campaign.end_date),
        "report_deadline": iso_date(campaign.report_deadline),
        "unit_id": campaign.unit_id,
        "unit_name": campaign.unit.name,
    }


def event_json(event: Event, *, program: bool = False) -> dict:
    data = {
        "id": event.id,
        "campaign_id": event.campaign_id,
        "unit_id": event.unit_id,
        "unit_name": event.unit.name,
        "kind": event.kind.value,
        "title": event.title,
        "date": iso_date(event.date),
        "start_time": hhmm(event.start_time),
        "end_time": hhmm(event.end_time),
        "venue_name": event.venue_name,
        "report_row_id": event.report_row_id,
    }
    if program:
        data["program"] = [
            {
                "position": item.position,
                "start_time": hhmm(item.start_time),
                "end_time": hhmm(item.end_time),
                "content": item.content,
                "performer": item.performer,
            }
            for item in event.program
        ]
    return data


@bp.get("/campaigns")
@api_auth
def campaigns():
    """The campaigns the user's unit takes part in or watches."""
    items = db.session.scalars(
        visible_campaigns_query(api_user()).order_by(Campaign.start_date.desc(), Campaign.id)
    ).all()
    return jsonify({"campaigns": [campaign_json(c) for c in items]})


@bp.get("/campaigns/<int:campaign_id>/events")
@api_auth
def campaign_events(campaign_id: int):
    """The campaign's events hosted in the user's subtree, in schedule order."""
    campaign = get_campaign(campaign_id)
    return jsonify({"events": [event_json(e) for e in events_of(campaign, api_user().unit)]})


def _event_unit(check: Checker) -> Unit | None:
    unit_id = check.integer("unit_id", minimum=1, maximum=2**31 - 1)
    if unit_id is None:
        return api_user().unit
    unit = db.session.get(Unit, unit_id)
    if unit is None or not api_user().can_see(unit):
        check.error("unit_id", _("This unit does not exist or is not part of your unit."))
        return None
    return unit


@bp.post("/campaigns/<int:campaign_id>/events")
@api_auth
def create_event(campaign_id: int):
    """Add an event, with its run-sheet rows, to the campaign."""
    campaign = get_campaign(campaign_id, add_events=True)
    check = Checker(json_body())
    kind = check.choice("kind", [k.value for k in EventKind], required=True)
    title = check.text("title", required=True, max_length=2000)
    unit = _event_unit(check)
    date = check.date("date", required=True)
    start_time, end_time = check.time("start_time"), check.time("end_time")
    venue_name = check.text("venue_name", max_length=300)
    row_id = check.integer("report_row_id", minimum=1, maximum=2**31 - 1)
    rows = {row.id: row for row in category_rows(campaign)}
    if row_id is not None and row_id not in rows:
        check.error(
            "report_row_id", _("This category is not part of the campaign's report template.")
        )
    program = []
    for item in check.objects("program", max_items=200, required=False):
        program.append(
            ItemData(
                content=item.text("content", required=True, max_length=5000),
                start_time=item.time("start_time"),
                end_time=item.time("end_time"),
                performer=item.text("performer", max_length=500),
            )
        )
    check.raise_if_invalid()

    data = EventData(
        kind=EventKind(kind),
        title=title,
        unit=unit,
        date=date,
        start_time=start_time,
        end_time=end_time,
        venue_name=venue_name,
        report_row=rows.get(row_id),
    )
    try:
        event = save_event(None, campaign, data)
    except ScheduleError as exc:
        db.session.rollback()
        raise ApiError(422, "validation_failed", details={"end_time": str(exc)}) from exc
    for index, item_data in enumerate(program):
        try:
            add_item(event, item_data)
        except ScheduleError as exc:
            check.error(f"program.{index}.end_time", str(exc))
    if check.errors:
        db.session.rollback()
        check.raise_if_invalid()
    db.session.commit()
    return jsonify(event_json(event, program=True)), 201


# --- invitees ----------------------------------------------------------------------------


def _person(check: Checker) -> tuple[PersonData, str]:
    full_name = check.text("full_name", required=True, max_length=200)
    phone = check.text("phone", max_length=40)
    try:
        phone = normalise_phone(phone)
    except InvitationError as exc:
        check.error("phone", str(exc))
    email = check.text("email", max_length=254)
    if email and not _EMAIL.fullmatch(email):
        check.error("email", _("Invalid email address."))
    data = PersonData(
        full_name=full_name,
        title=check.text("title", max_length=300),
        organisation=check.text("organisation", max_length=300),
        phone=phone,
        email=email,
        protocol_rank=check.integer("protocol_rank", minimum=1, maximum=100_000),
    )
    return data, check.text("group", max_length=300)


@bp.post("/events/<int:event_id>/invitees")
@api_auth
def add_invitees(event_id: int):
    """Invite people in bulk, all or nothing; groups named in the list are made when missing."""
    event = get_event(event_id, need="edit")
    check = Checker(json_body())
    people = [_person(item) for item in check.objects("invitees", max_items=MAX_INVITEES)]
    check.raise_if_invalid()

    groups = {group.name: group for group in groups_of(event)}
    rows = []
    for data, group_name in people:
        group = None
        if group_name:
            group = groups.get(group_name)
            if group is None:
                group = groups[group_name] = save_group(None, event, group_name, None)
        rows.append((data, group, None))
    invitees = invite_many(event, api_user().unit, rows)
    names = [group_name for _data, group_name in people]
    created = [
        {"id": i.id, "full_name": i.full_name, "group": name, "token": i.token}
        for i, name in zip(invitees, names, strict=True)
    ]  # read before the commit, which expires them
    db.session.commit()
    return jsonify({"invitees": created}), 201


@bp.get("/events/<int:event_id>/invitees")
@api_auth
def list_invitees(event_id: int):
    """The event's invitees with their tokens and answers, for its organisers."""
    event = get_event(event_id, need="edit")
    rows = []
    for invitation in invitations_of_event(event):
        invitee = invitation.invitee
        rows.append(
            {
                "id": invitee.id,
                "full_name": invitee.full_name,
                "title": invitee.title,
                "organisation": invitee.organisation,
                "group": invitation.group.name if invitation.group else "",
                "protocol_rank": invitee.protocol_rank,
                "token": invitee.token,
                "rsvp": invitation.rsvp.value,
                # Personal data: this route is for the unit's organisers only.
                "phone": invitee.phone,
                "email": invitee.email,
            }
        )
    return jsonify({"invitees": rows})


# --- check-ins and headcounts ------------------------------------------------------------


def scan_json(result: services.ScanResult) -> dict:
    invitee = None
    if result.invitee is not None and result.outcome is not services.Outcome.OTHER_EVENT:
        invitee = {
            "id": result.invitee.id,
            "full_name": result.invitee.full_name,
            "title": result.invitee.title,
            "group": result.group_name,
        }
    live = result.checkin or result.previous
    previous = None
    if result.previous is not None:
        previous = {
            "checked_in_at": iso_utc(result.previous.checked_in_at),
            "by": result.previous.who_checked,
        }
    return {
        "outcome": result.outcome.value,
        "invitee": invitee,
        "checked_in_at": iso_utc(live.checked_in_at) if live else None,
        "previous": previous,
    }


@bp.post("/events/<int:event_id>/checkins")
@api_auth
def check_in(event_id: int):
    """Check one person in by their QR code (the token or the whole URL)."""
    event = get_event(event_id, need="checkin")
    check = Checker(json_body())
    code = check.text("code", required=True, max_length=500)
    override = check.boolean("override")
    device_id = check.text("device_id", max_length=64)
    check.raise_if_invalid()
    actor = services.Actor(user=api_user(), device_id=device_id)
    result = services.scan(event, code, actor, method=CheckInMethod.API, override=override)
    # The answer is read before the commit, which would expire the objects and cost a query
    # per object to read them again; nothing in it changes at the commit.
    body = scan_json(result)
    db.session.commit()
    return jsonify(body), 201 if result.counted else 200


@bp.post("/events/<int:event_id>/checkins/batch")
@api_auth
def check_in_batch(event_id: int):
    """Sync a phone's offline scans: one transaction, idempotent by client UUID (an archived
    event still takes the scans queued before it was archived)."""
    event = get_event(event_id, need="sync")
    check = Checker(json_body())
    device_id = check.text("device_id", max_length=64)
    items = [
        services.BatchItem(
            client_uuid=item.uuid("client_uuid", required=True),
            token=item.text("code", required=True, max_length=500),
            scanned_at=item.moment("scanned_at", required=True),
        )
        for item in check.objects("items", max_items=MAX_BATCH)
    ]
    check.raise_if_invalid()
    actor = services.Actor(user=api_user(), device_id=device_id)
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


def headcount_json(headcount: Headcount) -> dict:
    return {
        "id": headcount.id,
        "event_id": headcount.event_id,
        "label": headcount.label,
        "count": headcount.count,
        "client_uuid": headcount.client_uuid,
    }


@bp.post("/events/<int:event_id>/headcounts")
@api_auth
def add_headcount(event_id: int):
    """Record a tally ("Lớp 6A: 35"); sending the same client UUID again records nothing new."""
    event = get_event(event_id, need="checkin")
    check = Checker(json_body())
    label = check.text("label", required=True, max_length=200)
    count = check.integer("count", required=True, minimum=0, maximum=100_000)
    client_uuid = check.uuid("client_uuid")
    check.raise_if_invalid()
    if client_uuid:
        earlier = db.session.scalar(select(Headcount).where(Headcount.client_uuid == client_uuid))
        if earlier is not None and earlier.event_id != event.id:
            raise ApiError(409, "conflict", _("This client_uuid was used for another event."))
        if earlier is not None:
            return jsonify(headcount_json(earlier)), 200
    actor = services.Actor(user=api_user())
    try:
        headcount = services.record_headcount(event, label, count, actor, client_uuid)
    except services.CheckinError as exc:
        db.session.rollback()
        raise ApiError(422, "validation_failed", details={"count": str(exc)}) from exc
    db.session.commit()
    return jsonify(headcount_json(headcount)), 201


@bp.get("/events/<int:event_id>/totals")
@api_auth
def event_totals(event_id: int):
    """The event's attendance: invited, confirmed, checked in, walk-ins, tallies, persons."""
    result = services.totals(get_event(event_id))
    return jsonify(
        {
            "event_id": event_id,
            "invited": result.invited,
            "confirmed": result.confirmed,
            "checked_in_invitees": result.checked_in_invitees,
            "walk_ins": result.walk_ins,
            "headcounts": result.headcounts,
            "persons": result.persons,
        }
    )


# --- the document and everything else ----------------------------------------------------


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API (public, like any API reference)."""
    return jsonify(build_document())


_ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def _api_routes() -> Map:
    """The API's real routes as a map of their own, built once per app."""
    routes = current_app.extensions.get("api_routes")
    if routes is None:
        rules = [
            Rule(rule.rule, endpoint=rule.endpoint, methods=rule.methods)
            for rule in current_app.url_map.iter_rules()
            if rule.endpoint.startswith("api.") and rule.endpoint != "api.unknown"
        ]
        # merge_slashes=False: "/events//1/totals" is not "/events/1/totals" (whose methods
        # would be offered for a path that does not exist).
        routes = current_app.extensions["api_routes"] = Map(rules, merge_slashes=False)
    return routes


def _allowed_methods(path: str) -> list[str]:
    """Methods the API's real routes accept at `path` (none: the path does not exist)."""
    return _api_routes().bind("localhost").allowed_methods(path)


@bp.route("/", defaults={"rest": ""}, methods=_ANY_METHOD)
@bp.route("/<anypath:rest>", methods=_ANY_METHOD)
def unknown(rest: str):
    """Anything else under /api/v1/: 405 when the path exists for other methods, else 404."""
    allowed = _allowed_methods(request.path)
    if allowed:
        raise ApiError(405, "method_not_allowed", headers={"Allow": ", ".join(sorted(allowed))})
    raise ApiError(404, "not_found")

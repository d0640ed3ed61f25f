"""The OpenAPI 3.1 document of the JSON API v1, built in code and served at
/api/v1/openapi.json. tests/test_api.py checks it covers every route and matches real answers.
"""

from __future__ import annotations

STRING = {"type": "string"}
INTEGER = {"type": "integer"}
DATE = {"type": "string", "format": "date", "examples": ["2023-10-02"]}
TIME = {
    "type": ["string", "null"],
    "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$",
    "examples": ["07:30"],
}
#: Times sent may carry seconds ("07:30:00"); they are kept to the minute.
TIME_IN = {**TIME, "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"}
MOMENT = {"type": "string", "format": "date-time", "examples": ["2023-10-02T00:12:00Z"]}
UUID = {"type": "string", "format": "uuid"}
#: Row ids are 32-bit.
ID_IN = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
EMAIL_IN = {
    "type": "string",
    "maxLength": 254,
    "pattern": "^$|^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$",
    "description": "Empty for none.",
}
PHONE_IN = {
    "type": "string",
    "maxLength": 40,
    "pattern": "^[0-9+ .()-]*$",
    "description": "A Vietnamese number, 10 digits from 0 (0912 345 678, +84 912 345 678); "
    "empty for none.",
}


def _text(max_length: int, *, required: bool = False, **extra) -> dict:
    """A text field as the API reads it: trimmed, at most `max_length` characters, no control
    characters; a required one not blank."""
    schema = {"type": "string", "maxLength": max_length, **extra}
    if required:
        schema.update(minLength=1, pattern="\\S")
    return schema


def _nullable(schema: dict) -> dict:
    return {**schema, "type": [schema["type"], "null"]}


def _object(properties: dict, required=(), **extra) -> dict:
    schema = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = list(required)
    return schema


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _list_of(key: str, name: str) -> dict:
    return _object({key: {"type": "array", "items": _ref(name)}}, [key])


def _schemas() -> dict:
    event = {
        "id": INTEGER,
        "campaign_id": INTEGER,
        "unit_id": INTEGER,
        "unit_name": STRING,
        "kind": {"type": "string", "enum": ["opening", "closing", "activity"]},
        "title": STRING,
        "date": DATE,
        "start_time": TIME,
        "end_time": TIME,
        "venue_name": STRING,
        "report_row_id": _nullable(INTEGER),
    }
    program_item = {
        "position": INTEGER,
        "start_time": TIME,
        "end_time": TIME,
        "content": STRING,
        "performer": STRING,
    }
    scan_invitee = _object(
        {"id": INTEGER, "full_name": STRING, "title": STRING, "group": STRING},
        ["id", "full_name", "title", "group"],
    )
    outcomes = ["ok", "already", "unknown", "revoked", "other_event", "too_early", "closed"]
    return {
        "Error": _object(
            {
                "error": _object(
                    {
                        "code": {
                            "type": "string",
                            "description": "Stable, machine-readable: unauthorized, "
                            "invalid_token, forbidden, not_found, method_not_allowed, "
                            "invalid_json, validation_failed, conflict, payload_too_large, "
                            "rate_limited, internal_error, database_unavailable.",
                        },
                        "message": {
                            "type": "string",
                            "description": "For people, in the request's language.",
                        },
                        "status": INTEGER,
                        "details": {
                            "type": "object",
                            "description": "validation_failed: a message per field, e.g. "
                            '"program.2.end_time" or "items.7.client_uuid".',
                            "additionalProperties": STRING,
                        },
                    },
                    ["code", "message", "status"],
                )
            },
            ["error"],
        ),
        "Campaign": _object(
            {
                "id": INTEGER,
                "name": STRING,
                "year": INTEGER,
                "theme": STRING,
                "start_date": DATE,
                "end_date": DATE,
                "report_deadline": _nullable(DATE),
                "unit_id": INTEGER,
                "unit_name": STRING,
            },
            ["id", "name", "year", "start_date", "end_date", "unit_id"],
        ),
        "CampaignList": _list_of("campaigns", "Campaign"),
        "Event": _object(event, ["id", "campaign_id", "unit_id", "kind", "title", "date"]),
        "EventList": _list_of("events", "Event"),
        "ProgramItem": _object(program_item, ["position", "content"]),
        "EventWithProgram": _object(
            {**event, "program": {"type": "array", "items": _ref("ProgramItem")}},
            ["id", "campaign_id", "unit_id", "kind", "title", "date", "program"],
        ),
        "EventCreate": _object(
            {
                "kind": event["kind"],
                "title": _text(2000, required=True),
                "unit_id": {**ID_IN, "description": "Host unit; default the user's own."},
                "date": DATE,
                "start_time": TIME_IN,
                "end_time": TIME_IN,
                "venue_name": _text(300),
                "report_row_id": _nullable(ID_IN),
                "program": {
                    "type": "array",
                    "maxItems": 200,
                    "items": _object(
                        {
                            "start_time": TIME_IN,
                            "end_time": TIME_IN,
                            "content": _text(5000, required=True),
                            "performer": _text(500),
                        },
                        ["content"],
                    ),
                },
            },
            ["kind", "title", "date"],
        ),
        "InviteeIn": _object(
            {
                "full_name": _text(200, required=True),
                "title": _text(300),
                "organisation": _text(300),
                "phone": PHONE_IN,
                "email": EMAIL_IN,
                "group": _text(300, description="Group name; made when missing."),
                "protocol_rank": _nullable({"type": "integer", "minimum": 1, "maximum": 100000}),
            },
            ["full_name"],
        ),
        "InviteesCreate": _object(
            {
                "invitees": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 2000,
                    "items": _ref("InviteeIn"),
                }
            },
            ["invitees"],
        ),
        "InviteeCreated": _object(
            {"id": INTEGER, "full_name": STRING, "group": STRING, "token": STRING},
            ["id", "full_name", "group", "token"],
        ),
        "InviteeCreatedList": _list_of("invitees", "InviteeCreated"),
        "Invitee": _object(
            {
                "id": INTEGER,
                "full_name": STRING,
                "title": STRING,
                "organisation": STRING,
                "group": STRING,
                "protocol_rank": _nullable(INTEGER),
                "token": _nullable(STRING),
                "rsvp": {"type": "string", "enum": ["pending", "yes", "no"]},
                "phone": STRING,
                "email": STRING,
            },
            ["id", "full_name", "group", "token", "rsvp"],
        ),
        "InviteeList": _list_of("invitees", "Invitee"),
        "CheckinRequest": _object(
            {
                "code": _text(
                    500, required=True, description="The invitee's token or the QR code's URL."
                ),
                "override": {
                    "type": "boolean",
                    "default": False,
                    "description": "Check in outside the allowed window.",
                },
                "device_id": _text(64),
            },
            ["code"],
        ),
        "ScanResult": _object(
            {
                "outcome": {"type": "string", "enum": outcomes},
                "invitee": {"oneOf": [scan_invitee, {"type": "null"}]},
                "checked_in_at": _nullable(MOMENT),
                "previous": {
                    "oneOf": [
                        _object({"checked_in_at": MOMENT, "by": STRING}, ["checked_in_at", "by"]),
                        {"type": "null"},
                    ]
                },
            },
            ["outcome", "invitee", "checked_in_at", "previous"],
        ),
        "BatchRequest": _object(
            {
                "device_id": _text(64),
                "items": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 1000,
                    "items": _object(
                        {
                            "client_uuid": UUID,
                            "code": _text(500, required=True),
                            "scanned_at": MOMENT,
                        },
                        ["client_uuid", "code", "scanned_at"],
                    ),
                },
            },
            ["items"],
        ),
        "BatchResult": _object(
            {
                "client_uuid": UUID,
                "outcome": {"type": "string", "enum": [*outcomes, "duplicate"]},
                "invitee_id": _nullable(INTEGER),
                "name": STRING,
                "checked_in_at": _nullable(MOMENT),
            },
            ["client_uuid", "outcome", "invitee_id", "name", "checked_in_at"],
        ),
        "BatchResponse": _list_of("results", "BatchResult"),
        "HeadcountRequest": _object(
            {
                "label": _text(200, required=True, examples=["Lớp 6A"]),
                "count": {**INTEGER, "minimum": 0, "maximum": 100000},
                "client_uuid": {**UUID, "description": "Idempotency key."},
            },
            ["label", "count"],
        ),
        "Headcount": _object(
            {
                "id": INTEGER,
                "event_id": INTEGER,
                "label": STRING,
                "count": INTEGER,
                "client_uuid": _nullable(UUID),
            },
            ["id", "event_id", "label", "count", "client_uuid"],
        ),
        "Totals": _object(
            {
                "event_id": INTEGER,
                "invited": INTEGER,
                "confirmed": INTEGER,
                "checked_in_invitees": INTEGER,
                "walk_ins": INTEGER,
                "headcounts": INTEGER,
                "persons": {**INTEGER, "description": "Checked-in invitees + walk-ins + tallies."},
            },
            [
                "event_id",
                "invited",
                "confirmed",
                "checked_in_invitees",
                "walk_ins",
                "headcounts",
                "persons",
            ],
        ),
    }


_ERRORS = {
    "BadJson": ("400", "The body is not a JSON object (code invalid_json)."),
    "Unauthorized": ("401", "No token, a malformed header, or a revoked or unknown token."),
    "Forbidden": ("403", "The user's role may not do this."),
    "NotFound": ("404", "Not found, or outside the user's unit."),
    "ValidationFailed": ("422", "Fields need fixing; `details` names each one."),
    "TooLarge": ("413", "The body is larger than the server accepts (code payload_too_large)."),
    "RateLimited": (
        "429",
        "Too many requests from this token or address (code rate_limited); "
        "retry after the Retry-After header's seconds.",
    ),
    "InternalError": ("500", "A failure on the server's side (code internal_error)."),
    "Unavailable": (
        "503",
        "The database is not reachable right now (code database_unavailable); "
        "retry after the Retry-After header's seconds.",
    ),
}
#: Answers any operation may give, whatever it is.
_ALWAYS = ("RateLimited", "InternalError", "Unavailable")


def _json(schema_name: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref(schema_name)}},
    }


def _operation(summary, ok: dict, *, body=None, errors=("Unauthorized", "NotFound"), tag=None):
    responses = dict(ok)
    for name in (*errors, *_ALWAYS):
        responses[_ERRORS[name][0]] = {"$ref": f"#/components/responses/{name}"}
    operation = {"summary": summary, "tags": [tag] if tag else [], "responses": responses}
    if body:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    return operation


def _id_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": INTEGER}


WRITE_ERRORS = (
    "BadJson",
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "TooLarge",
    "ValidationFailed",
)


def build_document() -> dict:
    """The whole document, as a dict ready for JSON."""
    campaign, event = [_id_param("campaign_id")], [_id_param("event_id")]
    paths = {
        "/campaigns": {
            "get": _operation(
                "Campaigns the user's unit takes part in or watches",
                {"200": _json("CampaignList", "The campaigns, newest first.")},
                errors=("Unauthorized",),
                tag="schedule",
            )
        },
        "/campaigns/{campaign_id}/events": {
            "parameters": campaign,
            "get": _operation(
                "The campaign's events hosted in the user's subtree",
                {"200": _json("EventList", "The events in schedule order.")},
                tag="schedule",
            ),
            "post": _operation(
                "Create an event with its run-sheet (organisers and administrators)",
                {"201": _json("EventWithProgram", "The event as saved.")},
                body="EventCreate",
                errors=WRITE_ERRORS,
                tag="schedule",
            ),
        },
        "/events/{event_id}/invitees": {
            "parameters": event,
            "get": _operation(
                "The event's invitees with tokens, answers and contact details (organisers)",
                {"200": _json("InviteeList", "In protocol order.")},
                errors=("Unauthorized", "Forbidden", "NotFound"),
                tag="invitations",
            ),
            "post": _operation(
                "Invite up to 2,000 people at once, all or nothing (organisers)",
                {"201": _json("InviteeCreatedList", "Each invitee's id and QR token.")},
                body="InviteesCreate",
                errors=WRITE_ERRORS,
                tag="invitations",
            ),
        },
        "/events/{event_id}/checkins": {
            "parameters": event,
            "post": _operation(
                "Check one person in by their code",
                {
                    "201": _json("ScanResult", "Checked in now (outcome ok)."),
                    "200": _json(
                        "ScanResult",
                        "Not checked in now: already, unknown, revoked, other_event, "
                        "too_early or closed. A red scan is an answer, not an error.",
                    ),
                },
                body="CheckinRequest",
                errors=WRITE_ERRORS,
                tag="check-in",
            ),
        },
        "/events/{event_id}/checkins/batch": {
            "parameters": event,
            "post": _operation(
                "Sync up to 1,000 offline scans; idempotent by client_uuid, earliest scan wins",
                {"200": _json("BatchResponse", "One result per item, in order.")},
                body="BatchRequest",
                errors=WRITE_ERRORS,
                tag="check-in",
            ),
        },
        "/events/{event_id}/headcounts": {
            "parameters": event,
            "post": _operation(
                "Record a headcount tally",
                {
                    "201": _json("Headcount", "Recorded."),
                    "200": _json("Headcount", "Recorded earlier with this client_uuid."),
                    "409": {"$ref": "#/components/responses/Conflict"},
                },
                body="HeadcountRequest",
                errors=WRITE_ERRORS,
                tag="check-in",
            ),
        },
        "/events/{event_id}/totals": {
            "parameters": event,
            "get": _operation(
                "The event's attendance totals",
                {"200": _json("Totals", "Counts; persons is the report's figure.")},
                tag="check-in",
            ),
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "security": [],
                "responses": {"200": {"description": "The OpenAPI document."}},
            }
        },
    }
    responses = {
        name: _json("Error", description) for name, (_status, description) in _ERRORS.items()
    }
    responses["Conflict"] = _json("Error", "The client_uuid was used for another event.")
    for name in ("RateLimited", "Unavailable"):
        responses[name]["headers"] = {
            "Retry-After": {
                "description": "Seconds to wait before trying again.",
                "schema": INTEGER,
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Lifelong Learning Week API",
            "version": "1.0.0",
            "description": "Campaigns, events, invitees, check-ins, headcounts and totals. "
            "Dates are YYYY-MM-DD, times HH:MM (venue time), moments ISO 8601 in UTC with Z. "
            "Text is trimmed; control characters (other than tab and line breaks) are refused. "
            "Every error is JSON: {error: {code, message, status[, details]}}.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token from your profile page or "
                    "`flask --app wsgi users token EMAIL`.",
                }
            },
            "schemas": _schemas(),
            "responses": responses,
        },
    }

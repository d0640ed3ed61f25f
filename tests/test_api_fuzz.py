"""Schemathesis against the API's own OpenAPI document, in-process (WSGI): the phases of
`schemathesis run` (examples, coverage, fuzzing; well-formed and malformed requests) as an
organiser with a live token and real campaigns, events and invitees behind the ids. No answer
may be a 5xx, or have a status code, content type or body the document does not describe.

Then hostile requests that fuzzing found once (or that a small budget rarely draws) are kept
as a table, each checked the same way.

The number of cases run is printed (`pytest -s`) and kept in `RUN_SUMMARY`, with the seed;
FUZZ_SEED=<seed> runs the same cases again.
"""

from __future__ import annotations

import collections
import datetime as dt
import os
import random
from zoneinfo import ZoneInfo

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core import NOT_SET
from schemathesis.engine import events, from_schema
from sqlalchemy import func, select

from app.api.routes import MAX_INVITEES
from app.checkin.models import CheckIn, Headcount
from app.checkin.tokens import create_token
from app.invitations.groups import save_group
from app.invitations.models import Invitee
from app.invitations.services import PersonData, invite
from app.schedule.models import Event, EventKind
from app.units.models import Role, UnitKind

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
#: Cases per operation and generation mode in the fuzzing phase.
MAX_EXAMPLES = 15
#: Filled by the run: cases sent, per phase and status code, and the seed.
RUN_SUMMARY: dict = {}


@pytest.fixture
def fuzz_world(db, make_unit, make_user, make_campaign, make_event):
    """A district with a school and a sibling district: a campaign with an opening ceremony
    (open for check-in today, with invitees in a group) and an activity; the sibling's
    campaign and event, which the organiser must not reach."""
    district = make_unit(name="Phòng GD&ĐT Bạch Thông", kind=UnitKind.DISTRICT_OFFICE)
    school = make_unit(district, name="Trường THCS Phủ Thông")
    sibling = make_unit(name="Phòng GD&ĐT Chợ Đồn", kind=UnitKind.DISTRICT_OFFICE)
    today = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    campaign = make_campaign(
        district, year=today.year, start_date=today, end_date=today + dt.timedelta(days=6)
    )
    other = make_campaign(sibling, year=today.year, start_date=today, end_date=today)
    opening = make_event(campaign, school, kind=EventKind.OPENING, start_time=dt.time(0, 0))
    activity = make_event(campaign, district, start_time=dt.time(14, 0))
    foreign = make_event(other, sibling, start_time=dt.time(0, 0))
    group = save_group(None, opening, "Cấp huyện", None)
    invitees = [
        invite(opening, district, PersonData(f"Nguyễn Văn {n}", phone="0912345678"), group=group)
        for n in range(3)
    ]
    organiser = make_user(district, Role.ORGANISER)
    _row, bearer = create_token(organiser, "fuzz")
    db.session.commit()
    return {
        "campaign_ids": [campaign.id, other.id],
        "event_ids": [opening.id, activity.id, foreign.id],
        "campaign": campaign.id,
        "event": opening.id,
        "tokens": [i.token for i in invitees],
        "bearer": bearer,
    }


def _isolated(app):
    """The app with an application context (so a database session and `g`) of its own per
    request, as in production, rather than the test's."""

    def wsgi(environ, start_response):
        with app.app_context():
            return app.wsgi_app(environ, start_response)

    return wsgi


def _load_schema(app, config=None):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _isolated(app), config=config)


# --- schemathesis run --------------------------------------------------------------------


def test_schemathesis_run_finds_no_server_error_and_nothing_undocumented(app, fuzz_world):
    seed = int(os.environ.get("FUZZ_SEED") or random.randrange(2**32))
    config = schemathesis.Config.from_dict(
        {
            "seed": seed,
            "workers": 1,
            "suppress-health-check": ["all"],
            "generation": {"max-examples": MAX_EXAMPLES, "mode": "all"},
            "checks": {
                "enabled": False,
                **{check.__name__: {"enabled": True} for check in CHECKS},
            },
            # Stateful links are not declared; the ids below do what they would.
            "phases": {"stateful": {"enabled": False}},
            "auth": {"openapi": {"bearerAuth": {"bearer": fuzz_world["bearer"]}}},
        }
    )
    schema = _load_schema(app, config)
    real_ids = {"campaign_id": fuzz_world["campaign_ids"], "event_id": fuzz_world["event_ids"]}

    @schema.hook
    def flatmap_path_parameters(_context, parameters):
        """Half of the time a real id (ours or another unit's), so requests reach the
        services; else the generated value."""
        if not parameters:
            return st.just(parameters)
        return st.fixed_dictionaries(
            {
                name: st.one_of(st.sampled_from(real_ids[name]), st.just(value))
                if name in real_ids
                else st.just(value)
                for name, value in parameters.items()
            }
        )

    statuses: collections.Counter = collections.Counter()
    answered: dict[str, set[int]] = collections.defaultdict(set)
    failures, errors = [], []

    def cut_long_invitee_lists(_context, case, _kwargs):
        """A list of 2,000 invitees (the documented maximum) is valid and takes 10,000
        statements and seconds to save: such lists are cut to 50 people so the run stays
        short; longer than the maximum, they are sent whole (and refused)."""
        people = case.body.get("invitees") if isinstance(case.body, dict) else None
        if isinstance(people, list) and 50 < len(people) <= MAX_INVITEES:
            case.body = {**case.body, "invitees": people[:50]}

    # Every request goes through this hook, the coverage phase's too (a global one: removed
    # after the run).
    schemathesis.hook("before_call")(cut_long_invitee_lists)
    try:
        stream = list(from_schema(schema).execute())
    finally:
        schemathesis.hooks.unregister(cut_long_invitee_lists)
    for event in stream:
        if isinstance(event, events.ScenarioFinished):
            label = event.recorder.label
            for interaction in event.recorder.interactions.values():
                if interaction.response is not None:
                    statuses[(event.phase.value, interaction.response.status_code)] += 1
                    answered[label].add(interaction.response.status_code)
            for checks in event.recorder.checks.values():
                failures.extend(
                    f"{label}: {check.name}\n{check.failure_info.failure}"
                    for check in checks
                    if check.status.value == "failure" and check.failure_info is not None
                )
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            errors.append(repr(getattr(event, "value", None) or event.exception))

    total = sum(statuses.values())
    RUN_SUMMARY.update(cases=total, seed=seed, statuses=dict(statuses))
    print(f"\nschemathesis (seed {seed}): {total} cases, by phase and status: {dict(statuses)}")
    assert not errors, errors
    assert not failures, f"seed {seed}:\n\n" + "\n\n".join(dict.fromkeys(failures))
    # The run reached the real code: every operation answered with success at least once.
    operations = [label for label in answered if not label.endswith("/openapi.json")]
    assert len(operations) == 9, sorted(answered)
    for label in operations:
        assert any(200 <= status < 300 for status in answered[label]), (label, answered[label])
    assert total >= 9 * MAX_EXAMPLES


# --- hostile requests, kept --------------------------------------------------------------

_UUID = "0f8fad5b-d9cb-469f-a165-70867728950e"


def _headcount(**changes):
    return {"label": "Lớp 6A", "count": 35, **changes}


def _batch_item(scanned_at):
    return {"items": [{"client_uuid": _UUID, "code": "abc", "scanned_at": scanned_at}]}


#: (name, method and path template, path ids, body or raw bytes, status, error code).
#: "event"/"campaign" stand for the world's ids; other values are sent as they are.
HOSTILE = [
    ("id beyond 64 bits", "GET /campaigns/{campaign_id}/events", 10**22, None, 404, "not_found"),
    ("id beyond 32 bits", "GET /events/{event_id}/totals", 2**31, None, 404, "not_found"),
    ("newline in the path", "POST /events/{event_id}/checkins", "\n\x97Ì", {}, 404, "not_found"),
    (
        "JSON nested too deep",
        "POST /events/{event_id}/checkins",
        "event",
        b"[" * 100_000,
        400,
        "invalid_json",
    ),
    (
        "not UTF-8",
        "POST /events/{event_id}/checkins",
        "event",
        b'{"code": "\xff\xfe"}',
        400,
        "invalid_json",
    ),
    (
        "NUL in a code",
        "POST /events/{event_id}/checkins",
        "event",
        {"code": "a\x00b"},
        422,
        "validation_failed",
    ),
    (
        "NUL in a label",
        "POST /events/{event_id}/headcounts",
        "event",
        _headcount(label="6A\x00"),
        422,
        "validation_failed",
    ),
    (
        "lone surrogate",
        "POST /events/{event_id}/headcounts",
        "event",
        b'{"label": "\\ud800", "count": 3}',
        422,
        "validation_failed",
    ),
    (
        "escape character in a name",
        "POST /events/{event_id}/invitees",
        "event",
        {"invitees": [{"full_name": "Nguy\x1bễn"}]},
        422,
        "validation_failed",
    ),
    (
        "Arabic-Indic digits as a phone",
        "POST /events/{event_id}/invitees",
        "event",
        {"invitees": [{"full_name": "A", "phone": "0٩١٢٣٤٥٦٧٨"}]},
        422,
        "validation_failed",
    ),
    (
        "a moment before year 1 in UTC",
        "POST /events/{event_id}/checkins/batch",
        "event",
        _batch_item("0001-01-01T00:00:00+07:00"),
        422,
        "validation_failed",
    ),
    (
        "a moment after year 9999 in UTC",
        "POST /events/{event_id}/checkins/batch",
        "event",
        _batch_item("9999-12-31T23:00:00-07:00"),
        422,
        "validation_failed",
    ),
    (
        "infinite count",
        "POST /events/{event_id}/headcounts",
        "event",
        b'{"label": "6A", "count": 1e999}',
        422,
        "validation_failed",
    ),
    (
        "NaN count",
        "POST /events/{event_id}/headcounts",
        "event",
        b'{"label": "6A", "count": NaN}',
        422,
        "validation_failed",
    ),
    (
        "hour 30",
        "POST /campaigns/{campaign_id}/events",
        "campaign",
        {"kind": "activity", "title": "A", "date": "2024-10-01", "start_time": "30:59"},
        422,
        "validation_failed",
    ),
    (
        "a 5,001-character program row",
        "POST /campaigns/{campaign_id}/events",
        "campaign",
        {
            "kind": "activity",
            "title": "A",
            "date": "2024-10-01",
            "program": [{"content": "ạ" * 5001}],
        },
        422,
        "validation_failed",
    ),
    (
        "a count of 35.0 is 35",
        "POST /events/{event_id}/headcounts",
        "event",
        _headcount(count=35.0),
        201,
        None,
    ),
    (
        "a body above the server's limit",
        "POST /events/{event_id}/checkins",
        "event",
        b'{"code": "' + b"a" * (11 * 1024 * 1024) + b'"}',
        413,
        "payload_too_large",
    ),
]


@pytest.mark.parametrize(
    ("operation", "ids", "body", "status", "code"),
    [pytest.param(*row[1:], id=row[0]) for row in HOSTILE],
)
def test_hostile_requests_get_a_documented_answer(
    app, db, fuzz_world, operation, ids, body, status, code
):
    method, path = operation.split(" ")
    schema = _load_schema(app)
    name = "campaign_id" if "{campaign_id}" in path else "event_id"
    value = fuzz_world[ids] if ids in ("event", "campaign") else ids
    case = schema[path][method].Case(
        path_parameters={name: value},
        body=body if isinstance(body, dict) else NOT_SET,
        media_type="application/json",
    )
    extra = {"data": body} if isinstance(body, bytes) else {}
    headers = {"Authorization": f"Bearer {fuzz_world['bearer']}"}
    if extra:
        headers["Content-Type"] = "application/json"
    before = _counts(db)

    response = case.call_and_validate(headers=headers, checks=CHECKS, **extra)

    assert response.status_code == status, response.text[:500]
    if code:
        assert response.json()["error"]["code"] == code
        assert _counts(db) == before  # refused: nothing written


def _counts(db) -> tuple:
    db.session.expire_all()
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Event, Invitee, CheckIn, Headcount)
    )


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/events//{event}/totals", 404, "not_found"),
        ("GET", "//campaigns", 404, "not_found"),
        ("GET", "/campaigns/", 404, "not_found"),
        ("GET", "/events/%0A/totals", 404, "not_found"),
        ("GET", "/events/{event}/totals%00", 404, "not_found"),
        ("DELETE", "/campaigns", 405, "method_not_allowed"),
        ("GET", "/events/{event}/checkins", 405, "method_not_allowed"),
    ],
)
def test_urls_outside_the_document_answer_a_json_error(
    client, fuzz_world, method, path, status, code
):
    """What schemathesis cannot send (it tidies URLs): the API's own JSON errors, and an
    Allow header offering only what the path really takes."""
    url = "/api/v1" + path.format(event=fuzz_world["event"])
    headers = {"Authorization": f"Bearer {fuzz_world['bearer']}"}
    response = client.open(url, method=method, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"] and error["status"] == status
    if status == 405:
        assert method not in response.headers["Allow"]

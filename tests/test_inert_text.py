"""HTML and script typed into any text field stay text on every page that shows it.

A unit, its people, a campaign, events, a run-sheet, groups, invitees, walk-ins, tallies, a
volunteer, a report and its template, all with markup, a script and 5,000 characters of
Vietnamese in every text field (cut to the column where the column is shorter), then every
page of the app that can be reached with their ids, signed in and not: none answers 5xx, and
no HTML answer carries the markup unescaped.

The pages come from the URL map, so a new page is fetched without anyone listing it here;
routes the crawl cannot fill are listed in NOT_CRAWLED and a new one fails the test.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import url_for

from app.checkin.models import CheckinLink, CheckInMethod, ParticipantType
from app.checkin.services import (
    Actor,
    check_in_invitee,
    new_link_token,
    record_headcount,
    utcnow,
    walk_in,
)
from app.invitations.groups import save_group
from app.invitations.models import Contact, Invitee, InviteeGroup
from app.invitations.print_routes import ensure_checkin_token
from app.invitations.services import PersonData, invite, save_contact
from app.reports.models import Report
from app.reports.services import (
    NOTE_MAX,
    FigureInput,
    get_or_create_report,
    save_figures,
    save_narrative,
)
from app.reports.template_xlsx import LABEL_LENGTH
from app.schedule.models import Campaign, Event, ProgramItem
from app.units.models import Role, Unit, UnitKind, User

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
#: Markup short enough for a 16-character column (an event's number, TT).
SHORT = "<svg onload=a()>"
#: What must never reach a page as it is.
RAW = (SCRIPT, "<img src=x onerror", SHORT)
VIETNAMESE = (
    "Tuần lễ hưởng ứng học tập suốt đời: phát triển văn hóa đọc, "
    "nâng cao chất lượng nguồn nhân lực; Đống Đa, Bạch Thông, Phủ Thông. "
)
LONG = (VIETNAMESE * (5000 // len(VIETNAMESE) + 1))[:5000]
PAYLOAD = f"{SCRIPT} {BREAKOUT} {LONG}"


def fit(model, column: str, text: str = PAYLOAD) -> str:
    """`text` cut to what the column holds (the markup, at its start, always fits)."""
    length = getattr(model.__table__.c[column].type, "length", None)
    return text if length is None else text[:length]


@pytest.fixture
def hostile(db, factories, make_user, make_item):
    """Everything a user can name, named with markup."""
    day = dt.datetime.now(dt.UTC).date()
    district = factories.make_unit(
        name=fit(Unit, "name"), kind=UnitKind.DISTRICT_OFFICE, code="PGD-X"
    )
    school = factories.make_unit(district, name=fit(Unit, "name", f"{BREAKOUT} trường"))
    admin = make_user(district, Role.ADMIN, name=fit(User, "name"))
    officer = make_user(district, Role.REPORT_OFFICER, name=fit(User, "name", BREAKOUT))
    campaign = factories.make_campaign(
        district,
        year=day.year,
        name=fit(Campaign, "name"),
        theme=fit(Campaign, "theme"),
        slogans=fit(Campaign, "slogans"),
        start_date=day,
        end_date=day + dt.timedelta(days=6),
    )
    rows = sorted(campaign.report_template.rows, key=lambda row: row.position)
    for row in rows[:3]:  # the template's labels, as long as an imported template has them
        row.label = PAYLOAD[:LABEL_LENGTH]
    event = factories.make_event(
        campaign,
        district,
        title=fit(Event, "title"),
        content=fit(Event, "content"),
        co_host=fit(Event, "co_host"),
        venue_name=fit(Event, "venue_name"),
        venue_address=fit(Event, "venue_address"),
        notes=fit(Event, "notes"),
        number=SHORT,
        start_time=dt.time(0, 0),
        report_row=rows[-1],
    )
    # A second row with the same TT: the schedule warns, quoting it.
    factories.make_event(campaign, school, title=SCRIPT, number=SHORT, start_time=dt.time(9, 0))
    item = make_item(event, fit(ProgramItem, "content"), performer=fit(ProgramItem, "performer"))
    group = save_group(None, event, fit(InviteeGroup, "name"), None, notes=PAYLOAD)
    person = PersonData(
        email="dai.bieu@example.vn",
        full_name=fit(Invitee, "full_name"),
        title=fit(Invitee, "title"),
        organisation=fit(Invitee, "organisation"),
        notes=fit(Invitee, "notes"),
    )
    contact = save_contact(None, district, person)
    invitee = invite(event, district, person, group=group, contact=contact)
    link = CheckinLink(
        event_id=event.id,
        token=new_link_token(),
        label=fit(CheckinLink, "label"),
        valid_from=utcnow() - dt.timedelta(hours=1),
        valid_until=utcnow() + dt.timedelta(hours=23),
        created_by_id=admin.id,
        created_at=utcnow(),
    )
    db.session.add(link)
    db.session.flush()
    volunteer = Actor(link=link, volunteer_name=PAYLOAD[:120])
    check_in_invitee(event, invitee, volunteer, method=CheckInMethod.SCAN, at=utcnow())
    staff = Actor(user=admin, device_id="desk")
    walk_in(
        event,
        full_name=PAYLOAD[:200],
        organisation=PAYLOAD[:300],
        participant_type=ParticipantType.PARENT,
        actor=staff,
    )
    record_headcount(event, PAYLOAD[:200], 35, staff)
    ensure_checkin_token(event)  # the poster's self check-in
    report = get_or_create_report(campaign, district)
    assert save_narrative(report, officer, {"activities": PAYLOAD, "results": PAYLOAD}) == {}
    typed = next(row for row in rows if row.source.value == "typed")
    note = FigureInput("3", "", PAYLOAD[:NOTE_MAX])
    assert save_figures(report, officer, rows, {typed.id: note}) == {}
    db.session.commit()
    return {
        "campaign_id": campaign.id,
        "unit_id": district.id,
        "event_id": event.id,
        "user_id": officer.id,
        "contact_id": contact.id,
        "group_id": group.id,
        "invitee_id": invitee.id,
        "invitation_id": invitee.invitations[0].id,
        "item_id": item.id,
        "template_id": campaign.report_template.id,
        "report_id": report.id,
        "school": school,
        "admin": admin,
        "officer": officer,
        "tokens": {
            "public.invitation": invitee.token,
            "public.qr": invitee.token,
            "venue.self_checkin": event.checkin_token,
            "venue.volunteer": link.token,
        },
    }


#: Values for a route's `<fmt>`.
FORMATS = {
    "schedule.schedule_export": ["docx", "pdf"],
    "schedule.program_export": ["docx", "pdf"],
    "public.qr": ["png", "svg"],
    "invitations.invitee_qr": ["png", "svg"],
}
#: Search boxes get the markup too.
QUERIES = {
    "checkin.search": {"q": SCRIPT},
    "invitations.event_contact_search": {"q": SCRIPT},
    "invitations.contacts": {"q": BREAKOUT},
}
#: GET routes the crawl does not fetch, and why.
NOT_CRAWLED = {
    "static": "files",
    "main.healthz": "no user text",
    "checkin.service_worker": "no user text",
    "auth.login": "signed in already",
    "jobs.progress": "no job is running",
    "jobs.download": "no job is running",
    "schedule.import_preview": "an upload of its own, below",
    "invitations.invitee_import_preview": "an upload of its own, below",
    "reports.template_import_preview": "an upload of its own (tests/test_hostile_uploads.py)",
}


def _urls(app, world) -> list[tuple[str, str]]:
    """(endpoint, url) for every GET page outside the API, its ids taken from `world`."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.startswith("api."):
            continue
        if rule.endpoint in NOT_CRAWLED:
            continue
        values: dict = {}
        for name in rule.arguments - {"fmt"}:
            known = world["tokens"] if name == "token" else world
            key = rule.endpoint if name == "token" else name
            assert key in known, (
                f"{rule.endpoint} needs a {name}: give the hostile world one, or list the page "
                "in NOT_CRAWLED with the reason"
            )
            values[name] = known[key]
        for fmt in FORMATS.get(rule.endpoint, [None]):
            if fmt:
                values["fmt"] = fmt
            urls.append(
                (rule.endpoint, url_for(rule.endpoint, **values, **QUERIES.get(rule.endpoint, {})))
            )
    return urls


def _assert_inert(endpoint: str, url: str, response) -> None:
    assert response.status_code < 500, (endpoint, url, response.status_code)
    if response.mimetype == "text/html":
        body = response.get_data(as_text=True)
        for raw in RAW:
            assert raw not in body, (endpoint, url, body[max(0, body.find(raw) - 200) :][:400])
    elif response.mimetype == "application/json":
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_no_page_shows_markup_as_markup(app, client, auth, db, hostile):
    auth.login(hostile["admin"])
    with app.test_request_context():
        urls = _urls(app, hostile)
    seen_payload = set()
    for endpoint, url in urls:
        response = client.get(url, headers={"Accept-Language": "vi"})
        _assert_inert(endpoint, url, response)
        if response.mimetype == "text/html" and "&lt;script&gt;alert(1)&lt;/script&gt;" in (
            response.get_data(as_text=True)
        ):
            seen_payload.add(endpoint)
        if response.mimetype == "text/html":
            # The htmx version of a page, when it has one, is the same text.
            fragment = client.get(url, headers={"HX-Request": "true"})
            _assert_inert(endpoint, url, fragment)
    # The crawl reached the pages that show the hostile text (escaped).
    expected = {
        "schedule.schedule",
        "schedule.event",
        "schedule.program",
        "invitations.event_invitees",
        "checkin.dashboard",
        "checkin.mc",
        "checkin.scanner",
        "reports.report",
        "reports.template",
        "units.units",
        "units.users",
        "main.dashboard",
    }
    assert expected <= seen_payload, sorted(expected - seen_payload)


def test_public_pages_show_markup_as_text(app, client, hostile):
    """The invitation, the poster's self check-in and a volunteer's page, signed out."""
    with app.test_request_context():
        urls = [
            url_for("public.invitation", token=hostile["tokens"]["public.invitation"]),
            url_for("venue.self_checkin", token=hostile["tokens"]["venue.self_checkin"]),
            url_for("venue.volunteer", token=hostile["tokens"]["venue.volunteer"]),
        ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_inert("public", url, response)
        assert "&lt;script&gt;" in response.get_data(as_text=True), url


def test_import_previews_show_pasted_markup_as_text(client, auth, db, hostile):
    auth.login(hostile["admin"])
    cell = PAYLOAD.replace("\t", " ")
    # Messages quote what was typed: a time that is not one, a TT used twice, a rank.
    pasted = {
        f"/campaigns/{hostile['campaign_id']}/import": "TT\tGiờ\tNgày\tĐơn vị\tNội dung\n"
        f"{SHORT}\t8h30\t02/10/2024\t{cell}\t{cell}\n"
        f"{SHORT}\t{SCRIPT}\t{SCRIPT}\t{cell}\t{cell}\n",
        f"/events/{hostile['event_id']}/program/import": "STT\tThời gian\tNội dung\tThực hiện\n"
        f"1\t7h00-7h30\t{cell}\t{cell[:400]}\n"
        f"2\t{SCRIPT}\t{cell}\t{cell[:400]}\n",
        f"/events/{hostile['event_id']}/invitees/import": "Họ và tên\tChức vụ\tĐơn vị\t"
        "Điện thoại\tEmail\tThứ tự\n"
        f"{cell[:200]}\t{cell[:300]}\t{cell[:300]}\t{SCRIPT}\t{SCRIPT}\t{SCRIPT}\n",
    }
    for url, text in pasted.items():
        response = client.post(url, data={"pasted": text})
        assert response.status_code == 303, url
        preview = client.get(response.headers["Location"])
        _assert_inert(url, response.headers["Location"], preview)
        assert "&lt;script&gt;" in preview.get_data(as_text=True)


def test_the_invitation_email_shows_markup_as_text(app, db, hostile):
    from app.invitations.mailer import build_message

    invitee = db.session.get(Invitee, hostile["invitee_id"])
    message = build_message(invitee, list(invitee.invitations), "https://x.example/i/t", PAYLOAD)
    html = next(part for part in message.walk() if part.get_content_type() == "text/html")
    body = html.get_content()
    for raw in RAW:
        assert raw not in body
    assert re.search(r"&lt;script&gt;alert\(1\)&lt;/script&gt;", body)


def test_the_crawl_covers_every_page(app, hostile):
    """A new GET page is crawled or listed in NOT_CRAWLED with a reason."""
    with app.test_request_context():
        crawled = {endpoint for endpoint, _url in _urls(app, hostile)}
    pages = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.endpoint.startswith("api.")
    }
    assert pages == crawled | set(NOT_CRAWLED)
    assert Report and Contact  # the models the fixture fills, imported for their columns

"""The permission matrix: every route of the URL map × every kind of visitor → allowed or refused.

It is generated from `app.url_map`, so a new route is covered without anyone remembering it:
a route whose URL has a parameter PARAMS does not know, or whose endpoint is in neither PUBLIC
nor KINDS, fails the test with what to add.

The world: a province → districts A and B, a school under A; a campaign launched by the
province; events hosted by A and by the school. Every URL points at an object of district A
(its event, invitee, group, report …). The visitors: anonymous, and each role at A (own unit),
at the province (the unit above A), at the school (a unit below A) and at B (a sibling).

Each answer is sorted into a class and compared with the rules: allowed (2xx, 3xx, or a
400/409/413/422 from validation: past the permission check), 403, 404, or "sign in first" (a
redirect to the sign-in page, 401 for the API). A 5xx is always a failure. A route answering
an anonymous visitor without being in PUBLIC fails; so does any answer to an anonymous
visitor, check-in staff or a report officer that holds a phone or an e-mail of the world.
Every failure is reported at once, with the endpoint, the visitor and the status.

One world serves all the requests: reads first, then writes; a route that removes what it acts
on gets an object of its own (FRESH), and a write that changes what later requests rely on
fails the test, naming itself. Run with -s for the figures (routes, answers checked).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.checkin import tokens
from app.checkin.models import CheckinLink, CheckInMethod, Headcount
from app.checkin.services import Actor, check_in_invitee, new_link_token, record_headcount, utcnow
from app.invitations.groups import save_group
from app.invitations.models import Contact, Invitation, Invitee, InviteeGroup
from app.invitations.services import PersonData, format_phone, invite, save_contact
from app.jobs.models import Job, JobState
from app.reports.models import Report, ReportRow, ReportTemplate, RowSource
from app.reports.services import get_or_create_report
from app.reports.template_routes import UPLOAD_KIND as TEMPLATE_UPLOAD
from app.reports.template_xlsx import template_xlsx
from app.schedule.import_service import keep_upload
from app.schedule.models import Campaign, Event, EventKind, ProgramItem
from app.units.models import Role, Unit, UnitKind, User
from tests.conftest import _TOKEN_PATTERNS, TEST_PASSWORD

# --- Visitors -------------------------------------------------------------------------------

PROVINCE, DISTRICT, SCHOOL, SIBLING = "province", "district", "school", "sibling"
#: Where a visitor's unit stands relative to district A, which owns every object in the URLs.
PLACES = (PROVINCE, DISTRICT, SCHOOL, SIBLING)
ROLES = tuple(Role)

ADMIN, ORGANISER, CHECKIN_STAFF, REPORT_OFFICER = (
    Role.ADMIN,
    Role.ORGANISER,
    Role.CHECKIN_STAFF,
    Role.REPORT_OFFICER,
)
EVERYWHERE = frozenset(PLACES)
#: A's own users and the users of the unit above it: the ones who see A's objects.
A_AND_ABOVE = frozenset({PROVINCE, DISTRICT})
EDITORS = frozenset({ADMIN, ORGANISER})
CHECKERS = frozenset({ADMIN, ORGANISER, CHECKIN_STAFF})
REPORTERS = frozenset({ADMIN, REPORT_OFFICER})

# --- What a visitor gets ------------------------------------------------------------------

OK, FORBIDDEN, MISSING, SIGN_IN = "allowed", "403", "404", "sign in"


@dataclass(frozen=True)
class Expect:
    """Who gets what on one kind of route (the objects in the URL belong to district A)."""

    #: Places whose users reach the object; anybody else gets 404.
    reach: frozenset = A_AND_ABOVE
    #: Roles allowed on a reached object; the other roles get 403.
    roles: frozenset = frozenset(ROLES)
    #: Places (among `reach`) where those roles may act; elsewhere 403.
    act_at: frozenset = EVERYWHERE
    #: Roles checked before the object is even looked up (admin pages): others 403 anywhere.
    gate: frozenset = frozenset(ROLES)
    #: For one user's own things (jobs, uploads): (role, place) of the owner; others get 404.
    owner: tuple | None = None
    #: What an anonymous visitor gets.
    anonymous: str = SIGN_IN

    def outcome(self, role: Role | None, place: str | None) -> str:
        if role is None:
            return self.anonymous
        if role not in self.gate:
            return FORBIDDEN
        if self.owner is not None:
            return OK if (role, place) == self.owner else MISSING
        if place not in self.reach:
            return MISSING
        if role not in self.roles or place not in self.act_at:
            return FORBIDDEN
        return OK


#: Reachable without an account. Nothing else may be: a route answering an anonymous visitor
#: with anything but "sign in" or 404 fails the test until it is added here.
PUBLIC = {
    "main.healthz",
    "auth.login",
    "auth.language",
    "public.invitation",
    "public.qr",
    "public.rsvp",
    "venue.self_checkin",
    "venue.volunteer",
    "venue.volunteer_name",
    "venue.volunteer_scan",
    "checkin.service_worker",
    "api.openapi",
}
PUBLIC_EXPECT = Expect(reach=EVERYWHERE, anonymous=OK)

#: Every other route, by kind: what it is, who gets in, and its endpoints.
KINDS: list[tuple[str, Expect, set[str]]] = [
    (
        "one's own pages and the lists every signed-in user has",
        Expect(reach=EVERYWHERE),
        {
            "main.dashboard",
            "auth.password",
            "auth.logout",
            "checkin.api_tokens",
            "schedule.campaigns",
            "reports.index",
            "reports.templates",
            "reports.template",
            "reports.template_download",
            "api.campaigns",
        },
    ),
    (
        "the province's campaign: seen by every unit taking part",
        Expect(reach=EVERYWHERE),
        {
            "schedule.schedule",
            "schedule.archived",
            "schedule.schedule_export",
            "reports.my_dashboard",
            "reports.my_report",
            "api.campaign_events",
        },
    ),
    (
        "the campaign's own settings: organisers of the unit that launched it",
        Expect(reach=EVERYWHERE, roles=EDITORS, act_at=frozenset({PROVINCE})),
        {"schedule.campaign_edit"},
    ),
    (
        "new campaigns, events in a visible campaign, the unit's contact book: organisers",
        Expect(reach=EVERYWHERE, roles=EDITORS),
        {
            "schedule.campaign_new",
            "schedule.campaign_copy",
            "schedule.event_new",
            "schedule.event_create",
            "schedule.schedule_import",
            "invitations.contacts",
            "invitations.contact_create",
            "api.create_event",
        },
    ),
    (
        "an event of A: seen by A and the units above",
        Expect(),
        {
            "schedule.event",
            "schedule.event_row",
            "schedule.program",
            "schedule.program_export",
            "checkin.attendance_xlsx",
            "checkin.dashboard",
            "checkin.dashboard_numbers",
            "checkin.mc",
            "checkin.mc_list",
            "api.event_totals",
        },
    ),
    (
        "an event of A: changed by organisers of A and of the units above",
        Expect(roles=EDITORS),
        {
            "schedule.event_edit",
            "schedule.event_update",
            "schedule.event_delete",
            "schedule.event_delete_confirm",
            "schedule.event_restore",
            "schedule.event_copy",
            "schedule.program_add",
            "schedule.program_order",
            "schedule.program_import",
            "schedule.program_insert_form",
            "schedule.program_edit",
            "schedule.program_update",
            "schedule.program_delete",
            "schedule.program_move",
            "schedule.program_shift",
            "checkin.links",
            "checkin.link_create",
            "checkin.link_revoke",
            "checkin.walkin_settings",
            "checkin.code_display",
            "checkin.code_current",
            "reports.event_held",
        },
    ),
    (
        "A's invitees and contacts (phones, e-mails): organisers of A and of the units above",
        Expect(roles=EDITORS),
        {
            "invitations.event_invitees",
            "invitations.invitee_rows",
            "invitations.invitation_row",
            "invitations.invitation_actions",
            "invitations.group_create",
            "invitations.group_edit",
            "invitations.group_update",
            "invitations.group_delete",
            "invitations.group_delete_confirm",
            "invitations.group_restore",
            "invitations.archived",
            "invitations.invitee_new",
            "invitations.invitee_create",
            "invitations.invitee_add_existing",
            "invitations.invitee_edit",
            "invitations.invitee_update",
            "invitations.invitation_delete",
            "invitations.invitation_delete_confirm",
            "invitations.invitee_restore",
            "invitations.invitee_token",
            "invitations.invitee_link",
            "invitations.invitee_import",
            "invitations.event_email",
            "invitations.event_cards",
            "invitations.event_badges",
            "invitations.event_poster",
            "invitations.invitee_card",
            "invitations.invitee_badge",
            "invitations.invitee_letter",
            "invitations.invitee_qr",
            "invitations.contact_edit",
            "invitations.contact_update",
            "invitations.contact_row",
            "invitations.event_contact_search",
            "invitations.contact_invite",
            "api.add_invitees",
            "api.list_invitees",
        },
    ),
    (
        "check-in at an event of A: check-in staff and organisers of A and the units above",
        Expect(roles=CHECKERS),
        {
            "checkin.scanner",
            "checkin.scan",
            "checkin.search",
            "checkin.manual",
            "checkin.undo",
            "checkin.headcount_create",
            "checkin.headcount_update",
            "checkin.headcount_delete",
            "checkin.roster",
            "checkin.sync",
            "api.check_in",
            "api.check_in_batch",
            "api.add_headcount",
        },
    ),
    (
        "A's report: seen by A and the units above",
        Expect(),
        {
            "reports.report",
            "reports.dashboard",
            "reports.report_xlsx",
            "reports.report_docx",
            "reports.report_pdf",
        },
    ),
    (
        "A's report, and the date asked of the units below A: A's own report officers",
        Expect(roles=REPORTERS, act_at=frozenset({DISTRICT})),
        {
            "reports.save_table",
            "reports.save_text",
            "reports.submit_report",
            "reports.deadline_for_units_below",
        },
    ),
    (
        "A's report: accepted or returned by the report officers of the unit above",
        Expect(roles=REPORTERS, act_at=frozenset({PROVINCE})),
        {"reports.accept_report", "reports.send_back"},
    ),
    (
        "unit A and its accounts: administrators of A and of the units above",
        Expect(gate=frozenset({ADMIN})),
        {
            "units.unit_row",
            "units.unit_edit",
            "units.unit_update",
            "units.unit_delete",
            "units.user_row",
            "units.user_edit",
            "units.user_update",
        },
    ),
    (
        "unit A's audit trail: administrators of A and of the units above",
        Expect(roles=frozenset({ADMIN})),
        {"audit.log", "audit.log_csv"},
    ),
    (
        "the administrator's own subtree, and importing a statistics template: administrators",
        Expect(gate=frozenset({ADMIN}), reach=EVERYWHERE),
        {
            "units.units",
            "units.unit_new",
            "units.unit_create",
            "units.users",
            "units.user_new",
            "units.user_create",
            "reports.template_import",
        },
    ),
    (
        "the shared default statistics template: administrators of the top-level unit manage it",
        Expect(gate=frozenset({ADMIN}), reach=EVERYWHERE, act_at=frozenset({PROVINCE})),
        {"reports.template_make_default", "reports.template_delete"},
    ),
    (
        "one user's jobs, uploads and API tokens: that user only (A's organiser)",
        Expect(owner=(ORGANISER, DISTRICT)),
        {
            "jobs.progress",
            "jobs.download",
            "schedule.import_preview",
            "schedule.import_confirm",
            "invitations.invitee_import_preview",
            "invitations.invitee_import_confirm",
            "checkin.api_token_revoke",
        },
    ),
    (
        "an administrator's template upload: that administrator only (A's)",
        Expect(gate=frozenset({ADMIN}), owner=(ADMIN, DISTRICT)),
        {"reports.template_import_preview", "reports.template_import_confirm"},
    ),
    (
        "the API's catch-all: 404 (or 405) for everyone, before any token is read",
        Expect(reach=frozenset(), anonymous=MISSING),
        {"api.unknown"},
    ),
]


# --- The world --------------------------------------------------------------------------

PHONES = ("0915864273", "0978123064", "0203946175")
EMAILS = ("dai.bieu@example.vn", "danh.ba@example.vn")


@dataclass
class World:
    """District A's objects by name, as ids and tokens (plain values: a route may remove the
    object behind one), the visitors' accounts and the world's personal data."""

    db: object
    ids: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    #: (role, place) → the account's e-mail and the account's API token.
    emails: dict = field(default_factory=dict)
    api_tokens: dict = field(default_factory=dict)
    #: Phones and e-mails of invitees and contacts: never on a public page, and shown to
    #: organisers only.
    personal: list = field(default_factory=list)
    n: int = 0

    def get(self, model, name: str):
        return self.db.session.get(model, self.ids[name])

    def _next(self) -> int:
        self.n += 1
        return self.n

    # Objects of their own for the routes that remove or spend what they act on (FRESH).

    def fresh_event(self) -> int:
        campaign = self.get(Campaign, "campaign")
        event = Event(
            campaign=campaign,
            unit=self.get(Unit, "district"),
            kind=EventKind.ACTIVITY,
            title=f"Hoạt động để xoá {self._next()}",
            date=campaign.start_date,
        )
        self.db.session.add(event)
        self.db.session.commit()
        return event.id

    def fresh_item(self) -> int:
        item = ProgramItem(event_id=self.ids["event"], position=100 + self._next(), content="Múa")
        self.db.session.add(item)
        self.db.session.commit()
        return item.id

    def fresh_group(self) -> int:
        group = save_group(None, self.get(Event, "event"), f"Nhóm {self._next()}", 5)
        self.db.session.commit()
        return group.id

    def _fresh_invitee(self) -> Invitee:
        person = PersonData(f"Khách mời {self._next()}")
        invitee = invite(self.get(Event, "event"), self.get(Unit, "district"), person)
        self.db.session.commit()
        return invitee

    def fresh_invitee(self) -> int:
        return self._fresh_invitee().id

    def fresh_invitation(self) -> int:
        return self._fresh_invitee().invitations[0].id

    def fresh_link(self) -> int:
        link = make_link(self.db, self.ids["event"], f"Cổng {self._next()}")
        self.db.session.commit()
        return link.id

    def fresh_headcount(self) -> int:
        organiser = self.get(User, "organiser")
        event = self.get(Event, "event")
        headcount = record_headcount(event, f"Lớp {self._next()}", 30, Actor(user=organiser))
        self.db.session.commit()
        return headcount.id


def make_link(db, event_id: int, label: str) -> CheckinLink:
    """A volunteer's link that works now."""
    now = utcnow()
    link = CheckinLink(
        event_id=event_id,
        token=new_link_token(),
        label=label,
        valid_from=now - dt.timedelta(hours=1),
        valid_until=now + dt.timedelta(hours=2),
    )
    db.session.add(link)
    db.session.flush()
    return link


def build_world(db, factories) -> World:
    province = factories.make_unit(
        name="Sở GD&ĐT Bắc Kạn", kind=UnitKind.PROVINCIAL_DEPARTMENT, code="SO-BK"
    )
    district = factories.make_unit(
        province, name="Phòng GD&ĐT Bạch Thông", kind=UnitKind.DISTRICT_OFFICE, code="PGD-BT"
    )
    sibling = factories.make_unit(
        province, name="Phòng GD&ĐT Chợ Đồn", kind=UnitKind.DISTRICT_OFFICE, code="PGD-CD"
    )
    school = factories.make_unit(district, name="Trường THCS Phủ Thông", code="THCS-PT")
    w = World(db)
    users = {}
    units = {PROVINCE: province, DISTRICT: district, SCHOOL: school, SIBLING: sibling}
    for place, unit in units.items():
        for role in ROLES:
            user = factories.make_user(unit, role, email=f"{role.value}.{place}@example.vn")
            users[role, place] = user
            w.emails[role, place] = user.email
            w.api_tokens[role, place] = tokens.create_token(user, "matrix")[1]
    target_user = factories.make_user(district, Role.CHECKIN_STAFF, email="tnv@example.vn")
    organiser = users[ORGANISER, DISTRICT]
    spare_token = tokens.create_token(organiser, "spare")[0]

    # A short statistics template: the report's exports are read by many visitors.
    template = ReportTemplate(name="Mẫu tổng hợp rút gọn", is_default=True)
    opening = ReportRow(
        position=1,
        number="1",
        label="Tổ chức Lễ khai mạc",
        unit_of_measure="cuộc/người",
        source=RowSource.EVENTS,
        is_category=True,
    )
    typed = ReportRow(
        position=2, number="2", label="Tin, bài", unit_of_measure="tin, bài", source=RowSource.TYPED
    )
    template.rows.extend([opening, typed])
    # Today at the venues, so check-in is open and scans reach the person.
    today = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    campaign = Campaign(
        unit=province,
        name=f"Tuần lễ hưởng ứng học tập suốt đời năm {today.year}",
        year=today.year,
        start_date=today,
        end_date=today + dt.timedelta(days=6),
        report_deadline=today + dt.timedelta(days=14),
        report_template=template,
    )
    db.session.add(campaign)
    db.session.commit()
    event = factories.make_event(
        campaign,
        district,
        report_row=opening,
        kind=EventKind.OPENING,
        title="Lễ khai mạc Tuần lễ",
        date=today,
        start_time=None,
        checkin_token="poster-" + "p" * 32,
    )
    school_event = factories.make_event(campaign, school, title="Ngày hội đọc sách")
    item = factories.make_item(event, "Đón tiếp đại biểu", dt.time(7), dt.time(7, 30))

    group = save_group(None, event, "Đại biểu cấp huyện", 10)
    contact = save_contact(
        None,
        district,
        PersonData("Hoàng Văn Danh", "Chủ tịch", "Hội Khuyến học", PHONES[1], EMAILS[1]),
    )
    person = PersonData(
        "Nguyễn Duy Luân", "Phó Chủ tịch", "UBND huyện", PHONES[0], EMAILS[0], protocol_rank=1
    )
    invitee = invite(event, district, person, group=group)
    invite(school_event, school, PersonData("Lê Thị Trường", phone=PHONES[2]))
    actor = Actor(user=organiser)
    checkin = check_in_invitee(event, invitee, actor, method=CheckInMethod.SCAN, override=True)
    headcount = record_headcount(event, "Lớp 6A", 35, actor)
    link = make_link(db, event.id, "Cổng chính")
    report = get_or_create_report(campaign, district)
    job = Job(
        token="job-" + "j" * 40,
        kind="invitations.cards",
        user_id=organiser.id,
        state=JobState.DONE,
        result=b"%PDF-1.4 test",
        result_name="the.pdf",
        result_mimetype="application/pdf",
    )
    db.session.add(job)
    runsheet = "STT\tThời gian\tNội dung\tThực hiện\n1\t7h00 - 7h30\tĐón tiếp đại biểu\tBTC\n"
    people = "Họ và tên\tChức vụ\tĐơn vị\tNhóm\nTrần Văn Mới\tHiệu trưởng\tTrường TH\tKhách mời\n"
    uploads = {
        "runsheet upload": keep_upload(organiser, "runsheet", event.id, "", None, runsheet),
        "invitee upload": keep_upload(organiser, "invitees", event.id, "", None, people),
        "template upload": keep_upload(
            users[ADMIN, DISTRICT], TEMPLATE_UPLOAD, 0, "mau.xlsx", template_xlsx(template), None
        ),
    }
    db.session.commit()

    named = {
        "province": province,
        "district": district,
        "campaign": campaign,
        "template": template,
        "event": event,
        "item": item,
        "group": group,
        "contact": contact,
        "invitee": invitee,
        "invitation": invitee.invitations[0],
        "checkin": checkin.checkin,
        "headcount": headcount,
        "link": link,
        "report": report,
        "job": job,
        "target user": target_user,
        "organiser": organiser,
        "spare api token": spare_token,
    }
    w.ids = {name: obj.id for name, obj in named.items()}
    w.tokens = {name: upload.token for name, upload in uploads.items()}
    w.tokens.update(invitee=invitee.token, link=link.token, job=job.token)
    w.tokens["poster"] = event.checkin_token
    w.personal = [*PHONES, *(format_phone(p) for p in PHONES), *EMAILS]
    return w


def _by_endpoint(table: dict):
    """A parameter whose meaning depends on the route: {endpoint: value(world)}."""

    def pick(world: World, endpoint: str):
        return table[endpoint](world) if endpoint in table else None

    pick.by_endpoint = True
    return pick


def _id(name: str):
    return lambda w: w.ids[name]


def _secret(name: str):
    return lambda w: w.tokens[name]


#: URL parameter → its value in the world: value(world), or _by_endpoint({...}) for a
#: parameter whose meaning depends on the route (a token).
PARAMS = {
    "campaign_id": _id("campaign"),
    "event_id": _id("event"),
    "unit_id": _id("district"),
    "user_id": _id("target user"),
    "invitee_id": _id("invitee"),
    "invitation_id": _id("invitation"),
    "group_id": _id("group"),
    "contact_id": _id("contact"),
    "checkin_id": _id("checkin"),
    "headcount_id": _id("headcount"),
    "link_id": _id("link"),
    "item_id": _id("item"),
    "template_id": _id("template"),
    "token_id": _id("spare api token"),
    "direction": lambda w: "down",
    "action": lambda w: "reissue",
    "lang": lambda w: "vi",
    "rest": lambda w: "no-such-thing",
    "token": _by_endpoint(
        {
            "public.invitation": _secret("invitee"),
            "public.qr": _secret("invitee"),
            "public.rsvp": _secret("invitee"),
            "venue.self_checkin": _secret("poster"),
            "venue.volunteer": _secret("link"),
            "venue.volunteer_name": _secret("link"),
            "venue.volunteer_scan": _secret("link"),
            "jobs.progress": _secret("job"),
            "jobs.download": _secret("job"),
            "schedule.import_preview": _secret("runsheet upload"),
            "schedule.import_confirm": _secret("runsheet upload"),
            "invitations.invitee_import_preview": _secret("invitee upload"),
            "invitations.invitee_import_confirm": _secret("invitee upload"),
            "reports.template_import_preview": _secret("template upload"),
            "reports.template_import_confirm": _secret("template upload"),
        }
    ),
    "fmt": _by_endpoint(
        {
            "schedule.schedule_export": lambda w: "docx",
            "schedule.program_export": lambda w: "docx",
            "invitations.invitee_qr": lambda w: "svg",
            "public.qr": lambda w: "svg",
        }
    ),
}

#: Query arguments some routes need.
QUERY = {
    "invitations.invitee_edit": lambda w: {"event": w.ids["event"]},
    "invitations.invitee_update": lambda w: {"event": w.ids["event"]},
    "invitations.invitee_token": lambda w: {"event": w.ids["event"]},
    # Searches that find someone, so what they show of a person is checked.
    "checkin.search": lambda w: {"q": "Nguyễn"},
    "invitations.contacts": lambda w: {"q": "Hoàng"},
    "invitations.event_contact_search": lambda w: {"q": "Hoàng"},
}

#: Form fields some POSTs get (the others get an empty form: permission comes first), so the
#: answers that show a person are checked for their phone and e-mail too.
FORMS = {
    "checkin.scan": lambda w: {"code": w.tokens["invitee"]},
    "venue.volunteer_scan": lambda w: {"code": w.tokens["invitee"]},
    "public.rsvp": lambda w: {"invitation": w.ids["invitation"], "answer": "yes"},
}

#: Routes that remove or spend what they act on get an object of their own per request, so
#: the world stays whole for the next visitor. (A route that changes the world without being
#: listed here fails the test, naming itself.)
FRESH = {
    "schedule.event_delete": {"event_id": World.fresh_event},
    "schedule.program_delete": {"item_id": World.fresh_item},
    "invitations.group_delete": {"group_id": World.fresh_group},
    "invitations.invitation_delete": {"invitation_id": World.fresh_invitation},
    "invitations.invitee_token": {"invitee_id": World.fresh_invitee},
    "checkin.link_revoke": {"link_id": World.fresh_link},
    "checkin.headcount_delete": {"headcount_id": World.fresh_headcount},
}

SKIPPED = {"static"}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def fingerprint(w: World) -> dict:
    """What the next requests rely on. Uploads are left out: a confirmed import spends its
    upload, by design, and only their owner reaches them."""
    w.db.session.expire_all()
    invitee = w.get(Invitee, "invitee")
    link = w.get(CheckinLink, "link")
    headcount = w.get(Headcount, "headcount")
    present = {
        name: w.get(model, name) is not None
        for name, model in {
            "event": Event,
            "item": ProgramItem,
            "group": InviteeGroup,
            "invitation": Invitation,
            "contact": Contact,
            "report": Report,
            "template": ReportTemplate,
            "job": Job,
        }.items()
    }
    return {
        **present,
        "invitee's token": invitee.token if invitee else None,
        "link works": link is not None and link.revoked_at is None,
        "headcount counts": headcount is not None and headcount.removed_at is None,
        "accounts": [
            (u.active, u.session_version, u.role, u.unit_id)
            for u in w.db.session.scalars(select(User).order_by(User.id))
        ],
    }


# --- Requests ------------------------------------------------------------------------------


@dataclass
class Visitor:
    role: Role | None
    place: str | None
    client: object
    email: str | None = None
    api_token: str | None = None
    csrf: str = ""

    @property
    def name(self) -> str:
        return "anonymous" if self.role is None else f"{self.role.value} of {self.place}"


def _csrf_from(html: str) -> str:
    for pattern in _TOKEN_PATTERNS:
        match = pattern.search(html)
        if match:
            return match.group(1)
    raise AssertionError("no CSRF token on the page")


def sign_in(visitor: Visitor, world: World) -> None:
    client = visitor.client
    if visitor.email is not None:
        token = _csrf_from(client.get("/login").get_data(as_text=True))
        response = client.post(
            "/login",
            data={"email": visitor.email, "password": TEST_PASSWORD, "csrf_token": token},
        )
        assert response.status_code == 302, f"{visitor.name} could not sign in"
        visitor.csrf = _csrf_from(client.get("/").get_data(as_text=True))
    else:
        visitor.csrf = _csrf_from(client.get("/login").get_data(as_text=True))
    # A volunteer's name, as the link's first page asks it, so the scan route can be reached.
    with client.session_transaction() as session:
        session[f"volunteer_name_{world.ids['link']}"] = "Tình nguyện viên"


def csrf_refusals(app) -> tuple[str, ...]:
    """The CSRF refusal's message in every language, to tell it from a form's own 400."""
    messages = []
    for locale in app.config["LANGUAGES"]:
        with app.test_request_context(), force_locale(locale):
            messages.append(_("The form expired. Reload the page and try again."))
    return tuple(messages)


def classify(response, csrf_messages: tuple[str, ...]) -> str:
    status = response.status_code
    if status >= 500:
        return f"ERROR {status}"
    if status == 401:
        return SIGN_IN
    if status in (301, 302, 303, 307, 308):
        target = urlsplit(response.headers.get("Location", ""))
        # Flask-Login's redirect: to the sign-in page, with where to come back to.
        if target.path == "/login" and "next=" in target.query:
            return SIGN_IN
        return OK
    if status == 403:
        return FORBIDDEN
    if status in (404, 405):
        return MISSING
    if status == 400 and any(m in response.get_data(as_text=True) for m in csrf_messages):
        return "CSRF refused"
    if status < 400 or status in (400, 409, 413, 422):
        return OK
    return f"unexpected {status}"


def body_text(response) -> str:
    """The answer as text, including what is inside .xlsx and .docx files (PDFs: not read)."""
    data = response.get_data()
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return "".join(
                    archive.read(name).decode("utf-8", "replace")
                    for name in archive.namelist()
                    if name.endswith(".xml")
                )
        except zipfile.BadZipFile:
            return ""
    if data[:4] == b"%PDF" or response.mimetype.startswith("image/png"):
        return ""
    return data.decode("utf-8", "replace")


def expectation(endpoint: str) -> Expect | None:
    if endpoint in PUBLIC:
        return PUBLIC_EXPECT
    for _what, expect, endpoints in KINDS:
        if endpoint in endpoints:
            return expect
    return None


def build_url(rule, world: World, fresh: dict) -> tuple[str | None, str | None]:
    """The rule's URL with the world's ids; or (None, why) when a parameter is unknown."""
    values = dict(rule.defaults or {})
    for name in sorted(rule.arguments):
        if name in values:
            continue
        if name in fresh:
            values[name] = fresh[name](world)
            continue
        source = PARAMS.get(name)
        value = None
        if source is not None:
            by_endpoint = getattr(source, "by_endpoint", False)
            value = source(world, rule.endpoint) if by_endpoint else source(world)
        if value is None:
            return None, (
                f"{rule.endpoint} ({rule.rule}): add the URL parameter <{name}> to PARAMS in "
                f"tests/test_permission_matrix.py (an id or token of district A's object)"
            )
        values[name] = value
    built = rule.build(values, append_unknown=False)
    path = built[1] if isinstance(built, tuple) else built
    query = QUERY.get(rule.endpoint)
    if query:
        path += "?" + urlencode(query(world))
    return path, None


def send(visitor: Visitor, method: str, url: str, endpoint: str, form: dict):
    if endpoint.startswith("api."):
        headers = {}
        if visitor.api_token:
            headers["Authorization"] = f"Bearer {visitor.api_token}"
        body = {} if method == "GET" else {"json": {}}
        return visitor.client.open(url, method=method, headers=headers, **body)
    if method == "GET":
        return visitor.client.open(url, method=method)
    return visitor.client.open(
        url,
        method=method,
        data={"csrf_token": visitor.csrf, **form},
        headers={"X-CSRFToken": visitor.csrf},
    )


def rules_to_check(app):
    """(rule, method) pairs; reading first, then writes, each in URL order."""
    pairs = [
        (rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in SKIPPED
        for method in METHODS
        if method in rule.methods
    ]
    return sorted(pairs, key=lambda p: (p[1] != "GET", p[0].rule, p[1]))


@pytest.fixture
def matrix_app(app):
    """Jobs queued by the print routes are not run here (only whether they may be queued)."""
    inline = app.config.get("JOBS_INLINE", True)
    app.config["JOBS_INLINE"] = False
    yield app
    app.config["JOBS_INLINE"] = inline


def test_every_route_answers_every_visitor_as_the_rules_say(matrix_app, db, factories):
    app = matrix_app
    world = build_world(db, factories)
    visitors = [Visitor(None, None, app.test_client())]
    for place in PLACES:
        for role in ROLES:
            visitors.append(
                Visitor(
                    role,
                    place,
                    app.test_client(),
                    world.emails[role, place],
                    world.api_tokens[role, place],
                )
            )
    for visitor in visitors:
        sign_in(visitor, world)
    csrf_messages = csrf_refusals(app)

    problems: list[str] = []
    unknown: list[str] = []
    routes = set()
    checked = 0
    reachable_anonymously = set()
    personal = world.personal
    before = fingerprint(world)

    for rule, method in rules_to_check(app):
        endpoint = rule.endpoint
        expect = expectation(endpoint)
        if expect is None:
            unknown.append(
                f"{endpoint} ({method} {rule.rule}): add it to PUBLIC or to a kind in KINDS in "
                f"tests/test_permission_matrix.py, with who may use it"
            )
            continue
        routes.add(rule.rule)
        for visitor in visitors:
            url, why = build_url(rule, world, FRESH.get(endpoint, {}))
            if url is None:
                unknown.append(why)
                break
            form = FORMS[endpoint](world) if endpoint in FORMS and method != "GET" else {}
            response = send(visitor, method, url, endpoint, form)
            checked += 1
            got = classify(response, csrf_messages)
            wanted = expect.outcome(visitor.role, visitor.place)
            where = f"{method} {url} [{endpoint}] as {visitor.name}"
            if got != wanted:
                problems.append(f"{where}: expected {wanted}, got {got} ({response.status_code})")
            if visitor.role is None and got == OK:
                reachable_anonymously.add(endpoint)
            text = None
            if visitor.role is None or visitor.role not in EDITORS:
                text = body_text(response)
                leaked = [item for item in personal if item in text]
                if leaked:
                    problems.append(f"{where}: shows personal data {leaked}")
            response.close()
            if endpoint == "auth.logout" and visitor.email is not None:
                sign_in(visitor, world)
            if method != "GET" and got == OK and endpoint not in FRESH:
                after = fingerprint(world)
                if after != before:
                    changed = [key for key in before if before[key] != after[key]]
                    problems.append(
                        f"{where} changed the shared world ({', '.join(changed)}): add it to "
                        f"FRESH so it acts on an object of its own"
                    )
                    before = after

    hidden_public = reachable_anonymously - PUBLIC
    assert not unknown, "Routes the matrix does not know:\n" + "\n".join(sorted(set(unknown)))
    assert not hidden_public, "Reachable without signing in but not listed in PUBLIC: " + ", ".join(
        sorted(hidden_public)
    )
    assert not problems, f"{len(problems)} of {checked} answers are wrong:\n" + "\n".join(problems)
    print(f"\npermission matrix: {len(routes)} routes, {checked} route × method × visitor answers")

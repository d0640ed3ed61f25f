"""The audit trail: changes made through the pages are recorded with who, what, when and from
where; secrets and personal data are kept out; undo, overrides and downloads show as such; the
unit's administrators read it (their subtree only), filter it and download it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import insert, select

from app.audit.models import AuditEvent
from app.checkin.models import CheckIn, CheckinLink, CheckInMethod
from app.checkin.services import Actor, check_in_invitee, utcnow
from app.invitations.services import PersonData, invite
from app.reports.services import get_or_create_report
from app.schedule.models import Event, EventKind
from app.units.models import Role, UnitKind
from tests.conftest import TEST_PASSWORD

VENUE_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
FROM_SCHOOL = {"REMOTE_ADDR": "203.0.113.7", "HTTP_USER_AGENT": "Mozilla/5.0 (Android 9) Zalo"}


def venue_today() -> dt.date:
    return dt.datetime.now(VENUE_TZ).date()


@pytest.fixture
def tree(make_unit):
    province = make_unit(name="Sở GD&ĐT Bắc Kạn", kind=UnitKind.PROVINCIAL_DEPARTMENT)
    district = make_unit(
        province, name="Phòng GD&ĐT huyện Bạch Thông", kind=UnitKind.DISTRICT_OFFICE
    )
    sibling = make_unit(province, name="Phòng GD&ĐT huyện Chợ Đồn", kind=UnitKind.DISTRICT_OFFICE)
    school = make_unit(district, name="Trường THCS Phủ Thông", kind=UnitKind.LOWER_SECONDARY)
    return {"province": province, "district": district, "sibling": sibling, "school": school}


@pytest.fixture
def campaign(tree, make_campaign):
    today = venue_today()
    return make_campaign(
        tree["province"],
        year=today.year,
        start_date=today - dt.timedelta(days=3),
        end_date=today + dt.timedelta(days=3),
    )


@pytest.fixture
def ceremony(campaign, tree, make_event):
    """Today's opening ceremony at the district, check-in open all day."""
    return make_event(
        campaign,
        tree["district"],
        kind=EventKind.OPENING,
        title="Lễ khai mạc Tuần lễ",
        date=venue_today(),
        start_time=dt.time(0, 30),
    )


@pytest.fixture
def admin(tree, make_user):
    return make_user(tree["district"], Role.ADMIN, name="Hoàng Văn Quản", locale="en")


@pytest.fixture
def organiser(tree, make_user):
    return make_user(tree["district"], Role.ORGANISER, name="Trần Minh Đức", locale="en")


def lines(db, **where) -> list[AuditEvent]:
    db.session.expire_all()
    query = select(AuditEvent).order_by(AuditEvent.id)
    for key, value in where.items():
        query = query.where(getattr(AuditEvent, key) == value)
    return list(db.session.scalars(query))


def event_form(unit, **overrides) -> dict:
    data = {
        "kind": "activity",
        "number": "3",
        "title": "Ngày hội đọc sách",
        "unit_id": unit.id,
        "co_host": "",
        "date": venue_today().strftime("%d/%m/%Y"),
        "start_time": "8h15",
        "end_time": "",
        "format": "in_person",
        "report_row_id": "0",
        "venue_name": "",
        "venue_address": "",
        "expected_attendance": "",
        "content": "",
        "notes": "",
    }
    data.update(overrides)
    return data


# --- recording ---------------------------------------------------------------------------


def test_creating_changing_and_deleting_an_event_records_who_what_when_and_where(
    client, auth, tree, campaign, organiser, db
):
    auth.login(organiser)
    client.environ_base.update(FROM_SCHOOL)
    before = utcnow() - dt.timedelta(seconds=1)

    client.post(f"/campaigns/{campaign.id}/events", data=event_form(tree["school"]), htmx=True)
    event = db.session.scalar(select(Event).where(Event.title == "Ngày hội đọc sách"))
    client.post(
        f"/events/{event.id}",
        data=event_form(tree["school"], title="Ngày hội đọc sách thiếu nhi", start_time="14h30"),
        htmx=True,
    )
    client.post(f"/events/{event.id}/delete", htmx=True)

    created, changed, deleted = lines(db, object_type="Event", object_id=event.id)
    assert [created.action, changed.action, deleted.action] == ["create", "update", "delete"]
    for line in (created, changed, deleted):
        assert line.user_id == organiser.id and line.actor == "Trần Minh Đức"
        assert line.actor_kind == "user"
        assert line.ip == "203.0.113.7" and "Android" in line.user_agent
        assert line.unit_id == tree["school"].id
        assert before <= line.at <= utcnow() + dt.timedelta(seconds=1)
    assert created.label == "Ngày hội đọc sách"
    assert created.changes["title"] == [None, "Ngày hội đọc sách"]
    assert changed.changes["title"] == ["Ngày hội đọc sách", "Ngày hội đọc sách thiếu nhi"]
    assert changed.changes["start_time"] == ["08:15", "14:30"]
    assert "number" not in changed.changes  # unchanged fields are left out
    assert deleted.label == "Ngày hội đọc sách thiếu nhi"
    assert deleted.changes["title"] == ["Ngày hội đọc sách thiếu nhi", None]


def test_a_refused_change_leaves_no_line(client, auth, tree, campaign, organiser, db):
    auth.login(organiser)
    response = client.post(
        f"/campaigns/{campaign.id}/events",
        data=event_form(tree["school"], start_time="9h", end_time="8h"),
        htmx=True,
    )
    assert response.status_code == 422
    assert lines(db, object_type="Event") == []


def test_a_password_change_records_that_it_changed_and_never_the_hash(client, auth, organiser, db):
    auth.login(organiser)
    response = client.post(
        "/account/password",
        data={"current": TEST_PASSWORD, "new": "mat-khau-moi-2024", "confirm": "mat-khau-moi-2024"},
    )
    assert response.status_code == 303
    (line,) = lines(db, object_type="User", object_id=organiser.id, action="update")
    assert line.changes == {"password_hash": None}  # changed, value not kept
    db.session.refresh(organiser)
    stored = json.dumps([line.changes for line in lines(db)])
    assert organiser.password_hash not in stored and "scrypt" not in stored
    assert "mat-khau-moi-2024" not in stored

    page = client.get(f"/units/{organiser.unit_id}/audit")
    assert page.status_code == 403  # organisers do not read the trail …


def test_sign_in_is_recorded(client, auth, admin, db):
    auth.login(admin)
    (line,) = lines(db, action="sign_in")
    assert line.user_id == admin.id and line.object_type == "User" and line.changes is None


def test_an_invitees_phone_and_email_are_masked(client, auth, tree, ceremony, organiser, db):
    invitee = invite(
        ceremony,
        tree["district"],
        PersonData("Nguyễn Duy Luân", phone="0912 345 678", email="luan@example.vn"),
    )
    db.session.commit()
    auth.login(organiser)
    response = client.post(
        f"/invitees/{invitee.id}?event={ceremony.id}",
        data={
            "full_name": "Nguyễn Duy Luân",
            "title": "Phó Chủ tịch UBND huyện",
            "organisation": "",
            "phone": "0987 654 999",
            "email": "duy.luan@example.vn",
            "protocol_rank": "",
            "notes": "",
            "group_id": "0",
        },
        htmx=True,
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    (line,) = lines(db, object_type="Invitee", action="update")
    assert line.changes["phone"] == ["•••••••678", "•••••••999"]
    assert line.changes["email"] == ["l•••@example.vn", "d•••@example.vn"]
    assert line.changes["title"] == ["", "Phó Chủ tịch UBND huyện"]
    everything = json.dumps([line.changes for line in lines(db)], ensure_ascii=False)
    for personal in ("0912345678", "0987654999", "luan@example.vn", "duy.luan@example.vn"):
        assert personal not in everything
    # The QR token set when the invitee was created is noted without its value.
    (created,) = lines(db, object_type="Invitee", action="create")
    assert created.changes["token"] is None and invitee.token not in everything


def test_a_check_in_and_its_undo_are_recorded(client, auth, tree, ceremony, make_user, db):
    chairman = invite(ceremony, tree["district"], PersonData("Nguyễn Duy Luân"))
    db.session.commit()
    staff = make_user(tree["district"], Role.CHECKIN_STAFF, name="Lý Thị Hoa")
    auth.login(staff)
    client.post(
        f"/events/{ceremony.id}/checkin/scan",
        data={"code": chairman.token, "device_id": "phone-1"},
        htmx=True,
    )
    checkin = db.session.scalar(select(CheckIn))
    client.post(f"/checkins/{checkin.id}/undo", htmx=True)

    created, undone = lines(db, object_type="CheckIn")
    assert (created.action, undone.action) == ("create", "undo")
    assert created.actor == undone.actor == "Lý Thị Hoa"
    assert created.label == undone.label == "Nguyễn Duy Luân · Lễ khai mạc Tuần lễ"
    assert created.unit_id == tree["district"].id
    assert set(undone.changes) == {"undone_at", "undone_by_id"}
    assert undone.changes["undone_by_id"] == [None, staff.id]


def test_a_volunteers_check_in_names_the_volunteer_and_the_link(app, tree, ceremony, organiser, db):
    chairman = invite(ceremony, tree["district"], PersonData("Nguyễn Duy Luân"))
    link = CheckinLink(
        event=ceremony,
        token="t" * 32,
        label="Cổng chính",
        valid_from=utcnow() - dt.timedelta(hours=1),
        valid_until=utcnow() + dt.timedelta(hours=5),
    )
    db.session.add(link)
    db.session.commit()
    with app.test_request_context("/c/x/scan", method="POST", environ_base=FROM_SCHOOL):
        actor = Actor(link=link, volunteer_name="Đinh Thu Trang", device_id="p")
        check_in_invitee(ceremony, chairman, actor, method=CheckInMethod.SCAN)
        db.session.commit()
    (line,) = lines(db, object_type="CheckIn")
    assert line.actor_kind == "volunteer" and line.user_id is None
    assert line.actor == "Đinh Thu Trang · Cổng chính"
    assert line.ip == "203.0.113.7"


def test_outside_a_request_the_actor_is_the_system(tree, ceremony, db):
    invite(ceremony, tree["district"], PersonData("Nguyễn Duy Luân"))
    db.session.commit()
    (line,) = lines(db, object_type="Invitee")
    assert (line.actor_kind, line.user_id, line.ip) == ("system", None, "")


def test_created_and_deleted_in_one_transaction_leaves_no_line(tree, ceremony, db):
    invitee = invite(ceremony, tree["district"], PersonData("Khách tạm"))
    db.session.flush()
    db.session.delete(invitee)
    db.session.commit()
    assert lines(db, object_type="Invitee") == []
    assert lines(db, object_type="Invitation") == []


def test_a_figure_override_is_recorded(client, auth, week, db):
    auth.login(week["officers"][week["school1"]])
    rows = week["rows"]
    life = rows["Giáo dục kỹ năng sống cho học sinh"].id
    articles = rows["Số tin, bài về các hoạt động của Tuần lễ"].id
    form = {f"n-{row.id}": "" for row in rows.values() if row.source.value in ("events", "typed")}
    form.update({f"p-{life}": "40", f"c-{articles}": "12"})
    url = f"/campaigns/{week['campaign'].id}/reports/{week['school1'].id}/figures"
    assert client.post(url, data=form).status_code == 302

    (override,) = lines(db, action="override")
    assert override.object_type == "ReportEntry"
    assert override.label == "Giáo dục kỹ năng sống cho học sinh"
    assert override.changes["persons_value"] == [None, 40]
    assert override.unit_id == week["school1"].id
    (typed,) = lines(db, object_type="ReportEntry", action="create")
    assert typed.changes["count_value"] == [None, 12]

    # Typing the derived value back clears the override: recorded as an override too.
    form[f"p-{life}"] = "38"
    client.post(url, data=form)
    cleared = lines(db, action="override")[-1]
    assert cleared.changes["persons_value"] == [40, None]


def test_submitting_a_report_is_recorded_as_such(client, auth, week, db):
    get_or_create_report(week["campaign"], week["school1"])
    db.session.commit()
    auth.login(week["officers"][week["school1"]])
    url = f"/campaigns/{week['campaign'].id}/reports/{week['school1'].id}/submit"
    client.post(url)
    (line,) = lines(db, action="submit")
    assert line.object_type == "Report" and line.changes["status"] == ["draft", "submitted"]


def test_downloads_are_recorded(client, auth, tree, ceremony, organiser, db):
    auth.login(organiser)
    assert client.get(f"/events/{ceremony.id}/program.docx").status_code == 200
    assert client.get(f"/events/{ceremony.id}/attendance.xlsx").status_code == 200
    program, attendance = lines(db, action="export")
    assert (program.object_type, program.object_id) == ("Event", ceremony.id)
    assert program.detail.endswith(".docx") and program.user_id == organiser.id
    assert attendance.detail.endswith(".xlsx") and attendance.unit_id == tree["district"].id


def test_the_posters_check_in_token_is_recorded_once_and_never_its_value(
    client, auth, tree, ceremony, organiser, db
):
    auth.login(organiser)
    client.environ_base.update(FROM_SCHOOL)
    for _ in range(2):  # printed again: the token exists, no new line
        assert client.get(f"/events/{ceremony.id}/poster.pdf").status_code == 200
    updates = lines(db, object_type="Event", object_id=ceremony.id, action="update")
    (made,) = [line for line in updates if "checkin_token" in line.changes]
    assert made.changes == {"checkin_token": None}
    assert made.user_id == organiser.id and made.unit_id == tree["district"].id
    token = db.session.get(Event, ceremony.id).checkin_token
    assert token and token not in json.dumps([line.changes for line in lines(db)])


def test_walk_in_settings_and_the_code_secret_are_recorded(
    client, auth, tree, ceremony, organiser, admin, db
):
    """The settings (old and new values) and the code's secret (changed, never its value);
    neither is an edit of the schedule (its time of last change stays)."""
    updated_at = ceremony.updated_at
    auth.login(organiser)
    client.environ_base.update(FROM_SCHOOL)
    url = f"/events/{ceremony.id}/walkin-settings"
    data = {"require_code": "y", "walkins_per_device": "3"}
    assert client.post(url, data=data).status_code == 303

    settings, secret = lines(db, object_type="Event", object_id=ceremony.id, action="update")
    assert (settings.action, secret.action) == ("update", "update")
    assert settings.changes == {"walkin_code_required": [False, True], "walkins_per_device": [1, 3]}
    assert secret.changes == {"walkin_code_secret": None}
    for line in (settings, secret):
        assert line.user_id == organiser.id and line.ip == "203.0.113.7"
        assert line.unit_id == tree["district"].id and line.label == "Lễ khai mạc Tuần lễ"
    event = db.session.get(Event, ceremony.id)
    assert event.walkin_code_secret and event.walkin_code_secret not in json.dumps(
        [line.changes for line in lines(db)]
    )
    assert event.updated_at == updated_at

    # Saved again as it is, and the code shown on a screen (the secret exists): no line.
    assert client.post(url, data=data).status_code == 303
    assert client.get(f"/events/{ceremony.id}/code").status_code == 200
    updates = lines(db, object_type="Event", object_id=ceremony.id, action="update")
    # The code page also makes the poster's check-in token (its own line).
    assert [sorted(line.changes) for line in updates] == [
        ["walkin_code_required", "walkins_per_device"],
        ["walkin_code_secret"],
        ["checkin_token"],
    ]

    auth.logout()
    auth.login(admin)
    html = client.get(f"/units/{tree['district'].id}/audit?object_type=Event").get_data(
        as_text=True
    )
    assert 'title="walkins_per_device"' in html and "1 → 3" in html
    assert 'title="walkin_code_secret"' in html


def test_the_code_secret_made_on_first_use_is_recorded_by_who_made_it(
    client, auth, tree, ceremony, organiser, db
):
    auth.login(organiser)
    assert client.get(f"/events/{ceremony.id}/code").status_code == 200
    token, secret = lines(db, object_type="Event", object_id=ceremony.id, action="update")
    assert secret.changes == {"walkin_code_secret": None} and secret.user_id == organiser.id
    assert token.changes == {"checkin_token": None} and token.user_id == organiser.id


def test_a_secret_made_meanwhile_elsewhere_is_kept_and_not_recorded_twice(ceremony, db):
    """Two first requests at once: the one whose conditional UPDATE finds the secret made
    already by the other reads that secret, and writes no line of its own."""
    from app.checkin import walkin_code

    with db.engine.begin() as other:  # another app process, between our read and our write
        other.execute(
            Event.__table__.update()
            .where(Event.__table__.c.id == ceremony.id)
            .values(walkin_code_secret="a" * 64)
        )
    assert ceremony.walkin_code_secret is None  # what this process read before
    assert walkin_code.ensure_secret(ceremony) == "a" * 64
    db.session.commit()
    assert lines(db, object_type="Event", object_id=ceremony.id, action="update") == []


def test_an_offline_roster_handed_to_a_phone_is_recorded(
    client, auth, tree, ceremony, make_user, admin, db
):
    invite(ceremony, tree["district"], PersonData("Nguyễn Duy Luân"))
    db.session.commit()
    staff = make_user(tree["district"], Role.CHECKIN_STAFF, name="Lý Thị Hoa")
    auth.login(staff)
    client.environ_base.update(FROM_SCHOOL)
    assert client.get(f"/events/{ceremony.id}/checkin/roster.json").status_code == 200
    [line] = lines(db, action="export")
    assert (line.object_type, line.object_id, line.user_id) == ("Event", ceremony.id, staff.id)
    assert line.ip == "203.0.113.7" and "Zalo" in line.user_agent
    assert line.detail.startswith("roster.json") and "1" in line.detail
    auth.logout()
    auth.login(admin)
    html = client.get(f"/units/{tree['district'].id}/audit?action=export").get_data(as_text=True)
    assert "roster.json" in html and "Lý Thị Hoa" in html


# --- the page ------------------------------------------------------------------------------


def add_lines(db, unit, n: int, **values) -> None:
    start = utcnow() - dt.timedelta(hours=1)
    db.session.execute(
        insert(AuditEvent),
        [
            {
                "at": start + dt.timedelta(seconds=i),
                "unit_id": unit.id,
                "action": values.get("action", "update"),
                "object_type": values.get("object_type", "Event"),
                "object_id": i + 1,
                "label": f"{values.get('label', 'Hoạt động')} {i + 1}",
                "actor": "Ai đó",
                "actor_kind": "user",
                "user_id": values.get("user_id"),
            }
            for i in range(n)
        ],
    )
    db.session.commit()


def labels_on(html: str) -> set[str]:
    return set(re.findall(r"<strong>([^<]+)</strong>", html))


def test_the_page_shows_the_unit_and_its_subtree_only(client, auth, tree, admin, db):
    add_lines(db, tree["district"], 1, label="Của huyện")
    add_lines(db, tree["school"], 1, label="Của trường")
    add_lines(db, tree["sibling"], 1, label="Của huyện bên cạnh")
    add_lines(db, tree["province"], 1, label="Của sở")
    auth.login(admin)
    html = client.get(f"/units/{tree['district'].id}/audit").get_data(as_text=True)
    assert labels_on(html) >= {"Của huyện 1", "Của trường 1"}
    assert "Của huyện bên cạnh" not in html and "Của sở" not in html
    html = client.get(f"/units/{tree['school'].id}/audit").get_data(as_text=True)
    assert "Của trường 1" in html and "Của huyện 1" not in html


@pytest.mark.parametrize(
    ("role", "place", "status"),
    [
        (Role.ADMIN, "district", 200),
        (Role.ADMIN, "province", 200),
        (Role.ADMIN, "sibling", 404),
        (Role.ADMIN, "school", 404),
        (Role.ORGANISER, "district", 403),
        (Role.REPORT_OFFICER, "province", 403),
        (Role.CHECKIN_STAFF, "sibling", 404),
    ],
)
def test_only_administrators_of_the_unit_and_above_read_it(
    client, auth, tree, make_user, role, place, status
):
    auth.login(make_user(tree[place], role))
    for path in ("audit", "audit.csv"):
        assert client.get(f"/units/{tree['district'].id}/{path}").status_code == status


def test_a_deleted_unit_stays_in_the_trail_of_the_unit_above(
    client, auth, tree, admin, make_unit, db
):
    empty = make_unit(tree["district"], name="Trường TH Mới")
    auth.login(admin)
    client.post(f"/admin/units/{empty.id}/delete", htmx=True)
    (line,) = lines(db, object_type="Unit", action="delete")
    assert line.unit_id == tree["district"].id and line.label == "Trường TH Mới"
    html = client.get(f"/units/{tree['district'].id}/audit?action=delete").get_data(as_text=True)
    assert "Trường TH Mới" in html


def test_anonymous_visitors_are_sent_to_sign_in(client, tree):
    response = client.get(f"/units/{tree['district'].id}/audit")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_units_page_links_to_the_trail(client, auth, tree, admin):
    auth.login(admin)
    html = client.get("/admin/units").get_data(as_text=True)
    assert f'href="/units/{tree["district"].id}/audit"' in html


def test_filters(client, auth, tree, admin, organiser, db):
    add_lines(db, tree["district"], 2, action="delete", label="Đã xóa")
    add_lines(db, tree["district"], 2, action="update", object_type="Invitee", label="Khách")
    add_lines(db, tree["district"], 1, action="update", label="Của Đức", user_id=organiser.id)
    old = utcnow() - dt.timedelta(days=40)
    db.session.execute(
        insert(AuditEvent),
        [{"at": old, "unit_id": tree["district"].id, "action": "create",
          "object_type": "Event", "label": "Tháng trước"}],
    )  # fmt: skip
    db.session.commit()
    auth.login(admin)
    base = f"/units/{tree['district'].id}/audit"

    def shown(query: str) -> set[str]:
        html = client.get(f"{base}?{query}").get_data(as_text=True)
        return {label for label in labels_on(html) if label != "Hoàng Văn Quản"}

    assert shown("action=delete") == {"Đã xóa 1", "Đã xóa 2"}
    assert shown("object_type=Invitee") == {"Khách 1", "Khách 2"}
    assert shown(f"user={organiser.id}") == {"Của Đức 1"}
    day = old.replace(tzinfo=dt.UTC).astimezone(VENUE_TZ).strftime("%d/%m/%Y")
    assert shown(f"since={day}&until={day}") == {"Tháng trước"}
    assert "Tháng trước" not in shown(f"since={venue_today().strftime('%d/%m/%Y')}")

    # A filter that does not parse is pointed out and left out.
    response = client.get(f"{base}?since=31/02/2024&action=delete", htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert "has no day 31" in html and labels_on(html) == {"Đã xóa 1", "Đã xóa 2"}
    assert client.get(f"{base}?action=nonsense").status_code == 200


def test_pages_of_fifty_newest_first(client, auth, tree, admin, db):
    add_lines(db, tree["district"], 60)
    auth.login(admin)
    html = client.get(f"/units/{tree['district'].id}/audit?action=update").get_data(as_text=True)
    first = re.findall(r"<strong>Hoạt động (\d+)</strong>", html)
    assert first == [str(n) for n in range(60, 10, -1)]
    older = re.search(r'href="([^"]*cursor=[^"]+)"', html).group(1).replace("&amp;", "&")
    assert "action=update" in older
    html = client.get(older).get_data(as_text=True)
    assert re.findall(r"<strong>Hoạt động (\d+)</strong>", html) == [
        str(n) for n in range(10, 0, -1)
    ]
    assert ">Newest<" in html and ">Older<" not in html


def test_the_page_costs_the_same_statements_however_long_the_trail(client, auth, tree, admin, db):
    auth.login(admin)
    url = f"/units/{tree['district'].id}/audit"
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def count() -> int:
        statements.clear()
        sa_event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert client.get(url).status_code == 200
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", record)
        return len(statements)

    add_lines(db, tree["district"], 3)
    few = count()
    add_lines(db, tree["school"], 45, object_type="Invitee")
    assert count() == few


def test_the_download_is_filtered_kept_as_text_and_recorded(client, auth, tree, admin, db):
    add_lines(db, tree["district"], 2, action="delete", label='=HYPERLINK("x")')
    add_lines(db, tree["district"], 1, action="update", label="Không lấy")
    auth.login(admin)
    response = client.get(f"/units/{tree['district'].id}/audit.csv?action=delete")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["time_utc", "who", "unit", "action"]
    labels = [row[6] for row in rows[1:]]
    assert labels == ['\'=HYPERLINK("x") 2', '\'=HYPERLINK("x") 1']  # never a formula
    (line,) = lines(db, action="export")
    assert line.object_type == "Unit" and line.object_id == tree["district"].id
    assert line.detail.endswith(".csv") and line.user_id == admin.id

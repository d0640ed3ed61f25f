"""The report officers' dashboard, checked against numbers computed by hand.

The example: province P launches the 2022 week (1-7 October); district 1 has schools 1 and 2,
district 2 has school 3.

  E1 school 1, 03/10, "Giáo dục kỹ năng sống": An scanned twice, Bình checked in then
     undone, Chi, a walk-in, tally 35 and a removed tally of 10 → 1 + 1 + 1 + 35 = 38
  E2 school 1, 04/10, same category, nobody came, not marked held → not counted
  E3 school 1, 04/10, same category, nobody came, marked held → 1 event, 0 persons
  E4 school 1, 01/10, its opening ceremony (section 7), tally 300
  E5 school 2, 05/10, "Hoạt động văn nghệ", tally 50
  E6 district 1, 03/10, "Giáo dục kỹ năng sống", An checked in → 1
  E7 district 2, 30/09 (the day before the week), its opening ceremony, marked held → 1, 0
  E8 school 3, 05/10, "Hoạt động văn nghệ", two walk-ins → 2
  E9 province, 02/10, no category, tally 20

Held: 8 events, 38 + 0 + 300 + 50 + 1 + 0 + 2 + 20 = 411 persons.
Reports (deadline two days ago): school 1 submitted on time, school 3 submitted a day late,
school 2 has a draft, the districts have not started.
"""

from __future__ import annotations

import datetime as dt

import lxml.html
import pytest
from sqlalchemy import event as sa_event

from app.checkin.models import CheckInMethod, ParticipantType
from app.checkin.services import (
    Actor,
    check_in_invitee,
    record_headcount,
    remove_headcount,
    undo,
    walk_in,
)
from app.invitations.services import PersonData, invite
from app.reports.dashboard import build_dashboard
from app.reports.deadlines import local_today
from app.reports.models import ReportStatus
from app.reports.services import get_or_create_report, submit
from app.schedule.models import EventKind
from app.units.models import Role, UnitKind
from tests.conftest import assert_fragment

LIFE_SKILLS = "Giáo dục kỹ năng sống cho học sinh"
ARTS = "Hoạt động văn nghệ"
SPORTS = "Hoạt động thể dục thể thao"
OPENING = "Tổ chức Lễ khai mạc Tuần lễ"
ARTICLES = "Số tin, bài về các hoạt động của Tuần lễ"

D = dt.date


def add_attendance(event, actor, *, walk_ins=0, tally=0):
    for n in range(walk_ins):
        walk_in(
            event,
            full_name=f"Khách {event.id}-{n}",
            organisation="",
            participant_type=ParticipantType.STUDENT,
            actor=actor,
        )
    if tally:
        record_headcount(event, "Cả lớp", tally, actor)


def submit_on(report, officer, day: dt.date, hour_utc: int) -> None:
    submit(report, officer)
    report.submitted_at = dt.datetime.combine(day, dt.time(hour_utc))


@pytest.fixture
def week(db, make_unit, make_campaign, make_event, make_user):
    province = make_unit(name="Sở GD&ĐT tỉnh Bến Tre", kind=UnitKind.PROVINCIAL_DEPARTMENT)
    district1 = make_unit(province, name="Phòng GD&ĐT huyện Ba Tri", kind=UnitKind.DISTRICT_OFFICE)
    district2 = make_unit(
        province, name="Phòng GD&ĐT huyện Giồng Trôm", kind=UnitKind.DISTRICT_OFFICE
    )
    school1 = make_unit(district1, name="Trường THCS An Đức", kind=UnitKind.LOWER_SECONDARY)
    school2 = make_unit(district1, name="Trường TH An Bình Tây", kind=UnitKind.PRIMARY)
    school3 = make_unit(district2, name="Trường THPT Giồng Trôm", kind=UnitKind.UPPER_SECONDARY)
    deadline = local_today() - dt.timedelta(days=2)
    campaign = make_campaign(province, year=2022, report_deadline=deadline)
    rows = {row.label: row for row in campaign.report_template.rows}

    def event(unit, label, day, **kw):
        return make_event(campaign, unit, report_row=rows[label] if label else None, date=day, **kw)

    opening = EventKind.OPENING
    e1 = event(school1, LIFE_SKILLS, D(2022, 10, 3), title="Kỹ năng phòng chống đuối nước")
    event(school1, LIFE_SKILLS, D(2022, 10, 4), title="Kỹ năng sử dụng mạng xã hội")
    event(school1, LIFE_SKILLS, D(2022, 10, 4), title="Kỹ năng thoát hiểm", held=True)
    e4 = event(school1, OPENING, D(2022, 10, 1), kind=opening, title="Lễ khai mạc")
    e5 = event(school2, ARTS, D(2022, 10, 5), title="Văn nghệ chào mừng")
    e6 = event(district1, LIFE_SKILLS, D(2022, 10, 3), title="Tập huấn kỹ năng sống")
    event(district2, OPENING, D(2022, 9, 30), kind=opening, title="Khai mạc", held=True)
    e8 = event(school3, ARTS, D(2022, 10, 5), title="Hội diễn văn nghệ")
    e9 = event(province, None, D(2022, 10, 2), title="Gặp mặt tình nguyện viên")

    staff = make_user(province, Role.CHECKIN_STAFF)
    actor = Actor(user=staff, device_id="phone")
    an = invite(e1, school1, PersonData("Nguyễn Văn An"))
    binh = invite(e1, school1, PersonData("Trần Thị Bình"))
    chi = invite(e1, school1, PersonData("Lê Văn Chi"))
    an_at_district = invite(e6, district1, PersonData("Nguyễn Văn An"))

    def checkin(event, invitee):
        return check_in_invitee(event, invitee, actor, method=CheckInMethod.SCAN, override=True)

    checkin(e1, an)
    checkin(e1, an)  # scanned twice, counted once
    undo(checkin(e1, binh).checkin, staff)
    checkin(e1, chi)
    add_attendance(e1, actor, walk_ins=1, tally=35)
    remove_headcount(record_headcount(e1, "Lớp 6B", 10, actor), actor)
    add_attendance(e4, actor, tally=300)
    add_attendance(e5, actor, tally=50)
    checkin(e6, an_at_district)
    add_attendance(e8, actor, walk_ins=2)
    add_attendance(e9, actor, tally=20)

    officers = {
        unit: make_user(unit, Role.REPORT_OFFICER)
        for unit in (province, district1, district2, school1, school2, school3)
    }
    submit_on(
        get_or_create_report(campaign, school1), officers[school1], deadline - dt.timedelta(5), 3
    )
    submit_on(
        get_or_create_report(campaign, school3), officers[school3], deadline + dt.timedelta(1), 2
    )
    get_or_create_report(campaign, school2)  # a draft
    db.session.commit()
    return {
        "campaign": campaign,
        "deadline": deadline,
        "province": province,
        "district1": district1,
        "district2": district2,
        "school1": school1,
        "school2": school2,
        "school3": school3,
        "officers": officers,
        "rows": rows,
        "actor": actor,
        "e1": e1,
    }


# --- reading the page --------------------------------------------------------------------


def page(client, campaign, unit, status=200):
    response = client.get(f"/campaigns/{campaign.id}/reports/{unit.id}/dashboard")
    html = response.get_data(as_text=True)
    assert response.status_code == status, html[:500]
    return lxml.html.fromstring(html)


def cells(doc, table: str, key: str, value) -> tuple[int, int]:
    """(events held, persons) of the row whose data-`key` is `value` in the table."""
    [row] = doc.xpath(f"//table[contains(@class, '{table}')]//tr[@data-{key}='{value}']")
    events = row.xpath(".//td[@data-figure='events']")[0].text_content()
    persons = row.xpath(".//td[@data-figure='persons']")[0].text_content()
    return int(events), int(persons)


def total(doc, table: str) -> tuple[int, int]:
    [row] = doc.xpath(f"//table[contains(@class, '{table}')]//tfoot/tr")
    figures = [
        row.xpath(f".//td[@data-figure='{f}']")[0].text_content() for f in ("events", "persons")
    ]
    return int(figures[0]), int(figures[1])


def header(doc, figure: str) -> str:
    return " ".join(doc.xpath(f"//*[@data-figure='{figure}']")[0].text_content().split())


def missing(doc) -> list[str]:
    return [
        " ".join(a.text_content().split())
        for a in doc.xpath("//ul[contains(@class, 'rdash-missing__list')]/li/a")
    ]


def unit_row(doc, unit):
    [row] = doc.xpath(f"//table[contains(@class, 'rdash-units')]//tr[@data-unit='{unit.id}']")
    return row


# --- figures -----------------------------------------------------------------------------


def test_the_provinces_totals_per_category(client, auth, week):
    campaign, rows = week["campaign"], week["rows"]
    auth.login(week["officers"][week["province"]])
    doc = page(client, campaign, week["province"])

    assert header(doc, "events") == "8"
    assert header(doc, "persons") == "411"
    # E1 (38), E3 (held, 0) and the district's E6 (1); E2 had nobody and was not marked held.
    assert cells(doc, "rdash-categories", "row", rows[LIFE_SKILLS].id) == (3, 39)
    # Section 7 is itself the category of opening ceremonies: school 1's (300) and
    # district 2's (held, nobody scanned), whatever their reports' state.
    assert cells(doc, "rdash-categories", "row", rows[OPENING].id) == (2, 300)
    assert cells(doc, "rdash-categories", "row", rows[ARTS].id) == (2, 52)
    assert cells(doc, "rdash-categories", "row", rows[SPORTS].id) == (0, 0)
    assert cells(doc, "rdash-categories", "row", "none") == (1, 20)
    assert total(doc, "rdash-categories") == (8, 411)
    # Typed rows (articles) are no category; categories keep the template's order.
    assert not doc.xpath(f"//tr[@data-row='{rows[ARTICLES].id}']")
    order = [
        int(r)
        for r in doc.xpath("//table[contains(@class,'rdash-categories')]//tr/@data-row")
        if r != "none"
    ]
    positions = {row.id: row.position for row in rows.values()}
    assert order == sorted(order, key=positions.get)
    assert len(order) == sum(1 for row in rows.values() if row.is_category)


def test_the_figures_refresh_themselves_while_the_page_is_open(client, auth, week, db):
    campaign, province = week["campaign"], week["province"]
    url = f"/campaigns/{campaign.id}/reports/{province.id}/dashboard"
    auth.login(week["officers"][province])
    [body] = page(client, campaign, province).xpath("//*[@id='rdash-body']")
    assert (body.get("hx-get"), body.get("hx-trigger")) == (url, "every 60s")
    assert header(body, "persons") == "411"

    record_headcount(week["e1"], "Lớp 7A", 20, week["actor"])  # while the page is open
    db.session.commit()
    response = client.get(url, htmx=True)
    html = assert_fragment(response)
    assert "HX-Request" in response.headers["Vary"]
    doc = lxml.html.fromstring(html)
    assert doc.get("id") == "rdash-body" and not doc.xpath("//header|//nav")
    assert header(doc, "persons") == "431"
    assert cells(doc, "rdash-categories", "row", week["rows"][LIFE_SKILLS].id) == (3, 59)


def test_the_provinces_figures_per_day(client, auth, week):
    auth.login(week["officers"][week["province"]])
    doc = page(client, week["campaign"], week["province"])

    per_day = {
        "2022-09-30": (1, 0),  # district 2's ceremony, the day before the week
        "2022-10-01": (1, 300),
        "2022-10-02": (1, 20),
        "2022-10-03": (2, 39),
        "2022-10-04": (1, 0),
        "2022-10-05": (2, 52),
        "2022-10-06": (0, 0),
        "2022-10-07": (0, 0),
    }
    rows = doc.xpath("//table[contains(@class, 'rdash-days')]//tbody/tr/@data-date")
    assert rows == list(per_day)
    for day, figures in per_day.items():
        assert cells(doc, "rdash-days", "date", day) == figures, day
    [outside] = doc.xpath("//tr[@data-date='2022-09-30']")
    assert "outside the week" in outside.text_content() or "ngoài" in outside.text_content()
    # The chart: one bar per day, the tallest for 01/10.
    bars = {
        bar.get("data-date"): (int(bar.get("data-persons")), int(bar.get("height")))
        for bar in doc.xpath("//figure//*[local-name()='rect'][@data-date]")
    }
    assert set(bars) == set(per_day)
    assert bars["2022-10-05"][0] == 52
    assert max(bars.values(), key=lambda b: b[1]) == bars["2022-10-01"]
    assert bars["2022-10-06"] == (0, 0)


def test_the_provinces_figures_per_unit_below_with_report_status(client, auth, week):
    auth.login(week["officers"][week["province"]])
    doc = page(client, week["campaign"], week["province"])
    province, district1, district2 = week["province"], week["district1"], week["district2"]

    listed = doc.xpath("//table[contains(@class, 'rdash-units')]//tbody/tr/@data-unit")
    assert listed == [str(province.id), str(district1.id), str(district2.id)]
    assert cells(doc, "rdash-units", "unit", province.id) == (1, 20)  # own events: E9
    # District 1 with its schools: E1, E3, E4, E5, E6 — school 2's draft counts too (live).
    assert cells(doc, "rdash-units", "unit", district1.id) == (5, 389)
    assert cells(doc, "rdash-units", "unit", district2.id) == (2, 2)
    for district in (district1, district2):
        row = unit_row(doc, district)
        assert row.xpath(".//td[@data-figure='status']/@data-status") == ["none"]
        assert row.xpath(".//*[@data-late]"), "no report and the deadline has passed"
        link = row.xpath(".//th//a/@href")
        assert link == [f"/campaigns/{week['campaign'].id}/reports/{district.id}/dashboard"]
    assert "own events" in unit_row(doc, province).text_content() or "của đơn vị" in (
        unit_row(doc, province).text_content()
    )


def test_who_has_reported_follows_the_roll_up(client, auth, week):
    campaign = week["campaign"]
    auth.login(week["officers"][week["province"]])
    doc = page(client, campaign, week["province"])

    # Listed: district 1 (missing), its schools 2 (draft) and 1 (submitted); district 2
    # (missing) and its school 3 (submitted).
    assert header(doc, "submitted") == "2 / 5"
    assert missing(doc) == [
        "Phòng GD&ĐT huyện Ba Tri",
        "Trường TH An Bình Tây",
        "Phòng GD&ĐT huyện Giồng Trôm",
    ]
    links = doc.xpath("//ul[contains(@class, 'rdash-missing__list')]/li/a/@href")
    assert links[1] == f"/campaigns/{campaign.id}/reports/{week['school2'].id}/dashboard"
    # The province's own report: none, the deadline passed two days ago.
    [late] = doc.xpath("//*[@data-figure='deadline']//dd[@data-late]")
    assert late.get("data-late") == "yes"
    assert "2" in late.text_content()


def test_a_district_sees_its_schools_reports(client, auth, week):
    campaign, district1 = week["campaign"], week["district1"]
    school1, school2 = week["school1"], week["school2"]
    auth.login(week["officers"][district1])
    doc = page(client, campaign, district1)

    assert header(doc, "events") == "5"
    assert header(doc, "persons") == "389"
    assert cells(doc, "rdash-units", "unit", district1.id) == (1, 1)
    assert cells(doc, "rdash-units", "unit", school1.id) == (3, 338)
    assert cells(doc, "rdash-units", "unit", school2.id) == (1, 50)
    assert header(doc, "submitted") == "1 / 2"
    assert missing(doc) == ["Trường TH An Bình Tây"]

    submitted = unit_row(doc, school1)
    assert submitted.xpath(".//td[@data-figure='status']/@data-status") == ["submitted"]
    assert not submitted.xpath(".//*[@data-late]")
    # Submitted at 3h00 UTC: 10h00 in Vietnam, five days before the deadline.
    on = week["deadline"] - dt.timedelta(5)
    assert f"10h00 {on:%d/%m/%Y}" in submitted.text_content()
    draft = unit_row(doc, school2)
    assert draft.xpath(".//td[@data-figure='status']/@data-status") == ["draft"]
    assert draft.xpath(".//*[@data-late]")


def test_a_report_submitted_after_the_deadline_is_late(client, auth, week):
    campaign, district2, school3 = week["campaign"], week["district2"], week["school3"]
    auth.login(week["officers"][district2])
    doc = page(client, campaign, district2)

    assert header(doc, "submitted") == "1 / 1"
    assert missing(doc) == []
    row = unit_row(doc, school3)
    assert row.xpath(".//td[@data-figure='status']/@data-status") == ["submitted"]
    assert row.xpath(".//*[@data-late]")
    # The school's own dashboard says so too.
    doc = page(client, campaign, school3)
    [note] = doc.xpath("//*[@data-figure='deadline']//dd[@data-late]")
    assert note.get("data-late") == "yes"
    assert header(doc, "submitted") == "0 / 0"


def test_deadline_wording(app, week):
    """Days left before the deadline, the day itself, days late; for the school's draft."""
    campaign, school2 = week["campaign"], week["school2"]
    report = get_or_create_report(campaign, school2)
    deadline = week["deadline"]
    with app.test_request_context():
        before = build_dashboard(campaign, school2, report, today=deadline - dt.timedelta(3))
        on_the_day = build_dashboard(campaign, school2, report, today=deadline)
        after = build_dashboard(campaign, school2, report, today=deadline + dt.timedelta(1))
    assert (before.deadline.days_left, before.deadline.late) == (3, False)
    assert (on_the_day.deadline.days_left, on_the_day.deadline.late) == (0, False)
    assert (after.deadline.days_left, after.deadline.late) == (-1, True)
    assert after.units[0].own and after.units[0].figures.events == 1
    assert [line.figures.persons for line in after.days if line.figures.events] == [50]


def test_late_flags_of_units_below_depend_on_today(app, week):
    campaign, district1 = week["campaign"], week["district1"]
    with app.test_request_context():
        early = build_dashboard(campaign, district1, None, today=week["deadline"])
    by_name = {line.name: line for line in early.units}
    assert not by_name["Trường TH An Bình Tây"].late  # draft, but the deadline is today
    assert by_name["Trường TH An Bình Tây"].status is ReportStatus.DRAFT
    assert not by_name["Trường THCS An Đức"].late


def test_an_empty_campaign_shows_zeros_and_no_chart(
    client, auth, make_unit, make_campaign, make_user
):
    unit = make_unit(name="Trường THCS Lẻ", kind=UnitKind.LOWER_SECONDARY)
    campaign = make_campaign(unit, report_deadline=None)
    auth.login(make_user(unit, Role.REPORT_OFFICER))
    doc = page(client, campaign, unit)

    assert header(doc, "events") == "0"
    assert total(doc, "rdash-categories") == (0, 0)
    assert not doc.xpath("//figure//*[local-name()='rect']")
    assert len(doc.xpath("//table[contains(@class, 'rdash-days')]//tbody/tr")) == 7
    assert header(doc, "submitted") == "0 / 0"


# --- permissions -------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_sign_in(client, week):
    url = f"/campaigns/{week['campaign'].id}/reports/{week['province'].id}/dashboard"
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    response = client.get(f"/campaigns/{week['campaign'].id}/report-dashboard")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("who", "whose", "status"),
    [
        ("school1", "school1", 200),
        ("district1", "school1", 200),
        ("province", "school3", 200),
        ("district2", "district1", 404),  # a sibling
        ("district2", "school1", 404),  # a sibling's school
        ("school1", "province", 404),  # a unit above
        ("school1", "district1", 404),
        ("school1", "school2", 404),
    ],
)
def test_who_may_open_which_dashboard(client, auth, make_user, week, who, whose, status):
    # Every role may watch the figures; the check is where the user's unit lies.
    auth.login(make_user(week[who], Role.CHECKIN_STAFF))
    page(client, week["campaign"], week[whose], status=status)


def test_a_unit_outside_the_campaign_and_an_unknown_campaign_are_404(
    client, auth, make_campaign, make_unit, week
):
    other = make_campaign(week["district2"], name="Tuần lễ của huyện Giồng Trôm")
    auth.login(week["officers"][week["province"]])
    page(client, other, week["school1"], status=404)  # school 1 is not in district 2's week
    response = client.get(f"/campaigns/99999/reports/{week['province'].id}/dashboard")
    assert response.status_code == 404
    response = client.get(f"/campaigns/{week['campaign'].id}/reports/99999/dashboard")
    assert response.status_code == 404


def test_the_schedule_links_to_the_users_own_dashboard(client, auth, make_campaign, week):
    campaign = week["campaign"]
    auth.login(week["officers"][week["school1"]])
    schedule = lxml.html.fromstring(client.get(f"/campaigns/{campaign.id}").get_data(as_text=True))
    [link] = schedule.xpath(f"//a[@href='/campaigns/{campaign.id}/report-dashboard']")
    response = client.get(link.get("href"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/campaigns/{campaign.id}/reports/{week['school1'].id}/dashboard"
    )

    # A province user on a district's week lands on the district's dashboard.
    district_week = make_campaign(week["district1"], name="Tuần lễ của huyện Ba Tri")
    auth.logout()
    auth.login(week["officers"][week["province"]])
    response = client.get(f"/campaigns/{district_week.id}/report-dashboard")
    assert response.headers["Location"].endswith(
        f"/campaigns/{district_week.id}/reports/{week['district1'].id}/dashboard"
    )
    # A sibling district cannot see it at all.
    auth.logout()
    auth.login(week["officers"][week["district2"]])
    assert client.get(f"/campaigns/{district_week.id}/report-dashboard").status_code == 404


def test_a_unit_links_up_to_the_dashboard_above_only_when_the_user_may_open_it(client, auth, week):
    campaign = week["campaign"]
    auth.login(week["officers"][week["district1"]])
    doc = page(client, campaign, week["school1"])
    assert doc.xpath("//a[@data-up]/@href") == [
        f"/campaigns/{campaign.id}/reports/{week['district1'].id}/dashboard"
    ]
    doc = page(client, campaign, week["district1"])
    assert doc.xpath("//a[@data-up]") == []  # the province is above the user


def test_tables_collapse_on_phones_with_their_column_names(client, auth, week):
    auth.login(week["officers"][week["province"]])
    doc = page(client, week["campaign"], week["province"])
    for td in doc.xpath("//table[contains(@class, 'rdash-table')]//td[@data-figure]"):
        assert td.get("data-label"), lxml.html.tostring(td)
    # No inline style: the CSP forbids it, the bars are SVG attributes.
    assert not doc.xpath("//*[@style]")


# --- a constant number of statements -----------------------------------------------------


def count_statements(client, db, url: str) -> int:
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(statements)


def test_the_dashboard_costs_the_same_statements_however_large_the_tree(
    client, auth, db, make_unit, make_event, make_user, week
):
    campaign, province = week["campaign"], week["province"]
    rows, actor = week["rows"], week["actor"]
    url = f"/campaigns/{campaign.id}/reports/{province.id}/dashboard"
    auth.login(week["officers"][province])
    small = count_statements(client, db, url)

    for d in range(3):
        district = make_unit(province, name=f"Phòng GD&ĐT số {d}", kind=UnitKind.DISTRICT_OFFICE)
        for s in range(4):
            school = make_unit(district, name=f"Trường số {d}-{s}", kind=UnitKind.PRIMARY)
            for n, label in enumerate((LIFE_SKILLS, ARTS, None)):
                event = make_event(
                    campaign,
                    school,
                    report_row=rows[label] if label else None,
                    date=D(2022, 10, 1 + (s + n) % 7),
                )
                add_attendance(event, actor, walk_ins=2, tally=10 + n)
                invitee = invite(event, school, PersonData(f"Đại biểu {d}-{s}-{n}"))
                check_in_invitee(event, invitee, actor, method=CheckInMethod.SCAN, override=True)
            if s % 2:
                report = get_or_create_report(campaign, school)
                submit(report, make_user(school, Role.REPORT_OFFICER))
    db.session.commit()
    large = count_statements(client, db, url)

    doc = page(client, campaign, province)
    assert header(doc, "events") == str(8 + 36)
    assert header(doc, "persons") == str(411 + 12 * (3 * 3 + 10 + 11 + 12))
    assert large == small
    # Signed-in user, campaign, unit, its report; units and reports of the subtree; one
    # grouped query of figures (by category, day and unit at once); template and its rows
    # (9 here; a unit above may add its own load).
    assert large <= 10, large

"""The statistics table's figures, checked against numbers computed by hand
(the example is described in tests/report_fixtures.py)."""

import datetime as dt

import pytest
from sqlalchemy import select

from app.checkin.models import CheckInMethod
from app.checkin.services import Outcome, check_in_invitee, record_headcount, remove_headcount, undo
from app.invitations.models import Invitee
from app.invitations.services import PersonData, invite
from app.reports.deadlines import deadline_for
from app.reports.figures import compute_table, measure_key, report_table
from app.reports.models import ReportStatus
from app.reports.services import (
    FigureInput,
    ReportError,
    accept,
    get_or_create_report,
    return_report,
    save_figures,
    submit,
)
from app.schedule.models import Event, EventKind
from app.units.models import UnitKind

LIFE_SKILLS = "Giáo dục kỹ năng sống cho học sinh"
ARTS = "Hoạt động văn nghệ"
SPORTS = "Hoạt động thể dục thể thao"
OPENING = "Tổ chức Lễ khai mạc Tuần lễ"
TRAINING_TOTAL = "Tổng số người tham gia, trong đó:"
ARTICLES = "Số tin, bài về các hoạt động của Tuần lễ"
DISTRICTS_OPENED = "Số huyện tổ chức Lễ khai mạc"
SCHOOLS_OPENED = "Số cơ sở giáo dục tổ chức Lễ khai mạc"
BOOKS_SECTION = (
    "Phát động phong trào và tổ chức tuyên góp sách giúp xây dựng tủ sách lớp học, "
    "xây dựng thư viện trường học"
)
ARTS_SECTION = "Tổ chức hoạt động văn nghệ, thể thao, tham quan, sinh hoạt chuyên đề"
TRAINING_SECTION = "Các lớp bồi dưỡng, tập huấn tổ chức trong Tuần lễ"


def figures(table, label):
    row = table.by_label(label)
    return (row.value.count, row.value.persons)


def test_a_schools_figures_come_from_its_check_ins_and_tallies(week):
    table = compute_table(week["campaign"], week["school1"])

    # E1 (38 persons) and E3 (held, 0); E2 neither scanned nor marked held.
    assert figures(table, LIFE_SKILLS) == (2, 38)
    # "Tổng số người tham gia, trong đó:" adds the rows after it; the section heading stays empty.
    assert figures(table, TRAINING_TOTAL) == (2, 38)
    assert figures(table, TRAINING_SECTION) == (None, None)
    assert figures(table, OPENING) == (1, 300)
    assert figures(table, SCHOOLS_OPENED) == (1, None)
    assert figures(table, DISTRICTS_OPENED) == (0, None)
    assert figures(table, ARTS) == (0, 0)
    # Typed rows start empty.
    assert figures(table, ARTICLES) == (None, None)
    assert table.units_below == []


def test_undone_check_ins_and_removed_tallies_never_count(week, db):
    campaign, e1, actor = week["campaign"], week["e1"], week["actor"]
    school2 = week["school2"]

    def checkin(event, invitee):
        return check_in_invitee(event, invitee, actor, method=CheckInMethod.SCAN, override=True)

    # Bình, undone at E1 in the example, is scanned again: an undone row and a live one, one
    # person. Then someone is checked in and undone twice: two undone rows, nobody.
    binh = db.session.scalar(select(Invitee).filter_by(full_name="Trần Thị Bình"))
    assert checkin(e1, binh).outcome is Outcome.OK
    khoa = invite(e1, week["school1"], PersonData("Hồ Văn Khoa"))
    for _ in range(2):
        undo(checkin(e1, khoa).checkin, actor.user)
    # School 2's opening ceremony: only an undone check-in and a removed tally.
    opening = db.session.scalar(select(Event).filter_by(unit_id=school2.id, kind=EventKind.OPENING))
    guest = invite(opening, school2, PersonData("Lý Thị Hoa"))
    undo(checkin(opening, guest).checkin, actor.user)
    remove_headcount(record_headcount(opening, "Toàn trường", 400, actor), actor)
    db.session.commit()

    assert figures(compute_table(campaign, week["school1"]), LIFE_SKILLS) == (2, 38 + 1)
    table = compute_table(campaign, school2)
    assert figures(table, OPENING) == (None, None)  # no event of its own took place
    assert figures(table, SCHOOLS_OPENED) == (0, None)
    district = compute_table(campaign, week["district1"], include_drafts=True)
    assert figures(district, SCHOOLS_OPENED) == (1, None)  # school 1's only

    # One live check-in and the ceremony took place, with one person.
    assert checkin(opening, guest).outcome is Outcome.OK
    db.session.commit()
    table = compute_table(campaign, school2)
    assert figures(table, OPENING) == (1, 1)
    assert figures(table, SCHOOLS_OPENED) == (1, None)


def test_sections_add_up_only_rows_of_one_unit_of_measure(week, db):
    report = get_or_create_report(week["campaign"], week["school2"])
    rows = week["rows"]
    save_figures(
        report,
        week["officers"][week["school2"]],
        list(rows.values()),
        {
            rows["Số tập thể tặng sách"].id: FigureInput(count="2"),
            rows["Số sách đã huy động tặng các trường học, thư viện"].id: FigureInput(count="150"),
            rows["Ngân sách nhà nước"].id: FigureInput(count="1.500.000"),
            rows["Kinh phí hỗ trợ, huy động từ các nguồn lợi pháp khác (nếu có)"].id: FigureInput(
                count="2 000 000"
            ),
        },
    )
    table = compute_table(week["campaign"], week["school2"])

    assert figures(table, ARTS) == (1, 50)
    assert figures(table, ARTS_SECTION) == (1, 50)  # "số cuộc/người" rows: summed
    assert figures(table, BOOKS_SECTION) == (None, None)  # tập thể + quyển: not summed
    assert figures(table, "Kinh phí") == (3_500_000, None)  # đồng + đồng
    assert figures(table, "Số sách đã huy động tặng các trường học, thư viện") == (150, None)


def test_measure_keys():
    assert measure_key("số cuộc/người") == measure_key("số cuộc")
    assert measure_key("lớp/người") == "lớp"
    assert measure_key("tin, bài") == "tin"
    assert measure_key("tập thể") != measure_key("quyển")


def test_a_typed_figure_over_a_derived_one_is_marked_and_keeps_the_derived_value(week):
    campaign, school1 = week["campaign"], week["school1"]
    rows = week["rows"]
    report = get_or_create_report(campaign, school1)
    errors = save_figures(
        report,
        week["officers"][school1],
        list(rows.values()),
        {
            rows[LIFE_SKILLS].id: FigureInput(count="2", persons="40", note="2 em không quét mã"),
            rows[ARTICLES].id: FigureInput(count="4"),
        },
    )
    assert errors == {}
    table = compute_table(campaign, school1)
    row = table.by_label(LIFE_SKILLS)

    assert (row.value.count, row.value.persons) == (2, 40)
    assert (row.derived.count, row.derived.persons) == (2, 38)
    # The count typed equal to the derived value is no override; the persons are.
    assert not row.count_overridden and row.persons_overridden
    assert row.note == "2 em không quét mã"
    assert figures(table, TRAINING_TOTAL) == (2, 40)
    assert figures(table, ARTICLES) == (4, None)
    assert [
        entry.count_value for entry in report.entries if entry.row_id == rows[LIFE_SKILLS].id
    ] == [None]


def test_bad_figures_change_nothing(week):
    campaign, school1 = week["campaign"], week["school1"]
    rows = week["rows"]
    report = get_or_create_report(campaign, school1)
    errors = save_figures(
        report,
        week["officers"][school1],
        list(rows.values()),
        {
            rows[ARTICLES].id: FigureInput(count="12"),
            rows["Ngân sách nhà nước"].id: FigureInput(count="-5"),
            rows["Tập thể"].id: FigureInput(count="ba"),
        },
    )
    assert set(errors) == {rows["Ngân sách nhà nước"].id, rows["Tập thể"].id}
    assert "whole number" in errors[rows["Tập thể"].id] or "số nguyên" in errors[rows["Tập thể"].id]
    assert report.entries == []


def test_a_district_rolls_up_submitted_reports_and_lists_the_missing(week, db):
    campaign = week["campaign"]
    school1, district1 = week["school1"], week["district1"]
    rows = week["rows"]
    report1 = get_or_create_report(campaign, school1)
    save_figures(
        report1,
        week["officers"][school1],
        list(rows.values()),
        {
            rows[LIFE_SKILLS].id: FigureInput(persons="40"),
            rows[ARTICLES].id: FigureInput(count="4"),
        },
    )
    submit(report1, week["officers"][school1])
    report2 = get_or_create_report(campaign, week["school2"])
    save_figures(
        report2,
        week["officers"][week["school2"]],
        list(rows.values()),
        {rows[ARTICLES].id: FigureInput(count="3")},
    )
    db.session.commit()

    table = compute_table(campaign, district1)
    # Own E6 (1 event, 1 person) + school 1's frozen figures (2 events, 40 persons typed over).
    assert figures(table, LIFE_SKILLS) == (3, 41)
    assert figures(table, ARTS) == (0, 0)  # school 2 has not submitted
    assert figures(table, ARTICLES) == (4, None)
    assert figures(table, SCHOOLS_OPENED) == (1, None)
    assert [(u.name, u.counted) for u in table.units_below] == [
        ("Trường TH An Bình Tây", "missing"),
        ("Trường THCS An Đức", "submitted"),
    ]
    assert [u.name for u in table.missing] == ["Trường TH An Bình Tây"]

    preview = compute_table(campaign, district1, include_drafts=True)
    assert figures(preview, ARTS) == (1, 50)
    assert figures(preview, ARTICLES) == (7, None)
    assert figures(preview, LIFE_SKILLS) == (3, 41)
    assert figures(preview, SCHOOLS_OPENED) == (1, None)  # school 2's ceremony had no one
    assert [u.counted for u in preview.units_below] == ["draft", "submitted"]


def test_check_ins_after_submission_do_not_change_the_submitted_figures(week, db):
    campaign, school1 = week["campaign"], week["school1"]
    report = get_or_create_report(campaign, school1)
    submit(report, week["officers"][school1])
    db.session.commit()
    record_headcount(week["e1"], "Lớp 7A", 30, week["actor"])
    db.session.commit()

    assert figures(report_table(campaign, school1, report), LIFE_SKILLS) == (2, 38)
    assert figures(compute_table(campaign, week["district1"]), LIFE_SKILLS) == (3, 39)
    # The school's live figures do see it (the officer can ask for the report back).
    assert figures(compute_table(campaign, school1), LIFE_SKILLS) == (2, 68)


def test_the_province_rolls_up_three_levels(week, db):
    campaign = week["campaign"]
    officers = week["officers"]
    for unit in ("school1", "school3"):
        report = get_or_create_report(campaign, week[unit])
        submit(report, officers[week[unit]])
    district_report = get_or_create_report(campaign, week["district1"])
    submit(district_report, officers[week["district1"]])
    db.session.commit()

    table = compute_table(campaign, week["province"])
    # District 1 (frozen: own E6 + school 1) ; district 2 missing, but school 3 submitted.
    assert figures(table, LIFE_SKILLS) == (3, 39)
    assert figures(table, ARTS) == (1, 2)
    assert figures(table, SCHOOLS_OPENED) == (1, None)
    assert figures(table, DISTRICTS_OPENED) == (0, None)
    assert [(u.name, u.counted, u.depth) for u in table.units_below] == [
        ("Phòng GD&ĐT huyện Ba Tri", "submitted", 1),
        ("Phòng GD&ĐT huyện Giồng Trôm", "missing", 1),
        ("Trường THPT Giồng Trôm", "submitted", 2),
    ]

    preview = compute_table(campaign, week["province"], include_drafts=True)
    assert figures(preview, DISTRICTS_OPENED) == (1, None)  # district 2's ceremony, marked held
    assert figures(preview, OPENING) == (1, 0)
    assert figures(preview, ARTS) == (1, 2)


def test_workflow_submit_lock_return_resubmit_accept(week, db):
    campaign, school1, district1 = week["campaign"], week["school1"], week["district1"]
    officer, reviewer = week["officers"][school1], week["officers"][district1]
    rows = week["rows"]
    report = get_or_create_report(campaign, school1)

    with pytest.raises(ReportError):
        accept(report, reviewer)  # nothing submitted yet
    submit(report, officer)
    assert report.status is ReportStatus.SUBMITTED
    assert report.submitted_by_id == officer.id
    with pytest.raises(ReportError):
        save_figures(report, officer, list(rows.values()), {rows[ARTICLES].id: FigureInput("1")})
    with pytest.raises(ReportError):
        submit(report, officer)
    with pytest.raises(ReportError):
        accept(report, officer)  # not one's own report
    with pytest.raises(ReportError):
        return_report(report, reviewer, "  ")  # a comment is required

    return_report(report, reviewer, "Bổ sung số tin bài")
    assert report.status is ReportStatus.RETURNED
    assert report.review_comment == "Bổ sung số tin bài"
    save_figures(report, officer, list(rows.values()), {rows[ARTICLES].id: FigureInput("6")})
    submit(report, officer)
    accept(report, reviewer)
    db.session.commit()

    assert report.status is ReportStatus.ACCEPTED
    assert [action.status for action in report.history] == [
        ReportStatus.SUBMITTED,
        ReportStatus.RETURNED,
        ReportStatus.SUBMITTED,
        ReportStatus.ACCEPTED,
    ]
    assert figures(compute_table(campaign, district1), ARTICLES) == (6, None)
    # Another school's officer cannot review it, nor can a sibling district's.
    with pytest.raises(ReportError):
        return_report(report, week["officers"][week["district2"]], "x")


def test_deadline_days_left_and_late(week, app, db):
    campaign = week["campaign"]  # due 15/10/2022
    report = get_or_create_report(campaign, week["school2"])
    with app.test_request_context():
        before = deadline_for(campaign, report, today=dt.date(2022, 10, 12))
        after = deadline_for(campaign, report, today=dt.date(2022, 10, 17))
    assert (before.days_left, before.late) == (3, False)
    assert (after.days_left, after.late) == (-2, True)

    report.status = ReportStatus.SUBMITTED
    report.submitted_at = dt.datetime(2022, 10, 15, 16, 0)  # 23h00 in Vietnam, on the day
    with app.test_request_context():
        assert not deadline_for(campaign, report, today=dt.date(2022, 10, 20)).late
    report.submitted_at = dt.datetime(2022, 10, 15, 17, 30)  # 0h30 on the 16th in Vietnam
    with app.test_request_context():
        assert deadline_for(campaign, report, today=dt.date(2022, 10, 20)).late


def test_the_roll_up_costs_the_same_statements_whatever_the_tree(
    week, db, make_unit, make_event, count_statements
):
    campaign, province = week["campaign"], week["province"]
    get_or_create_report(campaign, week["school2"])  # a draft below, as in the larger tree
    db.session.commit()
    small = count_statements(lambda: compute_table(campaign, province, include_drafts=True))
    for index in range(6):
        school = make_unit(week["district2"], kind=UnitKind.PRIMARY)
        event = make_event(campaign, school, report_row=week["rows"][ARTS], held=index % 2 == 0)
        record_headcount(event, "Lớp 1", 20 + index, week["actor"])
        get_or_create_report(campaign, school)
    db.session.commit()  # expires everything, as before the first count
    large = count_statements(lambda: compute_table(campaign, province, include_drafts=True))
    assert large == small
    assert figures(compute_table(campaign, province, include_drafts=True), ARTS) == (
        1 + 1 + 6,
        50 + 2 + sum(20 + index for index in range(6)),
    )

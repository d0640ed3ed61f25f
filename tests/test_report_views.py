"""The report pages: the table as a report officer sees and types it, the narrative, the
workflow buttons, the units below, and who may do what (example in tests/report_fixtures.py)."""

import re

import pytest
from sqlalchemy import select

from app.reports.models import Report, ReportStatus
from app.units.models import Role

LIFE_SKILLS = "Giáo dục kỹ năng sống cho học sinh"
ARTICLES = "Số tin, bài về các hoạt động của Tuần lễ"


def url(week, unit, tail=""):
    return f"/campaigns/{week['campaign'].id}/reports/{week[unit].id}{tail}"


def row_html(html: str, row_id: int) -> str:
    match = re.search(rf'<tr[^>]*id="row-{row_id}".*?</tr>', html, re.S)
    assert match, f"row {row_id} not on the page"
    return match.group(0)


def cell_texts(fragment: str) -> list[str]:
    cells = re.findall(r"<td[^>]*>(.*?)</td>", fragment, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]


def report_of(db, week, unit) -> Report | None:
    return db.session.scalar(
        select(Report).where(
            Report.campaign_id == week["campaign"].id, Report.unit_id == week[unit].id
        )
    )


def test_the_school_report_shows_derived_figures_without_typing(client, auth, week):
    auth.login(week["officers"][week["school1"]])
    html = client.get(url(week, "school1")).get_data(as_text=True)

    row = row_html(html, week["rows"][LIFE_SKILLS].id)
    # Editable: the derived figures fill the inputs, and may be typed over.
    assert 'name="c-' in row and 'value="2"' in row and 'value="38"' in row
    assert "Bản nháp" in html or "Chưa bắt đầu" in html
    assert "15/10/2022" in html  # the deadline


def test_typing_figures_and_an_override(client, auth, week, db):
    auth.login(week["officers"][week["school1"]])
    rows = week["rows"]
    life, articles = rows[LIFE_SKILLS].id, rows[ARTICLES].id
    form = {f"n-{row.id}": "" for row in rows.values() if row.source.value in ("events", "typed")}
    form.update({f"p-{life}": "40", f"n-{life}": "2 em không quét mã", f"c-{articles}": "1.204"})
    response = client.post(url(week, "school1", "/figures"), data=form)
    assert response.status_code == 302

    html = client.get(url(week, "school1")).get_data(as_text=True)
    life_row = row_html(html, life)
    assert 'value="40"' in life_row and "overridden" in life_row
    assert "từ điểm danh: 38" in life_row
    assert 'value="1.204"' in row_html(html, articles)
    report = report_of(db, week, "school1")
    assert {(e.row_id, e.count_value, e.persons_value) for e in report.entries} == {
        (life, None, 40),
        (articles, 1204, None),
    }


def form_of(html: str) -> dict[str, str]:
    """The figures form as the browser would send it, untouched."""
    form = re.search(r'<form method="post" action="[^"]*/figures">(.*?)</form>', html, re.S)
    fields = re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(1))
    return dict(fields)


def test_saving_a_page_loaded_before_new_check_ins_types_nothing_over_them(client, auth, week, db):
    from app.checkin.services import record_headcount

    auth.login(week["officers"][week["school1"]])
    form = form_of(client.get(url(week, "school1")).get_data(as_text=True))
    record_headcount(week["e1"], "Lớp 7A", 30, week["actor"])  # arrives while the page is open
    db.session.commit()
    articles = week["rows"][ARTICLES].id
    form[f"c-{articles}"] = "5"
    assert client.post(url(week, "school1", "/figures"), data=form).status_code == 302

    report = report_of(db, week, "school1")
    assert [(e.row_id, e.count_value) for e in report.entries] == [(articles, 5)]
    life_row = row_html(
        client.get(url(week, "school1")).get_data(as_text=True), week["rows"][LIFE_SKILLS].id
    )
    assert 'value="68"' in life_row and "overridden" not in life_row


def test_a_bad_figure_is_shown_with_its_message_and_nothing_is_saved(client, auth, week, db):
    auth.login(week["officers"][week["school1"]])
    articles = week["rows"][ARTICLES].id
    budget = week["rows"]["Ngân sách nhà nước"].id
    response = client.post(
        url(week, "school1", "/figures"),
        data={f"n-{articles}": "", f"c-{articles}": "12", f"n-{budget}": "", f"c-{budget}": "5tr"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Chưa lưu gì" in html
    assert 'value="5tr"' in row_html(html, budget)  # what was typed is kept on the page
    assert "số nguyên" in row_html(html, budget)
    report = report_of(db, week, "school1")
    assert report is None or report.entries == []


@pytest.mark.parametrize("typed", ["²", "①", "12²"])
def test_digits_int_cannot_read_are_a_bad_figure_not_a_crash(client, auth, week, db, typed):
    auth.login(week["officers"][week["school1"]])
    articles = week["rows"][ARTICLES].id
    response = client.post(
        url(week, "school1", "/figures"), data={f"n-{articles}": "", f"c-{articles}": typed}
    )
    assert response.status_code == 422
    assert "số nguyên" in row_html(response.get_data(as_text=True), articles)
    report = report_of(db, week, "school1")
    assert report is None or report.entries == []


def test_the_narrative_is_saved(client, auth, week, db):
    auth.login(week["officers"][week["school1"]])
    text = "Nhà trường ban hành Kế hoạch số 12/KH-THCS.\nTổ chức 4 hoạt động."
    response = client.post(url(week, "school1", "/narrative"), data={"direction": text})
    assert response.status_code == 302
    assert report_of(db, week, "school1").direction == text
    assert "Kế hoạch số 12/KH-THCS" in client.get(url(week, "school1")).get_data(as_text=True)


def test_submit_locks_the_page_and_the_district_sees_it_in_its_roll_up(client, auth, week, db):
    auth.login(week["officers"][week["school1"]])
    assert client.post(url(week, "school1", "/submit")).status_code == 302
    html = client.get(url(week, "school1")).get_data(as_text=True)
    assert "Đã gửi" in html
    assert 'name="c-' not in html  # locked: no inputs
    refused = client.post(url(week, "school1", "/narrative"), data={"direction": "x"})
    assert refused.status_code == 302
    assert report_of(db, week, "school1").direction == ""

    auth.logout()
    auth.login(week["officers"][week["district1"]])
    html = client.get(url(week, "district1")).get_data(as_text=True)
    # Own event (1 event, 1 person) + the school's submitted figures (2 events, 38 persons).
    life_row = row_html(html, week["rows"][LIFE_SKILLS].id)
    assert 'value="3"' in life_row and 'value="39"' in life_row
    assert "Trường THCS An Đức" in html and "Trường TH An Bình Tây" in html
    assert "1 đơn vị cấp dưới chưa gửi báo cáo" in html


def test_the_district_returns_then_accepts(client, auth, week, db):
    auth.login(week["officers"][week["school1"]])
    client.post(url(week, "school1", "/submit"))
    auth.logout()
    reviewer = week["officers"][week["district1"]]
    auth.login(reviewer)
    page = client.get(url(week, "school1")).get_data(as_text=True)
    assert "Trả lại để sửa" in page

    client.post(url(week, "school1", "/return"), data={"comment": ""})
    assert report_of(db, week, "school1").status is ReportStatus.SUBMITTED  # comment required
    client.post(url(week, "school1", "/return"), data={"comment": "Bổ sung số tin bài"})
    report = report_of(db, week, "school1")
    assert report.status is ReportStatus.RETURNED

    auth.logout()
    auth.login(week["officers"][week["school1"]])
    html = client.get(url(week, "school1")).get_data(as_text=True)
    assert "Bổ sung số tin bài" in html and 'name="c-' in html  # editable again
    client.post(url(week, "school1", "/submit"))
    auth.logout()
    auth.login(reviewer)
    client.post(url(week, "school1", "/accept"), data={"comment": "Đạt"})
    db.session.expire_all()
    assert report_of(db, week, "school1").status is ReportStatus.ACCEPTED


@pytest.mark.parametrize(
    "who, unit, status",
    [
        ("school2", "school1", 404),  # a sibling school
        ("district2", "school1", 404),  # another district
        ("school1", "district1", 404),  # the unit above
    ],
)
def test_reports_outside_ones_subtree_are_404(client, auth, week, who, unit, status):
    auth.login(week["officers"][week[who]])
    assert client.get(url(week, unit)).status_code == status
    assert client.post(url(week, unit, "/submit")).status_code == status


def test_only_the_units_report_officers_and_admins_type_and_submit(
    client, auth, week, make_user, db
):
    organiser = make_user(week["school1"], Role.ORGANISER)
    auth.login(organiser)
    html = client.get(url(week, "school1")).get_data(as_text=True)
    assert 'name="c-' not in html
    assert client.post(url(week, "school1", "/submit")).status_code == 403
    articles = week["rows"][ARTICLES].id
    response = client.post(
        url(week, "school1", "/figures"), data={f"n-{articles}": "", f"c-{articles}": "3"}
    )
    assert response.status_code == 403
    assert report_of(db, week, "school1") is None
    # The district's officer sees the school's report but cannot type in it.
    auth.logout()
    auth.login(week["officers"][week["district1"]])
    assert client.post(url(week, "school1", "/submit")).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, week):
    response = client.get(url(week, "school1"))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_reports_list_shows_status_and_deadline(client, auth, week):
    auth.login(week["officers"][week["school1"]])
    client.post(url(week, "school1", "/submit"))
    html = client.get("/reports").get_data(as_text=True)
    assert week["campaign"].name in html and "Đã gửi" in html


def test_an_organiser_marks_an_event_held_and_it_counts(client, auth, week, make_user, db):
    from app.reports.figures import compute_table
    from app.schedule.models import Event

    nobody_came = db.session.scalar(
        select(Event).where(Event.title == "Kỹ năng sử dụng mạng xã hội")
    )
    staff = make_user(week["school1"], Role.CHECKIN_STAFF)
    auth.login(staff)
    assert client.post(f"/events/{nobody_came.id}/held", data={"held": "1"}).status_code == 403
    auth.logout()
    auth.login(make_user(week["school1"], Role.ORGANISER))
    page = client.get(f"/events/{nobody_came.id}").get_data(as_text=True)
    assert "Đánh dấu đã tổ chức" in page
    response = client.post(
        f"/events/{nobody_came.id}/held", data={"held": "1"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "đã đánh dấu là đã tổ chức" in response.get_data(
        as_text=True
    )
    db.session.expire_all()
    table = compute_table(week["campaign"], week["school1"])
    assert table.by_label(LIFE_SKILLS).value.count == 3
    # Another school's organiser cannot see it.
    auth.logout()
    auth.login(make_user(week["school2"], Role.ORGANISER))
    assert client.post(f"/events/{nobody_came.id}/held", data={"held": "0"}).status_code == 404


def test_a_unit_above_a_campaign_finds_the_launching_units_report(
    client, auth, week, make_campaign
):
    """A district launches its own campaign: the province's list opens the district's report."""
    own = make_campaign(week["district1"], year=2025, name="Tuần lễ cấp huyện 2025")
    auth.login(week["officers"][week["province"]])
    html = client.get("/reports").get_data(as_text=True)
    assert f'href="/campaigns/{own.id}/reports/{week["district1"].id}"' in html
    assert f'href="/campaigns/{week["campaign"].id}/reports/{week["province"].id}"' in html
    assert client.get(f"/campaigns/{own.id}/reports/{week['district1'].id}").status_code == 200

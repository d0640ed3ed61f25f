"""Reuse: a campaign copied into a new week, an event copied into another campaign, and the
hint when one performer is due in two events at once."""

import datetime as dt
import re

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from app.reports.models import ReportRow, ReportTemplate, RowSource
from app.schedule.models import Campaign, Event, EventFormat, EventKind, ProgramItem
from app.schedule.reuse import copy_campaign, copy_event
from app.schedule.services import category_rows
from app.units.models import Role, UnitKind

D, T = dt.date, dt.time


@pytest.fixture
def tree(make_unit):
    province = make_unit(name="Sở GD&ĐT Bắc Kạn", kind=UnitKind.PROVINCIAL_DEPARTMENT)
    district = make_unit(
        province, name="Phòng GD&ĐT huyện Bạch Thông", kind=UnitKind.DISTRICT_OFFICE
    )
    sibling = make_unit(province, name="Phòng GD&ĐT huyện Chợ Đồn", kind=UnitKind.DISTRICT_OFFICE)
    school = make_unit(district, name="Trường THCS Phủ Thông", kind=UnitKind.LOWER_SECONDARY)
    other = make_unit(sibling, name="Trường THCS Bằng Lũng", kind=UnitKind.LOWER_SECONDARY)
    return {
        "province": province,
        "district": district,
        "sibling": sibling,
        "school": school,
        "other": other,
    }


def _category(campaign, label: str) -> ReportRow:
    return next(row for row in category_rows(campaign) if row.label == label)


@pytest.fixture
def last_year(tree, make_campaign, make_event, make_item):
    """The province's 2023 week (Monday 2/10 to Sunday 8/10) with events of both districts."""
    campaign = make_campaign(
        tree["province"],
        year=2023,
        name="Tuần lễ hưởng ứng học tập suốt đời năm 2023",
        theme="Xây dựng năng lực tự học trong kỷ nguyên số",
        slogans="Học tập suốt đời - chìa khóa của mọi thành công.",
        start_date=D(2023, 10, 2),
        end_date=D(2023, 10, 8),
        report_deadline=D(2023, 10, 15),
    )
    opening = make_event(
        campaign,
        tree["district"],
        kind=EventKind.OPENING,
        number="1",
        title="Lễ khai mạc Tuần lễ",
        date=D(2023, 10, 2),
        start_time=T(7, 30),
        end_time=T(9, 30),
        venue_name="Trường THCS Phủ Thông",
        venue_address="Thị trấn Phủ Thông",
        report_row=_category(campaign, "Tổ chức Lễ khai mạc Tuần lễ"),
        expected_attendance=300,
        notes="Kế hoạch này thay cho giấy mời.",
    )
    make_item(opening, "Đón tiếp đại biểu.", T(7, 0), T(7, 30), "Phòng GD&ĐT")
    make_item(opening, "Văn nghệ chào mừng.", T(7, 30), T(8, 0), "Trường THCS Phủ Thông")
    make_item(opening, "Diễn văn khai mạc", T(8, 10), T(8, 25), "Lãnh đạo UBND huyện.")
    book_fair = make_event(
        campaign,
        tree["school"],
        number="5",
        title="Ngày hội đọc sách",
        co_host="Hội Khuyến học xã",
        date=D(2023, 10, 4),
        start_time=T(14, 0),
        format=EventFormat.HYBRID,
        report_row=_category(campaign, "Hội sách, đường sách, phố sách"),
    )
    make_item(book_fair, "Khai mạc ngày hội", T(14, 0), T(14, 15), "Hiệu trưởng")
    make_item(book_fair, "Trao đổi sách", T(14, 15), None, "")
    # the day before the week, as in seed 001: kept, and still before the new week once copied
    make_event(campaign, tree["school"], title="Tuyên truyền trước Tuần lễ", date=D(2023, 10, 1))
    make_event(campaign, tree["other"], title="Hoạt động của huyện Chợ Đồn", date=D(2023, 10, 3))
    return campaign


@pytest.fixture
def organiser(tree, make_user, auth):
    user = make_user(tree["district"], Role.ORGANISER)
    auth.login(user)
    return user


def _copy_data(**overrides):
    data = {
        "name": "Tuần lễ hưởng ứng học tập suốt đời năm 2024",
        "year": "2024",
        "start_date": "30/09/2024",
        "end_date": "6/10",
        "report_deadline": "15/10/2024",
    }
    data.update(overrides)
    return data


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _snapshot(db, campaign_id: int) -> list[tuple]:
    """Everything a campaign's events and run-sheets hold, to compare before and after."""
    db.session.expire_all()
    events = db.session.scalars(
        select(Event).where(Event.campaign_id == campaign_id).order_by(Event.id)
    ).all()
    return [
        (
            e.unit_id, e.kind, e.number, e.title, e.co_host, e.date, e.start_time, e.end_time,
            e.venue_name, e.venue_address, e.format, e.report_row_id, e.expected_attendance,
            e.notes, e.content,
            [(i.position, i.start_time, i.end_time, i.content, i.performer) for i in e.program],
        )
        for e in events
    ]  # fmt: skip


def _without_dates(snapshot: list[tuple]) -> list[tuple]:
    return [row[:5] + row[6:] for row in snapshot]


def _flash(html: str) -> str:
    return re.search(r'class="alert alert--success"[^>]*>([^<]*)<', html).group(1)


# --- copying a campaign --------------------------------------------------------------------


def test_the_copy_form_offers_next_year(client, organiser, last_year):
    response = client.get(f"/campaigns/{last_year.id}/copy")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Tuần lễ hưởng ứng học tập suốt đời năm 2024"' in html
    assert 'value="2024"' in html
    assert 'value="02/10/2024"' in html and 'value="08/10/2024"' in html
    assert 'value="15/10/2024"' in html
    assert 'name="theme"' not in html  # copied, not asked


def test_copy_a_campaign_into_the_new_week(client, organiser, tree, last_year, db):
    before = _snapshot(db, last_year.id)
    response = client.post(f"/campaigns/{last_year.id}/copy", data=_copy_data())
    assert response.status_code == 303

    new = db.session.scalar(select(Campaign).where(Campaign.year == 2024))
    assert response.location == f"/campaigns/{new.id}"
    assert new.unit_id == tree["district"].id  # the copying user's unit launches it
    assert (new.start_date, new.end_date, new.report_deadline) == (
        D(2024, 9, 30),
        D(2024, 10, 6),
        D(2024, 10, 15),
    )
    assert (new.theme, new.slogans) == (last_year.theme, last_year.slogans)
    assert new.report_template_id == last_year.report_template_id

    copied = _snapshot(db, new.id)
    district_events = [row for row in before if row[0] != tree["other"].id]
    # 2/10/2023 → 30/9/2024: 364 days, Monday to Monday; the rest kept as it was,
    # categories included (same template)
    assert [row[5] for row in copied] == [D(2024, 9, 30), D(2024, 10, 2), D(2024, 9, 29)]
    assert [row[5] - dt.timedelta(days=364) for row in copied] == [
        row[5] for row in district_events
    ]
    assert _without_dates(copied) == _without_dates(district_events)
    assert "Hoạt động của huyện Chợ Đồn" not in [row[3] for row in copied]
    assert _snapshot(db, last_year.id) == before  # the source is untouched

    html = client.get(response.location).get_data(as_text=True)
    assert "3 sự kiện" in _flash(html) and re.search(r"\b5\b", _flash(html))
    # the copied ceremony-eve event is still flagged as before the week, not moved into it
    assert "29/09/2024" in html and "trước khi Tuần lễ bắt đầu" in html


def test_an_archived_event_stays_behind_when_a_campaign_is_copied(client, organiser, last_year, db):
    archived = db.session.scalar(select(Event).where(Event.title == "Ngày hội đọc sách"))
    archived.archived_at = dt.datetime(2023, 10, 20, 3, 0)
    db.session.commit()
    response = client.post(f"/campaigns/{last_year.id}/copy", data=_copy_data())
    new = db.session.scalar(select(Campaign).where(Campaign.year == 2024))
    titles = db.session.scalars(select(Event.title).where(Event.campaign_id == new.id)).all()
    assert sorted(titles) == ["Lễ khai mạc Tuần lễ", "Tuyên truyền trước Tuần lễ"]
    html = client.get(response.location).get_data(as_text=True)
    assert "2 sự kiện" in _flash(html) and re.search(r"\b3\b", _flash(html))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end_date": "29/09/2024"}, "Tuần lễ không thể kết thúc trước khi bắt đầu."),
        ({"start_date": "31/9/2024"}, "31/9/2024"),
        ({"report_deadline": "hôm qua"}, "hôm qua"),
        ({"name": ""}, "Trường này là bắt buộc."),
        ({"year": "1999"}, "Số phải nằm trong khoảng"),
    ],
)
def test_copy_form_errors_create_nothing(client, organiser, last_year, db, overrides, message):
    before = (_count(db, Campaign), _count(db, Event), _count(db, ProgramItem))
    response = client.post(f"/campaigns/{last_year.id}/copy", data=_copy_data(**overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html and "field--error" in html
    assert (_count(db, Campaign), _count(db, Event), _count(db, ProgramItem)) == before


def test_the_service_refuses_a_week_ending_before_it_starts(tree, last_year, db):
    from app.schedule.services import ScheduleError

    with pytest.raises(ScheduleError):
        copy_campaign(
            last_year,
            unit=tree["district"],
            name="X",
            year=2024,
            start_date=D(2024, 9, 30),
            end_date=D(2024, 9, 29),
            report_deadline=None,
            within=tree["district"],
        )


def test_a_school_copies_only_its_own_events(client, auth, tree, last_year, make_user, db):
    auth.login(make_user(tree["school"], Role.ORGANISER))
    response = client.post(f"/campaigns/{last_year.id}/copy", data=_copy_data())
    assert response.status_code == 303
    new = db.session.scalar(select(Campaign).where(Campaign.year == 2024))
    assert new.unit_id == tree["school"].id
    assert [row[3] for row in _snapshot(db, new.id)] == [
        "Ngày hội đọc sách",
        "Tuyên truyền trước Tuần lễ",
    ]


@pytest.mark.parametrize("role", [Role.CHECKIN_STAFF, Role.REPORT_OFFICER])
def test_only_organisers_copy_a_campaign(client, auth, tree, last_year, make_user, db, role):
    auth.login(make_user(tree["district"], role))
    assert client.get(f"/campaigns/{last_year.id}/copy").status_code == 403
    response = client.post(f"/campaigns/{last_year.id}/copy", data=_copy_data())
    assert response.status_code == 403
    assert _count(db, Campaign) == 1
    assert f"/campaigns/{last_year.id}/copy" not in client.get(f"/campaigns/{last_year.id}").text


def test_a_campaign_out_of_sight_cannot_be_copied(client, auth, tree, make_campaign, make_user, db):
    campaign = make_campaign(tree["district"], year=2023)
    auth.login(make_user(tree["other"], Role.ORGANISER))
    assert client.get(f"/campaigns/{campaign.id}/copy").status_code == 404
    assert client.post(f"/campaigns/{campaign.id}/copy", data=_copy_data()).status_code == 404
    assert _count(db, Campaign) == 1


def test_the_schedule_offers_the_copy_to_organisers(client, organiser, last_year):
    html = client.get(f"/campaigns/{last_year.id}").get_data(as_text=True)
    assert f'href="/campaigns/{last_year.id}/copy"' in html


# --- copying an event ----------------------------------------------------------------------


def _event(db, title: str, campaign: Campaign) -> Event:
    db.session.expire_all()
    return db.session.scalar(
        select(Event).where(Event.campaign_id == campaign.id, Event.title == title)
    )


@pytest.fixture
def this_year(tree, make_campaign):
    return make_campaign(
        tree["district"], year=2024, start_date=D(2024, 9, 30), end_date=D(2024, 10, 6)
    )


def test_the_event_copy_form_offers_the_newest_other_campaign(
    client, organiser, tree, last_year, this_year, make_campaign, db
):
    make_campaign(tree["sibling"], year=2025, name="Tuần lễ của huyện Chợ Đồn")  # out of sight
    event = _event(db, "Ngày hội đọc sách", last_year)
    html = client.get(f"/events/{event.id}/copy").get_data(as_text=True)
    options = re.findall(r"<option([^>]*)>", html)
    values = [int(re.search(r'value="(\d+)"', option).group(1)) for option in options]
    assert values == [this_year.id, last_year.id]
    assert "selected" in options[0] and "selected" not in options[1]
    assert f'href="/events/{event.id}/copy"' in client.get(f"/events/{event.id}").get_data(
        as_text=True
    )


def test_copy_an_event_with_its_run_sheet(client, organiser, tree, last_year, this_year, db):
    source = _event(db, "Ngày hội đọc sách", last_year)
    before = _snapshot(db, last_year.id)
    response = client.post(f"/events/{source.id}/copy", data={"campaign_id": this_year.id})
    assert response.status_code == 303
    copy = _event(db, "Ngày hội đọc sách", this_year)
    assert response.location == f"/events/{copy.id}"
    assert copy.date == D(2024, 10, 2)  # Wednesday of the 2023 week → Wednesday of 2024's
    assert (copy.unit_id, copy.number, copy.co_host, copy.start_time, copy.format) == (
        tree["school"].id,
        "5",
        "Hội Khuyến học xã",
        T(14, 0),
        EventFormat.HYBRID,
    )
    assert copy.report_row_id == source.report_row_id  # both campaigns use the default template
    assert [
        (i.position, i.start_time, i.end_time, i.content, i.performer) for i in copy.program
    ] == [
        (1, T(14, 0), T(14, 15), "Khai mạc ngày hội", "Hiệu trưởng"),
        (2, T(14, 15), None, "Trao đổi sách", ""),
    ]
    assert _snapshot(db, last_year.id) == before
    html = client.get(response.location).get_data(as_text=True)
    assert "02/10/2024" in _flash(html) and "Trao đổi sách" in html


def test_copy_an_event_within_its_own_campaign(client, organiser, last_year, db):
    source = _event(db, "Lễ khai mạc Tuần lễ", last_year)
    response = client.post(f"/events/{source.id}/copy", data={"campaign_id": last_year.id})
    assert response.status_code == 303
    copies = db.session.scalars(
        select(Event).where(Event.title == "Lễ khai mạc Tuần lễ").order_by(Event.id)
    ).all()
    assert len(copies) == 2
    assert copies[1].date == copies[0].date == D(2023, 10, 2)
    assert len(copies[1].program) == 3


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("999999", "Lựa chọn không hợp lệ."),
        ("sibling", "Lựa chọn không hợp lệ."),  # a campaign out of sight
        ("abc", "Lựa chọn không hợp lệ."),
        ("", "Trường này là bắt buộc."),
    ],
)
def test_event_copy_refuses_a_campaign_not_offered(
    client, organiser, tree, last_year, make_campaign, db, value, message
):
    if value == "sibling":
        value = str(make_campaign(tree["sibling"], year=2025).id)
    source = _event(db, "Ngày hội đọc sách", last_year)
    before = (_count(db, Event), _count(db, ProgramItem))
    response = client.post(f"/events/{source.id}/copy", data={"campaign_id": value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert (_count(db, Event), _count(db, ProgramItem)) == before


def test_event_copy_permissions(client, auth, tree, last_year, this_year, make_user, db):
    event = _event(db, "Ngày hội đọc sách", last_year)
    url, data = f"/events/{event.id}/copy", {"campaign_id": this_year.id}
    assert client.get(url).location.startswith("/login")
    auth.login(make_user(tree["district"], Role.CHECKIN_STAFF))
    assert client.get(url).status_code == 403
    assert client.post(url, data=data).status_code == 403
    auth.logout()
    auth.login(make_user(tree["sibling"], Role.ORGANISER))
    assert client.get(url).status_code == 404
    assert client.post(url, data=data).status_code == 404
    assert _count(db, Event) == 4


@pytest.mark.parametrize(
    "path", ["/campaigns/{c}/copy", "/events/{e}/copy"], ids=["campaign", "event"]
)
def test_anonymous_users_are_sent_to_login(client, last_year, db, path):
    event = _event(db, "Ngày hội đọc sách", last_year)
    response = client.get(path.format(c=last_year.id, e=event.id))
    assert response.status_code == 302 and response.location.startswith("/login")
    response = client.post(path.format(c=last_year.id, e=event.id), data={"campaign_id": "1"})
    assert response.status_code == 302 and response.location.startswith("/login")


def test_categories_follow_their_label_into_another_template(tree, last_year, this_year, db):
    template = ReportTemplate(name="Mẫu tổng hợp số liệu của tỉnh (2024)")
    for position, label in enumerate(["Hội sách, đường sách, phố sách", "hoạt động  văn nghệ"], 1):
        template.rows.append(
            ReportRow(position=position, label=label, source=RowSource.EVENTS, is_category=True)
        )
    this_year.report_template = template
    db.session.commit()
    book_fair, show, sport = (
        _event(db, "Ngày hội đọc sách", last_year),
        _event(db, "Tuyên truyền trước Tuần lễ", last_year),
        _event(db, "Lễ khai mạc Tuần lễ", last_year),
    )
    show.report_row = _category(last_year, "Hoạt động văn nghệ")
    sport.report_row = _category(last_year, "Hoạt động thể dục thể thao")

    copies = [copy_event(event, this_year) for event in (book_fair, show, sport)]
    assert [copy.report_row for copy in copies] == [template.rows[0], template.rows[1], None]
    # the same template keeps the very row
    assert copy_event(sport, last_year).report_row == sport.report_row


# --- one performer in two places at once ------------------------------------------------------


@pytest.fixture
def ceremony(tree, this_year, make_event, make_item):
    event = make_event(
        this_year,
        tree["district"],
        kind=EventKind.OPENING,
        title="Lễ khai mạc Tuần lễ",
        date=D(2024, 9, 30),
        start_time=T(7, 30),
    )
    make_item(event, "Văn nghệ chào mừng.", T(7, 30), T(8, 0), "Trường THCS Phủ Thông")
    speech = make_item(event, "Diễn văn khai mạc", T(8, 10), T(8, 25), "Lãnh đạo UBND huyện.")
    return {"event": event, "speech": speech}


def _hints(html: str, item_id: int) -> list[str]:
    """The warning hints in one run-sheet row."""
    row = re.search(rf'<tr id="item-{item_id}".*?</tr>', html, re.S).group(0)
    return re.findall(r'<p class="hint hint--warn">(.*?)</p>', row, re.S)


def test_a_performer_due_elsewhere_at_the_same_time_is_pointed_out(
    client, organiser, tree, this_year, ceremony, make_event, make_item
):
    other = make_event(this_year, tree["school"], title="Tọa đàm khuyến học", date=D(2024, 9, 30))
    make_item(other, "Phát biểu chỉ đạo", T(8, 0), T(8, 30), "lãnh đạo  UBND huyện")
    make_item(other, "Giao lưu", T(8, 30), T(9, 0), "Lãnh đạo UBND huyện")

    html = client.get(f"/events/{ceremony['event'].id}").get_data(as_text=True)
    (hint,) = _hints(html, ceremony["speech"].id)
    assert hint.startswith("⚠ Lãnh đạo UBND huyện ")  # without its final "."
    assert "“Phát biểu chỉ đạo”" in hint and "8h00-8h30" in hint and "Tọa đàm khuyến học" in hint
    assert "Giao lưu" not in hint  # 8h30 starts after the speech ends at 8h25

    # and the other way round, on the other event's page
    html = client.get(f"/events/{other.id}").get_data(as_text=True)
    assert any("Diễn văn khai mạc" in hint for hint in _hints(html, other.program[0].id))
    assert _hints(html, other.program[1].id) == []


@pytest.mark.parametrize(
    ("case", "start", "end"),
    [
        ("another day", T(8, 0), T(8, 30)),
        ("touching times", T(8, 25), T(8, 40)),
        ("another campaign", T(8, 0), T(8, 30)),
        ("outside the subtree", T(8, 0), T(8, 30)),
        ("an archived event", T(8, 0), T(8, 30)),
    ],
)
def test_no_hint_without_a_real_clash(
    client, organiser, tree, last_year, this_year, ceremony, make_event, make_item, db,
    case, start, end,
):  # fmt: skip
    campaign = last_year if case == "another campaign" else this_year
    host = tree["other"] if case == "outside the subtree" else tree["school"]
    date = D(2024, 10, 1) if case == "another day" else D(2024, 9, 30)
    other = make_event(campaign, host, title="Tọa đàm khuyến học", date=date)
    make_item(other, "Phát biểu chỉ đạo", start, end, "Lãnh đạo UBND huyện.")
    if case == "an archived event":
        other.archived_at = dt.datetime(2024, 9, 20, 3, 0)
        db.session.commit()
    html = client.get(f"/events/{ceremony['event'].id}").get_data(as_text=True)
    assert _hints(html, ceremony["speech"].id) == []
    assert "Tọa đàm khuyến học" not in html


def test_the_hint_appears_when_a_row_is_added(
    client, organiser, tree, this_year, ceremony, make_event, make_item
):
    other = make_event(this_year, tree["school"], title="Tọa đàm khuyến học", date=D(2024, 9, 30))
    make_item(other, "Phát biểu chỉ đạo", T(9, 0), T(9, 30), "Lãnh đạo UBND huyện")
    response = client.post(
        f"/events/{ceremony['event'].id}/program",
        data={"time": "9h15-9h45", "content": "Trao thưởng", "performer": "Lãnh đạo UBND huyện"},
        htmx=True,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    new_row = max(int(i) for i in re.findall(r'<tr id="item-(\d+)"', html))
    (hint,) = _hints(html, new_row)
    assert "Phát biểu chỉ đạo" in hint and "9h00-9h30" in hint


def test_other_events_rows_are_loaded_in_one_query(
    client, organiser, tree, this_year, ceremony, make_event, make_item, db
):
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    def queries_for_event_page() -> int:
        statements.clear()
        sa_event.listen(db.engine, "before_cursor_execute", record)
        try:
            html = client.get(f"/events/{ceremony['event'].id}").get_data(as_text=True)
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", record)
        assert _hints(html, ceremony["speech"].id)
        return len(statements)

    def add_clashing_event(n: int) -> None:
        other = make_event(this_year, tree["school"], title=f"Tọa đàm {n}", date=D(2024, 9, 30))
        make_item(other, f"Phát biểu {n}", T(8, 0), T(8, 30), "Lãnh đạo UBND huyện.")

    add_clashing_event(1)
    with_one = queries_for_event_page()
    for n in range(2, 6):
        add_clashing_event(n)
    assert queries_for_event_page() == with_one

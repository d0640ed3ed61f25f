"""Campaign pages, the week's schedule with inline add/edit/delete, and their permissions."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.schedule.models import Campaign, Event, EventKind
from app.units.models import Role, UnitKind
from tests.conftest import assert_fragment


@pytest.fixture
def tree(make_unit):
    city = make_unit(name="Sở GD&ĐT Hà Nội", kind=UnitKind.PROVINCIAL_DEPARTMENT, code="SO-HN")
    district = make_unit(
        city, name="Phòng GD&ĐT quận Đống Đa", kind=UnitKind.DISTRICT_OFFICE, code="PGD-DD"
    )
    sibling = make_unit(
        city, name="Phòng GD&ĐT quận Ba Đình", kind=UnitKind.DISTRICT_OFFICE, code="PGD-BD"
    )
    school = make_unit(
        district, name="Trường Tiểu học Cát Linh", kind=UnitKind.PRIMARY, code="TH-CL"
    )
    other = make_unit(sibling, name="Trường Tiểu học Ba Đình", kind=UnitKind.PRIMARY, code="TH-BD")
    return {
        "city": city,
        "district": district,
        "sibling": sibling,
        "school": school,
        "other": other,
    }


@pytest.fixture
def campaign(tree, make_campaign):
    return make_campaign(tree["district"], year=2024)


@pytest.fixture
def organiser(tree, make_user, auth):
    user = make_user(tree["district"], Role.ORGANISER, name="Trần Minh Đức")
    auth.login(user)
    return user


def _event_data(unit, **overrides):
    data = {
        "kind": "activity",
        "number": "3",
        "title": "Giáo dục địa phương cho học sinh khối 4",
        "unit_id": unit.id,
        "co_host": "",
        "date": "01/10",
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


def _events(db):
    db.session.expire_all()
    return db.session.scalars(select(Event).order_by(Event.id)).all()


def test_create_a_campaign_with_vietnamese_dates(client, organiser, tree, db):
    response = client.post(
        "/campaigns/new",
        data={
            "name": "Tuần lễ hưởng ứng học tập suốt đời năm 2024",
            "year": "2024",
            "theme": "Phát triển văn hóa đọc thúc đẩy học tập suốt đời",
            "start_date": "01/10/2024",
            "end_date": "7/10",
            "report_deadline": "07/10/2024",
            "slogans": "Học tập suốt đời - chìa khóa của mọi thành công.\nHọc để trở thành người công dân tốt.",
        },
    )
    assert response.status_code == 303
    campaign = db.session.scalar(select(Campaign))
    assert campaign.unit_id == tree["district"].id
    assert (campaign.start_date, campaign.end_date) == (dt.date(2024, 10, 1), dt.date(2024, 10, 7))
    assert len(campaign.slogan_list) == 2
    assert campaign.report_template is not None and campaign.report_template.is_default
    html = client.get(response.location).get_data(as_text=True)
    assert "01/10/2024 – 07/10/2024" in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"start_date": "31/9/2024"}, "31/9/2024"),
        ({"end_date": "30/09/2024"}, "Tuần lễ không thể kết thúc trước khi bắt đầu."),
        ({"name": ""}, "Trường này là bắt buộc."),
    ],
)
def test_campaign_form_errors_save_nothing(client, organiser, db, overrides, message):
    data = {
        "name": "Tuần lễ 2024",
        "year": "2024",
        "start_date": "01/10/2024",
        "end_date": "07/10/2024",
    }
    response = client.post("/campaigns/new", data={**data, **overrides})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 0


def test_schedule_page_lists_subtree_events_in_order(client, organiser, tree, campaign, make_event):
    make_event(
        campaign,
        tree["school"],
        title="Hoạt động trải nghiệm khối 5",
        date=dt.date(2024, 10, 2),
        start_time=dt.time(8, 30),
    )
    make_event(
        campaign,
        tree["district"],
        title="Khai mạc Tuần lễ",
        date=dt.date(2024, 9, 30),
        start_time=dt.time(8, 30),
        kind=EventKind.OPENING,
        number="1",
    )
    make_event(
        campaign, tree["other"], title="Hoạt động của trường khác", date=dt.date(2024, 10, 2)
    )
    html = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert html.index("Khai mạc Tuần lễ") < html.index("Hoạt động trải nghiệm khối 5")
    assert "Hoạt động của trường khác" not in html  # a sibling's school
    assert "30/09/2024" in html and "8h30" in html
    # the ceremony one day before the week is flagged, not hidden
    assert "before the campaign's week" in html or "trước" in html


def test_numbers_with_odd_digits_are_ordered_not_refused(
    client, organiser, tree, campaign, make_event
):
    """ "²" and "①" pass str.isdigit() but not int(); "١٢" is Arabic-Indic 12."""
    day = dt.date(2024, 10, 2)
    for number, title in (("²", "Hội thi A"), ("١٢", "Hội thi B"), ("3", "Hội thi C")):
        make_event(campaign, tree["district"], title=title, date=day, number=number)
    response = client.get(f"/campaigns/{campaign.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.index("Hội thi C") < html.index("Hội thi B")  # 3 before 12
    assert "Hội thi A" in html


def test_day_view_groups_by_weekday(client, organiser, tree, campaign, make_event):
    make_event(campaign, tree["school"], title="Ngày hội sách", date=dt.date(2024, 10, 2))
    html = client.get(f"/campaigns/{campaign.id}?view=day").get_data(as_text=True)
    assert "Thứ Tư, 02/10/2024" in html


def test_filters_by_unit_and_category(client, organiser, tree, campaign, make_event, db):
    from app.schedule.services import category_rows

    rows = category_rows(campaign)
    book_fair = next(r for r in rows if r.label.startswith("Hội sách"))
    make_event(campaign, tree["school"], title="Ngày hội sách của trường", report_row=book_fair)
    make_event(campaign, tree["district"], title="Tập huấn của phòng")
    html = assert_fragment(
        client.get(f"/campaigns/{campaign.id}?unit={tree['school'].id}", htmx=True)
    )
    assert "Ngày hội sách của trường" in html and "Tập huấn của phòng" not in html
    html = assert_fragment(
        client.get(f"/campaigns/{campaign.id}?category={book_fair.id}", htmx=True)
    )
    assert "Ngày hội sách của trường" in html and "Tập huấn của phòng" not in html
    # a unit outside the user's subtree is not a filter one may use
    assert client.get(f"/campaigns/{campaign.id}?unit={tree['other'].id}").status_code == 404


def test_inline_add_event(client, organiser, tree, campaign, db):
    assert 'name="title"' in assert_fragment(
        client.get(f"/campaigns/{campaign.id}/events/new", htmx=True)
    )
    response = client.post(
        f"/campaigns/{campaign.id}/events", data=_event_data(tree["school"]), htmx=True
    )
    html = assert_fragment(response)
    assert 'id="schedule" hx-swap-oob="true"' in html
    assert "Giáo dục địa phương cho học sinh khối 4" in html
    event = _events(db)[0]
    assert (event.date, event.start_time, event.unit_id) == (
        dt.date(2024, 10, 1),
        dt.time(8, 15),
        tree["school"].id,
    )
    assert event.number == "3"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "Trường này là bắt buộc."),
        ({"date": "32/10"}, "32/10"),
        ({"start_time": "25h00"}, "25h00"),
        ({"start_time": "9h00", "end_time": "8h00"}, "Giờ kết thúc phải sau giờ bắt đầu."),
        ({"start_time": "", "end_time": "8h00"}, "Cần có giờ bắt đầu khi có giờ kết thúc."),
        ({"expected_attendance": "-5"}, "Số phải nằm trong khoảng"),
    ],
)
def test_inline_add_errors_save_nothing(client, organiser, tree, campaign, db, overrides, message):
    response = client.post(
        f"/campaigns/{campaign.id}/events", data=_event_data(tree["school"], **overrides), htmx=True
    )
    assert message in assert_fragment(response, 422)
    assert _events(db) == []


def test_cannot_host_an_event_at_a_sibling_unit(client, organiser, tree, campaign, db):
    response = client.post(
        f"/campaigns/{campaign.id}/events", data=_event_data(tree["other"]), htmx=True
    )
    assert response.status_code == 422
    assert _events(db) == []


def test_category_must_come_from_the_campaign_template(client, organiser, tree, campaign, db):
    response = client.post(
        f"/campaigns/{campaign.id}/events",
        data=_event_data(tree["school"], report_row_id="999999"),
        htmx=True,
    )
    assert response.status_code == 422
    assert _events(db) == []


def test_inline_edit_and_delete(client, organiser, tree, campaign, make_event, db):
    event = make_event(campaign, tree["school"], title="Ngày hội sách")
    html = assert_fragment(client.get(f"/events/{event.id}/edit", htmx=True))
    assert "Ngày hội sách" in html and 'value="8h30"' in html
    response = client.post(
        f"/events/{event.id}",
        data=_event_data(
            tree["school"],
            title="Ngày hội sách và giao lưu văn hóa đọc",
            start_time="14h30",
            date="02/10/2024",
        ),
        htmx=True,
    )
    html = assert_fragment(response)
    assert response.headers["HX-Retarget"] == "#schedule"
    assert "Ngày hội sách và giao lưu văn hóa đọc" in html and "14h30" in html
    event = _events(db)[0]
    assert (event.date, event.start_time) == (dt.date(2024, 10, 2), dt.time(14, 30))

    response = client.post(f"/events/{event.id}/delete", htmx=True)
    assert "Đã xóa" in assert_fragment(response)
    assert _events(db) == []


def test_venue_conflict_is_pointed_out(client, organiser, tree, campaign, make_event):
    make_event(
        campaign,
        tree["school"],
        title="Hội sách",
        venue_name="Hội trường UBND phường",
        start_time=dt.time(8, 0),
        end_time=dt.time(10, 0),
    )
    make_event(
        campaign,
        tree["district"],
        title="Tọa đàm",
        venue_name="hội trường  UBND phường",
        start_time=dt.time(9, 0),
    )
    html = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert html.count("Cùng địa điểm") == 2
    assert "Cùng địa điểm, cùng thời gian với: Tọa đàm (9h00, " in html


def test_a_row_on_its_own_is_the_schedules_row(client, organiser, tree, campaign, make_event):
    """After a cancelled edit the row comes back exactly as the schedule shows it: number,
    times, host, kind, venue, clash hint (quoting the other event's text escaped), buttons."""
    event = make_event(
        campaign,
        tree["school"],
        title="Hội sách",
        kind=EventKind.OPENING,
        venue_name="Hội trường",
        start_time=dt.time(8, 0),
        end_time=dt.time(10, 0),
        number="3",
    )
    make_event(
        campaign,
        tree["district"],
        title="<b>Tọa đàm</b>",
        venue_name="Hội trường",
        start_time=dt.time(9, 0),
    )
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    start = page.index(f'<tr id="event-{event.id}">')
    listed = page[start : page.index("</tr>", start) + len("</tr>")]
    alone = assert_fragment(client.get(f"/events/{event.id}/row", htmx=True)).strip()
    assert alone == listed
    assert "với: &lt;b&gt;Tọa đàm&lt;/b&gt; (9h00," in alone and "8h00-10h00" in alone
    assert f'hx-get="/events/{event.id}/edit"' in alone
    assert f'hx-get="/events/{event.id}/delete"' in alone
    assert f'href="/events/{event.id}"' in alone


# --- permissions ------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CHECKIN_STAFF, Role.REPORT_OFFICER])
def test_other_roles_see_but_cannot_change_the_schedule(
    client, auth, tree, campaign, make_event, make_user, db, role
):
    event = make_event(campaign, tree["school"])
    auth.login(make_user(tree["district"], role))
    assert client.get(f"/campaigns/{campaign.id}").status_code == 200
    assert client.get(f"/events/{event.id}").status_code == 200
    assert client.get(f"/campaigns/{campaign.id}/events/new").status_code == 403
    assert (
        client.post(
            f"/campaigns/{campaign.id}/events", data=_event_data(tree["school"])
        ).status_code
        == 403
    )
    assert client.get(f"/events/{event.id}/edit").status_code == 403
    assert client.post(f"/events/{event.id}", data=_event_data(tree["school"])).status_code == 403
    assert client.post(f"/events/{event.id}/delete").status_code == 403
    assert client.get("/campaigns/new").status_code == 403
    assert len(_events(db)) == 1


def test_sibling_organiser_cannot_reach_events_or_campaign(
    client, auth, tree, campaign, make_event, make_user, db
):
    event = make_event(campaign, tree["school"], title="Bí mật")
    auth.login(make_user(tree["other"], Role.ORGANISER))
    assert client.get(f"/campaigns/{campaign.id}").status_code == 404
    for path in (f"/events/{event.id}", f"/events/{event.id}/edit", f"/events/{event.id}/row"):
        assert client.get(path).status_code == 404
    assert client.post(f"/events/{event.id}", data=_event_data(tree["other"])).status_code == 404
    assert client.post(f"/events/{event.id}/delete").status_code == 404
    assert client.get(f"/campaigns/{campaign.id}/schedule.pdf").status_code == 404
    assert _events(db)[0].title == "Bí mật"


def test_school_sees_the_campaign_from_above_but_only_its_own_events(
    client, auth, tree, campaign, make_event, make_user
):
    make_event(campaign, tree["district"], title="Sự kiện của phòng")
    make_event(campaign, tree["school"], title="Sự kiện của trường")
    auth.login(make_user(tree["school"], Role.ORGANISER))
    html = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "Sự kiện của trường" in html and "Sự kiện của phòng" not in html
    # a school cannot change the district's campaign settings
    assert client.get(f"/campaigns/{campaign.id}/edit").status_code == 403


def test_parent_watches_a_campaign_launched_below(client, auth, tree, campaign, make_user):
    auth.login(make_user(tree["city"], Role.REPORT_OFFICER))
    assert client.get(f"/campaigns/{campaign.id}").status_code == 200
    assert campaign.name in client.get("/campaigns").get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/campaigns",
        "/campaigns/new",
        "/campaigns/{c}",
        "/campaigns/{c}/edit",
        "/campaigns/{c}/events/new",
        "/events/{e}",
        "/events/{e}/edit",
        "/campaigns/{c}/schedule.docx",
        "/events/{e}/program.pdf",
        "/campaigns/{c}/import",
    ],
)
def test_anonymous_users_are_sent_to_login(client, tree, campaign, make_event, path):
    event = make_event(campaign, tree["school"])
    response = client.get(path.format(c=campaign.id, e=event.id))
    assert response.status_code == 302 and response.location.startswith("/login")

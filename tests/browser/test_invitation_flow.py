"""A delegate opens their QR invitation on a phone and confirms; the organiser sees it."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from app.invitations.groups import save_group
from app.invitations.services import PersonData, invite
from app.schedule.models import EventKind
from app.units.models import Role, UnitKind

pytestmark = pytest.mark.browser


def test_delegate_confirms_from_a_phone_and_the_organiser_sees_it(
    db, open_page, sign_in, make_unit, make_user, make_campaign, make_event, make_item
):
    office = make_unit(name="Phòng GD&ĐT huyện Bạch Thông", kind=UnitKind.DISTRICT_OFFICE)
    make_user(office, Role.ORGANISER, email="bantochuc@example.vn")
    campaign = make_campaign(
        office, year=2023, start_date=dt.date(2023, 10, 2), end_date=dt.date(2023, 10, 8)
    )
    event = make_event(
        campaign,
        office,
        kind=EventKind.OPENING,
        title="Lễ khai mạc Tuần lễ",
        date=dt.date(2023, 10, 2),
        start_time=dt.time(7, 30),
        venue_name="Trường THCS Phủ Thông",
    )
    make_item(event, "Đón tiếp đại biểu.", dt.time(7, 0), dt.time(7, 30))
    group = save_group(None, event, "Cấp huyện", None)
    person = PersonData("Nguyễn Duy Luân", "Phó Chủ tịch UBND huyện", phone="0912345678")
    invitee = invite(event, office, person, group=group)
    db.session.commit()

    phone = open_page({"width": 390, "height": 844})
    phone.goto(f"/i/{invitee.token}")
    expect(phone.get_by_role("heading", name="Giấy mời")).to_be_visible()
    expect(phone.locator("body")).to_contain_text("Nguyễn Duy Luân")
    expect(phone.locator("body")).to_contain_text("Đón tiếp đại biểu.")
    expect(phone.locator("body")).not_to_contain_text("0912")
    expect(phone.locator(".invitation__qr img")).to_be_visible()
    phone.get_by_role("button", name="Tôi sẽ tham dự").click()
    expect(phone.locator("#rsvp")).to_contain_text("Cảm ơn Quý vị")
    expect(phone.locator("#rsvp .rsvp--yes")).to_have_text("Xác nhận tham dự")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    desk = open_page()
    sign_in(desk, "bantochuc@example.vn")
    desk.goto(f"/events/{event.id}/invitees")
    counts = desk.locator(".counts-table tbody tr").filter(has_text="Cấp huyện")
    expect(counts.locator("td").nth(1)).to_have_text("1")  # confirmed


@pytest.fixture
def long_list(db, page, sign_in, monkeypatch, make_unit, make_user, make_campaign, make_event):
    """An opening ceremony whose list is long enough (lowered here to 4 names in all, 3 per
    group) for groups to show their first names only; the organiser signed in on a desktop."""
    from app.invitations import queries

    monkeypatch.setattr(queries, "FULL_LIST_UP_TO", 4)
    monkeypatch.setattr(queries, "GROUP_PAGE", 3)
    office = make_unit(name="Phòng GD&ĐT huyện Bạch Thông", kind=UnitKind.DISTRICT_OFFICE)
    make_user(office, Role.ORGANISER, email="bantochuc@example.vn")
    campaign = make_campaign(
        office, year=2023, start_date=dt.date(2023, 10, 2), end_date=dt.date(2023, 10, 8)
    )
    event = make_event(
        campaign, office, kind=EventKind.OPENING, title="Lễ khai mạc", date=dt.date(2023, 10, 2)
    )
    group = save_group(None, event, "Cấp huyện", None)
    names = ["Nguyễn Duy Luân", "Hà Thị Mai", "Đặng Văn Bình", "Lý Thị Cúc", "Triệu Thị Lành"]
    people = [
        invite(
            event, office, PersonData(name, phone=f"091234500{n}", protocol_rank=n + 1), group=group
        )
        for n, name in enumerate(names)
    ]
    db.session.commit()
    sign_in(page, "bantochuc@example.vn")
    page.goto(f"/events/{event.id}/invitees")
    page.evaluate("window.__noReload = 1")
    return {"event": event, "group": group, "people": people}


def _row(page, name: str):
    return page.locator("#invitee-groups tr[id^=invitation-]").filter(has_text=name)


def test_organiser_edits_a_person_from_their_actions_in_place(page, long_list):
    luan = _row(page, "Nguyễn Duy Luân")
    expect(luan.get_by_role("button")).to_have_count(1)  # one "Actions" button per person
    luan.get_by_role("button", name="Thao tác Nguyễn Duy Luân").click()
    edit = luan.get_by_role("button", name="Sửa")
    expect(edit).to_be_focused()  # the keyboard lands on the first action
    edit.click()
    form = page.locator("#invitee-groups tr.editing form")
    form.locator("#phone").fill("0988 777 666")
    form.get_by_role("button", name="Lưu").click()
    expect(luan).to_contain_text("0988 777 666")
    expect(luan.get_by_role("button")).to_have_count(1)  # the row as the list shows it

    # Cancel puts the row back as it was
    _row(page, "Hà Thị Mai").get_by_role("button", name="Thao tác Hà Thị Mai").click()
    _row(page, "Hà Thị Mai").get_by_role("button", name="Sửa").click()
    page.locator("#invitee-groups tr.editing").get_by_role("link", name="Hủy").click()
    expect(page.locator("#invitee-groups tr.editing")).to_have_count(0)
    expect(_row(page, "Hà Thị Mai")).to_contain_text("0912 345 001")

    # a new QR code, confirmed, answers in the row; removing someone updates the counts
    page.on("dialog", lambda dialog: dialog.accept())
    _row(page, "Hà Thị Mai").get_by_role("button", name="Thao tác Hà Thị Mai").click()
    _row(page, "Hà Thị Mai").get_by_role("button", name="Thu hồi QR").click()
    expect(_row(page, "Hà Thị Mai")).to_contain_text("Đã thu hồi QR")
    expect(page.locator("#invitee-groups [role=status]")).to_contain_text("Hà Thị Mai")
    _row(page, "Đặng Văn Bình").get_by_role("button", name="Thao tác Đặng Văn Bình").click()
    _row(page, "Đặng Văn Bình").get_by_role("button", name="Xóa").click()
    page.locator("#invitee-groups tr.confirm-row").get_by_role("button", name="Xóa").click()
    expect(_row(page, "Đặng Văn Bình")).to_have_count(0)
    counts = page.locator(".counts-table tbody tr").filter(has_text="Cấp huyện")
    expect(counts.locator("td").nth(0)).to_have_text("4")
    assert page.evaluate("window.__noReload") == 1


def test_organiser_finds_anyone_in_a_long_list_on_a_phone_and_prints_it(
    page, open_page, sign_in, long_list
):
    group = page.locator(f"#group-{long_list['group'].id}")
    expect(group.locator("tbody tr[id^=invitation-]")).to_have_count(3)
    expect(_row(page, "Triệu Thị Lành")).to_have_count(0)
    # on paper, the page says what it left out, without buttons
    page.emulate_media(media="print")
    expect(group.locator(".more-row")).to_be_visible()
    expect(group.locator(".more-row button")).to_be_hidden()
    expect(group.locator(".actions").first).to_be_hidden()
    page.emulate_media(media="screen")

    group.locator(".more-row button").click()
    expect(group.locator("tbody tr[id^=invitation-]")).to_have_count(5)
    expect(_row(page, "Triệu Thị Lành")).to_be_visible()

    phone = open_page({"width": 390, "height": 844})
    sign_in(phone, "bantochuc@example.vn")
    phone.goto(f"/events/{long_list['event'].id}/invitees")
    phone.locator("input[name=q]").first.fill("lanh")  # without accents
    rows = phone.locator("#invitee-groups tbody tr[id^=invitation-]")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Triệu Thị Lành")
    rows.get_by_role("button", name="Thao tác Triệu Thị Lành").click()
    expect(rows.get_by_role("button", name="Sửa")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

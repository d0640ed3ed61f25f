"""A delegate opens their QR invitation on a phone and confirms; the organiser sees it."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from app.invitations.services import PersonData, invite, save_group
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

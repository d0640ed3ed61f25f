"""An administrator adds and edits units inline, without the page reloading."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.units.models import Role, UnitKind

pytestmark = pytest.mark.browser


@pytest.fixture
def admin_on_units_page(page, sign_in, make_unit, make_user):
    """An administrator of a district office, on the units page, with a reload tripwire."""
    office = make_unit(name="Phòng GD&ĐT huyện Bình Chánh", kind=UnitKind.DISTRICT_OFFICE)
    make_user(office, Role.ADMIN, email="admin@example.vn")
    sign_in(page, "admin@example.vn")
    page.goto("/admin/units")
    expect(page.get_by_role("row").filter(has_text="Phòng GD&ĐT huyện Bình Chánh")).to_be_visible()
    # A full page load would start a new window object and lose this.
    page.evaluate("window.__noReload = 1")
    return office


def assert_not_reloaded(page):
    assert page.evaluate("window.__noReload") == 1, "the page was reloaded"


def test_add_then_edit_a_unit_inline(page, admin_on_units_page):
    office = admin_on_units_page

    page.get_by_role("button", name="Thêm đơn vị").click()
    page.locator("#name").fill("Trường THCS Tân Túc")
    page.locator("#kind").select_option("thcs")
    page.locator("#code").fill("THCS-TT")
    page.locator("#parent_id").select_option(str(office.id))
    page.get_by_role("button", name="Lưu", exact=True).click()

    row = page.locator("#unit-table").get_by_role("row").filter(has_text="Trường THCS Tân Túc")
    expect(row).to_be_visible()
    expect(row).to_contain_text("THCS-TT")
    expect(page.locator("#unit-new form")).to_have_count(0)
    assert_not_reloaded(page)

    row.get_by_role("button", name="Sửa", exact=True).click()
    name = page.locator("#unit-table #name")
    expect(name).to_have_value("Trường THCS Tân Túc")
    name.fill("Trường THCS Tân Túc (cơ sở 2)")
    page.get_by_role("button", name="Lưu", exact=True).click()

    renamed = page.locator("#unit-table").get_by_role("row").filter(has_text="(cơ sở 2)")
    expect(renamed).to_be_visible()
    expect(renamed).to_contain_text("THCS-TT")
    expect(page.locator("#unit-table form")).to_have_count(0)
    assert_not_reloaded(page)


def test_an_empty_name_is_shown_in_the_inline_form(page, admin_on_units_page):
    page.get_by_role("button", name="Thêm đơn vị").click()
    page.locator("#code").fill("THCS-TT")
    page.get_by_role("button", name="Lưu", exact=True).click()

    form = page.locator("#unit-new form")
    expect(form.locator(".field--error .field__errors")).to_be_visible()
    expect(form.locator("#name")).to_have_attribute("aria-invalid", "true")
    expect(form.locator("#code")).to_have_value("THCS-TT")
    expect(page.locator("#unit-table")).not_to_contain_text("THCS-TT")
    assert_not_reloaded(page)


def test_a_network_failure_is_reported(page, admin_on_units_page):
    banner = page.locator("#htmx-error")
    expect(banner).to_be_hidden()
    page.route("**/admin/units/new", lambda route: route.abort())

    page.get_by_role("button", name="Thêm đơn vị").click()

    expect(banner).to_be_visible()
    expect(banner).not_to_have_attribute("hidden", "")
    expect(banner).to_contain_text(banner.get_attribute("data-network"))
    expect(page.locator("#unit-new")).to_be_empty()
    assert_not_reloaded(page)

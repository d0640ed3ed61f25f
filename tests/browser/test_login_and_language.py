"""Signing in, the Vietnamese default, switching language, and the dashboard on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.units.models import Role, UnitKind

pytestmark = pytest.mark.browser


def test_sign_in_in_vietnamese_then_switch_to_english_and_back(
    page, open_page, sign_in, live_server, factories, make_unit, make_user
):
    unit = make_unit(name="Trường THCS Nguyễn Du", kind=UnitKind.LOWER_SECONDARY)
    make_user(unit, Role.ORGANISER, name="Trần Thị Mai", email="mai@example.vn")
    heading = page.get_by_role("heading", level=1)

    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(heading).to_have_text("Đăng nhập")
    page.locator("#email").fill("mai@example.vn")
    page.locator("#password").fill(factories.password)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()

    expect(page).to_have_url(f"{live_server}/")
    expect(heading).to_have_text("Xin chào, Trần Thị Mai")
    expect(page.get_by_role("main")).to_contain_text("Trường THCS Nguyễn Du")

    page.get_by_role("button", name="English", exact=True).click()
    expect(heading).to_have_text("Hello, Trần Thị Mai")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.reload()
    expect(heading).to_have_text("Hello, Trần Thị Mai")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # The choice is stored on the account: signing in on another computer opens in English.
    elsewhere = open_page()
    sign_in(elsewhere, "mai@example.vn")
    expect(elsewhere.get_by_role("heading", level=1)).to_have_text("Hello, Trần Thị Mai")

    page.get_by_role("button", name="Tiếng Việt", exact=True).click()
    expect(heading).to_have_text("Xin chào, Trần Thị Mai")
    expect(page.locator("html")).to_have_attribute("lang", "vi")


def test_wrong_password_is_refused_in_vietnamese(page, make_unit, make_user):
    make_user(make_unit(), email="lan@example.vn")

    page.goto("/login")
    page.locator("#email").fill("lan@example.vn")
    page.locator("#password").fill("not-the-password")
    page.get_by_role("button", name="Đăng nhập", exact=True).click()

    expect(page.get_by_text("Sai e-mail hoặc mật khẩu, hoặc tài khoản đã bị khóa.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập")


def test_dashboard_fits_a_phone_screen(phone_page, sign_in, make_unit, make_user):
    # The longest kind of unit name and an administrator's full menu: the widest header.
    unit = make_unit(
        name="Trung tâm Giáo dục nghề nghiệp – Giáo dục thường xuyên huyện Bình Chánh",
        kind=UnitKind.CONTINUING_EDUCATION,
    )
    make_user(unit, Role.ADMIN, name="Nguyễn Thị Phương Thảo", email="thao@example.vn")

    sign_in(phone_page, "thao@example.vn")

    expect(phone_page.get_by_role("heading", level=1)).to_have_text(
        "Xin chào, Nguyễn Thị Phương Thảo"
    )
    overflow = phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a 390px-wide phone"

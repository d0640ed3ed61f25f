"""Signing in and out, password changes, language choice, CSRF and rate limits."""

import pytest

from app.units.models import Role, UnitKind
from tests.conftest import TEST_PASSWORD


@pytest.fixture
def school(make_unit):
    return make_unit(name="Trường THCS Phủ Thông", kind=UnitKind.LOWER_SECONDARY, code="THCS-PT")


def test_login_page_is_vietnamese_by_default(client):
    response = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="vi">' in html
    assert "Đăng nhập" in html


def test_dashboard_needs_a_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_login_then_dashboard_shows_unit_and_role(client, auth, school, make_user):
    user = make_user(school, Role.ORGANISER, name="Nông Thị Hoa")
    auth.login(user)
    html = client.get("/").get_data(as_text=True)
    assert "Xin chào, Nông Thị Hoa" in html
    assert "Trường THCS Phủ Thông" in html
    assert "Ban tổ chức" in html


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("nobody@example.vn", TEST_PASSWORD),
        ("{email}", "wrong-password"),
    ],
)
def test_wrong_credentials_are_refused_in_vietnamese(client, school, make_user, email, password):
    user = make_user(school)
    response = client.post(
        "/login", data={"email": email.format(email=user.email), "password": password}
    )
    assert response.status_code == 422
    assert "Sai e-mail hoặc mật khẩu" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_deactivated_account_cannot_sign_in(client, school, make_user):
    user = make_user(school, active=False)
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 422


def test_email_is_case_insensitive(client, school, make_user):
    make_user(school, email="hoa@example.vn")
    response = client.post("/login", data={"email": "HOA@Example.vn", "password": TEST_PASSWORD})
    assert response.status_code == 302


def test_next_only_goes_to_this_site(client, school, make_user):
    user = make_user(school)
    data = {"email": user.email, "password": TEST_PASSWORD}
    response = client.post("/login?next=https://evil.example/steal", data=data)
    assert response.location == "/"
    client.post("/logout")
    response = client.post("/login?next=/admin/units", data=data)
    assert response.location == "/admin/units"


def test_login_without_csrf_token_is_refused(client, school, make_user):
    user = make_user(school)
    response = client.post(
        "/login", data={"email": user.email, "password": TEST_PASSWORD}, csrf=False
    )
    assert response.status_code == 400
    assert "Biểu mẫu đã hết hạn" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_logout_ends_the_session(client, auth, school, make_user):
    auth.login(make_user(school))
    assert client.get("/").status_code == 200
    response = client.post("/logout")
    assert response.status_code == 303
    assert client.get("/").status_code == 302


def test_logout_is_not_a_get(client, auth, school, make_user):
    auth.login(make_user(school))
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_password_change_ends_other_sessions(app, client, auth, school, make_user):
    user = make_user(school)
    other = app.test_client()
    other.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert other.get("/").status_code == 200

    auth.login(user)
    response = client.post(
        "/account/password",
        data={"current": TEST_PASSWORD, "new": "mat-khau-moi-2024", "confirm": "mat-khau-moi-2024"},
    )
    assert response.status_code == 303
    assert client.get("/").status_code == 200  # this session goes on
    assert other.get("/").status_code == 302  # the other one ended
    client.post("/logout")
    assert (
        client.post("/login", data={"email": user.email, "password": TEST_PASSWORD}).status_code
        == 422
    )
    auth.login(user, password="mat-khau-moi-2024")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"current": "wrong", "new": "mat-khau-moi-2024", "confirm": "mat-khau-moi-2024"},
            "Mật khẩu hiện tại không đúng.",
        ),
        ({"current": TEST_PASSWORD, "new": "ngan", "confirm": "ngan"}, "Cần ít nhất 10 ký tự."),
        (
            {"current": TEST_PASSWORD, "new": "mat-khau-moi-2024", "confirm": "khac-hoan-toan-1"},
            "Hai mật khẩu không khớp nhau.",
        ),
        ({"current": TEST_PASSWORD, "new": "", "confirm": ""}, "Trường này là bắt buộc."),
    ],
)
def test_password_change_errors(client, auth, school, make_user, data, message):
    user = make_user(school)
    auth.login(user)
    response = client.post("/account/password", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    client.post("/logout")
    auth.login(user)  # the old password still works


def test_language_switch_is_stored_on_the_account(app, client, auth, school, make_user):
    user = make_user(school, name="Lý Văn Minh")
    auth.login(user)
    response = client.post("/language/en", data={"next": "/"})
    assert response.status_code == 303
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Hello, Lý Văn Minh" in html

    # another browser: the account's choice follows the user
    other = app.test_client()
    other.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert "Hello, Lý Văn Minh" in other.get("/").get_data(as_text=True)

    client.post("/language/vi", data={"next": "/"})
    assert "Xin chào, Lý Văn Minh" in client.get("/").get_data(as_text=True)


def test_language_before_signing_in_lasts_the_session(client):
    client.post("/language/en", data={"next": "/login"})
    assert "Sign in" in client.get("/login").get_data(as_text=True)


def test_unknown_language_changes_nothing(client):
    client.post("/language/fr", data={"next": "/login"})
    assert '<html lang="vi">' in client.get("/login").get_data(as_text=True)


def test_sign_in_is_rate_limited(limited_app):
    client = limited_app.test_client()
    data = {"email": "a@example.vn", "password": "x"}
    statuses = [client.post("/login", data=data).status_code for _ in range(4)]
    assert statuses == [422, 422, 422, 429]
    response = client.post("/login", data=data)
    assert "Bạn đã thử quá nhiều lần" in response.get_data(as_text=True)
    assert client.get("/login").status_code == 200  # reading the page is not limited

"""Administrator pages for user accounts of the subtree."""

import pytest
from sqlalchemy import select

from app.units.models import Role, UnitKind, User
from tests.conftest import TEST_PASSWORD, assert_fragment


@pytest.fixture
def tree(make_unit):
    province = make_unit(name="Sở GD&ĐT Hà Nội", kind=UnitKind.PROVINCIAL_DEPARTMENT, code="SO-HN")
    district = make_unit(
        province, name="Phòng GD&ĐT Đống Đa", kind=UnitKind.DISTRICT_OFFICE, code="PGD-DD"
    )
    sibling = make_unit(
        province, name="Phòng GD&ĐT Ba Đình", kind=UnitKind.DISTRICT_OFFICE, code="PGD-BD"
    )
    school = make_unit(
        district, name="Trường Tiểu học Cát Linh", kind=UnitKind.PRIMARY, code="TH-CL"
    )
    return {"province": province, "district": district, "sibling": sibling, "school": school}


@pytest.fixture
def admin(tree, make_user, auth):
    user = make_user(tree["district"], Role.ADMIN, name="Nguyễn Thu Hà")
    auth.login(user)
    return user


def _user(db, email):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def _data(unit, **overrides):
    data = {
        "name": "Trần Minh Đức",
        "email": "duc@example.vn",
        "unit_id": unit.id,
        "role": "organiser",
        "locale": "vi",
        "active": "y",
        "password": "mat-khau-du-dai",
    }
    data.update(overrides)
    return data


def test_users_page_lists_subtree_accounts_only(client, admin, tree, make_user):
    make_user(tree["school"], Role.CHECKIN_STAFF, name="Lê Văn Điểm")
    make_user(tree["sibling"], Role.ADMIN, name="Người Ba Đình")
    make_user(tree["province"], Role.ADMIN, name="Người Sở")
    html = client.get("/admin/users").get_data(as_text=True)
    assert "Lê Văn Điểm" in html and "Nguyễn Thu Hà" in html
    assert "Người Ba Đình" not in html
    assert "Người Sở" not in html


def test_inline_create_account_that_can_sign_in(app, client, admin, tree, db):
    response = client.post("/admin/users", data=_data(tree["school"]), htmx=True)
    html = assert_fragment(response)
    assert "Đã tạo tài khoản." in html and "Trần Minh Đức" in html
    user = _user(db, "duc@example.vn")
    assert user.role is Role.ORGANISER and user.unit_id == tree["school"].id
    other = app.test_client()
    assert (
        other.post(
            "/login", data={"email": "duc@example.vn", "password": "mat-khau-du-dai"}
        ).status_code
        == 302
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "Trường này là bắt buộc."),
        ({"email": "not-an-email"}, "Địa chỉ e-mail không hợp lệ."),
        ({"password": ""}, "Tài khoản mới cần có mật khẩu."),
        ({"password": "ngan"}, "Cần ít nhất 10 ký tự."),
        ({"role": "superuser"}, "Lựa chọn không hợp lệ."),
        ({"email": "{admin_email}"}, "đã được một tài khoản khác sử dụng"),
    ],
)
def test_inline_create_errors_change_nothing(client, admin, tree, db, overrides, message):
    overrides = {k: v.format(admin_email=admin.email.upper()) for k, v in overrides.items()}
    count = len(db.session.scalars(select(User)).all())
    response = client.post("/admin/users", data=_data(tree["school"], **overrides), htmx=True)
    assert message in assert_fragment(response, 422)
    assert len(db.session.scalars(select(User)).all()) == count


def test_cannot_create_account_in_a_sibling_unit(client, admin, tree, db):
    response = client.post("/admin/users", data=_data(tree["sibling"]), htmx=True)
    assert response.status_code == 422
    assert _user(db, "duc@example.vn") is None


def test_inline_edit_changes_role_and_can_deactivate(app, client, admin, tree, db, make_user):
    staff = make_user(tree["school"], Role.CHECKIN_STAFF, email="staff@example.vn")
    session = app.test_client()
    session.post("/login", data={"email": staff.email, "password": TEST_PASSWORD})
    assert session.get("/").status_code == 200

    html = assert_fragment(client.get(f"/admin/users/{staff.id}/edit", htmx=True))
    assert 'value="staff@example.vn"' in html
    data = _data(
        tree["school"], name=staff.name, email=staff.email, role="report_officer", password=""
    )
    del data["active"]  # unticked checkbox
    html = assert_fragment(client.post(f"/admin/users/{staff.id}", data=data, htmx=True))
    assert "Đã khóa" in html and "Cán bộ tổng hợp báo cáo" in html
    user = _user(db, "staff@example.vn")
    assert user.role is Role.REPORT_OFFICER and not user.active
    assert user.check_password(TEST_PASSWORD)  # empty password field keeps the password
    assert session.get("/").status_code == 302  # the deactivated user's session ended


def test_admin_sets_a_new_password(app, client, admin, tree, db, make_user):
    staff = make_user(tree["school"], Role.CHECKIN_STAFF)
    data = _data(
        tree["school"],
        name=staff.name,
        email=staff.email,
        role="checkin_staff",
        password="mat-khau-moi-123",
    )
    assert client.post(f"/admin/users/{staff.id}", data=data, htmx=True).status_code == 200
    assert _user(db, staff.email).check_password("mat-khau-moi-123")


def test_admin_cannot_lock_themselves_out(client, admin, tree, db):
    data = _data(tree["district"], name=admin.name, email=admin.email, role="admin", password="")
    del data["active"]
    response = client.post(f"/admin/users/{admin.id}", data=data, htmx=True)
    assert "Bạn không thể tự khóa tài khoản của mình." in assert_fragment(response, 422)
    data = _data(
        tree["district"], name=admin.name, email=admin.email, role="organiser", password=""
    )
    response = client.post(f"/admin/users/{admin.id}", data=data, htmx=True)
    assert "Bạn không thể tự đổi vai trò hoặc đơn vị của mình." in assert_fragment(response, 422)
    user = _user(db, admin.email)
    assert user.active and user.role is Role.ADMIN


@pytest.mark.parametrize("where", ["sibling", "province"])
@pytest.mark.parametrize(
    "path", ["/admin/users/{id}/edit", "/admin/users/{id}/row", "/admin/users/{id}"]
)
def test_accounts_outside_the_subtree_are_not_found(
    client, admin, tree, db, make_user, where, path
):
    outsider = make_user(tree[where], Role.ORGANISER, email=f"out-{where}@example.vn")
    url = path.format(id=outsider.id)
    if path.endswith("{id}"):
        response = client.post(
            url, data=_data(tree["school"], email=outsider.email, role="admin"), htmx=True
        )
    else:
        response = client.get(url, htmx=True)
    assert response.status_code == 404
    user = _user(db, outsider.email)
    assert user.role is Role.ORGANISER and user.unit_id == tree[where].id


@pytest.mark.parametrize("role", [Role.ORGANISER, Role.CHECKIN_STAFF, Role.REPORT_OFFICER])
def test_only_administrators_manage_accounts(client, auth, tree, make_user, role):
    user = make_user(tree["district"], role)
    auth.login(user)
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/users/new").status_code == 403
    assert client.get(f"/admin/users/{user.id}/edit").status_code == 403
    assert client.post("/admin/users", data=_data(tree["school"])).status_code == 403
    assert (
        client.post(
            f"/admin/users/{user.id}", data=_data(tree["district"], role="admin")
        ).status_code
        == 403
    )

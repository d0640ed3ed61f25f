"""Administrator pages for the unit tree: pages, htmx fragments, validation, permissions."""

import pytest
from sqlalchemy import select

from app.units.models import Role, Unit, UnitKind
from tests.conftest import assert_fragment


@pytest.fixture
def tree(make_unit):
    province = make_unit(name="Sở GD&ĐT Bắc Kạn", kind=UnitKind.PROVINCIAL_DEPARTMENT, code="SO-BK")
    district = make_unit(
        province, name="Phòng GD&ĐT Bạch Thông", kind=UnitKind.DISTRICT_OFFICE, code="PGD-BT"
    )
    sibling = make_unit(
        province, name="Phòng GD&ĐT Chợ Đồn", kind=UnitKind.DISTRICT_OFFICE, code="PGD-CD"
    )
    school = make_unit(district, name="Trường THCS Phủ Thông", code="THCS-PT")
    other_school = make_unit(sibling, name="Trường THCS Bằng Lũng", code="THCS-BL")
    return {
        "province": province,
        "district": district,
        "sibling": sibling,
        "school": school,
        "other_school": other_school,
    }


@pytest.fixture
def admin(tree, make_user, auth):
    user = make_user(tree["district"], Role.ADMIN, name="Hoàng Văn Quản")
    auth.login(user)
    return user


def _unit(db, code):
    db.session.expire_all()
    return db.session.scalar(select(Unit).where(Unit.code == code))


def test_units_page_lists_own_subtree_only(client, admin, tree):
    html = client.get("/admin/units").get_data(as_text=True)
    assert "Phòng GD&amp;ĐT Bạch Thông" in html
    assert "Trường THCS Phủ Thông" in html
    assert "Chợ Đồn" not in html  # sibling
    assert "Bằng Lũng" not in html  # sibling's school
    assert "Sở GD&amp;ĐT Bắc Kạn" not in html  # parent


def test_new_unit_form_is_a_fragment(client, admin):
    html = assert_fragment(client.get("/admin/units/new", htmx=True))
    assert 'name="code"' in html


def test_inline_create_adds_a_unit_below(client, admin, tree, db):
    response = client.post(
        "/admin/units",
        data={
            "name": "Trường TH Phủ Thông",
            "kind": "th",
            "code": "TH-PT",
            "parent_id": tree["district"].id,
        },
        htmx=True,
    )
    html = assert_fragment(response)
    assert "Đã thêm đơn vị." in html
    assert 'id="unit-table" hx-swap-oob="true"' in html
    assert "Trường TH Phủ Thông" in html
    unit = _unit(db, "TH-PT")
    assert unit.parent_id == tree["district"].id
    assert unit.kind is UnitKind.PRIMARY


def test_inline_create_under_a_unit_below(client, admin, tree, db):
    client.post(
        "/admin/units",
        data={"name": "Tổ Toán", "kind": "khac", "code": "TO-TOAN", "parent_id": tree["school"].id},
        htmx=True,
    )
    assert _unit(db, "TO-TOAN").is_within(tree["school"])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "kind": "th", "code": "X1"}, "Trường này là bắt buộc."),
        ({"name": "Trường A", "kind": "th", "code": "có dấu"}, "Chỉ dùng chữ không dấu"),
        (
            {"name": "Trường A", "kind": "th", "code": "thcs-pt"},
            "Mã thcs-pt đã được đơn vị khác sử dụng.",
        ),
        ({"name": "Trường A", "kind": "not-a-kind", "code": "X2"}, "Lựa chọn không hợp lệ."),
        ({"name": "Trường A" * 40, "kind": "th", "code": "X3"}, "Không được dài quá 200 ký tự."),
    ],
)
def test_inline_create_errors_change_nothing(client, admin, tree, db, data, message):
    before = len(db.session.scalars(select(Unit)).all())
    response = client.post(
        "/admin/units", data={**data, "parent_id": tree["district"].id}, htmx=True
    )
    html = assert_fragment(response, 422)
    assert message in html
    assert 'value="' in html  # what the user typed is kept
    assert len(db.session.scalars(select(Unit)).all()) == before


def test_cannot_create_under_a_sibling(client, admin, tree, db):
    response = client.post(
        "/admin/units",
        data={"name": "Lạ", "kind": "th", "code": "LA", "parent_id": tree["sibling"].id},
        htmx=True,
    )
    assert response.status_code == 422  # not one of the offered parents
    assert _unit(db, "LA") is None


def test_inline_edit_round_trip(client, admin, tree, db):
    school = tree["school"]
    html = assert_fragment(client.get(f"/admin/units/{school.id}/edit", htmx=True))
    assert 'value="Trường THCS Phủ Thông"' in html
    html = assert_fragment(client.get(f"/admin/units/{school.id}/row", htmx=True))
    assert "<form" not in html

    response = client.post(
        f"/admin/units/{school.id}",
        data={
            "name": "Trường THCS thị trấn Phủ Thông",
            "kind": "thcs",
            "code": "THCS-PT",
            "parent_id": tree["district"].id,
        },
        htmx=True,
    )
    html = assert_fragment(response)
    assert response.headers["HX-Retarget"] == "#unit-table"
    assert "Trường THCS thị trấn Phủ Thông" in html
    assert _unit(db, "THCS-PT").name == "Trường THCS thị trấn Phủ Thông"


def test_edit_own_unit_keeps_its_place(client, admin, tree, db):
    district = tree["district"]
    html = assert_fragment(client.get(f"/admin/units/{district.id}/edit", htmx=True))
    assert 'name="parent_id"' not in html
    response = client.post(
        f"/admin/units/{district.id}",
        data={
            "name": "Phòng GD&ĐT huyện Bạch Thông",
            "kind": "phong_gddt",
            "code": "PGD-BT",
            "parent_id": tree["school"].id,
        },
        htmx=True,
    )
    assert response.status_code == 200
    unit = _unit(db, "PGD-BT")
    assert unit.name == "Phòng GD&ĐT huyện Bạch Thông"
    assert unit.parent_id == tree["province"].id


def test_move_a_unit_within_the_subtree(client, admin, tree, db, make_unit):
    team = make_unit(tree["district"], name="Nhóm A", code="NHOM-A", kind=UnitKind.OTHER)
    client.post(
        f"/admin/units/{team.id}",
        data={"name": "Nhóm A", "kind": "khac", "code": "NHOM-A", "parent_id": tree["school"].id},
        htmx=True,
    )
    assert _unit(db, "NHOM-A").parent_id == tree["school"].id


def test_cannot_move_a_unit_under_itself(client, admin, tree, db):
    school = tree["school"]
    response = client.post(
        f"/admin/units/{school.id}",
        data={"name": school.name, "kind": "thcs", "code": "THCS-PT", "parent_id": school.id},
        htmx=True,
    )
    assert response.status_code == 422
    assert _unit(db, "THCS-PT").parent_id == tree["district"].id


def test_delete_an_empty_unit(client, admin, tree, db, make_unit):
    empty = make_unit(tree["district"], code="EMPTY")
    response = client.post(f"/admin/units/{empty.id}/delete", htmx=True)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == ""
    assert _unit(db, "EMPTY") is None


def test_delete_refused_with_a_reason(client, admin, tree, db, make_user):
    make_user(tree["school"], Role.CHECKIN_STAFF)
    response = client.post(f"/admin/units/{tree['school'].id}/delete", htmx=True)
    html = assert_fragment(response, 422)
    assert "Đơn vị này còn tài khoản người dùng" in html
    assert _unit(db, "THCS-PT") is not None

    response = client.post(f"/admin/units/{tree['district'].id}/delete", htmx=True)
    assert "Bạn không thể xóa đơn vị của chính mình." in assert_fragment(response, 422)


def test_full_page_post_redirects(client, admin, tree):
    response = client.post(
        "/admin/units",
        data={
            "name": "Trường MN Phủ Thông",
            "kind": "mn",
            "code": "MN-PT",
            "parent_id": tree["district"].id,
        },
    )
    assert response.status_code == 303
    assert response.location == "/admin/units"
    assert "Đã thêm đơn vị." in client.get("/admin/units").get_data(as_text=True)


def test_unit_pages_answer_vary_hx_request(client, admin):
    assert "HX-Request" in client.get("/admin/units").headers["Vary"]


def test_inline_post_without_csrf_is_refused(client, admin, tree, db):
    response = client.post(
        "/admin/units",
        data={"name": "X", "kind": "th", "code": "NOCSRF", "parent_id": tree["district"].id},
        htmx=True,
        csrf=False,
    )
    assert response.status_code == 400
    assert _unit(db, "NOCSRF") is None


# --- permissions ------------------------------------------------------------------------

ADMIN_UNIT_ROUTES = [
    ("get", "/admin/units/{id}/edit"),
    ("get", "/admin/units/{id}/row"),
    ("post", "/admin/units/{id}"),
    ("post", "/admin/units/{id}/delete"),
]


@pytest.mark.parametrize(("method", "path"), ADMIN_UNIT_ROUTES)
@pytest.mark.parametrize(
    ("target", "expected"),
    [("sibling", 404), ("other_school", 404), ("province", 404), ("school", None)],
)
def test_admin_reaches_own_subtree_only(client, admin, tree, db, method, path, target, expected):
    unit = tree[target]
    data = {"name": "Đổi tên", "kind": "khac", "code": unit.code}
    response = (
        getattr(client, method)(path.format(id=unit.id), data=data, htmx=True)
        if method == "post"
        else client.get(path.format(id=unit.id), htmx=True)
    )
    if expected is None:
        assert response.status_code in (200, 422)
    else:
        assert response.status_code == expected
        assert _unit(db, unit.code).name == unit.name  # nothing changed


@pytest.mark.parametrize("role", [Role.ORGANISER, Role.CHECKIN_STAFF, Role.REPORT_OFFICER])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/units"),
        ("get", "/admin/units/new"),
        ("post", "/admin/units"),
        *ADMIN_UNIT_ROUTES,
    ],
)
def test_other_roles_cannot_manage_units(client, auth, tree, make_user, role, method, path):
    auth.login(make_user(tree["district"], role))
    url = path.format(id=tree["school"].id)
    response = (
        client.post(url, data={"name": "X", "kind": "th", "code": "X"})
        if method == "post"
        else client.get(url)
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("method", "path"), [("get", "/admin/units"), ("get", "/admin/units/new"), *ADMIN_UNIT_ROUTES]
)
def test_anonymous_is_sent_to_login(client, tree, method, path):
    url = path.format(id=tree["school"].id)
    response = client.post(url) if method == "post" else client.get(url)
    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_school_admin_cannot_see_another_school(client, auth, tree, make_user):
    auth.login(make_user(tree["school"], Role.ADMIN))
    html = client.get("/admin/units").get_data(as_text=True)
    assert "Trường THCS Phủ Thông" in html
    assert "Bằng Lũng" not in html and "Bạch Thông" not in html
    assert client.get(f"/admin/units/{tree['other_school'].id}/edit").status_code == 404
    assert client.get(f"/admin/units/{tree['district'].id}/edit").status_code == 404

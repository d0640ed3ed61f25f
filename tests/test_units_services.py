"""The unit tree's rules: paths, moves, deletions, and who may see or manage what."""

import pytest

from app.units.models import Role, UnitKind
from app.units.services import (
    UnitError,
    UserData,
    create_user,
    delete_unit,
    units_in_tree_order,
    update_unit,
)


@pytest.fixture
def tree(make_unit):
    """Province > district A (school A1, A2) and district B (school B1)."""
    province = make_unit(name="Sở GD&ĐT", kind=UnitKind.PROVINCIAL_DEPARTMENT, code="SO")
    a = make_unit(province, name="Phòng GD&ĐT A", kind=UnitKind.DISTRICT_OFFICE, code="PGD-A")
    b = make_unit(province, name="Phòng GD&ĐT B", kind=UnitKind.DISTRICT_OFFICE, code="PGD-B")
    a1 = make_unit(a, name="Trường THCS A1", code="A1")
    a2 = make_unit(a, name="Trường TH A2", kind=UnitKind.PRIMARY, code="A2")
    b1 = make_unit(b, name="Trường THCS B1", code="B1")
    return {"province": province, "a": a, "b": b, "a1": a1, "a2": a2, "b1": b1}


def test_paths_follow_the_tree(tree):
    province, a, a1 = tree["province"], tree["a"], tree["a1"]
    assert province.path == f"/{province.id}/"
    assert a1.path == f"/{province.id}/{a.id}/{a1.id}/"
    assert a1.ancestor_ids() == [province.id, a.id, a1.id]
    assert a1.depth == 2
    assert a1.is_within(a) and a1.is_within(province) and a1.is_within(a1)
    assert not a.is_within(a1)
    assert not tree["b1"].is_within(a)


def test_tree_order_puts_children_after_parent_and_siblings_by_name(tree):
    names = [u.code for u in units_in_tree_order(tree["province"])]
    assert names == ["SO", "PGD-A", "A2", "A1", "PGD-B", "B1"]  # "Trường TH A2" < "Trường THCS A1"
    assert [u.code for u in units_in_tree_order(tree["a"])] == ["PGD-A", "A2", "A1"]


def test_moving_a_unit_moves_its_subtree(db, tree):
    a, b, a1 = tree["a"], tree["b"], tree["a1"]
    update_unit(a, name=a.name, kind=a.kind, code=a.code, parent=b)
    db.session.commit()
    db.session.refresh(a1)
    assert a1.path == f"/{tree['province'].id}/{b.id}/{a.id}/{a1.id}/"
    assert a1.is_within(b)


def test_a_unit_cannot_move_under_its_own_subtree(db, tree):
    a, a1 = tree["a"], tree["a1"]
    with pytest.raises(UnitError):
        update_unit(a, name=a.name, kind=a.kind, code=a.code, parent=a1)


def test_codes_are_unique_whatever_the_case(db, tree, make_unit):
    with pytest.raises(UnitError, match="a1"):
        make_unit(tree["a"], code="a1")


def test_delete_refuses_units_with_children_or_users(db, tree, make_user):
    with pytest.raises(UnitError):
        delete_unit(tree["a"])
    make_user(tree["a1"])
    with pytest.raises(UnitError):
        delete_unit(tree["a1"])
    with pytest.raises(UnitError):
        delete_unit(tree["province"])
    delete_unit(tree["a2"])
    db.session.commit()
    assert [u.code for u in units_in_tree_order(tree["a"])] == ["PGD-A", "A1"]


@pytest.mark.parametrize(
    ("user_unit", "target", "sees", "manages"),
    [
        ("a", "a", True, True),  # own unit
        ("a", "a1", True, True),  # a unit below
        ("a", "b", False, False),  # a sibling
        ("a", "b1", False, False),  # a sibling's child
        ("a", "province", False, False),  # the parent
        ("a1", "a", False, False),
    ],
)
def test_rights_cover_own_unit_and_below_only(tree, make_user, user_unit, target, sees, manages):
    admin = make_user(tree[user_unit], Role.ADMIN)
    organiser = make_user(tree[user_unit], Role.ORGANISER)
    assert admin.can_see(tree[target]) is sees
    assert admin.can_manage(tree[target]) is manages
    assert organiser.can_see(tree[target]) is sees
    assert organiser.can_manage(tree[target]) is False


def test_emails_are_unique_and_case_insensitive(db, tree, make_user):
    make_user(tree["a"], email="Hoa@Example.test")
    with pytest.raises(UnitError):
        create_user(UserData("Hoa", "hoa@example.TEST", tree["b"], Role.ORGANISER), "x" * 12)


def test_password_is_hashed_with_scrypt(tree, make_user):
    user = make_user(tree["a"])
    assert user.password_hash.startswith("scrypt:")
    assert user.check_password("mat-khau-thu-nghiem")
    assert not user.check_password("wrong")

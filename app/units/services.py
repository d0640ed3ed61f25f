"""Rules and writes for the unit tree and its users."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import String, func, literal, select, update

from app.extensions import db
from app.units.models import Role, Unit, UnitKind, User


class UnitError(ValueError):
    """A change the rules refuse; the message is shown to the user."""


def subtree_query(root: Unit):
    """Units at `root` and below it, as a select."""
    return select(Unit).where(Unit.path.startswith(root.path, autoescape=True))


def units_in_tree_order(root: Unit) -> list[Unit]:
    """The subtree as a list: each unit followed by its children, siblings by name.

    One query; the ordering is done here because siblings sort by name, not by id.
    """
    units = db.session.scalars(subtree_query(root)).all()
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    for siblings in children.values():
        siblings.sort(key=lambda u: u.name.casefold())
    ordered: list[Unit] = []
    stack = [root]
    while stack:
        unit = stack.pop()
        ordered.append(unit)
        stack.extend(reversed(children.get(unit.id, [])))
    return ordered


def _check_code_free(code: str, unit: Unit | None = None) -> None:
    query = select(Unit.id).where(func.lower(Unit.code) == code.lower())
    if unit is not None and unit.id is not None:
        query = query.where(Unit.id != unit.id)
    if db.session.scalar(query) is not None:
        raise UnitError(_("The code %(code)s is already used by another unit.", code=code))


def create_unit(*, name: str, kind: UnitKind, code: str, parent: Unit | None) -> Unit:
    """Add a unit under `parent` (or a new root when parent is None)."""
    code = code.strip()
    _check_code_free(code)
    unit = Unit(name=name.strip(), kind=kind, code=code, parent=parent, path="")
    db.session.add(unit)
    db.session.flush()  # the id is part of the path
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    return unit


def update_unit(unit: Unit, *, name: str, kind: UnitKind, code: str, parent: Unit | None) -> Unit:
    """Rename, re-classify or move a unit; a move carries its whole subtree along."""
    code = code.strip()
    _check_code_free(code, unit)
    unit.name = name.strip()
    unit.kind = kind
    unit.code = code
    if parent is not None and parent.id != unit.parent_id:
        if parent.is_within(unit):
            raise UnitError(_("A unit cannot be moved under itself or one of its own units."))
        old_path = unit.path
        new_path = f"{parent.path}{unit.id}/"
        db.session.execute(
            update(Unit)
            .where(Unit.path.startswith(old_path, autoescape=True))
            .values(path=literal(new_path, String) + func.substr(Unit.path, len(old_path) + 1))
            .execution_options(synchronize_session=False)
        )
        unit.parent = parent
        db.session.flush()
        db.session.expire_all()
    return unit


def delete_unit(unit: Unit) -> None:
    """Remove an empty unit; a unit with units or users below it is refused, nothing is lost."""
    if unit.parent_id is None:
        raise UnitError(_("A top-level unit cannot be deleted."))
    has_children = db.session.scalar(select(func.count()).where(Unit.parent_id == unit.id))
    if has_children:
        raise UnitError(_("This unit still has units below it; move or delete them first."))
    has_users = db.session.scalar(select(func.count()).where(User.unit_id == unit.id))
    if has_users:
        raise UnitError(_("This unit still has user accounts; move or deactivate them first."))
    db.session.delete(unit)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _check_email_free(email: str, user: User | None = None) -> None:
    query = select(User.id).where(User.email == email)
    if user is not None and user.id is not None:
        query = query.where(User.id != user.id)
    if db.session.scalar(query) is not None:
        raise UnitError(_("Another account already uses the e-mail %(email)s.", email=email))


@dataclass
class UserData:
    name: str
    email: str
    unit: Unit
    role: Role
    locale: str = "vi"
    active: bool = True


def create_user(data: UserData, password: str) -> User:
    """Open an account for someone in a unit."""
    email = normalise_email(data.email)
    _check_email_free(email)
    user = User(
        name=data.name.strip(),
        email=email,
        unit=data.unit,
        role=data.role,
        locale=data.locale,
        active=data.active,
        session_version=0,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user: User, data: UserData, *, acting: User) -> User:
    """Change an account's details; nobody can lock themselves out by accident."""
    email = normalise_email(data.email)
    _check_email_free(email, user)
    if user.id == acting.id:
        if not data.active:
            raise UnitError(_("You cannot deactivate your own account."))
        if data.role is not user.role or data.unit.id != user.unit_id:
            raise UnitError(_("You cannot change your own role or unit."))
    user.name = data.name.strip()
    user.email = email
    user.unit = data.unit
    user.role = data.role
    user.locale = data.locale
    if user.active and not data.active:
        user.session_version += 1  # ends the user's open sessions
    user.active = data.active
    return user


def change_password(user: User, current: str, new: str) -> None:
    """The user's own password change; other sessions of the user end."""
    if not user.check_password(current):
        raise UnitError(_("The current password is not correct."))
    user.set_password(new)


def find_unit_by_code(code: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(func.lower(Unit.code) == code.strip().lower()))

"""Administrator pages: the units below the administrator's own and their user accounts.

Each list page includes its row partials; the htmx endpoints render the same partials, so
inline add and edit never reload the page.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.htmx import FORM_ERROR_STATUS, retarget, wants_fragment
from app.units.forms import UnitForm, UserForm
from app.units.models import Role, Unit, UnitKind, User
from app.units.permissions import admin_required, get_unit_or_404, get_user_or_404
from app.units.services import (
    UnitError,
    UserData,
    create_unit,
    create_user,
    delete_unit,
    units_in_tree_order,
    update_unit,
    update_user,
)

bp = Blueprint("units", __name__, url_prefix="/admin")


def _tree() -> list[Unit]:
    return units_in_tree_order(current_user.unit)


def _done(template: str, **context):
    """After a successful write: the updated partial for htmx, a redirect otherwise."""
    if wants_fragment():
        return render_template(template, **context)
    return redirect(url_for(context.pop("_redirect")), code=303)


# --- units -------------------------------------------------------------------------------


def _unit_form(unit: Unit | None = None, **kwargs) -> UnitForm:
    tree = _tree()
    if unit is not None:
        # A unit cannot move under itself or its own units.
        tree = [u for u in tree if not u.is_within(unit)]
    return UnitForm(parents=tree, **kwargs)


def _unit_parent(form: UnitForm, unit: Unit | None = None) -> Unit | None:
    if unit is not None and unit.id == current_user.unit_id:
        return None  # the administrator's own unit stays where it is
    parent_id = form.parent_id.data or current_user.unit_id
    return get_unit_or_404(parent_id, need="manage")


@bp.get("/units")
@admin_required
def units():
    """The unit tree below the administrator's unit."""
    return render_template("units/units.html", units=_tree())


@bp.get("/units/new")
@admin_required
def unit_new():
    """The inline form for a new unit."""
    form = _unit_form(data={"parent_id": current_user.unit_id})
    return render_template("units/_unit_new.html", form=form)


@bp.post("/units")
@admin_required
def unit_create():
    """Add a unit below the administrator's own."""
    form = _unit_form()
    if form.validate_on_submit():
        try:
            create_unit(
                name=form.name.data,
                kind=UnitKind(form.kind.data),
                code=form.code.data,
                parent=_unit_parent(form),
            )
        except UnitError as exc:
            form.code.errors.append(str(exc))
        else:
            db.session.commit()
            if not wants_fragment():
                flash(_("The unit has been added."), "success")
            return _done("units/_unit_created.html", units=_tree(), _redirect="units.units")
    return render_template("units/_unit_new.html", form=form), FORM_ERROR_STATUS


@bp.get("/units/<int:unit_id>/row")
@admin_required
def unit_row(unit_id: int):
    """One unit's row (used to cancel an inline edit)."""
    unit = get_unit_or_404(unit_id, need="manage")
    return render_template("units/_unit_row.html", unit=unit)


@bp.get("/units/<int:unit_id>/edit")
@admin_required
def unit_edit(unit_id: int):
    """One unit's row as an inline form."""
    unit = get_unit_or_404(unit_id, need="manage")
    form = _unit_form(unit, obj=unit, data={"kind": unit.kind.value, "parent_id": unit.parent_id})
    if unit.id == current_user.unit_id:
        del form.parent_id
    return render_template("units/_unit_edit.html", unit=unit, form=form)


@bp.post("/units/<int:unit_id>")
@admin_required
def unit_update(unit_id: int):
    """Save a unit's name, kind, code and place in the tree."""
    unit = get_unit_or_404(unit_id, need="manage")
    form = _unit_form(unit)
    if unit.id == current_user.unit_id:
        del form.parent_id  # the administrator's own unit stays where it is
    if form.validate_on_submit():
        try:
            update_unit(
                unit,
                name=form.name.data,
                kind=UnitKind(form.kind.data),
                code=form.code.data,
                parent=_unit_parent(form, unit),
            )
        except UnitError as exc:
            db.session.rollback()
            unit = get_unit_or_404(unit_id, need="manage")
            form.code.errors.append(str(exc))
        else:
            db.session.commit()
            if wants_fragment():
                # A move changes the row's place in the tree: redraw the whole table.
                table = render_template("units/_unit_table.html", units=_tree())
                return retarget(table, "#unit-table")
            return redirect(url_for("units.units"), code=303)
    return render_template("units/_unit_edit.html", unit=unit, form=form), FORM_ERROR_STATUS


@bp.post("/units/<int:unit_id>/delete")
@admin_required
def unit_delete(unit_id: int):
    """Delete an empty unit; a unit that still holds units or users is kept, with a reason."""
    unit = get_unit_or_404(unit_id, need="manage")
    if unit.id == current_user.unit_id:
        return render_template(
            "units/_unit_row.html", unit=unit, error=_("You cannot delete your own unit.")
        ), FORM_ERROR_STATUS
    try:
        delete_unit(unit)
    except UnitError as exc:
        db.session.rollback()
        return render_template("units/_unit_row.html", unit=unit, error=str(exc)), FORM_ERROR_STATUS
    db.session.commit()
    if wants_fragment():
        return ""
    flash(_("The unit has been deleted."), "success")
    return redirect(url_for("units.units"), code=303)


# --- users -------------------------------------------------------------------------------


def _user_form(creating: bool, **kwargs) -> UserForm:
    return UserForm(units=_tree(), creating=creating, **kwargs)


def _user_data(form: UserForm) -> UserData:
    return UserData(
        name=form.name.data,
        email=form.email.data,
        unit=get_unit_or_404(form.unit_id.data, need="manage"),
        role=Role(form.role.data),
        locale=form.locale.data,
        active=form.active.data,
    )


def _users_of_tree() -> list[User]:
    tree = _tree()
    order = {unit.id: index for index, unit in enumerate(tree)}
    users = db.session.scalars(
        select(User).options(joinedload(User.unit)).where(User.unit_id.in_(list(order)))
    ).all()
    return sorted(users, key=lambda u: (order[u.unit_id], u.name.casefold()))


@bp.get("/users")
@admin_required
def users():
    """User accounts of the administrator's unit and the units below."""
    return render_template("units/users.html", users=_users_of_tree())


@bp.get("/users/new")
@admin_required
def user_new():
    """The inline form for a new account."""
    form = _user_form(True, data={"unit_id": current_user.unit_id, "locale": "vi"})
    return render_template("units/_user_new.html", form=form)


@bp.post("/users")
@admin_required
def user_create():
    """Open an account for someone in the administrator's subtree."""
    form = _user_form(True)
    if form.validate_on_submit():
        try:
            create_user(_user_data(form), form.password.data)
        except UnitError as exc:
            db.session.rollback()
            form.email.errors.append(str(exc))
        else:
            db.session.commit()
            if not wants_fragment():
                flash(_("The account has been created."), "success")
            return _done(
                "units/_user_created.html", users=_users_of_tree(), _redirect="units.users"
            )
    return render_template("units/_user_new.html", form=form), FORM_ERROR_STATUS


@bp.get("/users/<int:user_id>/row")
@admin_required
def user_row(user_id: int):
    """One account's row (used to cancel an inline edit)."""
    return render_template("units/_user_row.html", user=get_user_or_404(user_id))


@bp.get("/users/<int:user_id>/edit")
@admin_required
def user_edit(user_id: int):
    """One account's row as an inline form."""
    user = get_user_or_404(user_id)
    form = _user_form(False, obj=user, data={"role": user.role.value})
    return render_template("units/_user_edit.html", user=user, form=form)


@bp.post("/users/<int:user_id>")
@admin_required
def user_update(user_id: int):
    """Save an account; a new password, when typed, replaces the old one."""
    user = get_user_or_404(user_id)
    form = _user_form(False)
    if form.validate_on_submit():
        try:
            update_user(user, _user_data(form), acting=current_user)
            if form.password.data:
                user.set_password(form.password.data)
        except UnitError as exc:
            db.session.rollback()
            user = get_user_or_404(user_id)
            form.active.errors.append(str(exc))
        else:
            db.session.commit()
            if wants_fragment():
                return render_template("units/_user_row.html", user=user)
            flash(_("The account has been saved."), "success")
            return redirect(url_for("units.users"), code=303)
    return render_template("units/_user_edit.html", user=user, form=form), FORM_ERROR_STATUS

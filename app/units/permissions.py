"""Who may see and change what: one loader per entity, used by every view and API call.

A user's rights cover their own unit and every unit below it. Anything outside answers
404, so nobody learns that a sibling's or a parent's record exists.
"""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from app.extensions import db
from app.units.models import Role, Unit, User


def roles_required(*roles: Role):
    """Only signed-in users with one of `roles` get through; others get 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


admin_required = roles_required(Role.ADMIN)


def get_unit_or_404(unit_id: int, need: str = "see") -> Unit:
    """The unit, if the current user may `need` ("see" or "manage") it."""
    unit = db.session.get(Unit, unit_id)
    if unit is None or not current_user.can_see(unit):
        abort(404)
    if need == "manage" and not current_user.can_manage(unit):
        abort(403)
    return unit


def get_user_or_404(user_id: int, need: str = "manage") -> User:
    """A user account of the current user's subtree, for its administrators."""
    user = db.session.get(User, user_id)
    if user is None or not current_user.can_see(user.unit):
        abort(404)
    if need == "manage" and not current_user.can_manage(user.unit):
        abort(403)
    return user

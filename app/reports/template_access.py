"""Who sees and who manages a statistics template.

A template belongs to the unit whose administrator imported it, or to nobody (shared by the
installation: the built-in one). Templates hold no personal data, but a unit's own template is
its business: it is seen by its unit, the units above it (they oversee) and the units below it
(their campaigns may use it); shared templates and the default one by everybody. It is managed
(deleted) by the administrators of its unit and of the units above; a shared one by the
administrators of a top-level unit. The default template is the installation's: only an
administrator of a top-level unit chooses it, among the shared templates and their own.
"""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from app.reports.models import ReportTemplate
from app.units.models import Role, Unit, User


def _is_top_admin(user: User) -> bool:
    return user.role is Role.ADMIN and user.unit.parent_id is None


def visible_templates(user: User) -> Select:
    """The templates `user` sees, the default first, then by name."""
    unit = user.unit
    return (
        select(ReportTemplate)
        .outerjoin(Unit, Unit.id == ReportTemplate.unit_id)
        .where(
            or_(
                ReportTemplate.unit_id.is_(None),
                ReportTemplate.is_default,
                ReportTemplate.unit_id.in_(unit.ancestor_ids()),
                Unit.path.startswith(unit.path, autoescape=True),
            )
        )
        .order_by(ReportTemplate.is_default.desc(), ReportTemplate.name, ReportTemplate.id)
    )


def can_see(user: User, template: ReportTemplate) -> bool:
    owner = template.unit
    return (
        owner is None
        or template.is_default
        or user.unit.is_within(owner)
        or owner.is_within(user.unit)
    )


def can_manage(user: User, template: ReportTemplate) -> bool:
    if user.role is not Role.ADMIN:
        return False
    if template.unit is None:
        return _is_top_admin(user)
    return template.unit.is_within(user.unit)


def can_make_default(user: User, template: ReportTemplate) -> bool:
    return _is_top_admin(user) and template.unit_id in (None, user.unit_id)

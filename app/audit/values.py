"""What the audit trail shows for a recorded value: another record's name instead of its id
(the unit, the event, the group, the person, the account …) and an enum's label in the
reader's language instead of its code. The trail keeps the raw values; this is only how a page
of it reads. Names come in one query per kind of record for the whole page, whatever its
length."""

from __future__ import annotations

import enum
import functools
from collections import defaultdict

from flask_babel import gettext as _
from sqlalchemy import Enum as SAEnum
from sqlalchemy import select

from app.extensions import db

#: What names a record of each kind.
_NAME_COLUMNS = {
    "Unit": "name",
    "Campaign": "name",
    "Event": "title",
    "InviteeGroup": "name",
    "Invitee": "full_name",
    "Contact": "full_name",
    "CheckinLink": "label",
    "User": "name",
    "ReportTemplate": "name",
    "ReportRow": "label",
}
#: A field holding another record's id → the kind of record. `parent_id` depends on the record
#: (see _target).
_REFERENCES = {
    "unit_id": "Unit",
    "campaign_id": "Campaign",
    "event_id": "Event",
    "group_id": "InviteeGroup",
    "invitee_id": "Invitee",
    "contact_id": "Contact",
    "link_id": "CheckinLink",
    "user_id": "User",
    "created_by_id": "User",
    "reviewed_by_id": "User",
    "submitted_by_id": "User",
    "undone_by_id": "User",
    "report_template_id": "ReportTemplate",
    "template_id": "ReportTemplate",
    "report_row_id": "ReportRow",
    "row_id": "ReportRow",
}
_PARENTS = {"Unit": "Unit", "ReportRow": "ReportRow"}


@functools.cache
def _models() -> dict[str, type]:
    """The app's models by class name."""
    return {mapper.class_.__name__: mapper.class_ for mapper in db.Model.registry.mappers}


def _target(object_type: str, field: str) -> str | None:
    """The kind of record a field's value points to, if it is an id."""
    if field == "parent_id":
        return _PARENTS.get(object_type)
    return _REFERENCES.get(field)


def _enum_of(model: type | None, field: str) -> type[enum.Enum] | None:
    if model is None or field not in model.__table__.columns:
        return None
    column_type = model.__table__.columns[field].type
    if isinstance(column_type, SAEnum) and column_type.enum_class is not None:
        return column_type.enum_class
    return None


class ValueNames:
    """The names of the records a page of the trail refers to, read once for the page."""

    def __init__(self, names: dict[tuple[str, int], str]):
        self.names = names

    @classmethod
    def for_lines(cls, lines) -> ValueNames:
        wanted: dict[str, set[int]] = defaultdict(set)
        for line in lines:
            for field, pair in (line.changes or {}).items():
                target = _target(line.object_type, field)
                if target is not None and pair is not None:
                    wanted[target].update(v for v in pair if isinstance(v, int))
        names: dict[tuple[str, int], str] = {}
        for kind, ids in wanted.items():
            model = _models()[kind]
            shown = getattr(model, _NAME_COLUMNS[kind])
            for row_id, name in db.session.execute(
                select(model.id, shown).where(model.id.in_(ids))
            ):
                names[(kind, row_id)] = name
        return cls(names)

    def shown(self, object_type: str, field: str, value):
        """The value as a reader understands it; as kept when there is nothing better."""
        if value is None:
            return None
        target = _target(object_type, field)
        if target is not None and isinstance(value, int):
            name = self.names.get((target, value))
            return f"{name} (#{value})" if name else f"#{value}"
        enum_class = _enum_of(_models().get(object_type), field)
        if enum_class is not None:
            try:
                member = enum_class(value)
            except ValueError:
                return value
            label = getattr(member, "label", None)
            return str(label) if label is not None else value
        if isinstance(value, bool):
            return str(_yes_no(value))
        return value


def _yes_no(value: bool):
    return _("Yes") if value else _("No")

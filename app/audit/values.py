"""What the audit trail shows for a recorded value: another record's name instead of its id
(the unit, the event, the group, the person, the account …) and an enum's label in the
reader's language instead of its code. The trail keeps the raw values; this is only how a page
of it reads. Names come in one query per kind of record for the whole page, whatever its
length."""

from __future__ import annotations

import enum
from collections import defaultdict

from flask_babel import gettext as _
from sqlalchemy import Enum as SAEnum
from sqlalchemy import select

from app.extensions import db

#: A field holding another record's id → (model name, the column shown). `parent_id` depends on
#: the record (see _target).
_REFERENCES = {
    "unit_id": ("Unit", "name"),
    "campaign_id": ("Campaign", "name"),
    "event_id": ("Event", "title"),
    "group_id": ("InviteeGroup", "name"),
    "invitee_id": ("Invitee", "full_name"),
    "contact_id": ("Contact", "full_name"),
    "link_id": ("CheckinLink", "label"),
    "user_id": ("User", "name"),
    "created_by_id": ("User", "name"),
    "reviewed_by_id": ("User", "name"),
    "submitted_by_id": ("User", "name"),
    "undone_by_id": ("User", "name"),
    "report_template_id": ("ReportTemplate", "name"),
    "template_id": ("ReportTemplate", "name"),
    "report_row_id": ("ReportRow", "label"),
    "row_id": ("ReportRow", "label"),
}
_PARENTS = {"Unit": ("Unit", "name"), "ReportRow": ("ReportRow", "label")}


def _models() -> dict[str, type]:
    from app.audit.hooks import _specs

    return {cls.__name__: cls for cls in _specs()}


def _target(object_type: str, field: str) -> tuple[str, str] | None:
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
        self.models = _models()

    @classmethod
    def for_lines(cls, lines) -> ValueNames:
        wanted: dict[str, set[int]] = defaultdict(set)
        for line in lines:
            for field, pair in (line.changes or {}).items():
                target = _target(line.object_type, field)
                if target is None or pair is None:
                    continue
                wanted[target[0]].update(v for v in pair if isinstance(v, int))
        models = _models()
        names: dict[tuple[str, int], str] = {}
        for model_name, ids in wanted.items():
            model = models[model_name]
            column = next(c for m, c in set(_REFERENCES.values()) | set(_PARENTS.values())
                          if m == model_name)  # fmt: skip
            for row_id, name in db.session.execute(
                select(model.id, getattr(model, column)).where(model.id.in_(ids))
            ):
                names[(model_name, row_id)] = name
        return cls(names)

    def shown(self, object_type: str, field: str, value):
        """The value as a reader understands it; as kept when there is nothing better."""
        if value is None:
            return None
        target = _target(object_type, field)
        if target is not None and isinstance(value, int):
            name = self.names.get((target[0], value))
            return f"{name} (#{value})" if name else f"#{value}"
        enum_class = _enum_of(self.models.get(object_type), field)
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

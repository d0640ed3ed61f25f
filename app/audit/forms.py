"""The audit trail's filters (a GET form: no CSRF token, nothing changes)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from app.audit.models import ACTION_LABELS
from app.audit.services import OBJECT_TYPE_LABELS
from app.forms import AppForm
from app.schedule.forms import DateTextField


class AuditFilterForm(AppForm):
    """What, which kind of record, who, and between which days."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), default="")
    object_type = SelectField(_l("Record"), default="")
    user = SelectField(_l("Who"), coerce=int, default=0)
    since = DateTextField(_l("From"))
    until = DateTextField(_l("To"))

    def __init__(self, *args, users: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.action.choices = [("", _l("All actions"))] + [
            (action.value, label) for action, label in ACTION_LABELS.items()
        ]
        self.object_type.choices = [("", _l("All records"))] + [
            (name, label) for name, label in OBJECT_TYPE_LABELS.items()
        ]
        self.user.choices = [(0, _l("Everyone"))] + [(user_id, name) for user_id, name in users]

"""Forms of the report pages besides the statistics table (whose inputs follow the template's
rows and are read by name)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.validators import Optional

from app.forms import AppForm
from app.schedule.forms import DateTextField


class DeadlineBelowForm(AppForm):
    """The date a unit asks the units directly below it to report by; empty: the campaign's."""

    due = DateTextField(_l("Ask them to report by"), validators=[Optional()])

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.due.default_year = year  # "10/10" means the campaign's year

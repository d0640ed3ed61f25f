"""Forms of the statistics-template pages: import (file, then confirm) and the admin buttons."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.extensions import db
from app.forms import AppForm
from app.reports.models import ReportTemplate
from app.reports.template_xlsx import NAME_LENGTH


def _name_taken(name: str) -> bool:
    wanted = " ".join(name.split()).casefold()
    names = db.session.scalars(select(ReportTemplate.name)).all()
    return any(" ".join(taken.split()).casefold() == wanted for taken in names)


def _check_name(field) -> None:
    if field.data and _name_taken(field.data):
        raise ValidationError(_l("A template with this name exists already: choose another."))


class TemplateImportForm(AppForm):
    """An .xlsx file laid out as the template downloads are, and an optional name."""

    file = FileField(_l("Template file (.xlsx)"))
    name = StringField(_l("Name"), validators=[Optional(), Length(max=NAME_LENGTH)])

    def validate_file(self, field):
        if not (field.data and field.data.filename):
            raise ValidationError(_l("Choose a file."))

    def validate_name(self, field):
        _check_name(field)


class TemplateConfirmForm(AppForm):
    """The name the imported template gets (the file's title unless changed)."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=NAME_LENGTH)])

    def validate_name(self, field):
        _check_name(field)

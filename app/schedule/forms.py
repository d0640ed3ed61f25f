"""Forms for campaigns, events, run-sheet rows and imports.

Times and dates are typed as Vietnamese users type them ("7h30", "14h", "30/9"), so they are
text fields parsed by app.schedule.timeparse, and shown back the same way.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.forms import AppForm
from app.i18n import format_date, format_time
from app.schedule.models import EventFormat, EventKind
from app.schedule.timeparse import ParseError, parse_date, parse_time, parse_time_range
from app.units.forms import unit_choices


class DateTextField(StringField):
    """dd/mm/yyyy, or "30/9" (the year is the campaign's)."""

    def __init__(self, *args, default_year: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_year = default_year
        self.parsed: dt.date | None = None

    def _value(self):
        if self.parsed is not None and not self.raw_data:
            return format_date(self.parsed)
        return super()._value()

    def process_data(self, value):
        if isinstance(value, dt.date):
            self.parsed = value
            self.data = format_date(value)
        else:
            super().process_data(value)

    def pre_validate(self, form):
        self.parsed = None
        if self.data:
            year = self.default_year or dt.date.today().year  # noqa: DTZ011 (a calendar year)
            try:
                self.parsed = parse_date(self.data, default_year=year)
            except ParseError as exc:
                raise ValidationError(str(exc)) from exc


class TimeTextField(StringField):
    """7h30, 14h, 07:30."""

    def process_data(self, value):
        super().process_data(format_time(value) if isinstance(value, dt.time) else value)

    @property
    def parsed(self) -> dt.time | None:
        return parse_time(self.data) if self.data else None

    def pre_validate(self, form):
        if self.data:
            try:
                parse_time(self.data)
            except ParseError as exc:
                raise ValidationError(str(exc)) from exc


class TimeRangeField(StringField):
    """7h00-7h30, or a start alone (9h30)."""

    def pre_validate(self, form):
        try:
            parse_time_range(self.data or "")
        except ParseError as exc:
            raise ValidationError(str(exc)) from exc

    @property
    def parsed(self) -> tuple[dt.time | None, dt.time | None]:
        return parse_time_range(self.data or "")


def time_range_text(start: dt.time | None, end: dt.time | None) -> str:
    if start is None:
        return ""
    return format_time(start) + (f"-{format_time(end)}" if end else "")


class CampaignForm(AppForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])
    theme = StringField(_l("Theme (chủ đề)"), validators=[Optional(), Length(max=500)])
    start_date = DateTextField(_l("First day"), validators=[DataRequired()])
    end_date = DateTextField(_l("Last day"), validators=[DataRequired()])
    report_deadline = DateTextField(_l("Report deadline"), validators=[Optional()])
    slogans = TextAreaField(_l("Slogans, one per line"), validators=[Optional(), Length(max=5000)])
    #: Optional: a form posted without it keeps the campaign's template (the default when new).
    report_template_id = SelectField(_l("Report template"), coerce=int, validators=[Optional()])

    def __init__(self, *args, templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.report_template_id.choices = [
            SelectChoice(template.id, template.name) for template in templates
        ]
        if isinstance(self.year.data, int):  # "7/10" means the campaign's year
            for field in (self.start_date, self.end_date, self.report_deadline):
                field.default_year = self.year.data

    def validate_end_date(self, field):
        start, end = self.start_date.parsed, field.parsed
        if start and end and end < start:
            raise ValidationError(_l("The week cannot end before it starts."))


class EventForm(AppForm):
    """Create and edit an event; the unit list holds the organiser's subtree."""

    number = StringField(_l("No."), validators=[Optional(), Length(max=16)])
    kind = SelectField(_l("Kind"))
    title = TextAreaField(_l("Content"), validators=[DataRequired(), Length(max=2000)])
    unit_id = SelectField(_l("Host unit"), coerce=int, validators=[DataRequired()])
    co_host = StringField(_l("Together with"), validators=[Optional(), Length(max=500)])
    date = DateTextField(_l("Date"), validators=[DataRequired()])
    start_time = TimeTextField(_l("Start"), validators=[Optional()])
    end_time = TimeTextField(_l("End"), validators=[Optional()])
    venue_name = StringField(_l("Venue"), validators=[Optional(), Length(max=300)])
    venue_address = StringField(_l("Address"), validators=[Optional(), Length(max=500)])
    format = SelectField(_l("Format"))
    report_row_id = SelectField(_l("Report category"), coerce=int, validators=[Optional()])
    expected_attendance = IntegerField(
        _l("Expected attendance"), validators=[Optional(), NumberRange(min=0, max=1_000_000)]
    )
    content = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10000)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])

    def __init__(self, *args, units=(), categories=(), year=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(k.value, k.label) for k in EventKind]
        self.format.choices = [SelectChoice(f.value, f.label) for f in EventFormat]
        self.unit_id.choices = unit_choices(units)
        self.report_row_id.choices = [SelectChoice(0, "—")] + [
            SelectChoice(row.id, f"{row.number + '. ' if row.number else ''}{row.label}")
            for row in categories
        ]
        self.date.default_year = year

    def validate_end_time(self, field):
        try:
            start, end = self.start_time.parsed, field.parsed
        except ParseError:
            return  # the field's own error says it
        if end is not None and start is None:
            raise ValidationError(_l("An end time needs a start time."))
        if start is not None and end is not None and end <= start:
            raise ValidationError(_l("The end time must be after the start time."))


class ProgramItemForm(AppForm):
    """One run-sheet row: Thời gian, Nội dung, Thực hiện."""

    time = TimeRangeField(_l("Time"), validators=[Optional(), Length(max=40)])
    content = TextAreaField(_l("Content"), validators=[DataRequired(), Length(max=2000)])
    performer = StringField(_l("Led by"), validators=[Optional(), Length(max=500)])


class ShiftForm(AppForm):
    minutes = IntegerField(
        _l("Minutes (negative: earlier)"),
        validators=[DataRequired(), NumberRange(min=-720, max=720)],
    )


class ImportForm(AppForm):
    """A file (.xlsx, .csv, .docx) or rows pasted from Word or Excel."""

    file = FileField(_l("File (.xlsx, .csv or .docx)"))
    pasted = TextAreaField(
        _l("Or paste the rows here"), validators=[Optional(), Length(max=500_000)]
    )

    def validate_pasted(self, field):
        if not field.data and not (self.file.data and self.file.data.filename):
            raise ValidationError(_l("Choose a file or paste some rows."))

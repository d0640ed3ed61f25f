"""Forms of the venue pages: walk-in self check-in, volunteers' links, the walk-in settings.

Moments are typed as Vietnamese users type them: "6h30" on the event's day, or
"02/10/2023 6h30"; they are local times at the venue, kept in UTC.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from app.checkin.models import PARTICIPANT_LABELS, ParticipantType
from app.checkin.services import to_utc, window
from app.forms import AppForm
from app.i18n import format_date, format_time, to_local
from app.schedule.models import Event
from app.schedule.timeparse import ParseError, parse_date, parse_time


def local(moment: dt.datetime) -> dt.datetime:
    """A stored (naive UTC) moment as the wall-clock time at the venue."""
    return to_local(moment.replace(tzinfo=dt.UTC)).replace(tzinfo=None)


def moment_text(moment: dt.datetime) -> str:
    """A stored (naive UTC) moment as "02/10/2023 6h30"."""
    wall = local(moment)
    return f"{format_date(wall)} {format_time(wall)}"


def parse_moment(text: str, day: dt.date) -> dt.datetime:
    """ "6h30" on `day`, or "02/10/2023 6h30" (either order): a naive UTC moment."""
    parts = (text or "").replace(",", " ").split()
    dates = [part for part in parts if "/" in part or "-" in part]
    times = [part for part in parts if part not in dates]
    if len(dates) > 1 or not times:
        raise ParseError(_l("Write a time like 6h30, or a date and a time like 02/10/2023 6h30."))
    on = parse_date(dates[0], default_year=day.year) if dates else day
    return to_utc(dt.datetime.combine(on, parse_time(" ".join(times))))


class LinkForm(AppForm):
    """A volunteer's check-in link: a label and when it works (by default, from the opening
    of check-in to the end of the event's day)."""

    label = StringField(
        _l("Label (who gets the link)"), validators=[DataRequired(), Length(max=200)]
    )
    valid_from = StringField(_l("Works from"), validators=[Length(max=40)])
    valid_until = StringField(_l("Works until"), validators=[Length(max=40)])

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.default_from, self.default_until = window(event)
        self.starts: dt.datetime | None = None
        self.ends: dt.datetime | None = None
        if not self.is_submitted():
            self.valid_from.data = moment_text(self.default_from)
            self.valid_until.data = moment_text(self.default_until)

    def _moment(self, field, default: dt.datetime) -> dt.datetime:
        if not (field.data or "").strip():
            return default
        try:
            return parse_moment(field.data, self.event.date)
        except ParseError as exc:
            raise ValidationError(str(exc)) from exc

    def validate_valid_from(self, field):
        self.starts = self._moment(field, self.default_from)

    def validate_valid_until(self, field):
        self.ends = self._moment(field, self.default_until)
        if self.starts is not None and self.ends <= self.starts:
            raise ValidationError(_l("The link must stop working after it starts."))


class WalkinSettingsForm(AppForm):
    require_code = BooleanField(_l("Walk-ins must type the code shown at the venue"))
    walkins_per_device = IntegerField(
        _l("Walk-ins per phone"), validators=[InputRequired(), NumberRange(min=1, max=20)]
    )


class WalkInForm(AppForm):
    """A walk-in's self check-in from the venue poster."""

    full_name = StringField(
        _l("Full name"),
        validators=[DataRequired(message=_l("Type your full name.")), Length(max=200)],
    )
    organisation = StringField(_l("Unit or organisation"), validators=[Optional(), Length(max=300)])
    participant_type = SelectField(
        _l("You are"),
        validators=[InputRequired()],
    )
    code = StringField(_l("Code shown at the venue"), validators=[Optional(), Length(max=10)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.participant_type.choices = [
            SelectChoice(member.value, str(PARTICIPANT_LABELS[member]))
            for member in ParticipantType
        ]

    @property
    def participant(self) -> ParticipantType:
        return ParticipantType(self.participant_type.data)


class VolunteerNameForm(AppForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])


class VolunteerScanForm(AppForm):
    code = StringField(_l("Code on the invitation"), validators=[DataRequired(), Length(max=500)])

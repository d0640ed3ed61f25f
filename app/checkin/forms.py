"""Forms of the staff scanner: a scanned or typed code, and headcount tallies."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.forms import AppForm


class CheckinOptionsForm(AppForm):
    """What every check-in from the scanner page carries: the override and the phone's id."""

    override = BooleanField(_l("Allow outside the check-in hours"))
    #: A random id the browser keeps (scanner.js), to tell the phones apart in the history.
    device_id = HiddenField(validators=[Optional(), Length(max=64)])
    #: The newest check-in the page's recent list shows (scanner.js keeps it up to date): the
    #: answer sends only the lines after it. Read leniently (`routes.recent_after`), never
    #: refused: a bad value only means the answer sends the check-in just made.
    recent_after = HiddenField()


class ScanForm(CheckinOptionsForm):
    #: What the camera read (an invitation URL) or what was typed: the URL or the bare token.
    code = StringField(_l("Code / link"), validators=[DataRequired(), Length(max=2000)])


class HeadcountForm(AppForm):
    label = StringField(_l("Who is counted"), validators=[DataRequired(), Length(max=200)])
    count = IntegerField(
        _l("Number of people"), validators=[InputRequired(), NumberRange(min=0, max=100_000)]
    )

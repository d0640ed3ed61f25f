"""Forms for invited groups, invitees and contacts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from app.forms import AppForm
from app.invitations.services import InvitationError, PersonData, normalise_phone


class GroupForm(AppForm):
    name = StringField(_l("Group"), validators=[DataRequired(), Length(max=300)])
    expected_headcount = IntegerField(
        _l("Expected people (not named)"), validators=[Optional(), NumberRange(min=0, max=100_000)]
    )
    notes = StringField(_l("Notes"), validators=[Optional(), Length(max=2000)])


class PersonForm(AppForm):
    """A person: an invitee or a contact-book entry."""

    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    title = StringField(_l("Title or position"), validators=[Optional(), Length(max=300)])
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=300)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    email = EmailField(
        _l("E-mail"),
        validators=[Optional(), Length(max=254), Email(check_deliverability=False)],
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])

    def validate_phone(self, field):
        try:
            normalise_phone(field.data or "")
        except InvitationError as exc:
            raise ValidationError(str(exc)) from exc


class InviteeForm(PersonForm):
    group_id = SelectField(_l("Group"), coerce=int, validators=[Optional()])
    protocol_rank = IntegerField(
        _l("Protocol rank"), validators=[Optional(), NumberRange(min=1, max=100_000)]
    )
    #: Ticked when the user has seen the possible duplicates and still wants a new person.
    confirm_new = BooleanField(_l("This is another person: add anyway"))

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.group_id.choices = [SelectChoice(0, "—")] + [
            SelectChoice(group.id, group.name) for group in groups
        ]


class ContactForm(PersonForm):
    pass


def person_data(form) -> PersonData:
    """What a person form (invitee or contact) holds, for the services."""
    return PersonData(
        full_name=form.full_name.data,
        title=form.title.data or "",
        organisation=form.organisation.data or "",
        phone=form.phone.data or "",
        email=form.email.data or "",
        protocol_rank=getattr(form, "protocol_rank", None) and form.protocol_rank.data,
        notes=form.notes.data or "",
    )

"""Forms for signing in, passwords, units and user accounts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    Optional,
    Regexp,
)

from app.forms import AppForm
from app.units.models import Role, UnitKind

MIN_PASSWORD_LENGTH = 10

CODE_PATTERN = Regexp(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
    message=_l("Use letters without accents, digits, dots, dashes or underscores."),
)


def unit_choices(units) -> list[SelectChoice]:
    """Units in tree order, indented by depth below the first one."""
    top = units[0].depth if units else 0
    return [SelectChoice(u.id, "— " * (u.depth - top) + u.name) for u in units]


class LoginForm(AppForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in on this computer"))


class ChangePasswordForm(AppForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=_l("Use at least %(num)d characters.", num=MIN_PASSWORD_LENGTH),
            ),
        ],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The two passwords differ."))],
    )


class UnitForm(AppForm):
    """Create and edit a unit; the parent list holds only units the admin manages."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), validators=[DataRequired()])
    code = StringField(_l("Short code"), validators=[DataRequired(), Length(max=32), CODE_PATTERN])
    parent_id = SelectField(_l("Parent unit"), coerce=int, validators=[Optional()])

    def __init__(self, *args, parents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(kind.value, kind.label) for kind in UnitKind]
        self.parent_id.choices = unit_choices(parents)


class UserForm(AppForm):
    """Create and edit a user account; the password is required only when creating."""

    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Length(max=254), Email(check_deliverability=False)],
    )
    unit_id = SelectField(_l("Unit"), coerce=int, validators=[DataRequired()])
    role = SelectField(_l("Role"), validators=[DataRequired()])
    locale = SelectField(
        _l("Language"), choices=[SelectChoice("vi", "Tiếng Việt"), SelectChoice("en", "English")]
    )
    active = BooleanField(_l("Active"), default=True)
    password = PasswordField(
        _l("Password"),
        validators=[
            Optional(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=_l("Use at least %(num)d characters.", num=MIN_PASSWORD_LENGTH),
            ),
        ],
    )

    def __init__(self, *args, units=(), creating=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.creating = creating
        self.unit_id.choices = unit_choices(units)
        self.role.choices = [SelectChoice(role.value, role.label) for role in Role]
        if creating:  # a new account needs a password; an edit keeps it when left empty
            self.password.validators = [
                DataRequired(message=_l("A new account needs a password.")),
                *self.password.validators[1:],
            ]

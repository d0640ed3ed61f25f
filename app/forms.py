"""The base form: WTForms' own messages translated through the app's catalogue.

WTForms ships no Vietnamese catalogue, so its built-in messages ("This field is required.")
are listed here for extraction and translated in app/translations like every other string.
"""

from __future__ import annotations

from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm


class _CatalogueTranslations:
    """WTForms formats its messages itself, so hand it the raw catalogue lookups."""

    def gettext(self, string: str) -> str:
        return get_translations().gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ngettext(singular, plural, n)


class AppForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _CatalogueTranslations()


def _plural(singular: str, plural: str) -> tuple[str, str]:
    """Marks a plural message for extraction (scripts/i18n.sh passes -k _plural:1,2)."""
    return singular, plural


# Built-in WTForms messages used by the app's forms, for the extractor.
WTFORMS_MESSAGES = (
    _l("This field is required."),
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("Invalid email address."),
    _l("Invalid input."),
    _l("Not a valid integer value."),
    _l("Not a valid date value."),
    _l("Not a valid time value."),
    _l("Field must be equal to %(other_name)s."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
)

WTFORMS_PLURAL_MESSAGES = (
    _plural(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
    ),
    _plural(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
    ),
)

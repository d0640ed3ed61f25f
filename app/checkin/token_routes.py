"""The profile page where a signed-in user creates and revokes their own API tokens."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.checkin import tokens
from app.checkin.blueprint import bp
from app.checkin.models import ApiToken
from app.extensions import db
from app.forms import AppForm
from app.htmx import FORM_ERROR_STATUS


class ApiTokenForm(AppForm):
    name = StringField(
        _l("What is it for?"),
        validators=[DataRequired(), Length(max=120)],
        description=_l("For example: scanner phone at the gate."),
    )


def _page(form: ApiTokenForm, new_token: str | None = None, status: int = 200):
    html = render_template(
        "checkin/api_tokens.html",
        form=form,
        tokens=tokens.tokens_of(current_user),
        new_token=new_token,
    )
    # The page may carry a token shown once: no cache keeps a copy.
    return html, status, {"Cache-Control": "no-store"}


@bp.route("/account/api-tokens", methods=["GET", "POST"])
@login_required
def api_tokens():
    """List one's API tokens and create a new one (shown once)."""
    form = ApiTokenForm()
    if form.validate_on_submit():
        _row, token = tokens.create_token(current_user, form.name.data)
        db.session.commit()
        return _page(ApiTokenForm(formdata=None), new_token=token)
    return _page(form, status=FORM_ERROR_STATUS if form.errors else 200)


@bp.post("/account/api-tokens/<int:token_id>/revoke")
@login_required
def api_token_revoke(token_id: int):
    """Revoke one of one's own tokens; it stops working at once."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    tokens.revoke_token(row)
    db.session.commit()
    flash(_("The token has been revoked."), "success")
    return redirect(url_for("checkin.api_tokens"), code=303)

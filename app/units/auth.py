"""Signing in and out, changing one's password, choosing the interface language."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app.backoff import Backoff
from app.extensions import db, limiter, login_manager
from app.htmx import FORM_ERROR_STATUS
from app.units.forms import ChangePasswordForm, LoginForm
from app.units.models import User
from app.units.services import UnitError, change_password, normalise_email

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Restore the signed-in user from the session, unless their password changed since."""
    try:
        raw_id, raw_version = user_id.split(":", 1)
        user = db.session.get(User, int(raw_id))
    except (ValueError, TypeError):
        return None
    if user is None or str(user.session_version) != raw_version:
        return None
    return user


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never send a user to another host after signing in."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/"):
            return target
    return url_for("main.dashboard")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_backoff() -> Backoff:
    config = current_app.config
    return Backoff("login", config["LOGIN_FREE_FAILURES"], config["LOGIN_LONGEST_DELAY"])


def _wait_message(seconds: int) -> str:
    return ngettext(
        "Too many failed sign-ins. Try again in %(num)d second.",
        "Too many failed sign-ins. Try again in %(num)d seconds.",
        seconds,
    )


def _password_matches(user: User | None, password: str) -> bool:
    if user is None:
        # As slow as a real check, so the answer's timing does not tell which e-mails exist.
        extensions = current_app.extensions
        if "unknown_account_hash" not in extensions:
            method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
            extensions["unknown_account_hash"] = generate_password_hash("-", method=method)
        check_password_hash(extensions["unknown_account_hash"], password)
        return False
    return user.check_password(password)


def _refused(form: LoginForm, seconds: int):
    """The sign-in page with the wait, as a 429 with Retry-After; the password is not checked."""
    form.password.errors.append(_wait_message(seconds))
    body = render_template("auth/login.html", form=form)
    return body, 429, {"Retry-After": str(seconds)}


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    """Sign in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        email = normalise_email(form.email.data)
        # Failures count per account and address: one attacker cannot lock the account out
        # for everyone, and the per-address rate limit bounds guessing across accounts.
        backoff, attempt = _login_backoff(), f"{email}|{get_remote_address()}"
        waiting = backoff.wait(attempt)
        if waiting:
            return _refused(form, waiting)
        user = db.session.scalar(select(User).where(User.email == email))
        if _password_matches(user, form.password.data) and user.active:
            backoff.succeeded(attempt)
            locale = session.get("locale")
            session.clear()  # a fresh session on sign-in: no fixation
            if locale:
                session["locale"] = locale
            login_user(user, remember=form.remember.data)
            user.last_login_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(_("Wrong e-mail or password, or the account is disabled."))
        headers = {}
        waiting = backoff.failed(attempt)
        if waiting:
            form.password.errors.append(_wait_message(waiting))
            headers["Retry-After"] = str(waiting)
        return render_template("auth/login.html", form=form), FORM_ERROR_STATUS, headers
    status = FORM_ERROR_STATUS if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """Sign out and forget the session; the browser forgets the pages it kept."""
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    response = redirect(url_for("auth.login"), code=303)
    # The browser's HTTP cache (and, where the browser does it, its back/forward cache). The
    # service worker's copies are not in it: only "storage" clears those, and it would also
    # wipe the scans waiting offline in IndexedDB, so static/sw.js forgets its copies itself.
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's own password; the user's other sessions end."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current.data, form.new.data)
        except UnitError as exc:
            form.current.errors.append(str(exc))
        else:
            db.session.commit()
            # Keep this session, now under the new session version (the real object: giving
            # login_user the current_user proxy would make it refer to itself).
            login_user(current_user._get_current_object(), fresh=True)
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("main.dashboard"), code=303)
    status = FORM_ERROR_STATUS if form.errors else 200
    return render_template("auth/password.html", form=form), status


@bp.post("/language/<lang>")
def language(lang: str):
    """Switch the interface language, remembered on the account when signed in."""
    if lang not in current_app.config["LANGUAGES"]:
        return redirect(url_for("main.dashboard"), code=303)
    session["locale"] = lang
    if current_user.is_authenticated:
        current_user.locale = lang
        db.session.commit()
    return redirect(_safe_next(request.form.get("next")), code=303)

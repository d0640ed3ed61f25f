"""Error pages: HTML for people, JSON for the API and health checks, fragments for htmx.

The database being unreachable is its own case: a 503 with Retry-After, answered without
touching the database again (the signed-in user and the language are taken from what was
already loaded, the page does not extend base.html), after the session is rolled back so the
pool hands out a fresh connection once the database is back.
"""

from __future__ import annotations

from flask import current_app, g, jsonify, render_template, request, session
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from sqlalchemy import inspect as sa_inspect
from werkzeug.exceptions import HTTPException

from app.htmx import wants_fragment

#: Errors that mean "the database cannot answer now" (refused, dropped, restarting, locked,
#: deadlocked, pool exhausted), not a bug: a retry later succeeds.
DATABASE_DOWN = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)

#: Seconds a client should wait before trying again when the database is down.
RETRY_AFTER_SECONDS = 30


def _messages():
    return {
        400: _("The request could not be understood."),
        403: _("You do not have permission to do this."),
        404: _("This page does not exist, or it is not part of your unit."),
        405: _("This action is not allowed here."),
        413: _("The file is too large."),
        422: _("Some fields need fixing."),
        429: _("Too many attempts. Please wait a moment and try again."),
        500: _("Something went wrong on our side. Please try again."),
        503: _("The database is not reachable right now. Please try again in a moment."),
    }


def _wants_json() -> bool:
    return (
        request.path.startswith("/api/")
        or request.path == "/healthz"
        or (request.accept_mimetypes.best == "application/json")
    )


def is_database_down(error: BaseException) -> bool:
    return isinstance(error, DATABASE_DOWN)


def _loaded(obj, attribute: str):
    """An attribute of a database object if it is already in memory, else None: never a
    query (the database is down)."""
    if obj is None:
        return None
    state = sa_inspect(obj, raiseerr=False)
    if state is None:  # the anonymous user, or anything not mapped
        return None
    return state.dict.get(attribute)


def offline_locale() -> str:
    """The request's language, decided without asking the database: as `select_locale` (and
    the API's `request_language`) would, from what is already loaded."""
    languages = current_app.config["LANGUAGES"]
    if request.path.startswith("/api/"):
        if "Accept-Language" in request.headers:
            chosen = request.accept_languages.best_match(languages)
            if chosen:
                return chosen
        candidates = [_loaded(g.get("api_user"), "locale")]
    else:
        candidates = [
            _loaded(g.get("_login_user"), "locale"),
            session.get("locale"),
            request.args.get("lang"),
        ]
    for candidate in candidates:
        if candidate in languages:
            return candidate
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _rollback_quietly() -> None:
    """Give the connection back (a dead one is invalidated by the pool); never raise here."""
    from app.extensions import db

    try:
        db.session.rollback()
    except Exception:  # the connection may be gone: the pool replaces it on the next checkout
        current_app.logger.warning("rollback after a database error failed", exc_info=True)


def _render_without_database(template: str, **context) -> str:
    """Render without the context processors: Flask-Login's would load the signed-in user."""
    return current_app.jinja_env.get_template(template).render(status=503, **context)


def database_unavailable(error: BaseException | None = None, as_json: bool | None = None):
    """503 for a database that does not answer: JSON `{"error": {"code":
    "database_unavailable", …}}` for the API, JSON clients and /healthz, an htmx fragment for
    htmx, else a page of its own; with Retry-After in every case."""
    # The endpoint and the error's class only: a URL may hold an invitation token and the
    # driver's message may quote personal data from the statement's parameters.
    current_app.logger.warning(
        "database unavailable: %s %s (%s)",
        request.method,
        request.endpoint,
        type(error).__name__ if error is not None else "-",
    )
    locale = offline_locale()  # before the rollback, which unloads the user's attributes
    _rollback_quietly()
    as_json = _wants_json() if as_json is None else as_json
    with force_locale(locale):
        message = _messages()[503]
        if as_json:
            body = {"code": "database_unavailable", "message": message, "status": 503}
            response = jsonify({"error": body})
        else:
            template = "errors/_message.html" if wants_fragment() else "errors/503.html"
            response = current_app.make_response(
                _render_without_database(template, message=message, language=locale)
            )
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def _respond(status: int, message=None):
    try:
        message = str(message) if message else _messages().get(status, _("Something went wrong."))
        if _wants_json():
            return jsonify({"error": {"status": status, "message": message}}), status
        template = "errors/_message.html" if wants_fragment() else "errors/error.html"
        return render_template(template, status=status, message=message), status
    except DATABASE_DOWN as error:
        # The error page itself needed the database (the signed-in user, their language).
        return database_unavailable(error)


def register_error_handlers(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return _respond(400, _l("The form expired. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return _respond(error.code or 500)

    for error_class in DATABASE_DOWN:
        app.register_error_handler(error_class, database_unavailable)

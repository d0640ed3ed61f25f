"""Error pages: HTML for people, JSON for the API and health checks, fragments for htmx."""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from app.htmx import wants_fragment


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


def _respond(status: int, message: str | None = None):
    message = message or _messages().get(status, _("Something went wrong."))
    if _wants_json():
        return jsonify({"error": {"status": status, "message": message}}), status
    template = "errors/_message.html" if wants_fragment() else "errors/error.html"
    return render_template(template, status=status, message=message), status


def register_error_handlers(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return _respond(400, _("The form expired. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return _respond(error.code or 500)

    @app.errorhandler(OperationalError)
    def database_down(_error):
        from app.extensions import db

        db.session.rollback()
        return _respond(503)

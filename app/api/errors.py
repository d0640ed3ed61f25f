"""JSON errors for the API: `{"error": {"code", "message", "status"[, "details"]}}`.

The code is stable and machine-readable; the message is for people, in the request's
language. Every 4xx and 5xx under /api/v1/ answers this way, including unknown URLs and
methods (the catch-all route in routes.py).
"""

from __future__ import annotations

from flask import current_app, g, jsonify, request
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from app.errors import database_unavailable, is_database_down
from app.extensions import db

#: HTTP status → stable code, for errors raised by Flask, Werkzeug and `abort()`.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


def _messages() -> dict[str, str]:
    return {
        "bad_request": _("The request could not be understood."),
        "unauthorized": _("Send an API token: Authorization: Bearer <token>."),
        "forbidden": _("You do not have permission to do this."),
        "not_found": _("Not found, or not part of your unit."),
        "method_not_allowed": _("This method is not allowed here."),
        "conflict": _("This conflicts with data recorded earlier."),
        "payload_too_large": _("The request is too large."),
        "unsupported_media_type": _("Send the request body as JSON."),
        "validation_failed": _("Some fields need fixing."),
        "rate_limited": _("Too many attempts. Please wait a moment and try again."),
        "internal_error": _("Something went wrong on our side. Please try again."),
        "service_unavailable": _(
            "The database is not reachable right now. Please try again in a moment."
        ),
    }


class ApiError(Exception):
    """An answer other than success; `message` None takes the code's usual message."""

    def __init__(self, status: int, code: str, message=None, details=None, headers=None):
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = dict(headers or {})


def request_language() -> str:
    """An explicit Accept-Language the app speaks, else the token owner's language."""
    languages = current_app.config["LANGUAGES"]
    if "Accept-Language" in request.headers:
        chosen = request.accept_languages.best_match(languages)
        if chosen:
            return chosen
    user = g.get("api_user")
    if user is not None and user.locale in languages:
        return user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def error_response(status: int, code: str, message=None, details=None, headers=None):
    with force_locale(request_language()):
        text = str(message) if message else _messages().get(code) or _messages()["bad_request"]
        body = {"code": code, "message": text, "status": status}
        if details:
            body["details"] = {key: str(value) for key, value in details.items()}
    response = jsonify({"error": body})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _api_error(error: ApiError):
    headers = dict(error.headers)
    if error.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return error_response(error.status, error.code, error.message, error.details, headers)


def _http_error(error: HTTPException):
    status = error.code or 500
    if status >= 500:
        db.session.rollback()
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(sorted(error.valid_methods))
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return error_response(status, HTTP_CODES.get(status, f"http_{status}"), headers=headers)


def _unexpected(error: Exception):
    if is_database_down(error):
        # Answered without the database: code "database_unavailable", Retry-After.
        return database_unavailable(error, as_json=True)
    db.session.rollback()
    current_app.logger.exception("API request failed: %s %s", request.method, request.path)
    return error_response(500, "internal_error")


def register(bp) -> None:
    bp.register_error_handler(ApiError, _api_error)
    bp.register_error_handler(HTTPException, _http_error)
    bp.register_error_handler(Exception, _unexpected)

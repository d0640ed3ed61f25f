"""JSON API v1 under /api/v1/: bearer tokens, JSON errors, OpenAPI document."""

import hashlib

from flask import Blueprint, current_app, request
from flask_limiter.util import get_remote_address
from werkzeug.routing import PathConverter

from app.extensions import limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class AnyPathConverter(PathConverter):
    """Any rest of a path, even one with a newline or a doubled slash (which the "path"
    converter refuses), so the API's catch-all answers every URL under /api/v1/ with its own
    JSON error instead of the app's page or a redirect."""

    regex = r"[\s\S]*?"
    part_isolating = False


def _token_limit() -> str:
    return current_app.config.get("API_TOKEN_RATE_LIMIT") or "1200 per minute"


def _address_limit() -> str:
    return current_app.config.get("API_ADDRESS_RATE_LIMIT") or "6000 per minute"


def _token_key() -> str:
    """The bearer token's digest (the limiter's store never holds a token as such); without
    one, the address."""
    header = request.headers.get("Authorization", "")
    if not header:
        return "api-address/" + (get_remote_address() or "")
    return "api-token/" + hashlib.sha256(header.encode()).hexdigest()[:24]


def _address_key() -> str:
    return "api-ip/" + (get_remote_address() or "")


# Once per process (decorating again on every create_app would count each request twice).
# Over a limit: 429 with the API's JSON error (the blueprint's handler for HTTP errors).
limiter.limit(_token_limit, key_func=_token_key)(bp)
limiter.limit(_address_limit, key_func=_address_key)(bp)


def register(app) -> None:
    app.url_map.converters["anypath"] = AnyPathConverter
    from app.api import routes  # noqa: F401
    from app.extensions import csrf

    csrf.exempt(bp)  # bearer tokens, no cookies: nothing for a forged form to ride on
    app.register_blueprint(bp)

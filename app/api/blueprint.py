"""JSON API v1 under /api/v1/: bearer tokens, JSON errors, OpenAPI document."""

from flask import Blueprint
from werkzeug.routing import PathConverter

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class AnyPathConverter(PathConverter):
    """Any rest of a path, even one with a newline or a doubled slash (which the "path"
    converter refuses), so the API's catch-all answers every URL under /api/v1/ with its own
    JSON error instead of the app's page or a redirect."""

    regex = r"[\s\S]*?"
    part_isolating = False


def register(app) -> None:
    app.url_map.converters["anypath"] = AnyPathConverter
    from app.api import routes  # noqa: F401
    from app.extensions import csrf

    csrf.exempt(bp)  # bearer tokens, no cookies: nothing for a forged form to ride on
    app.register_blueprint(bp)

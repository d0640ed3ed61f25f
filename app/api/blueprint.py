"""JSON API v1 under /api/v1/: bearer tokens, JSON errors, OpenAPI document."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def register(app) -> None:
    from app.api import routes  # noqa: F401
    from app.extensions import csrf

    csrf.exempt(bp)  # bearer tokens, no cookies: nothing for a forged form to ride on
    app.register_blueprint(bp)

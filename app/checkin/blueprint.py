"""The check-in area's blueprints: staff pages (`checkin`), the venue's public pages for
walk-ins and volunteers (`venue`), and the JSON API v1 (`api`, in app/api/)."""

from flask import Blueprint

bp = Blueprint("checkin", __name__)
venue_bp = Blueprint("venue", __name__)


def register(app) -> None:
    from app.checkin import (  # noqa: F401
        attendance_routes,
        dashboard_routes,
        link_routes,
        offline_routes,
        pwa_routes,
        routes,
        token_routes,
        venue_routes,
    )

    app.register_blueprint(bp)
    app.register_blueprint(venue_bp)

"""The invitations area's blueprints: organisers' pages (`invitations`) and the public
invitation pages opened from a QR code (`public`)."""

from flask import Blueprint

bp = Blueprint("invitations", __name__)
public_bp = Blueprint("public", __name__)


def register(app) -> None:
    from app.invitations import (  # noqa: F401
        contact_routes,
        email_routes,
        group_routes,
        import_routes,
        print_routes,
        public_routes,
        routes,
    )

    app.register_blueprint(bp)
    app.register_blueprint(public_bp)

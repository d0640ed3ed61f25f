"""The schedule area's blueprint; its routes live in routes.py, program_routes.py,
import_routes.py, export_routes.py and reuse_routes.py, all imported by register()."""

from flask import Blueprint

bp = Blueprint("schedule", __name__)


def register(app) -> None:
    from app.schedule import (  # noqa: F401
        export_routes,
        import_routes,
        program_routes,
        reuse_routes,
        routes,
    )

    app.register_blueprint(bp)

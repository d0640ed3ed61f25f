"""The schedule area's blueprint; its routes live in routes.py, program_routes.py,
import_routes.py and export_routes.py, all imported by register()."""

from flask import Blueprint

bp = Blueprint("schedule", __name__)


def register(app) -> None:
    from app.schedule import export_routes, import_routes, program_routes, routes  # noqa: F401

    app.register_blueprint(bp)

"""The reports area: statistics templates, each unit's results report, roll-up and exports."""

from flask import Blueprint

bp = Blueprint("reports", __name__)


def register(app) -> None:
    import importlib
    import pkgutil

    import app.reports as package

    # Every module of the package named *_routes adds its views to `bp`.
    for module in pkgutil.iter_modules(package.__path__):
        if module.name.endswith("_routes"):
            importlib.import_module(f"app.reports.{module.name}")

    app.register_blueprint(bp)

"""The application factory."""

from __future__ import annotations

import os

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import ROOT_DIR, load_config
from app.extensions import babel, csrf, db, htmx_ext, limiter, login_manager, migrate


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, error pages, CLI commands."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH") or str(ROOT_DIR / "instance"),
        template_folder=str(ROOT_DIR / "templates"),
        static_folder=str(ROOT_DIR / "static"),
    )
    app.config.from_mapping(load_config(app.instance_path, overrides))
    os.makedirs(app.instance_path, exist_ok=True)

    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    _init_extensions(app)
    _register_blueprints(app)
    _register_hooks(app)
    return app


def _init_extensions(app: Flask) -> None:
    from app.db_setup import configure_engine_events
    from app.i18n import register_template_helpers, select_locale

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(ROOT_DIR / "migrations"), render_as_batch=True, compare_type=True
    )
    csrf.init_app(app)
    limiter.init_app(app)
    htmx_ext.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.session_protection = "basic"
    with app.app_context():
        configure_engine_events(db.engine)
    register_template_helpers(app)
    # A lazy message (flask_babel's LazyString) has __html__, so Jinja would print it unescaped;
    # turn it into a plain string first so messages quoting user text stay escaped.
    app.jinja_env.finalize = lambda value: str(value) if isinstance(value, LazyString) else value

    from app.checkin import models as checkin_models  # noqa: F401
    from app.invitations import models as invitation_models  # noqa: F401
    from app.jobs import models as job_models  # noqa: F401
    from app.reports import models as report_models  # noqa: F401
    from app.schedule import models as schedule_models  # noqa: F401
    from app.units import models  # noqa: F401  (models registered with the metadata)


def _register_blueprints(app: Flask) -> None:
    from app.api.blueprint import register as register_api
    from app.audit import register as register_audit
    from app.backup.cli import backup_command, restore_command
    from app.checkin.blueprint import register as register_checkin
    from app.demo.cli import demo_cli
    from app.invitations.blueprint import register as register_invitations
    from app.jobs.cli import jobs_cli
    from app.jobs.routes import bp as jobs_bp
    from app.main.routes import bp as main_bp
    from app.reports.blueprint import register as register_reports
    from app.schedule.blueprint import register as register_schedule
    from app.units.auth import bp as auth_bp
    from app.units.cli import units_cli, users_cli
    from app.units.routes import bp as units_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(units_bp)
    register_schedule(app)
    register_invitations(app)
    register_checkin(app)
    register_api(app)
    register_reports(app)
    app.register_blueprint(jobs_bp)
    register_audit(app)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(units_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


def _register_hooks(app: Flask) -> None:
    from app.errors import register_error_handlers
    from app.htmx import add_vary_header
    from app.security import apply_security_headers

    production = app.config["APP_ENV"] == "production"
    register_error_handlers(app)
    app.after_request(add_vary_header)
    app.after_request(lambda response: apply_security_headers(response, production))

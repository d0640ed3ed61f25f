"""The audit trail: who created, changed, deleted, undid or exported what, when, from where."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """The administrators' pages, and the session hooks that write the trail."""
    from app.audit import routes
    from app.audit.hooks import install

    app.register_blueprint(routes.bp)
    install()

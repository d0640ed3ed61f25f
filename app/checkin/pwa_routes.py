"""The scanner as an installable app: its service worker, served from the site's root so that
it may control the scanner pages (a worker's scope cannot be wider than its own folder unless
`Service-Worker-Allowed` says so). The worker itself is static/sw.js; the manifest is a plain
static file linked from the scanner page."""

from __future__ import annotations

from flask import current_app, send_from_directory

from app.checkin.blueprint import bp


@bp.get("/sw.js")
def service_worker():
    """static/sw.js, never cached by the browser's HTTP cache so a new version is seen."""
    response = send_from_directory(
        current_app.static_folder, "sw.js", mimetype="text/javascript", max_age=0
    )
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response

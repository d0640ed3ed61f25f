"""The scanner as an installable app: the service worker's route, the manifest and its icons,
and the scanner page's link to the manifest."""

from __future__ import annotations

import json
import re

import pytest
from flask import url_for
from PIL import Image

from app.config import ROOT_DIR
from tests.test_checkin_scanner import world  # noqa: F401  (the fixture)

STATIC = ROOT_DIR / "static"


def fetch(client, url):
    """GET a file and close the response (its file stays open otherwise: a ResourceWarning)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def test_the_service_worker_is_served_from_the_root(client):
    response = fetch(client, "/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.get_data(as_text=True)
    assert body == (STATIC / "sw.js").read_text(encoding="utf-8")
    assert re.search(r'CACHE_VERSION = "[^"]+"', body)
    # The CSP is the app's usual one, not weakened for the worker.
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_the_worker_precaches_files_that_exist():
    body = (STATIC / "sw.js").read_text(encoding="utf-8")
    assets = re.findall(r'"/static/([^"]+)"', body)
    assert {"app.css", "app.js", "scanner.js", "manifest.webmanifest"} <= set(assets)
    for asset in assets:
        assert (STATIC / asset).is_file(), asset


def test_the_manifest_is_valid_and_its_icons_exist(client):
    response = fetch(client, "/static/manifest.webmanifest")
    assert response.status_code == 200
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["name"] == "Điểm danh – Tuần lễ học tập suốt đời"
    assert manifest["short_name"] == "Điểm danh"
    assert manifest["start_url"] == "/campaigns"
    assert manifest["display"] == "standalone"
    accent = re.search(r"--accent:\s*(#[0-9a-fA-F]{6})", (STATIC / "app.css").read_text())
    assert manifest["theme_color"] == manifest["background_color"] == accent.group(1)
    sizes = set()
    for icon in manifest["icons"]:
        assert icon["type"] == "image/png"
        assert icon["src"].startswith("/static/")
        assert fetch(client, icon["src"]).status_code == 200
        with Image.open(STATIC / icon["src"].removeprefix("/static/")) as image:
            assert image.format == "PNG"
            assert f"{image.width}x{image.height}" == icon["sizes"]
            sizes.add(image.width)
    assert sizes == {192, 512}


@pytest.fixture
def staff(world, auth):  # noqa: F811
    auth.login(world["users"]["staff"])
    return world["users"]["staff"]


def test_the_scanner_page_links_the_manifest(client, world, staff):  # noqa: F811
    html = client.get(f"/events/{world['opening'].id}/checkin").get_data(as_text=True)
    assert '<link rel="manifest" href="/static/manifest.webmanifest">' in html


def test_other_pages_do_not_link_the_manifest(client, staff):
    html = client.get("/campaigns").get_data(as_text=True)
    assert 'rel="manifest"' not in html


def test_the_worker_precaches_the_camera_before_the_scanner():
    body = (STATIC / "sw.js").read_text(encoding="utf-8")
    assert body.index('"/static/camera.js"') < body.index('"/static/scanner.js"')


def test_the_scanner_page_loads_the_camera_module_first(client, world, staff):  # noqa: F811
    html = client.get(f"/events/{world['opening'].id}/checkin").get_data(as_text=True)
    scripts = re.findall(r'<script src="(/static/[^"]+)" defer>', html)
    assert scripts[-2:] == ["/static/camera.js", "/static/scanner.js"]


# --- signing out on a shared phone ----------------------------------------------------------


def test_signing_out_clears_the_browsers_cache_but_not_its_storage(client, staff):
    response = client.post("/logout")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    # "cache" only: "storage" or "*" would also wipe the scans waiting offline in IndexedDB.
    assert response.headers["Clear-Site-Data"] == '"cache"'
    assert client.get("/campaigns").status_code == 302  # signed out indeed


def test_other_answers_clear_nothing(client, staff):
    assert "Clear-Site-Data" not in client.get("/campaigns").headers
    assert "Clear-Site-Data" not in client.get("/login").headers


def test_the_worker_forgets_pages_at_the_sign_out_address(app):
    """static/sw.js watches the sign-out form's address for its POST."""
    body = (STATIC / "sw.js").read_text(encoding="utf-8")
    with app.test_request_context():
        address = url_for("auth.logout")
    assert f'var SIGN_OUT = "{address}";' in body

"""The one place that decides between a fragment and a full page."""

from __future__ import annotations

from flask import render_template, request

#: Status of a form re-rendered with its errors; htmx is configured (base.html) to swap it.
FORM_ERROR_STATUS = 422


def wants_fragment() -> bool:
    """True for an htmx request that replaces part of a page.

    Boosted navigation and history restores need the whole page even though they carry
    HX-Request.
    """
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return False
    return not (htmx.boosted or htmx.history_restore_request)


def render(page: str, fragment: str, status: int = 200, **context):
    """Render `fragment` for htmx, `page` (which includes the fragment) otherwise."""
    template = fragment if wants_fragment() else page
    response = render_template(template, **context), status
    return response


def add_vary_header(response):
    """Caches must keep fragments and pages apart."""
    response.vary.add("HX-Request")
    return response


def form_error(template: str, **context):
    """Re-render a form partial with its errors, with the app-wide error status."""
    return render_template(template, **context), FORM_ERROR_STATUS


def retarget(body: str, target: str, swap: str = "outerHTML", status: int = 200):
    """Send `body` to another element than the one that asked (e.g. a whole table after a
    row edit moved the row)."""
    return body, status, {"HX-Retarget": target, "HX-Reswap": swap}

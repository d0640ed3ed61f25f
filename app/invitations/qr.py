"""QR codes of invitations and venue posters (PNG and SVG), and the addresses they carry."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from flask import current_app, request, url_for


def public_url(endpoint: str, **values) -> str:
    """An absolute address for a QR code: PUBLIC_BASE_URL when configured (the address phones
    at the venue can reach), else the address this request came to."""
    path = url_for(endpoint, **values)
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    return base.rstrip("/") + path


def invitation_url(token: str) -> str:
    return public_url("public.invitation", token=token)


def _code(data: str) -> qrcode.QRCode:
    # Level M survives a crease or a smudge on a printed card; box size is set per image.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_png(data: str, box_size: int = 10) -> bytes:
    code = _code(data)
    code.box_size = box_size
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(data: str) -> bytes:
    code = _code(data)
    buffer = io.BytesIO()
    code.make_image(image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
    return buffer.getvalue()

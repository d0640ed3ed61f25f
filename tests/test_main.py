"""Health check, security headers, error pages, the dashboard."""

import datetime as dt

import pytest
from sqlalchemy.exc import OperationalError

from app.schedule.models import Campaign
from app.units.models import Role, UnitKind


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["database"]["engine"] in ("sqlite", "postgresql")


def test_healthz_answers_503_when_the_database_is_down(client, monkeypatch):
    from app.extensions import db

    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["database"]["status"] == "down"
    assert "refused" not in response.get_data(as_text=True)  # no internals leak


@pytest.mark.parametrize("path", ["/login", "/healthz", "/does-not-exist"])
def test_security_headers_on_every_response(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_scripts_or_styles(client, auth, make_unit, make_user):
    auth.login(make_user(make_unit(), Role.ADMIN))
    for path in ("/", "/admin/units", "/admin/users", "/account/password"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and "<style" not in html and " style=" not in html
        assert " onclick=" not in html and "hx-on" not in html


def test_not_found_page_is_vietnamese(client):
    response = client.get("/khong-co")
    assert response.status_code == 404
    assert "Trang này không tồn tại" in response.get_data(as_text=True)


def test_htmx_errors_are_fragments(client, auth, make_unit, make_user):
    auth.login(make_user(make_unit(), Role.ORGANISER))
    response = client.get("/admin/units/new", htmx=True)
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert "Bạn không có quyền thực hiện thao tác này." in html


def test_boosted_requests_get_whole_pages(client, auth, make_unit, make_user):
    auth.login(make_user(make_unit(), Role.ADMIN))
    response = client.get("/admin/units", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in response.get_data(as_text=True)


def test_dashboard_lists_campaigns_from_above_not_from_siblings(
    client, auth, db, make_unit, make_user
):
    province = make_unit(name="Sở GD&ĐT Bắc Kạn", kind=UnitKind.PROVINCIAL_DEPARTMENT)
    district = make_unit(province, name="Phòng GD&ĐT Bạch Thông", kind=UnitKind.DISTRICT_OFFICE)
    sibling = make_unit(province, name="Phòng GD&ĐT Chợ Mới", kind=UnitKind.DISTRICT_OFFICE)
    school = make_unit(district, name="Trường THCS Phủ Thông")
    week = dict(year=2023, start_date=dt.date(2023, 10, 2), end_date=dt.date(2023, 10, 8))
    db.session.add_all(
        [
            Campaign(
                unit=province,
                name="Tuần lễ cấp tỉnh 2023",
                report_deadline=dt.date(2023, 10, 13),
                **week,
            ),
            Campaign(unit=sibling, name="Tuần lễ của Chợ Mới", **week),
        ]
    )
    db.session.commit()
    auth.login(make_user(school, Role.ORGANISER))
    html = client.get("/").get_data(as_text=True)
    assert "Tuần lễ cấp tỉnh 2023" in html
    assert "02/10/2023 – 08/10/2023" in html
    assert "13/10/2023" in html
    assert "Chợ Mới" not in html

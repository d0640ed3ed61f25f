"""The live dashboard updates by itself when a scanner phone checks someone in through the API."""

from __future__ import annotations

import json
import urllib.request

import pytest
from playwright.sync_api import expect

from app.checkin import tokens
from app.units.models import Role

pytestmark = pytest.mark.browser


def test_dashboard_counts_a_check_in_made_through_the_api(
    db,
    todays_ceremony,
    page,
    sign_in,
    make_user,
    live_server,
):
    event, (luan, _dao, _khach) = todays_ceremony
    organiser = make_user(event.unit, Role.ORGANISER, email="bantochuc@example.vn")
    _row, api_token = tokens.create_token(organiser, "scanner at the gate")
    db.session.commit()

    sign_in(page, "bantochuc@example.vn")
    page.goto(f"/events/{event.id}/dashboard")
    persons = page.locator('#dash-numbers [data-figure="persons"]')
    expect(persons).to_have_text("0")
    page.evaluate("window.__noReload = 1")

    request = urllib.request.Request(  # noqa: S310  (the live test server on 127.0.0.1)
        f"{live_server}/api/v1/events/{event.id}/checkins",
        data=json.dumps({"code": luan.token, "device_id": "gate-1"}).encode(),
        headers={"Authorization": f"Bearer {api_token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status == 201
        assert json.load(response)["outcome"] == "ok"

    # the numbers poll every 5 seconds: no reload, the figures change by themselves
    expect(persons).to_have_text("1", timeout=12_000)
    expect(page.locator('#dash-numbers dl [data-figure="checked_in"]')).to_have_text("1")
    group = page.locator('#dash-numbers tr[data-group="Cấp huyện"] [data-figure="checked_in"]')
    expect(group).to_have_text("1")
    assert page.evaluate("window.__noReload") == 1

"""A statistics template belongs to the unit whose administrator imported it: seen by that unit,
the units above and below it, not by a sibling; deleted by administrators of that unit or
above; the installation's default is chosen by an administrator of a top-level unit only, and a
campaign picks among the templates its organiser sees."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.reports.default_template import NAME
from app.reports.models import ReportTemplate
from app.schedule.models import Campaign
from app.units.models import Role, UnitKind
from tests.test_report_templates import QUANG_NAM, campaign_form, make_template, upload, workbook


@pytest.fixture
def tree(make_unit):
    province = make_unit(name="Sở GD&ĐT Quảng Nam", kind=UnitKind.PROVINCIAL_DEPARTMENT)
    district = make_unit(province, name="Phòng GD&ĐT Duy Xuyên", kind=UnitKind.DISTRICT_OFFICE)
    sibling = make_unit(province, name="Phòng GD&ĐT Thăng Bình", kind=UnitKind.DISTRICT_OFFICE)
    school = make_unit(district, name="Trường THCS Nguyễn Hiền")
    return {"province": province, "district": district, "sibling": sibling, "school": school}


@pytest.fixture
def admins(tree, make_user):
    return {place: make_user(unit, Role.ADMIN, locale="en") for place, unit in tree.items()}


@pytest.fixture
def shared(db):
    from app.reports.default_template import default_template

    template = default_template()
    db.session.commit()
    return template


@pytest.fixture
def districts(db, tree, shared):
    """Duy Xuyên's own template."""
    template = make_template(db, "Mẫu Duy Xuyên 2024", QUANG_NAM)
    template.unit_id = tree["district"].id
    db.session.commit()
    return template


def _listed(client) -> list[str]:
    html = client.get("/report-templates").get_data(as_text=True)
    return re.findall(r'<a href="/report-templates/\d+">([^<]+)</a>', html)


def test_an_imported_template_belongs_to_the_importers_unit(client, auth, admins, tree, db):
    auth.login(admins["district"])
    preview = upload(client, workbook(QUANG_NAM))
    confirm = client.post(preview.location.split("?")[0], data={"name": "Mẫu Duy Xuyên"})
    assert confirm.status_code == 303
    template = db.session.scalar(
        select(ReportTemplate).where(ReportTemplate.name == "Mẫu Duy Xuyên")
    )
    assert template.unit_id == tree["district"].id
    line = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.object_type == "ReportTemplate", AuditEvent.action == "create"
        )
    )
    assert line.unit_id == tree["district"].id  # its administrators read it in their trail


@pytest.mark.parametrize(
    ("place", "sees"),
    [("province", True), ("district", True), ("school", True), ("sibling", False)],
)
def test_a_units_template_is_seen_above_and_below_not_beside(
    client, auth, admins, districts, shared, place, sees
):
    auth.login(admins[place])
    assert ("Mẫu Duy Xuyên 2024" in _listed(client)) is sees
    assert NAME in _listed(client)  # the shared default: everybody
    for path in (f"/report-templates/{districts.id}", f"/report-templates/{districts.id}.xlsx"):
        assert client.get(path).status_code == (200 if sees else 404)


@pytest.mark.parametrize(
    ("place", "status"),
    [("province", 303), ("district", 303), ("school", 403), ("sibling", 404)],
)
def test_a_units_template_is_deleted_by_its_unit_or_above(
    client, auth, admins, districts, db, place, status
):
    template_id = districts.id
    auth.login(admins[place])
    page = client.get(f"/report-templates/{template_id}").get_data(as_text=True)
    assert ("/delete" in page) is (status == 303)
    response = client.post(f"/report-templates/{template_id}/delete")
    assert response.status_code == status
    db.session.expire_all()
    assert (db.session.get(ReportTemplate, template_id) is None) is (status == 303)


def test_only_a_top_level_administrator_chooses_the_default(
    client, auth, admins, districts, shared, tree, db
):
    own = make_template(db, "Mẫu của Sở", QUANG_NAM)
    own.unit_id = tree["province"].id
    db.session.commit()
    for place in ("district", "school"):
        auth.login(admins[place])
        assert "Make default" not in client.get("/report-templates").get_data(as_text=True)
        assert client.post(f"/report-templates/{districts.id}/default").status_code == 403
        auth.logout()
    auth.login(admins["province"])
    # A district's template is theirs: the province does not impose it on everybody.
    assert client.post(f"/report-templates/{districts.id}/default").status_code == 403
    assert client.post(f"/report-templates/{own.id}/default").status_code == 303
    db.session.expire_all()
    assert db.session.get(ReportTemplate, own.id).is_default
    assert not db.session.get(ReportTemplate, shared.id).is_default


def test_a_campaign_picks_among_the_templates_its_organiser_sees(
    client, auth, make_user, tree, districts, shared, db
):
    auth.login(make_user(tree["sibling"], Role.ORGANISER, locale="en"))
    html = client.get("/campaigns/new").get_data(as_text=True)
    assert NAME in html and "Mẫu Duy Xuyên 2024" not in html
    response = client.post("/campaigns/new", data=campaign_form(report_template_id=districts.id))
    assert response.status_code == 422
    assert db.session.scalar(select(Campaign)) is None


def test_a_campaign_keeps_showing_the_template_it_follows(
    client, auth, make_user, tree, districts, shared, make_campaign, db
):
    campaign = make_campaign(tree["sibling"])
    campaign.report_template = districts
    db.session.commit()
    auth.login(make_user(tree["sibling"], Role.ORGANISER, locale="en"))
    html = client.get(f"/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert re.search(r"<option[^>]*selected[^>]*>Mẫu Duy Xuyên 2024</option>", html)

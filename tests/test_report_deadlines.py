"""A unit asks the units directly below it to report by an earlier date than its own: their
report pages, the list of reports, the dashboards' late flags and the exported notes follow
it; a date after the unit's own deadline, before the week or not a date is refused and
changes nothing; only the unit's own report officers and administrators set it."""

from __future__ import annotations

import datetime as dt
import io
import re

import docx
import pytest
from sqlalchemy import func, select

from app.reports.dashboard import build_dashboard
from app.reports.deadlines import deadline_for, due_date
from app.reports.models import ReportDeadline
from app.reports.services import get_or_create_report, submit
from app.units.models import Role

D = dt.date


def _ask(client, week, unit: str, due: str):
    campaign = week["campaign"]
    return client.post(
        f"/campaigns/{campaign.id}/reports/{week[unit].id}/deadline-below", data={"due": due}
    )


def _shown_deadline(client, week, unit: str) -> str:
    html = client.get(f"/campaigns/{week['campaign'].id}/reports/{week[unit].id}").get_data(
        as_text=True
    )
    line = re.search(r"Hạn báo cáo: (.*?)</div>", html, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", line).split())


@pytest.fixture
def asked(client, auth, week):
    """District 1's report officer asks its schools for 10/10 (the campaign wants 15/10)."""
    auth.login(week["officers"][week["district1"]])
    response = _ask(client, week, "district1", "10/10")
    assert response.status_code == 302
    auth.logout()
    return week


def test_the_schools_below_are_due_on_the_date_their_district_asked(client, auth, asked, db):
    week = asked
    row = db.session.scalar(select(ReportDeadline))
    assert (row.unit_id, row.due) == (week["district1"].id, D(2022, 10, 10))
    assert due_date(week["campaign"], week["school1"]) == D(2022, 10, 10)
    assert due_date(week["campaign"], week["school3"]) == D(2022, 10, 15)  # district 2: none
    assert due_date(week["campaign"], week["district1"]) == D(2022, 10, 15)

    auth.login(week["officers"][week["school1"]])
    assert _shown_deadline(client, week, "school1").startswith("10/10/2022")
    listed = client.get("/reports").get_data(as_text=True)
    assert "10/10/2022" in listed and "15/10/2022" not in listed
    auth.logout()
    auth.login(week["officers"][week["school3"]])
    assert _shown_deadline(client, week, "school3").startswith("15/10/2022")


def test_late_is_measured_against_the_date_asked(client, auth, asked, db):
    week, campaign = asked, asked["campaign"]
    report = get_or_create_report(campaign, week["school1"])
    submit(report, week["officers"][week["school1"]])
    report.submitted_at = dt.datetime(2022, 10, 12, 3, 0)  # 10h on the 12th in Việt Nam
    db.session.commit()
    due = due_date(campaign, week["school1"])
    assert deadline_for(campaign, report, D(2022, 10, 13), due=due).late
    assert not deadline_for(campaign, report, D(2022, 10, 13)).late  # by the campaign's date

    district = build_dashboard(campaign, week["district1"], None, today=D(2022, 10, 11))
    late = {line.name: line.late for line in district.units if not line.own}
    assert late == {week["school1"].name: True, week["school2"].name: True}  # 2: not submitted
    province = build_dashboard(campaign, week["province"], None, today=D(2022, 10, 11))
    assert not any(line.late for line in province.units if not line.own)  # due on the 15th


def test_the_schools_export_notes_its_date(client, auth, asked):
    week = asked
    auth.login(week["officers"][week["school1"]])
    url = f"/campaigns/{week['campaign'].id}/reports/{week['school1'].id}/report.docx"
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(client.get(url).data)).paragraphs)
    assert "Hạn báo cáo: 10/10/2022" in text


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("20/10/2022", "phải báo cáo chậm nhất vào 15/10/2022"),
        ("25/9/2022", "trước khi Tuần lễ bắt đầu (01/10/2022)"),
        ("hôm nay", "hôm nay"),
    ],
)
def test_a_wrong_date_is_refused_and_changes_nothing(client, auth, asked, db, typed, message):
    week = asked
    auth.login(week["officers"][week["district1"]])
    response = _ask(client, week, "district1", typed)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert f'value="{typed}"' in html and 'aria-invalid="true"' in html  # kept, marked
    assert db.session.scalar(select(ReportDeadline.due)) == D(2022, 10, 10)


def test_an_empty_date_goes_back_to_the_campaigns_deadline(client, auth, asked, db):
    week = asked
    auth.login(week["officers"][week["district1"]])
    assert _ask(client, week, "district1", "").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(ReportDeadline)) == 0
    assert due_date(week["campaign"], week["school1"]) == D(2022, 10, 15)


def test_a_school_cannot_even_see_its_districts_report(client, auth, week, db):
    auth.login(week["officers"][week["school1"]])
    assert _ask(client, week, "district1", "10/10").status_code == 404
    assert db.session.scalar(select(ReportDeadline)) is None


@pytest.mark.parametrize("who", ["district organiser", "province officer"])
def test_only_the_units_own_report_officers_set_it(client, auth, week, make_user, db, who):
    user = {
        "district organiser": make_user(week["district1"], Role.ORGANISER),
        "province officer": week["officers"][week["province"]],
    }[who]
    auth.login(user)
    assert _ask(client, week, "district1", "10/10").status_code == 403
    page = client.get(f"/campaigns/{week['campaign'].id}/reports/{week['district1'].id}")
    assert "deadline-below" in page.get_data(as_text=True)  # the date is shown …
    assert 'name="due"' not in page.get_data(as_text=True)  # … without the form
    assert db.session.scalar(select(ReportDeadline)) is None

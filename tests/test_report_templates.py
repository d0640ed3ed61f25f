"""Statistics-template pages (list, printed table, .xlsx download, import with preview, default,
deletion) with their permissions, and a campaign picking its template: events keep their
categories through a switch, or the switch is refused and nothing changes."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from flask_babel import force_locale
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.reports.default_template import NAME, default_template
from app.reports.models import Report, ReportEntry, ReportRow, ReportTemplate
from app.reports.template_import import build_template, read_template
from app.reports.template_xlsx import template_xlsx
from app.schedule.models import Campaign, ImportUpload
from app.schedule.services import ScheduleError, switch_report_template
from app.units.models import Role, UnitKind

HEAD = ["STT", "Các hoạt động", "Đơn vị tính", "Cấp", "Cách tính", "Danh mục hoạt động"]


@pytest.fixture
def tree(make_unit):
    province = make_unit(name="Sở GD&ĐT Bến Tre", kind=UnitKind.PROVINCIAL_DEPARTMENT, code="SO")
    district = make_unit(
        province, name="Phòng GD&ĐT Ba Tri", kind=UnitKind.DISTRICT_OFFICE, code="PGD"
    )
    return {"province": province, "district": district}


@pytest.fixture
def admin(tree, make_user):
    # English: the messages checked here are the msgids (Vietnamese comes with the catalogue).
    return make_user(tree["province"], Role.ADMIN, locale="en")


@pytest.fixture
def organiser(tree, make_user):
    return make_user(tree["district"], Role.ORGANISER, locale="en")


@pytest.fixture
def default(db):
    template = default_template()
    db.session.commit()
    return template


def workbook(rows: list[list], title: str | None = "Mẫu Quảng Nam 2024") -> bytes:
    book = openpyxl.Workbook()
    if title:
        book.active["A1"] = title
    for index, row in enumerate(rows, start=3):
        for column, value in enumerate(row, start=1):
            book.active.cell(row=index, column=column, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


QUANG_NAM = [
    HEAD,
    ["1", "Lớp học cộng đồng", None, 1, "Tổng các dòng bên dưới", None],
    [None, "Lớp tiếng Anh cho người lớn", "lớp/người", 2, "Từ hoạt động", "x"],
    [None, "Hoạt động văn nghệ", "số cuộc/người", 2, "Từ hoạt động", "x"],
    ["2", "Tin bài", "tin, bài", 1, "Nhập tay", None],
]


def make_template(db, name: str, rows: list[list]) -> ReportTemplate:
    draft = read_template("mau.xlsx", workbook(rows))
    assert draft.ok, [str(p.message) for p in draft.problems]
    template = build_template(name, draft)
    db.session.add(template)
    db.session.commit()
    return template


def upload(client, data: bytes, filename: str = "mau-quang-nam.xlsx", name: str = ""):
    # Encoded here, in memory: the test client would spool a large body to a temporary file
    # it never closes.
    file = FileStorage(io.BytesIO(data), filename, content_type="application/octet-stream")
    boundary, body = encode_multipart({"csrf_token": client._token(), "file": file, "name": name})
    return client.post(
        "/report-templates/import",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def row_of(template: ReportTemplate, label: str) -> ReportRow:
    return next(row for row in template.rows if row.label == label)


# --- pages anyone signed in sees ----------------------------------------------------------


def test_the_list_shows_templates_rows_campaigns_and_the_default(
    client, auth, organiser, tree, default, make_campaign, db
):
    make_campaign(tree["district"])
    make_template(db, "Quảng Nam 2024", QUANG_NAM)
    auth.login(organiser)
    html = client.get("/report-templates").get_data(as_text=True)
    assert NAME in html and "Quảng Nam 2024" in html
    default_row = re.search(rf"<tr id=\"template-{default.id}\">.*?</tr>", html, re.S).group(0)
    assert "Default" in default_row
    assert [cell for cell in re.findall(r"<td[^>]*>(\d+)</td>", default_row)] == ["44", "1"]
    # No administrator buttons for an organiser.
    assert "Import a template" not in html and "Make default" not in html
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S).group(0)
    assert 'href="/report-templates"' in nav


def test_a_template_shows_as_the_printed_table(client, auth, organiser, default):
    auth.login(organiser)
    html = client.get(f"/report-templates/{default.id}").get_data(as_text=True)
    for words in ("STT", "Các hoạt động", "Đơn vị", "Số lượng", "Số lớp/số cuộc thi", "Người"):
        assert f">{words}</th>" in html
    assert "Ghi chú</th>" in html
    row = re.search(
        r"<tr[^>]*>\s*<td[^>]*></td>\s*<td[^>]*>\s*Giáo dục kỹ năng sống.*?</tr>", html, re.S
    )
    assert "lớp/người" in row.group(0)
    assert "From events of this category" in row.group(0) and "event category" in row.group(0)
    opening = html[html.index("Số huyện tổ chức Lễ khai mạc") :][:400]
    assert "Units that held an opening ceremony: districts" in opening


def test_the_download_is_the_template_as_xlsx(client, auth, organiser, default):
    auth.login(organiser)
    response = client.get(f"/report-templates/{default.id}.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert sheet["A1"].value == NAME and sheet["B4"].value.startswith("Các lớp bồi dưỡng")


def test_unknown_templates_are_404(client, auth, organiser):
    auth.login(organiser)
    assert client.get("/report-templates/999").status_code == 404
    assert client.get("/report-templates/999.xlsx").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/report-templates"),
        ("get", "/report-templates/{t}"),
        ("get", "/report-templates/{t}.xlsx"),
        ("get", "/report-templates/import"),
        ("post", "/report-templates/import"),
        ("post", "/report-templates/{t}/default"),
        ("post", "/report-templates/{t}/delete"),
    ],
)
def test_anonymous_is_sent_to_login(client, default, method, path):
    response = getattr(client, method)(path.format(t=default.id))
    assert response.status_code == 302 and response.location.startswith("/login")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/report-templates/import"),
        ("post", "/report-templates/import"),
        ("get", "/report-templates/import/{token}"),
        ("post", "/report-templates/import/{token}"),
        ("post", "/report-templates/{t}/default"),
        ("post", "/report-templates/{t}/delete"),
    ],
)
def test_only_administrators_change_templates(
    client, auth, admin, organiser, default, db, method, path
):
    auth.login(admin)
    token = upload(client, workbook(QUANG_NAM)).location.rsplit("/", 1)[1].split("?")[0]
    auth.logout()
    auth.login(organiser)
    response = getattr(client, method)(path.format(t=default.id, token=token))
    assert response.status_code == 403
    assert count(db, ReportTemplate) == 1 and default.is_default


# --- import --------------------------------------------------------------------------------


def test_import_previews_then_creates_the_template(client, auth, admin, default, db):
    auth.login(admin)
    response = upload(client, workbook(QUANG_NAM))
    assert response.status_code == 303
    assert count(db, ReportTemplate) == 1  # nothing before the confirmation
    html = client.get(response.location).get_data(as_text=True)
    assert "4 rows read" in html and "No errors." in html
    assert "Lớp tiếng Anh cho người lớn" in html and "Từ hoạt động" in html
    assert 'value="Mẫu Quảng Nam 2024"' in html  # the sheet's title as the name

    confirm = client.post(response.location.split("?")[0], data={"name": "Quảng Nam 2024"})
    assert confirm.status_code == 303
    template = db.session.scalar(select(ReportTemplate).where(ReportTemplate.name != NAME))
    assert template.name == "Quảng Nam 2024" and not template.is_default
    assert [(r.number, r.label, r.parent.label if r.parent else None) for r in template.rows] == [
        ("1", "Lớp học cộng đồng", None),
        ("", "Lớp tiếng Anh cho người lớn", "Lớp học cộng đồng"),
        ("", "Hoạt động văn nghệ", "Lớp học cộng đồng"),
        ("2", "Tin bài", None),
    ]
    assert confirm.location == f"/report-templates/{template.id}"
    assert "has been imported with 4 rows" in client.get(confirm.location).get_data(as_text=True)
    assert count(db, ImportUpload) == 0


def test_the_name_typed_in_the_form_wins_over_the_title(client, auth, admin, db):
    auth.login(admin)
    response = upload(client, workbook(QUANG_NAM, title=None), name="Mẫu riêng")
    html = client.get(response.location).get_data(as_text=True)
    assert 'value="Mẫu riêng"' in html


def test_a_name_is_required_and_unique(client, auth, admin, default, db):
    auth.login(admin)
    location = upload(client, workbook(QUANG_NAM, title=NAME)).location
    html = client.get(location).get_data(as_text=True)
    assert "A template with this name exists already" in html  # said before the click
    response = client.post(location.split("?")[0], data={"name": NAME.upper()})
    assert response.status_code == 422
    assert "A template with this name exists already" in response.get_data(as_text=True)
    response = client.post(location.split("?")[0], data={"name": "  "})
    assert response.status_code == 422 and "This field is required." in response.get_data(
        as_text=True
    )
    assert count(db, ReportTemplate) == 1


def test_a_file_with_errors_creates_nothing(client, auth, admin, default, db):
    auth.login(admin)
    rows = [*QUANG_NAM, [None, "", "lớp", 2, "Từ hoạt động", None], ["3", "Khác", "", 1, "Tự động"]]
    location = upload(client, workbook(rows)).location
    html = client.get(location).get_data(as_text=True)
    assert "2 problems: nothing can be created until the file is fixed." in html
    assert "The row has no text in Các hoạt động." in html
    assert "Unknown Cách tính “Tự động”" in html
    assert "Create the template" not in html
    response = client.post(location.split("?")[0], data={"name": "Quảng Nam"})
    assert response.status_code == 303
    assert "nothing was created" in client.get(response.location).get_data(as_text=True)
    assert count(db, ReportTemplate) == 1


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("mau.csv", b"STT;Cac hoat dong\n", "mau.csv is not an Excel workbook (.xlsx)."),
        ("mau.xlsx", b"just text", "its content is a text or CSV file"),
        ("mau.xlsx", b"PK\x03\x04" + b"\0" * (2 << 20), "mau.xlsx is larger than 1 MB."),
        ("mau.xlsx", workbook([["Nội dung"], ["Lớp"]]), "No header row was found"),
    ],
)
def test_unusable_files_are_refused_on_the_form(client, auth, admin, db, filename, data, message):
    auth.login(admin)
    response = upload(client, data, filename)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(db, ImportUpload) == 0 and count(db, ReportTemplate) == 0


def test_the_form_needs_a_file(client, auth, admin, db):
    auth.login(admin)
    response = client.post(
        "/report-templates/import", data={"name": "x"}, content_type="multipart/form-data"
    )
    assert response.status_code == 422 and "Choose a file." in response.get_data(as_text=True)


def test_forms_need_the_csrf_token(client, auth, admin, default, db):
    auth.login(admin)
    response = client.post(
        "/report-templates/import",
        data={"file": (io.BytesIO(workbook(QUANG_NAM)), "mau.xlsx")},
        content_type="multipart/form-data",
        csrf=False,
    )
    assert response.status_code == 400
    assert client.post(f"/report-templates/{default.id}/delete", csrf=False).status_code == 400
    assert count(db, ImportUpload) == 0 and count(db, ReportTemplate) == 1


def test_an_upload_belongs_to_its_user(client, auth, admin, make_user, tree, db):
    auth.login(admin)
    location = upload(client, workbook(QUANG_NAM)).location.split("?")[0]
    auth.logout()
    auth.login(make_user(tree["province"], Role.ADMIN))
    assert client.get(location).status_code == 404
    assert client.post(location, data={"name": "Quảng Nam"}).status_code == 404
    assert count(db, ReportTemplate) == 0


# --- default and deletion ------------------------------------------------------------------


def test_making_a_template_the_default(client, auth, admin, default, db, tree):
    other = make_template(db, "Quảng Nam 2024", QUANG_NAM)
    auth.login(admin)
    response = client.post(f"/report-templates/{other.id}/default")
    assert response.status_code == 303
    db.session.expire_all()
    assert other.is_default and not default.is_default
    assert default_template().id == other.id  # new campaigns get it


def test_delete_is_refused_while_a_campaign_uses_the_template(
    client, auth, admin, tree, make_campaign, db
):
    other = make_template(db, "Quảng Nam 2024", QUANG_NAM)
    campaign = make_campaign(tree["district"])
    campaign.report_template = other
    db.session.commit()
    auth.login(admin)
    response = client.post(f"/report-templates/{other.id}/delete")
    assert response.status_code == 303 and response.location == f"/report-templates/{other.id}"
    html = client.get(response.location).get_data(as_text=True)
    assert "“Quảng Nam 2024” cannot be deleted: it is used by 1 campaign." in html
    assert db.session.get(ReportTemplate, other.id) is not None


def test_delete_is_refused_while_an_event_uses_the_template(
    client, auth, admin, tree, default, make_campaign, make_event, db
):
    other = make_template(db, "Quảng Nam 2024", QUANG_NAM)
    campaign = make_campaign(tree["district"])
    make_event(campaign, tree["district"], report_row=row_of(other, "Hoạt động văn nghệ"))
    make_event(campaign, tree["district"], report_row=row_of(other, "Hoạt động văn nghệ"))
    auth.login(admin)
    response = client.post(f"/report-templates/{other.id}/delete", htmx=True)
    assert response.headers["HX-Redirect"] == f"/report-templates/{other.id}"
    html = client.get(response.headers["HX-Redirect"]).get_data(as_text=True)
    assert "cannot be deleted: it is used by 2 events." in html
    assert count(db, ReportTemplate) == 2


def test_the_default_template_cannot_be_deleted(client, auth, admin, default, db):
    auth.login(admin)
    response = client.post(f"/report-templates/{default.id}/delete")
    html = client.get(response.location).get_data(as_text=True)
    assert "is the default template: make another one the default first." in html
    assert count(db, ReportTemplate) == 1


def test_an_unused_template_is_deleted_with_its_rows(client, auth, admin, default, db):
    other = make_template(db, "Quảng Nam 2024", QUANG_NAM)
    auth.login(admin)
    response = client.post(f"/report-templates/{other.id}/delete")
    assert response.status_code == 303 and response.location == "/report-templates"
    assert "has been deleted" in client.get(response.location).get_data(as_text=True)
    assert count(db, ReportTemplate) == 1
    assert count(db, ReportRow) == len(default.rows)


# --- a campaign picks its template ---------------------------------------------------------


def campaign_form(**overrides) -> dict:
    return {
        "name": "Tuần lễ hưởng ứng học tập suốt đời năm 2024",
        "year": "2024",
        "start_date": "01/10/2024",
        "end_date": "07/10/2024",
        **overrides,
    }


def test_the_campaign_form_offers_the_templates_default_first(
    client, auth, tree, make_user, default, db
):
    make_template(db, "Quảng Nam 2024", QUANG_NAM)
    auth.login(make_user(tree["district"], Role.ORGANISER, locale="en"))
    html = client.get("/campaigns/new").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="report_template_id".*?</select>', html, re.S)
    options = re.findall(r"<option([^>]*)>([^<]*)</option>", select_html.group(0))
    assert [label for _, label in options] == [NAME, "Quảng Nam 2024"]
    assert "selected" in options[0][0]


def test_a_new_campaign_gets_the_template_picked(client, auth, tree, make_user, default, db):
    other = make_template(db, "Quảng Nam 2024", QUANG_NAM)
    auth.login(make_user(tree["district"], Role.ORGANISER, locale="en"))
    response = client.post("/campaigns/new", data=campaign_form(report_template_id=other.id))
    assert response.status_code == 303
    assert db.session.scalar(select(Campaign)).report_template_id == other.id


def test_a_campaign_form_without_the_field_keeps_the_template(
    client, auth, tree, organiser, make_campaign, db
):
    campaign = make_campaign(tree["district"])
    other = make_template(db, "Quảng Nam 2024", QUANG_NAM)
    campaign.report_template = other
    db.session.commit()
    auth.login(organiser)
    assert client.post(f"/campaigns/{campaign.id}/edit", data=campaign_form()).status_code == 303
    db.session.expire_all()
    assert campaign.report_template_id == other.id


@pytest.fixture
def filed(tree, make_campaign, make_event, default):
    """A campaign on the default template with events filed under two of its categories."""
    campaign = make_campaign(tree["district"])
    events = [
        make_event(campaign, tree["district"], report_row=row_of(default, label))
        for label in ("Hoạt động văn nghệ", "Hoạt động văn nghệ", "Xóa mù chữ")
    ]
    make_event(campaign, tree["district"])  # no category
    return campaign, events


def test_switching_template_moves_each_event_to_the_same_category(
    client, auth, organiser, filed, default, db
):
    campaign, events = filed
    rows = [*QUANG_NAM, ["3", "Xóa mù chữ", "lớp/người", 1, "Từ hoạt động", "x"]]
    other = make_template(db, "Quảng Nam 2024", rows)
    auth.login(organiser)
    response = client.post(
        f"/campaigns/{campaign.id}/edit", data=campaign_form(report_template_id=other.id)
    )
    assert response.status_code == 303
    assert "3 events now count under the categories with the same names" in client.get(
        response.location
    ).get_data(as_text=True)
    db.session.expire_all()
    assert campaign.report_template_id == other.id
    assert [(e.report_row.template_id, e.report_row.label) for e in events] == [
        (other.id, "Hoạt động văn nghệ"),
        (other.id, "Hoạt động văn nghệ"),
        (other.id, "Xóa mù chữ"),
    ]


def test_switching_is_refused_when_a_category_has_no_match(
    client, auth, organiser, filed, default, db
):
    campaign, events = filed
    other = make_template(db, "Quảng Nam 2024", QUANG_NAM)  # no "Xóa mù chữ"
    auth.login(organiser)
    response = client.post(
        f"/campaigns/{campaign.id}/edit",
        data=campaign_form(name="Tên mới", report_template_id=other.id),
    )
    assert response.status_code == 422
    assert (
        "1 event is filed under a category that “Quảng Nam 2024” does not have: “Xóa mù chữ”."
        in response.get_data(as_text=True)
    )
    db.session.expire_all()
    assert campaign.report_template_id == default.id
    assert campaign.name != "Tên mới"  # nothing changed, the other fields neither
    assert [e.report_row.template_id for e in events] == [default.id] * 3


def test_switching_names_every_missing_category(app, filed, default, db):
    campaign, events = filed
    other = make_template(db, "Quảng Nam 2024", [*QUANG_NAM[:2], QUANG_NAM[2], QUANG_NAM[4]])
    with app.test_request_context(), force_locale("en"), pytest.raises(ScheduleError) as refused:
        switch_report_template(campaign, other)
    assert str(refused.value) == (
        "3 events are filed under categories that “Quảng Nam 2024” does not have: "
        "“Hoạt động văn nghệ”; “Xóa mù chữ”. Give them other categories first, or choose "
        "another template."
    )
    db.session.rollback()
    assert campaign.report_template_id == default.id


def test_switching_is_refused_once_reports_hold_figures(app, filed, default, tree, db):
    campaign, _ = filed
    report = Report(campaign=campaign, unit=tree["district"])
    report.entries.append(ReportEntry(row=row_of(default, "Ngân sách nhà nước"), count_value=5))
    db.session.add(report)
    db.session.commit()
    rows = [*QUANG_NAM, ["3", "Xóa mù chữ", "lớp/người", 1, "Từ hoạt động", "x"]]
    other = make_template(db, "Quảng Nam 2024", rows)
    with (
        app.test_request_context(),
        force_locale("en"),
        pytest.raises(ScheduleError, match="1 results report of this campaign already holds"),
    ):
        switch_report_template(campaign, other)
    db.session.rollback()
    assert campaign.report_template_id == default.id


def test_switching_back_and_forth_is_lossless(filed, default, db):
    campaign, events = filed
    copy = build_template("Bản sao", read_template("mau.xlsx", template_xlsx(default)))
    db.session.add(copy)
    db.session.commit()
    assert switch_report_template(campaign, copy) == 3
    assert switch_report_template(campaign, default) == 3
    db.session.commit()
    db.session.expire_all()
    assert [e.report_row.template_id for e in events] == [default.id] * 3
    assert switch_report_template(campaign, default) == 0


def test_the_dates_still_refuse_a_week_ending_before_it_starts(
    client, auth, organiser, filed, default, db
):
    campaign, _ = filed
    auth.login(organiser)
    response = client.post(
        f"/campaigns/{campaign.id}/edit",
        data=campaign_form(end_date="30/09/2024", report_template_id=default.id),
    )
    assert response.status_code == 422
    assert campaign.end_date == dt.date(2024, 10, 7)

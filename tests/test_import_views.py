"""Importing a schedule or a run-sheet: preview first, then confirm; nothing lost or half-saved."""

import datetime as dt
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.schedule.models import Event, EventKind, ImportUpload, ProgramItem
from app.units.models import Role, UnitKind

SAMPLES = Path(__file__).resolve().parent / "data" / "import"
XLSX = SAMPLES / "lich-tuan-le-dong-da-2024.xlsx"
DOCX = SAMPLES / "chuong-trinh-khai-mac-bach-thong-2023.docx"


@pytest.fixture
def dong_da(make_unit, make_campaign, make_user, auth):
    district = make_unit(
        name="Phòng GD&ĐT quận Đống Đa", kind=UnitKind.DISTRICT_OFFICE, code="PGD-DD"
    )
    make_unit(district, name="Trường Tiểu học Cát Linh", kind=UnitKind.PRIMARY, code="DD-TH-CL")
    make_unit(
        district, name="Trường Mầm non Láng Thượng", kind=UnitKind.KINDERGARTEN, code="DD-MN-LT"
    )
    make_unit(
        district,
        name="Trường THCS Nguyễn Trường Tộ",
        kind=UnitKind.LOWER_SECONDARY,
        code="DD-THCS-NTT",
    )
    campaign = make_campaign(
        district, year=2024, start_date=dt.date(2024, 10, 1), end_date=dt.date(2024, 10, 7)
    )
    user = make_user(district, Role.ORGANISER)
    auth.login(user)
    return {"district": district, "campaign": campaign, "user": user}


def _upload(client, url, path: Path, name: str | None = None, data: bytes | None = None):
    content = data if data is not None else path.read_bytes()
    return client.post(
        url,
        data={"file": (io.BytesIO(content), name or path.name), "pasted": ""},
        content_type="multipart/form-data",
    )


def _count(db, model):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_sample_schedule_is_previewed_then_imported(client, dong_da, db):
    campaign = dong_da["campaign"]
    response = _upload(client, f"/campaigns/{campaign.id}/import", XLSX)
    assert response.status_code == 303
    assert _count(db, Event) == 0  # nothing saved before the preview

    preview = client.get(response.location).get_data(as_text=True)
    assert preview.count('<tr class="') >= 16
    assert "Tiêu học Cát Linh" in preview  # the unit cell as typed …
    assert "Trường Tiểu học Cát Linh" in preview  # … and the unit it was matched to

    confirm = client.post(response.location, data={"mode": "all"})
    assert confirm.status_code == 303
    events = db.session.scalars(
        select(Event).order_by(Event.date, Event.start_time, Event.id)
    ).all()
    assert len(events) == 16
    assert [e.number for e in events].count("5") == 2  # both rows numbered 5 kept
    ceremony = events[0]
    assert ceremony.date == dt.date(2024, 9, 30) and ceremony.kind is EventKind.OPENING
    assert ceremony.start_time == dt.time(8, 30)
    cat_linh = next(e for e in events if e.number == "3")
    assert cat_linh.unit.code == "DD-TH-CL"
    lang_ha = next(e for e in events if e.number == "2")
    assert lang_ha.unit_id == dong_da["district"].id  # no unit of that name: hosted by the importer
    assert "Láng Hạ" in lang_ha.co_host  # … and the text is kept
    assert _count(db, ImportUpload) == 0


def test_pasted_rows_are_imported(client, dong_da, db):
    campaign = dong_da["campaign"]
    pasted = "TT\tGiờ\tNgày\tĐơn vị\tNội dung\n1\t8h30\t30/9\tTT VH TT & TT Quận\tKhai mạc Tuần lễ\n3\t8h15\t01/10\tTiêu học Cát Linh\tGiáo dục địa phương cho học sinh khối 4\n"
    response = client.post(f"/campaigns/{campaign.id}/import", data={"pasted": pasted})
    assert response.status_code == 303
    client.post(response.location, data={"mode": "all"})
    assert _count(db, Event) == 2


def test_rows_with_errors_save_nothing_unless_asked(client, dong_da, db):
    campaign = dong_da["campaign"]
    pasted = "TT\tGiờ\tNgày\tĐơn vị\tNội dung\n1\t8h30\t30/9\tPhòng\tHoạt động tốt\n2\t25h00\t01/10\tPhòng\tGiờ sai\n3\t8h00\t31/9\tPhòng\tNgày sai\n"
    response = client.post(f"/campaigns/{campaign.id}/import", data={"pasted": pasted})
    preview = client.get(response.location).get_data(as_text=True)
    assert "25h00" in preview and "31/9" in preview
    assert 'value="all"' not in preview  # "import everything" is not offered

    refused = client.post(response.location, data={"mode": "all"})
    assert refused.status_code == 303 and refused.location == response.location
    assert _count(db, Event) == 0

    client.post(response.location, data={"mode": "valid"})
    events = db.session.scalars(select(Event)).all()
    assert [e.title for e in events] == ["Hoạt động tốt"]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("lich.xlsx", b"this is not a spreadsheet"),
        ("lich.docx", b"PK\x03\x04 broken"),
        ("lich.xlsx", b""),
        ("lich.exe", b"MZ\x90\x00"),
    ],
)
def test_unreadable_files_are_refused_with_a_message(client, dong_da, db, name, content):
    campaign = dong_da["campaign"]
    response = _upload(client, f"/campaigns/{campaign.id}/import", XLSX, name=name, data=content)
    assert response.status_code == 422
    assert "field__errors" in response.get_data(as_text=True)
    assert _count(db, ImportUpload) == 0 and _count(db, Event) == 0


def test_nothing_to_import_is_a_clear_error(client, dong_da):
    response = client.post(f"/campaigns/{dong_da['campaign'].id}/import", data={"pasted": ""})
    assert response.status_code == 422


def test_the_sample_program_is_imported_into_an_event(client, dong_da, make_event, db):
    event = make_event(
        dong_da["campaign"],
        dong_da["district"],
        kind=EventKind.OPENING,
        title="Lễ khai mạc",
        start_time=dt.time(7, 30),
    )
    response = _upload(client, f"/events/{event.id}/program/import", DOCX)
    assert response.status_code == 303
    preview = client.get(response.location).get_data(as_text=True)
    assert "Đón tiếp đại biểu." in preview
    client.post(response.location, data={"mode": "all"})
    items = db.session.scalars(select(ProgramItem).order_by(ProgramItem.position)).all()
    assert len(items) == 8
    assert (items[3].end_time, items[4].start_time) == (dt.time(8, 25), dt.time(8, 35))
    assert (items[7].start_time, items[7].end_time, items[7].performer) == (
        dt.time(9, 30),
        None,
        "",
    )


def test_program_import_can_replace_the_current_rows(client, dong_da, make_event, make_item, db):
    event = make_event(dong_da["campaign"], dong_da["district"])
    make_item(event, "Dòng cũ", dt.time(7, 0), dt.time(7, 30))
    response = _upload(client, f"/events/{event.id}/program/import", DOCX)
    client.post(response.location, data={"mode": "all", "replace": "y"})
    assert _count(db, ProgramItem) == 8


def test_an_upload_belongs_to_its_user(app, client, dong_da, make_user, db):
    response = client.post(
        f"/campaigns/{dong_da['campaign'].id}/import",
        data={"pasted": "TT\tGiờ\tNgày\tĐơn vị\tNội dung\n1\t8h30\t01/10\tPhòng\tA\n"},
    )
    colleague = app.test_client()
    user = make_user(dong_da["district"], Role.ORGANISER)
    colleague.post("/login", data={"email": user.email, "password": "mat-khau-thu-nghiem"})
    assert colleague.get(response.location).status_code == 404
    assert colleague.post(response.location, data={"mode": "all"}).status_code == 404
    assert _count(db, Event) == 0


def test_checkin_staff_cannot_import(client, auth, dong_da, make_user):
    auth.logout()
    auth.login(make_user(dong_da["district"], Role.CHECKIN_STAFF))
    assert client.get(f"/campaigns/{dong_da['campaign'].id}/import").status_code == 403

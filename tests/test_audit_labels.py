"""The audit trail names the changed fields as people call them, in the reader's language, on
the page and in the download; a field without a name shows as the column's."""

from __future__ import annotations

import csv
import io

from flask_babel import force_locale

from app.audit.labels import FIELD_LABELS, field_label
from app.audit.models import AuditEvent
from app.audit.services import ChangeLine
from app.checkin.services import utcnow
from app.schedule.models import Campaign, Event, ProgramItem
from app.units.models import Role, UnitKind


def test_every_recorded_field_of_the_schedule_has_a_name(app):
    columns = {
        column.name
        for model in (Campaign, Event, ProgramItem)
        for column in model.__table__.columns
    }
    bookkeeping = {"id", "created_at", "updated_at", "updated_by_id", "path"}
    assert sorted(columns - bookkeeping - set(FIELD_LABELS)) == []
    assert field_label("no_such_column") == "no_such_column"


def test_the_page_and_the_download_name_fields_in_the_readers_language(
    client, auth, db, make_unit, make_user, make_campaign, make_event
):
    district = make_unit(name="Phòng GD&ĐT Bạch Thông", kind=UnitKind.DISTRICT_OFFICE)
    event = make_event(make_campaign(district), district, title="Ngày hội đọc sách")
    admin = make_user(district, Role.ADMIN, locale="vi")
    db.session.add(
        AuditEvent(
            at=utcnow(),
            actor="Trần Minh Đức",
            action="update",
            object_type="Event",
            object_id=event.id,
            unit_id=district.id,
            label=event.title,
            changes={"start_time": ["08:15", "14:30"], "venue_name": ["", "Nhà văn hoá"]},
        )
    )
    db.session.commit()
    auth.login(admin)
    html = " ".join(client.get(f"/units/{district.id}/audit").get_data(as_text=True).split())
    assert ">Giờ bắt đầu</span>: 08:15 → 14:30" in html
    assert "Địa điểm</span>:" in html
    assert "<code>start_time</code>" not in html

    client.post("/language/en")
    download = client.get(f"/units/{district.id}/audit.csv")
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    changes = [row[7] for row in rows[1:] if row[5] == str(event.id) and row[4] == "Event"]
    assert "Start time: 08:15 → 14:30; Venue:  → Nhà văn hoá" in changes


def test_a_hidden_change_keeps_its_label(app):
    line = ChangeLine("password_hash", None, None, hidden=True)
    with app.test_request_context(), force_locale("en"):
        assert line.label == "Password"
    with app.test_request_context(), force_locale("vi"):
        assert line.label == "Mật khẩu"


def test_ids_read_as_names_and_codes_as_labels_in_one_query_per_kind(
    client, auth, db, make_unit, make_user, make_campaign, make_event, count_statements
):
    district = make_unit(name="Phòng GD&ĐT Bạch Thông", kind=UnitKind.DISTRICT_OFFICE)
    school = make_unit(district, name="Trường THCS Phủ Thông")
    event = make_event(make_campaign(district), district, title="Ngày hội đọc sách")
    admin = make_user(district, Role.ADMIN, locale="vi")

    def add(count: int) -> None:
        for _ in range(count):
            db.session.add(
                AuditEvent(
                    at=utcnow(), actor="Trần Minh Đức", action="update", object_type="Event",
                    object_id=event.id, unit_id=district.id, label=event.title,
                    changes={"unit_id": [district.id, school.id], "kind": ["activity", "opening"],
                             "held": [False, True], "campaign_id": [None, 999999]},
                )
            )  # fmt: skip
        db.session.commit()

    auth.login(admin)
    url = f"/units/{district.id}/audit?object_type=Event"
    add(1)
    few = count_statements(lambda: client.get(url))
    html = " ".join(client.get(url).get_data(as_text=True).split())
    assert (
        f"Phòng GD&amp;ĐT Bạch Thông (#{district.id}) → Trường THCS Phủ Thông (#{school.id})"
    ) in html
    assert "Hoạt động → Lễ khai mạc" in html
    assert ">Đã tổ chức</span>: Không → Có" in html
    assert "— → #999999" in html  # a record gone since: its id
    add(30)
    assert count_statements(lambda: client.get(url)) == few

    client.post("/language/en")
    download = client.get(f"/units/{district.id}/audit.csv?object_type=Event")
    assert "Kind of record: Activity → Opening ceremony" in download.get_data(as_text=True)

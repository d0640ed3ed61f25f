"""The attendance list as Excel (the paper sign-in sheet's replacement): who is listed and in
which order, the columns a reader checks, the tallies and totals (the dashboard's figures),
hostile names kept as text, the print setup, who may download it, and a fixed number of
database statements however long the list."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from sqlalchemy import event as sa_event

from app.checkin.models import CheckinLink, CheckInMethod, ParticipantType
from app.checkin.services import (
    Actor,
    Outcome,
    check_in_invitee,
    record_headcount,
    remove_headcount,
    scan,
    to_utc,
    undo,
    walk_in,
)
from app.invitations.groups import save_group
from app.invitations.services import PersonData, invite
from app.schedule.models import EventKind
from app.units.models import Role, UnitKind

DAY = dt.date(2023, 10, 2)  # a Monday: seed 004's opening ceremony
PHONE, EMAIL = "0912345678", "dai.bieu@example.vn"
HOSTILE = '=HYPERLINK("http://evil.example/x","Bấm vào đây")'


def at(hour: int, minute: int) -> dt.datetime:
    """A wall-clock time at the venue on the event's day, as stored (naive UTC)."""
    return to_utc(dt.datetime.combine(DAY, dt.time(hour, minute)))


@pytest.fixture
def world(db, make_unit, make_user, make_campaign, make_event):
    province = make_unit(name="Sở GD&ĐT Bắc Kạn", kind=UnitKind.PROVINCIAL_DEPARTMENT)
    district = make_unit(
        province, name="Phòng GD&ĐT huyện Bạch Thông", kind=UnitKind.DISTRICT_OFFICE
    )
    sibling = make_unit(province, name="Phòng GD&ĐT huyện Chợ Đồn", kind=UnitKind.DISTRICT_OFFICE)
    campaign = make_campaign(district, year=2023, start_date=DAY, end_date=DAY + dt.timedelta(6))
    event = make_event(
        campaign,
        district,
        kind=EventKind.OPENING,
        title="Lễ khai mạc Tuần lễ hưởng ứng học tập suốt đời năm 2023",
        date=DAY,
        start_time=dt.time(7, 30),
        end_time=dt.time(11, 0),
        venue_name="Trường THCS Phủ Thông",
        venue_address="Thị trấn Phủ Thông, huyện Bạch Thông",
    )
    staff = make_user(district, Role.CHECKIN_STAFF, name="Trần Thị Thu")
    return {
        "province": province,
        "district": district,
        "sibling": sibling,
        "campaign": campaign,
        "event": event,
        "staff": staff,
    }


@pytest.fixture
def ceremony(world, db):
    """Two groups; a person scanned twice, one undone, one who never came; two walk-ins, one
    of them hostile; a volunteer's scan; three tallies, one removed."""
    event, district, staff = world["event"], world["district"], world["staff"]
    leaders = save_group(None, event, "Cấp huyện", None)
    donors = save_group(None, event, "Các nhà hảo tâm", None)

    def person(name, title, organisation, group):
        data = PersonData(name, title, organisation, PHONE, EMAIL)
        return invite(event, district, data, group=group)

    chair = person("Nguyễn Duy Luân", "Phó Chủ tịch UBND huyện", "UBND huyện Bạch Thông", leaders)
    deputy = person("Hà Văn Ninh", "Trưởng phòng", "Phòng GD&ĐT huyện Bạch Thông", leaders)
    mistaken = person("Đặng Văn An", "Chuyên viên", "Phòng Văn hóa", leaders)
    donor = person("Lý Thị Mai", "Giám đốc", "Công ty TNHH Sách Việt", donors)
    person("Trần Văn Vắng", "Giám đốc", "Nhà sách Bạch Thông", donors)  # never comes
    link = CheckinLink(
        event_id=event.id,
        token="volunteer-link-token",
        label="Cổng phụ",
        valid_from=at(5, 0),
        valid_until=at(23, 0),
    )
    db.session.add(link)
    db.session.flush()
    desk = Actor(user=staff, device_id="desk-1")
    volunteer = Actor(link=link, volunteer_name="Lê Thu Trang", device_id="phone-7")

    wrong = scan(event, mistaken.token, desk, at=at(7, 1))
    undo(wrong.checkin, staff)
    assert scan(event, deputy.token, desk, at=at(7, 5)).counted
    walk_in(
        event,
        full_name="Phạm Thị Hoa",
        organisation="Phụ huynh lớp 6A",
        participant_type=ParticipantType.PARENT,
        actor=desk,
        at=at(7, 8),
    )
    assert scan(event, donor.token, volunteer, at=at(7, 12)).counted
    assert check_in_invitee(event, chair, desk, method=CheckInMethod.MANUAL, at=at(7, 20)).counted
    again = scan(event, chair.token, volunteer, at=at(7, 22))
    assert again.outcome is Outcome.ALREADY
    walk_in(
        event,
        full_name=HOSTILE,
        organisation="+84 Công ty @home",
        participant_type=ParticipantType.RESIDENT,
        actor=Actor(),
        at=at(7, 25),
    )
    record_headcount(event, "Lớp 6A", 35, desk)
    record_headcount(event, "Đại diện nhân dân thị trấn Phủ Thông", 10, desk)
    remove_headcount(record_headcount(event, "Nhầm lớp", 99, desk), desk)
    db.session.commit()
    return world


def download(client, event_id: int):
    response = client.get(f"/events/{event_id}/attendance.xlsx")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response


def sheet_of(response):
    return openpyxl.load_workbook(io.BytesIO(response.data)).active


def texts(ws) -> list[str]:
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]


def header_row(ws, first_head: str) -> int:
    return next(c.row for c in ws["A"] if c.value == first_head)


def people(ws, first_head: str) -> list[list]:
    """The check-in table's rows (STT … Signature), below its header row."""
    rows = []
    for row in ws.iter_rows(min_row=header_row(ws, first_head) + 1, max_col=9):
        if not isinstance(row[0].value, int):
            break
        rows.append(row)
    return rows


def figures(ws) -> dict[str, object]:
    """Label (column B) → figure (column F), for the tallies and the totals."""
    return {
        ws.cell(row, 2).value: ws.cell(row, 6).value
        for row in range(1, ws.max_row + 1)
        if ws.cell(row, 2).value is not None and ws.cell(row, 6).value is not None
    }


def test_lists_who_came_in_arrival_order_with_the_columns_of_the_paper_sheet(
    client, auth, ceremony, make_user
):
    """An official document: in Vietnamese even for a user who reads the app in English."""
    event = ceremony["event"]
    auth.login(make_user(ceremony["district"], Role.ORGANISER, locale="en"))
    response = download(client, event.id)
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="danh-sach-tham-du-{event.id}-2023-10-02.xlsx"'
    )
    ws = sheet_of(response)
    head = header_row(ws, "STT")
    assert [c.value for c in ws[head]][:9] == [
        "STT",
        "Họ và tên",
        "Chức vụ",
        "Đơn vị / tổ chức",
        "Nhóm khách mời",
        "Giờ đến",
        "Cách điểm danh",
        "Người ghi nhận",
        "Ký tên",
    ]
    assert all(c.font.b for c in ws[head][:9])
    rows = [[c.value for c in row] for row in people(ws, "STT")]
    # The undone check-in and the one who never came are absent; the second scan adds nothing.
    assert rows == [
        [1, "Hà Văn Ninh", "Trưởng phòng", "Phòng GD&ĐT huyện Bạch Thông", "Cấp huyện",
         "7h05", "Quét mã QR", "Trần Thị Thu", None],
        [2, "Phạm Thị Hoa", None, "Phụ huynh lớp 6A", "Khách vãng lai (Phụ huynh)",
         "7h08", "Tìm theo tên", "Trần Thị Thu", None],
        [3, "Lý Thị Mai", "Giám đốc", "Công ty TNHH Sách Việt", "Các nhà hảo tâm",
         "7h12", "Quét mã QR", "Lê Thu Trang", None],
        [4, "Nguyễn Duy Luân", "Phó Chủ tịch UBND huyện", "UBND huyện Bạch Thông", "Cấp huyện",
         "7h20", "Tìm theo tên", "Trần Thị Thu", None],
        [5, HOSTILE, None, "+84 Công ty @home", "Khách vãng lai (Người dân)",
         "7h25", "Tự điểm danh tại chỗ", None, None],
    ]  # fmt: skip
    assert all(c.border.left.style == "thin" for row in people(ws, "STT") for c in row)
    everything = " ".join(texts(ws))
    assert "DANH SÁCH NGƯỜI THAM DỰ" in everything
    assert "PHÒNG GD&ĐT HUYỆN BẠCH THÔNG" in everything
    assert "Lễ khai mạc Tuần lễ hưởng ứng học tập suốt đời năm 2023" in everything
    assert "Thời gian: 7h30-11h00, Thứ Hai, 02/10/2023" in everything
    assert "Địa điểm: Trường THCS Phủ Thông (Thị trấn Phủ Thông, huyện Bạch Thông)" in everything
    assert PHONE not in everything and EMAIL not in everything
    assert "Trần Văn Vắng" not in everything and "Đặng Văn An" not in everything


def test_tallies_and_totals_match_the_live_dashboard(client, auth, ceremony, make_user):
    event = ceremony["event"]
    auth.login(make_user(ceremony["district"], Role.ORGANISER, locale="en"))
    found = figures(sheet_of(download(client, event.id)))
    assert found["Lớp 6A"] == 35
    assert found["Đại diện nhân dân thị trấn Phủ Thông"] == 10
    assert "Nhầm lớp" not in found  # removed: neither listed nor counted
    assert found["Số người đã điểm danh"] == 5
    assert found["trong đó khách vãng lai"] == 2
    assert found["Số người đếm theo nhóm"] == 45
    total = found["Tổng số người tham dự (điểm danh và đếm theo nhóm)"]
    assert total == 5 + 45
    dashboard = client.get(f"/events/{event.id}/dashboard").get_data(as_text=True)
    assert int(re.search(r'data-figure="persons">(\d+)<', dashboard).group(1)) == total


def test_text_typed_by_walk_ins_stays_text(client, auth, ceremony):
    auth.login(ceremony["staff"])
    ws = sheet_of(download(client, ceremony["event"].id))
    cells = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    for text in (HOSTILE, "+84 Công ty @home"):
        assert cells[text].data_type == "s"  # a formula would read back as "f"
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)


def test_vietnamese_sheet_keeps_diacritics_and_writes_times_as_7h30(client, auth, ceremony):
    auth.login(ceremony["staff"])  # Vietnamese, the default
    ws = sheet_of(download(client, ceremony["event"].id))
    head = next(c.row for c in ws["B"] if c.value == "Họ và tên")
    assert ws.cell(head, 3).value == "Chức vụ"
    rows = people(ws, ws.cell(head, 1).value)
    assert [row[1].value for row in rows][:4] == [
        "Hà Văn Ninh",
        "Phạm Thị Hoa",
        "Lý Thị Mai",
        "Nguyễn Duy Luân",
    ]
    assert [row[5].value for row in rows] == ["7h05", "7h08", "7h12", "7h20", "7h25"]
    assert rows[0][6].value == "Quét mã QR"
    everything = " ".join(texts(ws))
    assert "7h30-11h00, Thứ Hai, 02/10/2023" in everything
    assert "SỞ GD&ĐT BẮC KẠN" in everything


def test_prints_on_a4_landscape_fitted_to_width_with_the_header_repeated(client, auth, ceremony):
    auth.login(ceremony["staff"])
    ws = sheet_of(download(client, ceremony["event"].id))
    head = next(c.row for c in ws["B"] if c.value == "Họ và tên")
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == f"${head}:${head}"
    assert ws.cell(head + 1, 2).alignment.wrap_text
    assert ws.column_dimensions["B"].width >= 20


def test_an_event_nobody_came_to_gives_an_empty_list_and_zero_totals(client, auth, world):
    auth.login(world["staff"])
    ws = sheet_of(download(client, world["event"].id))
    head = next(c.row for c in ws["B"] if c.value == "Họ và tên")
    assert ws.cell(head + 1, 1).value is not None  # the "nobody" line, not a person
    assert not people(ws, ws.cell(head, 1).value)
    assert sorted(v for v in figures(ws).values() if isinstance(v, int)) == [0, 0, 0, 0]


@pytest.mark.parametrize(
    ("where", "role", "status"),
    [
        ("district", Role.ORGANISER, 200),
        ("district", Role.CHECKIN_STAFF, 200),
        ("district", Role.REPORT_OFFICER, 200),
        ("province", Role.ADMIN, 200),
        ("sibling", Role.ADMIN, 404),
    ],
)
def test_who_may_download(client, auth, world, make_user, where, role, status):
    auth.login(make_user(world[where], role))
    assert client.get(f"/events/{world['event'].id}/attendance.xlsx").status_code == status


def test_signed_out_users_are_sent_to_sign_in(client, world):
    response = client.get(f"/events/{world['event'].id}/attendance.xlsx")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_missing_event_is_404(client, auth, world):
    auth.login(world["staff"])
    assert client.get("/events/999999/attendance.xlsx").status_code == 404


def test_event_page_and_dashboard_link_to_the_list(client, auth, world):
    auth.login(world["staff"])
    event = world["event"]
    href = f'href="/events/{event.id}/attendance.xlsx"'
    assert href in client.get(f"/events/{event.id}").get_data(as_text=True)
    assert href in client.get(f"/events/{event.id}/dashboard").get_data(as_text=True)


def test_statements_do_not_grow_with_the_list(client, auth, world, make_user, db):
    event, district = world["event"], world["district"]
    groups = [save_group(None, event, name, None) for name in ("Cấp huyện", "Cấp xã")]
    desks = [Actor(user=make_user(district, Role.CHECKIN_STAFF)) for _n in range(2)]
    links = []
    for n in range(2):
        link = CheckinLink(
            event_id=event.id,
            token=f"link-{n}",
            label=f"Cổng {n}",
            valid_from=at(5, 0),
            valid_until=at(23, 0),
        )
        db.session.add(link)
        links.append(link)
    db.session.commit()
    volunteers = [Actor(link=link, volunteer_name=f"TNV {n}") for n, link in enumerate(links)]
    actors = desks + volunteers
    added = 0

    def add(count: int) -> None:
        nonlocal added
        for _n in range(count):
            added += 1
            moment = at(6, 0) + dt.timedelta(seconds=30 * added)
            if added % 5 == 0:
                walk_in(
                    event,
                    full_name=f"Người dân {added}",
                    organisation="Tổ dân phố 3",
                    participant_type=ParticipantType.RESIDENT,
                    actor=actors[added % 4],
                    at=moment,
                )
                continue
            invitee = invite(
                event,
                district,
                PersonData(f"Đại biểu {added}", "Chức vụ", "Đơn vị"),
                group=groups[added % 2],
            )
            check_in_invitee(
                event, invitee, actors[added % 4], method=CheckInMethod.SCAN, at=moment
            )
        record_headcount(event, f"Lớp {added}", 30, desks[0])
        db.session.commit()

    engine = db.engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def download_counting() -> tuple[int, int]:
        event_id = event.id  # read before counting: the test's own object was expired
        statements.clear()
        sa_event.listen(engine, "before_cursor_execute", count)
        try:
            ws = sheet_of(download(client, event_id))
        finally:
            sa_event.remove(engine, "before_cursor_execute", count)
        head = next(c.row for c in ws["B"] if c.value == "Họ và tên")
        return len(statements), len(people(ws, ws.cell(head, 1).value))

    auth.login(world["staff"])
    add(5)
    few, listed = download_counting()
    assert listed == 5
    add(45)
    many, listed = download_counting()
    assert listed == 50
    assert many == few, "\n".join(statements)
    # Signed-in user, event, its unit (also the user's); check-ins with invitees, groups,
    # users and links; tallies; the parent unit; three for the totals.
    assert many <= 10, "\n".join(statements)

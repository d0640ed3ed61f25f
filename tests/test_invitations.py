"""Invited groups, invitees, tokens, RSVPs, the contact book and the public invitation page."""

import datetime as dt
import io

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from app.invitations.groups import save_group
from app.invitations.models import Contact, Invitation, Invitee, InviteeGroup, Rsvp
from app.invitations.queries import invitee_list
from app.invitations.services import (
    InvitationError,
    PersonData,
    find_duplicates,
    invite,
    issue_token,
    normalise_phone,
)
from app.schedule.models import EventKind
from app.units.models import Role, UnitKind
from tests.conftest import assert_fragment


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0912 345 678", "0912345678"),
        ("+84 912345678", "0912345678"),
        ("84912345678", "0912345678"),
        ("(091) 234-5678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("0209 3850 123", "02093850123"),
        ("", ""),
    ],
)
def test_vietnamese_phone_numbers_are_normalised(typed, stored):
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize("typed", ["12345", "+1 202 555 0100", "0912 345 67x", "091234567890123"])
def test_phone_numbers_that_are_not(app, typed):
    with app.test_request_context(), pytest.raises(InvitationError):
        normalise_phone(typed)


@pytest.fixture
def world(make_unit, make_campaign, make_event, make_user, db):
    """Bạch Thông's opening ceremony and closing, with the seed's groups."""
    district = make_unit(
        name="Phòng GD&ĐT huyện Bạch Thông", kind=UnitKind.DISTRICT_OFFICE, code="PGD-BT"
    )
    school = make_unit(district, name="Trường THCS Phủ Thông", code="THCS-PT")
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
        venue_name="Trường THCS Phủ Thông",
    )
    closing = make_event(
        campaign, district, kind=EventKind.CLOSING, title="Lễ tổng kết", date=dt.date(2023, 10, 8)
    )
    district_level = save_group(None, opening, "Cấp huyện", None)
    people = save_group(None, opening, "Đại diện nhân dân thị trấn Phủ Thông", 10)
    chairman = invite(
        opening,
        district,
        PersonData(
            "Nguyễn Duy Luân",
            "Phó Chủ tịch UBND huyện",
            "UBND huyện Bạch Thông",
            "0912 345 678",
            "luan@example.vn",
            1,
        ),
        group=district_level,
    )
    head = invite(
        opening,
        district,
        PersonData("Hà Thị Mai", "Trưởng phòng", "Phòng GD&ĐT", "0987654321", "", 2),
        group=district_level,
    )
    db.session.commit()
    return {
        "district": district,
        "school": school,
        "sibling": sibling,
        "campaign": campaign,
        "opening": opening,
        "closing": closing,
        "district_level": district_level,
        "people": people,
        "chairman": chairman,
        "head": head,
        "make_user": make_user,
    }


@pytest.fixture
def organiser(world, auth):
    user = world["make_user"](world["district"], Role.ORGANISER)
    auth.login(user)
    return user


def test_tokens_are_long_random_and_reissuable(world, db):
    chairman = world["chairman"]
    token = chairman.token
    assert len(token) >= 32 and str(chairman.id) != token
    new = issue_token(chairman)
    db.session.commit()
    assert new != token
    from app.invitations.services import invitee_by_token, token_was_revoked

    assert invitee_by_token(token) is None and token_was_revoked(token)
    assert invitee_by_token(new).id == chairman.id


def test_one_invitation_covers_several_events(world, db):
    chairman = invite(
        world["closing"], world["district"], PersonData(""), invitee=world["chairman"]
    )
    db.session.commit()
    assert sorted(i.event.title for i in chairman.invitations) == ["Lễ khai mạc", "Lễ tổng kết"]
    with pytest.raises(InvitationError):
        invite(world["closing"], world["district"], PersonData(""), invitee=chairman)


def test_counts_per_group(world, db):
    world["chairman"].invitations[0].rsvp = Rsvp.YES
    world["head"].invitations[0].rsvp = Rsvp.NO
    db.session.commit()
    counts = {c.group.name: c for c in invitee_list(world["opening"]) if c.group is not None}
    district = counts["Cấp huyện"]
    assert (district.invited, district.confirmed, district.declined, district.no_answer) == (
        2,
        1,
        1,
        0,
    )
    assert counts["Đại diện nhân dân thị trấn Phủ Thông"].group.expected_headcount == 10


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (PersonData("Ai đó", phone="+84 912 345 678"), True),
        (PersonData("Ai đó", email="LUAN@example.vn"), True),
        (PersonData("nguyen duy luan", organisation="ubnd huyen bach thong"), True),
        (PersonData("Nguyễn Duy Luân", organisation="Huyện ủy"), False),
    ],
)
def test_duplicates_by_phone_email_or_name_and_organisation(world, data, found):
    result = find_duplicates(
        world["district"], data, model=Invitee, campaign_id=world["campaign"].id
    )
    assert (world["chairman"] in result) is found


# --- the organisers' page ----------------------------------------------------------------


def test_invitee_page_shows_groups_counts_and_contacts(client, organiser, world):
    html = client.get(f"/events/{world['opening'].id}/invitees").get_data(as_text=True)
    assert "Cấp huyện" in html and "Nguyễn Duy Luân" in html
    assert "0912 345 678" in html and "luan@example.vn" in html  # organisers see contacts
    assert "dự kiến 10 người" in html


def test_add_a_group_and_a_person(client, organiser, world, db):
    event = world["opening"]
    response = client.post(
        f"/events/{event.id}/groups",
        data={"name": "Các nhà hảo tâm", "expected_headcount": ""},
        htmx=True,
    )
    assert "Các nhà hảo tâm" in assert_fragment(response)
    group = db.session.scalar(select(InviteeGroup).where(InviteeGroup.name == "Các nhà hảo tâm"))
    response = client.post(
        f"/events/{event.id}/invitees",
        data={
            "full_name": "Lý Văn Hảo",
            "title": "Giám đốc",
            "organisation": "Công ty Bắc Kạn",
            "phone": "+84 913 000 111",
            "email": "",
            "group_id": str(group.id),
            "protocol_rank": "",
            "notes": "",
        },
        htmx=True,
    )
    assert "Lý Văn Hảo" in assert_fragment(response)
    db.session.expire_all()
    person = db.session.scalar(select(Invitee).where(Invitee.full_name == "Lý Văn Hảo"))
    assert person.phone == "0913000111" and person.token
    assert person.invitations[0].group_id == group.id
    # the contact book fills itself
    assert (
        db.session.scalar(
            select(func.count()).select_from(Contact).where(Contact.full_name == "Lý Văn Hảo")
        )
        == 1
    )


def test_a_likely_duplicate_is_pointed_out_before_adding(client, organiser, world, db):
    event = world["opening"]
    data = {
        "full_name": "Nguyễn Duy Luân",
        "organisation": "UBND huyện Bạch Thông",
        "phone": "",
        "email": "",
        "title": "",
        "group_id": "0",
        "notes": "",
    }
    response = client.post(f"/events/{event.id}/invitees", data=data, htmx=True)
    html = assert_fragment(response, 422)
    assert "Nguyễn Duy Luân" in html and "confirm_new" in html
    assert db.session.scalar(select(func.count()).select_from(Invitee)) == 2
    response = client.post(
        f"/events/{event.id}/invitees", data={**data, "confirm_new": "y"}, htmx=True
    )
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Invitee)) == 3


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"full_name": ""}, "Trường này là bắt buộc."),
        ({"phone": "12345"}, "12345"),
        ({"email": "khong-phai-email"}, "Địa chỉ e-mail không hợp lệ."),
    ],
)
def test_bad_person_input_saves_nothing(client, organiser, world, db, overrides, message):
    data = {
        "full_name": "Người mới",
        "title": "",
        "organisation": "",
        "phone": "",
        "email": "",
        "group_id": "0",
        "notes": "",
        **overrides,
    }
    response = client.post(f"/events/{world['opening'].id}/invitees", data=data, htmx=True)
    assert message in assert_fragment(response, 422)
    assert db.session.scalar(select(func.count()).select_from(Invitee)) == 2


def test_invite_an_existing_invitee_to_the_closing_too(client, organiser, world, db):
    closing, chairman = world["closing"], world["chairman"]
    response = client.post(
        f"/events/{closing.id}/invitees/{chairman.id}/add", data={"group_id": "0"}, htmx=True
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert (
        db.session.scalar(
            select(func.count()).select_from(Invitation).where(Invitation.invitee_id == chairman.id)
        )
        == 2
    )


def test_revoke_and_reissue_from_the_page(client, organiser, world, db):
    chairman = world["chairman"]
    old = chairman.token
    client.post(f"/invitees/{chairman.id}/token/revoke?event={world['opening'].id}", htmx=True)
    assert client.get(f"/i/{old}").status_code == 404
    assert "thu hồi" in client.get(f"/i/{old}").get_data(as_text=True)
    client.post(f"/invitees/{chairman.id}/token/reissue?event={world['opening'].id}", htmx=True)
    db.session.expire_all()
    new = db.session.get(Invitee, chairman.id).token
    assert new and new != old
    assert client.get(f"/i/{new}").status_code == 200


def test_uninvite(client, organiser, world, db):
    invitation = world["head"].invitations[0]
    client.post(f"/invitations/{invitation.id}/delete", htmx=True)
    assert db.session.scalar(select(func.count()).select_from(Invitee)) == 1


# --- permissions: personal data stays with the inviting unit's organisers ---------------


@pytest.mark.parametrize("role", [Role.CHECKIN_STAFF, Role.REPORT_OFFICER])
def test_other_roles_cannot_see_invitees(client, auth, world, role):
    auth.login(world["make_user"](world["district"], role))
    for path in (
        f"/events/{world['opening'].id}/invitees",
        "/contacts",
        f"/invitees/{world['chairman'].id}/link",
    ):
        response = client.get(path)
        assert response.status_code == 403
        assert "0912" not in response.get_data(as_text=True)


def test_another_units_organiser_gets_nothing(client, auth, world, db):
    auth.login(world["make_user"](world["sibling"], Role.ORGANISER))
    chairman = world["chairman"]
    assert client.get(f"/events/{world['opening'].id}/invitees").status_code == 404
    assert (
        client.get(f"/invitees/{chairman.id}/edit?event={world['opening'].id}").status_code == 404
    )
    assert (
        client.post(f"/invitees/{chairman.id}/token/revoke?event={world['opening'].id}").status_code
        == 404
    )
    assert client.post(f"/invitations/{chairman.invitations[0].id}/delete").status_code == 404
    assert client.post(f"/groups/{world['people'].id}/delete").status_code == 404
    assert "Nguyễn Duy Luân" not in client.get("/contacts").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Invitee, chairman.id).token == chairman.token


def test_anonymous_visitor_is_sent_to_login(client, world):
    response = client.get(f"/events/{world['opening'].id}/invitees")
    assert response.status_code == 302 and response.location.startswith("/login")


# --- the public invitation page ----------------------------------------------------------


def test_invitation_page_shows_only_its_person(client, world):
    chairman = world["chairman"]
    response = client.get(f"/i/{chairman.token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nguyễn Duy Luân" in html and "Phó Chủ tịch UBND huyện" in html
    assert "Lễ khai mạc" in html and "02/10/2023" in html and "7h30" in html and "Cấp huyện" in html
    assert "Hà Thị Mai" not in html  # nobody else
    assert "0912" not in html and "luan@example.vn" not in html  # no personal data
    assert response.headers["Cache-Control"] == "private, no-store"


def test_unknown_token_is_404(client, world):
    response = client.get("/i/not-a-real-token")
    assert response.status_code == 404
    assert "không tồn tại" in response.get_data(as_text=True)


def test_rsvp_confirm_then_decline(client, world, db):
    chairman = world["chairman"]
    invitation = chairman.invitations[0]
    response = client.post(
        f"/i/{chairman.token}/rsvp", data={"invitation": invitation.id, "answer": "yes"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).rsvp is Rsvp.YES
    response = client.post(
        f"/i/{chairman.token}/rsvp", data={"invitation": invitation.id, "answer": "no"}, htmx=True
    )
    assert "Đã ghi nhận" in assert_fragment(response) or response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).rsvp is Rsvp.NO


def test_rsvp_cannot_answer_for_someone_else(client, world, db):
    chairman, head = world["chairman"], world["head"]
    response = client.post(
        f"/i/{chairman.token}/rsvp", data={"invitation": head.invitations[0].id, "answer": "yes"}
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Invitation, head.invitations[0].id).rsvp is Rsvp.PENDING


def test_rsvp_needs_the_csrf_token(client, world):
    chairman = world["chairman"]
    response = client.post(
        f"/i/{chairman.token}/rsvp",
        data={"invitation": chairman.invitations[0].id, "answer": "yes"},
        csrf=False,
    )
    assert response.status_code == 400


def test_qr_code_decodes_to_the_invitation_address(client, world):
    chairman = world["chairman"]
    png = client.get(f"/i/{chairman.token}/qr.png")
    assert png.mimetype == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))
    assert [code.text for code in decoded] == [f"http://localhost/i/{chairman.token}"]
    assert client.get(f"/i/{chairman.token}/qr.svg").mimetype == "image/svg+xml"


def test_public_base_url_is_used_in_qr_codes(app, client, world):
    chairman = world["chairman"]
    app.config["PUBLIC_BASE_URL"] = "https://hoctap.example.vn"
    try:
        png = client.get(f"/i/{chairman.token}/qr.png")
    finally:
        app.config["PUBLIC_BASE_URL"] = ""
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))
    assert decoded[0].text == f"https://hoctap.example.vn/i/{chairman.token}"


def test_public_pages_are_rate_limited(limited_app, world):
    client = limited_app.test_client()
    limited_app.config["PUBLIC_RATE_LIMIT"] = "5 per minute"
    statuses = [client.get("/i/no-such-token").status_code for _ in range(6)]
    assert statuses == [404] * 5 + [429]


# --- a long list: actions on demand, groups shown in part, a search that finds anyone -------


@pytest.fixture
def organiser_en(world, auth):
    """An organiser reading in English (the strings new with these pages are checked in
    English until their Vietnamese is in the catalogue)."""
    user = world["make_user"](world["district"], Role.ORGANISER, locale="en")
    auth.login(user)
    return user


def _row_of(html: str, invitation_id: int) -> str:
    """The <tr> of one invitation in a page or fragment."""
    start = html.index(f'<tr id="invitation-{invitation_id}"')
    return html[start : html.index("</tr>", start) + len("</tr>")]


@pytest.fixture
def long_list(world, db, monkeypatch):
    """The ceremony's list past the point where groups show only their first names: here 3
    per group beyond 4 names in all (the page's figures are 50 beyond 200)."""
    from app.invitations import queries

    monkeypatch.setattr(queries, "FULL_LIST_UP_TO", 4)
    monkeypatch.setattr(queries, "GROUP_PAGE", 3)
    people = [
        invite(
            world["opening"],
            world["district"],
            PersonData(f"Đại biểu số {n}", "Giáo viên", "Trường TH số 1", protocol_rank=10 + n),
            group=world["district_level"],
        )
        for n in range(4)
    ]
    # Last in protocol order (no rank): beyond the first names of "Cấp huyện".
    last = invite(
        world["opening"],
        world["district"],
        PersonData("Triệu Thị Lành", "Bí thư Đoàn xã", "Xã Quân Bình", "0977 111 222"),
        group=world["district_level"],
    )
    db.session.commit()
    return {**world, "people": people, "last": last}


def test_each_row_carries_one_actions_button_and_its_actions_come_on_demand(
    client, organiser_en, world
):
    event, chairman = world["opening"], world["chairman"]
    invitation = chairman.invitations[0]
    page = client.get(f"/events/{event.id}/invitees").get_data(as_text=True)
    row = _row_of(page, invitation.id)
    assert "Nguyễn Duy Luân" in row and "0912 345 678" in row and ">Actions<" in row
    assert f'hx-get="/invitations/{invitation.id}/actions"' in row
    assert "New QR" not in page  # no action is sent until asked for

    actions = assert_fragment(client.get(f"/invitations/{invitation.id}/actions", htmx=True))
    assert actions.lstrip().startswith('<td class="actions no-print">')
    for label in ("Edit", "Link and QR", "New QR", "Withdraw QR", "Remove"):
        assert f">{label}<" in actions, label
    assert f"/invitees/{chairman.id}/edit?event={event.id}" in actions
    assert f"/invitations/{invitation.id}/delete" in actions
    assert "Nguyễn Duy Luân" in actions  # the confirmations name the person


def test_a_row_on_its_own_and_after_an_edit_is_the_row_of_the_list(client, organiser_en, world, db):
    event, chairman = world["opening"], world["chairman"]
    invitation = chairman.invitations[0]
    page = client.get(f"/events/{event.id}/invitees").get_data(as_text=True)
    alone = assert_fragment(client.get(f"/invitations/{invitation.id}/row", htmx=True))
    assert alone.strip() == _row_of(page, invitation.id)

    form = assert_fragment(client.get(f"/invitees/{chairman.id}/edit?event={event.id}", htmx=True))
    assert f'hx-get="/invitations/{invitation.id}/row"' in form  # Cancel puts the row back
    response = client.post(
        f"/invitees/{chairman.id}?event={event.id}",
        data={
            "full_name": "Nguyễn Duy Luân",
            "title": "Chủ tịch UBND huyện",
            "organisation": "UBND huyện Bạch Thông",
            "phone": "0912 000 999",
            "email": "luan@example.vn",
            "group_id": str(world["district_level"].id),
            "protocol_rank": "1",
            "notes": "",
        },
        htmx=True,
    )
    edited = assert_fragment(response)
    assert "HX-Retarget" not in response.headers  # the row replaces the form, nothing else
    assert "Chủ tịch UBND huyện" in edited and "0912 000 999" in edited
    page = client.get(f"/events/{event.id}/invitees").get_data(as_text=True)
    assert edited.strip() == _row_of(page, invitation.id)


def test_moving_a_person_to_another_group_redraws_the_section(client, organiser_en, world, db):
    event, head = world["opening"], world["head"]
    response = client.post(
        f"/invitees/{head.id}?event={event.id}",
        data={
            "full_name": "Hà Thị Mai",
            "title": "Trưởng phòng",
            "organisation": "Phòng GD&ĐT",
            "phone": "0987654321",
            "email": "",
            "group_id": str(world["people"].id),
            "protocol_rank": "2",
            "notes": "",
        },
        htmx=True,
    )
    html = assert_fragment(response)
    assert response.headers["HX-Retarget"] == "#invitees"
    moved_to = html.split(f'id="group-{world["people"].id}"')[1]
    assert "Hà Thị Mai" in moved_to


def test_a_new_qr_code_answers_with_the_row_and_says_so(client, organiser_en, world, db):
    event, chairman = world["opening"], world["chairman"]
    invitation = chairman.invitations[0]
    response = client.post(f"/invitees/{chairman.id}/token/revoke?event={event.id}", htmx=True)
    html = assert_fragment(response)
    assert html.strip().startswith(f'<tr id="invitation-{invitation.id}"')
    assert "QR withdrawn" in _row_of(html, invitation.id)  # the badge
    assert "The QR code of Nguyễn Duy Luân no longer works." in html
    response = client.post(f"/invitees/{chairman.id}/token/reissue?event={event.id}", htmx=True)
    html = assert_fragment(response)
    assert "QR withdrawn" not in _row_of(html, invitation.id)
    assert "A new QR code was issued to Nguyễn Duy Luân" in html


def test_taking_a_person_off_the_list_removes_their_row_and_redraws_the_counts(
    client, organiser_en, world, db
):
    event, head = world["opening"], world["head"]
    invitation = head.invitations[0]
    confirm = assert_fragment(client.get(f"/invitations/{invitation.id}/delete", htmx=True))
    assert 'hx-target="closest tr"' in confirm  # the answer replaces the confirmation row
    html = assert_fragment(client.post(f"/invitations/{invitation.id}/delete", htmx=True))
    assert f'<tr id="invitation-{invitation.id}" hx-swap-oob="delete">' in html
    counts = html.split('id="invitee-counts" hx-swap-oob="true"')[1]
    district_row = counts.split("Cấp huyện")[1].split("</tr>")[0]
    assert "<td" in district_row and ">1<" in district_row  # one named invitee left
    assert "Hà Thị Mai" not in client.get(f"/events/{event.id}/invitees").get_data(as_text=True)


def test_a_long_list_shows_each_groups_first_names_and_the_others_on_demand(
    client, organiser_en, long_list
):
    event, group = long_list["opening"], long_list["district_level"]
    last = long_list["last"].invitations[0]
    page = client.get(f"/events/{event.id}/invitees").get_data(as_text=True)
    card = page.split(f'id="group-{group.id}"')[1].split('class="card invitee-group"')[0]
    assert card.count('<tr id="invitation-') == 3
    assert "Nguyễn Duy Luân" in card and "Triệu Thị Lành" not in card
    assert "3 of 7 people shown." in card  # printed too: the page says what it left out
    more = f"/events/{event.id}/invitees/rows?group={group.id}&amp;start=3"
    assert f'hx-get="{more}"' in card

    rest = assert_fragment(client.get(more.replace("&amp;", "&"), htmx=True))
    assert rest.count('<tr id="invitation-') == 4
    assert (
        _row_of(rest, last.id)
        == assert_fragment(client.get(f"/invitations/{last.id}/row", htmx=True)).strip()
    )
    # the counts still count everyone
    counts = page.split('id="invitee-counts"')[1].split("</table>")[0]
    assert ">7<" in counts.split("Cấp huyện")[1].split("</tr>")[0]


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("lanh", "Triệu Thị Lành"),  # without accents
        ("Quân Bình", "Triệu Thị Lành"),  # the organisation
        ("bi thu lanh", "Triệu Thị Lành"),  # every word, anywhere
        ("111 222", "Triệu Thị Lành"),  # digits of the phone
        ("luan@example", "Nguyễn Duy Luân"),  # the e-mail
    ],
)
def test_the_search_finds_anyone_even_beyond_the_first_names(
    client, organiser_en, long_list, typed, found
):
    event = long_list["opening"]
    html = assert_fragment(
        client.get(f"/events/{event.id}/invitees", query_string={"q": typed}, htmx=True)
    )
    assert found in html and "1 person found for" in html
    assert html.count('<tr id="invitation-') == 1
    assert 'id="invitee-counts"' not in html  # only the groups are redrawn


def test_the_search_without_javascript_and_when_nobody_matches(client, organiser_en, long_list):
    event = long_list["opening"]
    page = client.get(f"/events/{event.id}/invitees", query_string={"q": "lanh"})
    html = page.get_data(as_text=True)
    assert "<html" in html and 'value="lanh"' in html and "Triệu Thị Lành" in html
    assert "Đại biểu số 1" not in html
    html = client.get(
        f"/events/{event.id}/invitees", query_string={"q": "không có ai"}, htmx=True
    ).get_data(as_text=True)
    assert "Nobody found for “không có ai”." in html and "<tr id=" not in html

"""Invited groups, invitees, tokens, RSVPs, the contact book and the public invitation page."""

import datetime as dt
import io

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from app.invitations.models import Contact, Invitation, Invitee, InviteeGroup, Rsvp
from app.invitations.services import (
    InvitationError,
    PersonData,
    counts_by_group,
    find_duplicates,
    invite,
    issue_token,
    normalise_phone,
    save_group,
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
    counts = {c.group.name: c for c in counts_by_group(world["opening"])}
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

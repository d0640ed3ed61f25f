"""Nothing lost: deleting an event, a group or an invitee that holds check-ins archives it (the
confirmation says what it holds); it leaves the schedule, the lists and the searches, its
attendance still counts in totals and report figures, and it can be restored. Deleting one
that holds nothing still deletes it. (Example week: tests/report_fixtures.py.)"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.checkin.models import CheckIn, CheckInMethod
from app.checkin.services import check_in_invitee, totals, undo
from app.invitations.groups import save_group
from app.invitations.models import Invitation, Invitee, InviteeGroup
from app.invitations.services import PersonData, invitations_of_event, invite
from app.reports.figures import compute_table
from app.schedule.models import Event
from app.schedule.services import delete_event, events_of
from app.units.models import Role
from tests.conftest import assert_fragment

E1 = "Kỹ năng phòng chống đuối nước"  # 3 check-ins, 1 tally (and an undone check-in, a removed tally)
E2 = "Kỹ năng sử dụng mạng xã hội"  # nothing


@pytest.fixture
def organiser(week, make_user, auth):
    user = make_user(week["school1"], Role.ORGANISER, name="Trần Minh Đức", locale="en")
    auth.login(user)
    return user


def figures(week) -> dict:
    """Every unit's statistics table, row by row."""
    result = {}
    for unit in ("school1", "district1", "province"):
        table = compute_table(week["campaign"], week[unit], include_drafts=True)
        result[unit] = [(r.row.id, r.value.count, r.value.persons) for r in table.rows]
    return result


def event_titled(db, title: str) -> Event | None:
    db.session.expire_all()
    return db.session.scalar(select(Event).where(Event.title == title))


def invitee_named(db, name: str, unit) -> Invitee | None:
    db.session.expire_all()
    return db.session.scalar(
        select(Invitee).where(Invitee.full_name == name, Invitee.unit_id == unit.id)
    )


def schedule_html(client, week) -> str:
    return client.get(f"/campaigns/{week['campaign'].id}").get_data(as_text=True)


def audit_lines(db, **where) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    for key, value in where.items():
        query = query.where(getattr(AuditEvent, key) == value)
    return list(db.session.scalars(query))


# --- events --------------------------------------------------------------------------------


def test_an_event_with_check_ins_is_archived_and_every_figure_stays(client, organiser, week, db):
    e1 = week["e1"]
    before, attendance = figures(week), totals(e1)
    assert attendance.persons == 38

    html = assert_fragment(client.get(f"/events/{e1.id}/delete", htmx=True))
    assert "This event has 3 check-ins and 1 headcount list" in html
    assert "archived instead of deleted" in html and ">Archive<" in html

    html = assert_fragment(client.post(f"/events/{e1.id}/delete", htmx=True))
    assert "archived" in html and E1 not in html

    event = event_titled(db, E1)
    assert event is not None and event.archived_at is not None
    assert figures(week) == before
    assert totals(event) == attendance
    assert db.session.scalar(select(CheckIn.id).where(CheckIn.event_id == e1.id))
    assert E1 not in schedule_html(client, week)
    assert event not in events_of(week["campaign"], week["province"])
    export = client.get(f"/campaigns/{week['campaign'].id}/schedule.docx")
    assert export.status_code == 200

    archived = client.get(f"/campaigns/{week['campaign'].id}/archived").get_data(as_text=True)
    assert E1 in archived
    page = client.get(f"/events/{e1.id}").get_data(as_text=True)
    assert "This event was archived" in page and ">Restore<" in page
    assert f"/events/{e1.id}/checkin" not in page  # no way to the scanner from here

    response = client.post(f"/events/{e1.id}/restore")
    assert response.status_code == 303
    assert event_titled(db, E1).archived_at is None
    assert E1 in schedule_html(client, week)
    assert figures(week) == before

    archive, restore = (
        audit_lines(db, object_type="Event", object_id=e1.id, action=action)
        for action in ("archive", "restore")
    )
    assert "3 check-ins and 1 headcount list" in archive[0].detail
    assert archive[0].user_id == restore[0].user_id == organiser.id


def test_an_event_holding_nothing_is_deleted(client, organiser, week, db):
    e2 = event_titled(db, E2).id
    html = assert_fragment(client.get(f"/events/{e2}/delete", htmx=True))
    assert "Delete this event and its program?" in html and ">Delete<" in html
    html = assert_fragment(client.post(f"/events/{e2}/delete", htmx=True))
    assert "deleted" in html
    assert event_titled(db, E2) is None
    assert [line.action for line in audit_lines(db, object_type="Event", object_id=e2)] == [
        "create",
        "delete",
    ]


def test_the_confirmation_works_without_javascript(client, organiser, week, db):
    e1 = week["e1"]
    page = client.get(f"/events/{e1.id}/delete")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and "3 check-ins" in html
    assert f'action="/events/{e1.id}/delete"' in html
    response = client.post(f"/events/{e1.id}/delete")
    assert response.status_code == 303
    assert event_titled(db, E1).archived_at is not None


def test_an_event_whose_only_check_in_was_undone_keeps_its_history(week, make_event, db):
    event = make_event(week["campaign"], week["school1"], title="Tọa đàm")
    an = invite(event, week["school1"], PersonData("Nguyễn Văn An"))
    result = check_in_invitee(event, an, week["actor"], method=CheckInMethod.MANUAL, override=True)
    undo(result.checkin, week["actor"].user)
    db.session.commit()
    holdings = delete_event(event)
    db.session.commit()
    assert (holdings.check_ins, holdings.headcounts, holdings.history) == (0, 0, 1)
    assert event_titled(db, "Tọa đàm").archived_at is not None


def test_other_roles_cannot_delete_or_restore(client, auth, week, make_user, db):
    auth.login(make_user(week["school1"], Role.CHECKIN_STAFF))
    e1 = week["e1"]
    assert client.get(f"/events/{e1.id}/delete").status_code == 403
    assert client.post(f"/events/{e1.id}/delete").status_code == 403
    assert client.post(f"/events/{e1.id}/restore").status_code == 403
    auth.logout()
    auth.login(make_user(week["school2"], Role.ORGANISER))
    assert client.post(f"/events/{e1.id}/delete").status_code == 404
    assert event_titled(db, E1).archived_at is None


# --- groups ---------------------------------------------------------------------------------


@pytest.fixture
def groups(week, db):
    """Chi (checked in at E1) in the group "Phụ huynh"; an empty group "Khách mời"."""
    e1 = week["e1"]
    parents = save_group(None, e1, "Phụ huynh", None)
    guests = save_group(None, e1, "Khách mời", 5)
    chi = db.session.scalar(select(Invitation).where(Invitation.invitee_id == week["chi"].id))
    chi.group = parents
    db.session.commit()
    return {"parents": parents, "guests": guests}


def invitees_html(client, event) -> str:
    return client.get(f"/events/{event.id}/invitees").get_data(as_text=True)


def test_a_group_whose_people_checked_in_is_archived(client, organiser, week, groups, db):
    e1, parents = week["e1"], groups["parents"]
    before, attendance = figures(week), totals(e1)

    html = assert_fragment(client.get(f"/groups/{parents.id}/delete", htmx=True))
    assert "The group Phụ huynh has 1 check-in" in html and ">Archive<" in html
    html = assert_fragment(client.post(f"/groups/{parents.id}/delete", htmx=True))
    assert "archived" in html and f'id="group-{parents.id}"' not in html
    assert "Lê Văn Chi" in html  # still invited, shown without a group

    db.session.expire_all()
    group = db.session.get(InviteeGroup, parents.id)
    assert group.archived_at is not None
    chi = db.session.scalar(select(Invitation).where(Invitation.invitee_id == week["chi"].id))
    assert chi.group_id == group.id  # who was in it is kept
    assert (figures(week), totals(e1)) == (before, attendance)
    assert "Phụ huynh" in client.get(f"/events/{e1.id}/invitees/archived").get_data(as_text=True)

    assert client.post(f"/groups/{parents.id}/restore").status_code == 303
    assert f'id="group-{parents.id}"' in invitees_html(client, e1)
    assert [line.action for line in audit_lines(db, object_type="InviteeGroup")][-2:] == [
        "archive",
        "restore",
    ]


def test_a_group_without_check_ins_is_deleted(client, organiser, week, groups, db):
    guests = groups["guests"].id
    html = assert_fragment(client.get(f"/groups/{guests}/delete", htmx=True))
    assert "Remove the group Khách mời?" in html and ">Remove<" in html
    client.post(f"/groups/{guests}/delete", htmx=True)
    db.session.expire_all()
    assert db.session.get(InviteeGroup, guests) is None


# --- invitees -------------------------------------------------------------------------------


def search(client, event, q: str) -> str:
    return client.get(
        f"/events/{event.id}/checkin/search", query_string={"q": q}, htmx=True
    ).get_data(as_text=True)


def test_an_invitee_who_checked_in_is_archived_and_still_counts(client, organiser, week, db):
    e1 = week["e1"]
    chi = week["chi"]
    token = chi.token
    invitation = db.session.scalar(select(Invitation).where(Invitation.invitee_id == chi.id))
    before, attendance = figures(week), totals(e1)
    assert "Lê Văn Chi" in search(client, e1, "chi")

    html = assert_fragment(client.get(f"/invitations/{invitation.id}/delete", htmx=True))
    assert "Lê Văn Chi has 1 check-in; they will be archived instead of deleted" in html
    html = assert_fragment(client.post(f"/invitations/{invitation.id}/delete", htmx=True))
    assert "Lê Văn Chi has been archived" in html

    archived = invitee_named(db, "Lê Văn Chi", week["school1"])
    assert archived.archived_at is not None and archived.invitations  # kept for a restore
    assert (figures(week), totals(e1)) == (before, attendance)
    assert "Lê Văn Chi" not in invitees_html(client, e1).split('id="invitees"')[1]
    assert "Lê Văn Chi" not in search(client, e1, "chi")
    assert chi.id not in {i.invitee_id for i in invitations_of_event(e1)}
    assert client.get(f"/i/{token}").status_code == 404

    listed = client.get(f"/events/{e1.id}/invitees/archived").get_data(as_text=True)
    assert "Lê Văn Chi" in listed
    response = client.post(f"/invitees/{chi.id}/restore?event={e1.id}")
    assert response.status_code == 303
    assert invitee_named(db, "Lê Văn Chi", week["school1"]).archived_at is None
    assert "Lê Văn Chi" in search(client, e1, "chi")
    assert client.get(f"/i/{token}").status_code == 200  # the same QR code works again


def test_an_invitee_whose_check_in_was_undone_is_archived_too(client, organiser, week, db):
    binh = invitee_named(db, "Trần Thị Bình", week["school1"])
    invitation = binh.invitations[0]
    html = assert_fragment(client.get(f"/invitations/{invitation.id}/delete", htmx=True))
    assert "check-ins that were undone" in html
    client.post(f"/invitations/{invitation.id}/delete", htmx=True)
    assert invitee_named(db, "Trần Thị Bình", week["school1"]).archived_at is not None


def test_an_invitee_who_never_checked_in_is_deleted(client, organiser, week, db):
    e1 = week["e1"]
    invite(e1, week["school1"], PersonData("Đỗ Văn Mới"))
    db.session.commit()
    invitation = invitee_named(db, "Đỗ Văn Mới", week["school1"]).invitations[0]
    html = assert_fragment(client.get(f"/invitations/{invitation.id}/delete", htmx=True))
    assert "Take Đỗ Văn Mới off this event?" in html and ">Remove<" in html
    client.post(f"/invitations/{invitation.id}/delete", htmx=True)
    assert invitee_named(db, "Đỗ Văn Mới", week["school1"]) is None


def test_taken_off_one_of_two_events_the_check_in_there_still_counts(
    client, organiser, week, make_event, db
):
    e1, chi = week["e1"], week["chi"]
    other = make_event(week["campaign"], week["school1"], title="Hội thi")
    invite(other, week["school1"], PersonData(""), invitee=chi)
    db.session.commit()
    attendance = totals(e1)
    invitation = next(i for i in chi.invitations if i.event_id == e1.id)

    html = assert_fragment(client.get(f"/invitations/{invitation.id}/delete", htmx=True))
    assert "Their check-in here still counts." in html
    client.post(f"/invitations/{invitation.id}/delete", htmx=True)

    chi = invitee_named(db, "Lê Văn Chi", week["school1"])
    assert chi.archived_at is None and [i.event_id for i in chi.invitations] == [other.id]
    assert totals(e1).persons == attendance.persons


def test_inviting_an_archived_invitee_again_brings_them_back(
    client, organiser, week, make_event, db
):
    chi = week["chi"]
    client.post(f"/invitations/{chi.invitations[0].id}/delete", htmx=True)
    assert invitee_named(db, "Lê Văn Chi", week["school1"]).archived_at is not None
    other = make_event(week["campaign"], week["school1"], title="Hội thi")
    html = client.post(f"/events/{other.id}/invitees/{chi.id}/add", htmx=True).get_data(
        as_text=True
    )
    assert "Lê Văn Chi is invited." in html
    chi = invitee_named(db, "Lê Văn Chi", week["school1"])
    assert chi.archived_at is None
    assert sorted(i.event_id for i in chi.invitations) == sorted([week["e1"].id, other.id])


# --- check-in at an archived event -------------------------------------------------------------


def test_an_archived_events_scanner_is_gone_but_scans_queued_there_still_count(
    client, organiser, auth, make_user, week, db
):
    """Archived, the event has no scanner, roster or live dashboard for anyone (404); a phone
    that scanned people there offline still sends them, and they count in the figures."""
    e1 = week["e1"]
    binh = invitee_named(db, "Trần Thị Bình", week["school1"])  # her check-in was undone
    token = binh.token
    assert client.post(f"/events/{e1.id}/delete").status_code == 303
    persons = totals(event_titled(db, E1)).persons
    auth.logout()
    auth.login(make_user(week["school1"], Role.CHECKIN_STAFF))
    for url in ("checkin", "checkin/roster.json", "dashboard", "mc"):
        assert client.get(f"/events/{e1.id}/{url}").status_code == 404, url

    scanned = "2026-11-17T00:40:00Z"
    response = client.post(
        f"/events/{e1.id}/checkin/sync",
        json={
            "device_id": "phone",
            "items": [
                {
                    "client_uuid": "0f8fad5b-d9cb-469f-a165-70867728950e",
                    "code": token,
                    "scanned_at": scanned,
                }
            ],
        },
        headers={"X-CSRFToken": client._token(), "Accept": "application/json"},
        csrf=False,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert [r["outcome"] for r in response.get_json()["results"]] == ["ok"]
    event = event_titled(db, E1)
    assert event.archived_at is not None and totals(event).persons == persons + 1

"""Check-in rules: once per person per event, the window, undo, walk-ins, headcounts,
offline batches and totals, tested on the services every way in goes through."""

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from app.checkin.models import CheckIn, CheckInMethod, ParticipantType
from app.checkin.services import (
    Actor,
    BatchItem,
    CheckinError,
    Outcome,
    change_headcount,
    extract_token,
    record_headcount,
    remove_headcount,
    scan,
    sync_batch,
    totals,
    undo,
    walk_in,
    window,
)
from app.invitations.groups import save_group
from app.invitations.models import Rsvp
from app.invitations.services import PersonData, invite, revoke_token
from app.schedule.models import EventKind
from app.units.models import Role, UnitKind

# 02/10/2023 7h30 in Hà Nội is 00:30 UTC.
START_UTC = dt.datetime(2023, 10, 2, 0, 30)


def utc(hour, minute, day=2):
    """A Hà Nội wall-clock time on October `day` 2023, as stored (UTC, naive)."""
    return dt.datetime(2023, 10, day, hour, minute) - dt.timedelta(hours=7)


@pytest.fixture
def ceremony(db, make_unit, make_campaign, make_event, make_user):
    district = make_unit(name="Phòng GD&ĐT huyện Bạch Thông", kind=UnitKind.DISTRICT_OFFICE)
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
        campaign,
        district,
        kind=EventKind.CLOSING,
        title="Lễ tổng kết",
        date=dt.date(2023, 10, 8),
        start_time=dt.time(14, 0),
    )
    group = save_group(None, opening, "Cấp huyện", None)
    luan = invite(
        opening, district, PersonData("Nguyễn Duy Luân", "Phó Chủ tịch UBND huyện"), group=group
    )
    mai = invite(opening, district, PersonData("Hà Thị Mai"), group=group)
    only_closing = invite(closing, district, PersonData("Lý Văn Hảo"))
    staff = make_user(district, Role.CHECKIN_STAFF, name="Lý Văn Minh")
    db.session.commit()
    return {
        "opening": opening,
        "closing": closing,
        "luan": luan,
        "mai": mai,
        "hao": only_closing,
        "staff": staff,
        "actor": Actor(user=staff, device_id="phone-1"),
    }


def test_window_opens_two_hours_before_and_closes_at_midnight(ceremony):
    opens, closes = window(ceremony["opening"])
    assert opens == utc(5, 30) and closes == utc(0, 0, day=3)


@pytest.mark.parametrize(
    ("scanned", "outcome"),
    [
        ("{luan}", Outcome.OK),
        ("http://localhost/i/{luan}", Outcome.OK),
        ("https://hoctap.example.vn/i/{luan}?utm=x", Outcome.OK),
        ("not-a-code", Outcome.UNKNOWN),
        ("", Outcome.UNKNOWN),
        ("{hao}", Outcome.OTHER_EVENT),
    ],
)
def test_scan_outcomes(ceremony, scanned, outcome):
    code = scanned.format(luan=ceremony["luan"].token, hao=ceremony["hao"].token)
    result = scan(ceremony["opening"], code, ceremony["actor"], at=utc(7, 12))
    assert result.outcome is outcome


def test_one_check_in_per_person_whoever_scans(ceremony, make_user, db):
    event, luan = ceremony["opening"], ceremony["luan"]
    first = scan(event, luan.token, ceremony["actor"], at=utc(7, 12))
    db.session.commit()
    assert first.outcome is Outcome.OK and first.group_name == "Cấp huyện"
    other = Actor(user=make_user(ceremony["staff"].unit, Role.ORGANISER), device_id="phone-2")
    again = scan(event, luan.token, other, at=utc(7, 20))
    assert again.outcome is Outcome.ALREADY
    assert (
        again.previous.checked_in_at == utc(7, 12) and again.previous.who_checked == "Lý Văn Minh"
    )
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1


def test_revoked_code_says_so(ceremony, db):
    luan = ceremony["luan"]
    old = luan.token
    revoke_token(luan)
    db.session.commit()
    assert (
        scan(ceremony["opening"], old, ceremony["actor"], at=utc(7, 0)).outcome is Outcome.REVOKED
    )


@pytest.mark.parametrize(
    ("at", "outcome"),
    [
        (utc(5, 29), Outcome.TOO_EARLY),
        (utc(5, 30), Outcome.OK),
        (utc(23, 59), Outcome.OK),
        (utc(0, 0, day=3), Outcome.CLOSED),
    ],
)
def test_the_check_in_window(ceremony, at, outcome):
    assert (
        scan(ceremony["opening"], ceremony["luan"].token, ceremony["actor"], at=at).outcome
        is outcome
    )


def test_staff_override_outside_the_window(ceremony):
    result = scan(
        ceremony["opening"], ceremony["luan"].token, ceremony["actor"], at=utc(4, 0), override=True
    )
    assert result.outcome is Outcome.OK and result.checkin.override


def test_every_check_in_records_who_when_how_and_which_device(ceremony, db):
    result = scan(ceremony["opening"], ceremony["luan"].token, ceremony["actor"], at=utc(7, 12))
    db.session.commit()
    checkin = result.checkin
    assert (checkin.user_id, checkin.method, checkin.device_id) == (
        ceremony["staff"].id,
        CheckInMethod.SCAN,
        "phone-1",
    )
    assert checkin.checked_in_at == utc(7, 12) and checkin.recorded_at is not None


def test_undo_keeps_the_trail_and_stops_counting(ceremony, db):
    event = ceremony["opening"]
    result = scan(event, ceremony["luan"].token, ceremony["actor"], at=utc(7, 12))
    db.session.commit()
    assert totals(event).checked_in_invitees == 1
    undo(result.checkin, ceremony["staff"])
    db.session.commit()
    assert totals(event).checked_in_invitees == 0
    with pytest.raises(CheckinError):
        undo(result.checkin, ceremony["staff"])
    again = scan(event, ceremony["luan"].token, ceremony["actor"], at=utc(7, 15))
    db.session.commit()
    assert again.outcome is Outcome.OK
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 2  # both kept
    assert totals(event).checked_in_invitees == 1


def test_walk_ins_one_per_device(ceremony, db, monkeypatch):
    event = ceremony["opening"]
    monkeypatch.setattr("app.checkin.services.utcnow", lambda: utc(7, 0))
    visitor = Actor(device_id="device-abc")
    walk_in(
        event,
        full_name="  Trần  Văn Nam ",
        organisation="Tổ dân phố 3",
        participant_type=ParticipantType.RESIDENT,
        actor=visitor,
    )
    db.session.commit()
    with pytest.raises(CheckinError):
        walk_in(
            event,
            full_name="Trần Thị Nữ",
            organisation="",
            participant_type=ParticipantType.RESIDENT,
            actor=visitor,
        )
    event.walkins_per_device = 2
    walk_in(
        event,
        full_name="Trần Thị Nữ",
        organisation="",
        participant_type=ParticipantType.RESIDENT,
        actor=visitor,
    )
    db.session.commit()
    names = db.session.scalars(select(CheckIn.full_name).order_by(CheckIn.id)).all()
    assert names == ["Trần Văn Nam", "Trần Thị Nữ"]
    assert totals(event).walk_ins == 2


def test_walk_in_needs_a_name_and_the_window(ceremony, monkeypatch):
    event = ceremony["opening"]
    monkeypatch.setattr("app.checkin.services.utcnow", lambda: utc(7, 0))
    with pytest.raises(CheckinError):
        walk_in(
            event,
            full_name="   ",
            organisation="",
            participant_type=ParticipantType.OTHER,
            actor=Actor(device_id="d"),
        )
    monkeypatch.setattr("app.checkin.services.utcnow", lambda: utc(1, 0))
    with pytest.raises(CheckinError):
        walk_in(
            event,
            full_name="Sớm quá",
            organisation="",
            participant_type=ParticipantType.OTHER,
            actor=Actor(device_id="d2"),
        )


def test_headcounts_count_as_persons_with_history(ceremony, db):
    event, actor = ceremony["opening"], ceremony["actor"]
    class_6a = record_headcount(event, "Lớp 6A", 35, actor)
    record_headcount(event, "Đại diện nhân dân", 10, actor)
    db.session.commit()
    assert totals(event).headcounts == 45
    change_headcount(class_6a, "Lớp 6A", 33, actor, note="2 em vắng")
    db.session.commit()
    assert [r.count for r in class_6a.revisions] == [35, 33]
    remove_headcount(class_6a, actor)
    db.session.commit()
    assert totals(event).headcounts == 10
    for bad in (-1, None, 100_001):
        with pytest.raises(CheckinError):
            record_headcount(event, "Lớp 6B", bad, actor)
    with pytest.raises(CheckinError):
        record_headcount(event, "  ", 5, actor)


def test_headcount_with_the_same_client_uuid_is_recorded_once(ceremony, db):
    key = str(uuid.uuid4())
    first = record_headcount(ceremony["opening"], "Lớp 6A", 35, ceremony["actor"], client_uuid=key)
    second = record_headcount(ceremony["opening"], "Lớp 6A", 35, ceremony["actor"], client_uuid=key)
    db.session.commit()
    assert first.id == second.id and totals(ceremony["opening"]).headcounts == 35


def test_offline_batches_are_idempotent_and_keep_the_first_scan_time(ceremony, db):
    event, luan, mai = ceremony["opening"], ceremony["luan"], ceremony["mai"]
    phone_a = [
        BatchItem(str(uuid.uuid4()), luan.token, utc(7, 10)),
        BatchItem(str(uuid.uuid4()), "garbage", utc(7, 11)),
    ]
    for attempt in range(3):
        results = sync_batch(event, phone_a, Actor(user=ceremony["staff"], device_id="A"))
        db.session.commit()
        expected = ["ok", "unknown"] if attempt == 0 else ["duplicate", "unknown"]
        assert [r.outcome for r in results] == expected
    # phone B scanned Luân earlier and Mai; it syncs later
    phone_b = [
        BatchItem(str(uuid.uuid4()), luan.token, utc(7, 5)),
        BatchItem(str(uuid.uuid4()), mai.token, utc(7, 6)),
    ]
    results = sync_batch(event, phone_b, Actor(user=ceremony["staff"], device_id="B"))
    db.session.commit()
    assert [r.outcome for r in results] == ["already", "ok"]
    assert totals(event).checked_in_invitees == 2
    luan_checkin = db.session.scalar(select(CheckIn).where(CheckIn.invitee_id == luan.id))
    assert luan_checkin.checked_in_at == utc(7, 5)  # the first scan time wins


def test_totals(ceremony, db):
    event = ceremony["opening"]
    ceremony["luan"].invitations[0].rsvp = Rsvp.YES
    scan(event, ceremony["luan"].token, ceremony["actor"], at=utc(7, 12))
    record_headcount(event, "Lớp 6A", 35, ceremony["actor"])
    db.session.commit()
    result = totals(event)
    assert (result.invited, result.confirmed, result.checked_in_invitees, result.headcounts) == (
        2,
        1,
        1,
        35,
    )
    assert result.persons == 36


@pytest.mark.parametrize(
    ("scanned", "token"),
    [
        ("abc", "abc"),
        ("http://x/i/abc", "abc"),
        ("http://x/i/abc/", "abc"),
        ("https://x/i/abc?a=1#b", "abc"),
        ("  abc  ", "abc"),
    ],
)
def test_extract_token(scanned, token):
    assert extract_token(scanned) == token

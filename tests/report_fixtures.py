"""A week of a province, two districts and three schools for the reports tests, with figures
computed by hand.

The example: a province with two district offices; district 1 has two schools, district 2 one.

School 1 (THCS):
  E1 "Giáo dục kỹ năng sống" — An scanned twice, Bình checked in then undone, Chi, one walk-in,
     tally "Lớp 6A" 35 and a removed tally of 10 → 1 + 1 + 1 + 35 = 38 persons
  E2 same category, nobody came, not marked held → does not count
  E3 same category, nobody scanned, marked held → 1 event, 0 persons
  E4 its opening ceremony (filed under section 7), tally 300 → 1 ceremony, 300 persons
School 2 (TH): E5 "Hoạt động văn nghệ", tally 50; an opening ceremony nobody attended (not held)
District office 1: E6 "Giáo dục kỹ năng sống", An checked in → 1 persons
District office 2: its opening ceremony, marked held, nobody scanned
School 3 (THPT): E8 "Hoạt động văn nghệ", two walk-ins
"""

import pytest

from app.checkin.models import CheckInMethod, ParticipantType
from app.checkin.services import (
    Actor,
    Outcome,
    check_in_invitee,
    record_headcount,
    remove_headcount,
    undo,
    walk_in,
)
from app.invitations.services import PersonData, invite
from app.schedule.models import EventKind
from app.units.models import Role, UnitKind

LIFE_SKILLS = "Giáo dục kỹ năng sống cho học sinh"
ARTS = "Hoạt động văn nghệ"
OPENING = "Tổ chức Lễ khai mạc Tuần lễ"


@pytest.fixture
def week(db, make_unit, make_campaign, make_event, make_user):
    province = make_unit(name="Sở GD&ĐT tỉnh Bến Tre", kind=UnitKind.PROVINCIAL_DEPARTMENT)
    district1 = make_unit(province, name="Phòng GD&ĐT huyện Ba Tri", kind=UnitKind.DISTRICT_OFFICE)
    district2 = make_unit(
        province, name="Phòng GD&ĐT huyện Giồng Trôm", kind=UnitKind.DISTRICT_OFFICE
    )
    school1 = make_unit(district1, name="Trường THCS An Đức", kind=UnitKind.LOWER_SECONDARY)
    school2 = make_unit(district1, name="Trường TH An Bình Tây", kind=UnitKind.PRIMARY)
    school3 = make_unit(district2, name="Trường THPT Giồng Trôm", kind=UnitKind.UPPER_SECONDARY)
    campaign = make_campaign(province, year=2022)
    rows = {row.label: row for row in campaign.report_template.rows}

    def event(unit, label=None, **kw):
        return make_event(campaign, unit, report_row=rows[label] if label else None, **kw)

    e1 = event(school1, LIFE_SKILLS, title="Kỹ năng phòng chống đuối nước")
    event(school1, LIFE_SKILLS, title="Kỹ năng sử dụng mạng xã hội")
    event(school1, LIFE_SKILLS, title="Kỹ năng thoát hiểm", held=True)
    e4 = event(school1, OPENING, kind=EventKind.OPENING, title="Lễ khai mạc")
    e5 = event(school2, ARTS, title="Văn nghệ chào mừng")
    event(school2, OPENING, kind=EventKind.OPENING, title="Lễ khai mạc")
    e6 = event(district1, LIFE_SKILLS, title="Tập huấn kỹ năng sống")
    event(district2, OPENING, kind=EventKind.OPENING, title="Lễ khai mạc cấp huyện", held=True)
    e8 = event(school3, ARTS, title="Hội diễn văn nghệ")

    staff = make_user(school1, Role.CHECKIN_STAFF)
    actor = Actor(user=staff, device_id="phone")
    an = invite(e1, school1, PersonData("Nguyễn Văn An"))
    binh = invite(e1, school1, PersonData("Trần Thị Bình"))
    chi = invite(e1, school1, PersonData("Lê Văn Chi"))
    an_at_district = invite(e6, district1, PersonData("Nguyễn Văn An"))

    def checkin(event, invitee):
        return check_in_invitee(event, invitee, actor, method=CheckInMethod.SCAN, override=True)

    assert checkin(e1, an).outcome is Outcome.OK
    assert checkin(e1, an).outcome is Outcome.ALREADY  # scanned twice, counted once
    undo(checkin(e1, binh).checkin, staff)
    checkin(e1, chi)
    walk_in(
        e1,
        full_name="Phạm Thị Dung",
        organisation="Phụ huynh lớp 6A",
        participant_type=ParticipantType.PARENT,
        actor=actor,
    )
    record_headcount(e1, "Lớp 6A", 35, actor)
    remove_headcount(record_headcount(e1, "Lớp 6B", 10, actor), actor)
    record_headcount(e4, "Toàn trường", 300, actor)
    record_headcount(e5, "Đội văn nghệ", 50, actor)
    checkin(e6, an_at_district)
    for name in ("Võ Văn Em", "Đặng Thị Gấm"):
        walk_in(
            e8,
            full_name=name,
            organisation="",
            participant_type=ParticipantType.STUDENT,
            actor=actor,
        )
    db.session.commit()

    officers = {
        unit: make_user(unit, Role.REPORT_OFFICER)
        for unit in (province, district1, district2, school1, school2, school3)
    }
    return {
        "campaign": campaign,
        "province": province,
        "district1": district1,
        "district2": district2,
        "school1": school1,
        "school2": school2,
        "school3": school3,
        "e1": e1,
        "chi": chi,
        "actor": actor,
        "officers": officers,
        "rows": rows,
    }

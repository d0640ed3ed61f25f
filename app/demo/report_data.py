"""Demo attendance for Đống Đa's 2024 week and the results reports built on it, so the demo
report has real figures: class and group tallies, a few people checked in at the desk, some
units' reports submitted with typed figures and text, the others still drafts.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.checkin.models import ParticipantType
from app.checkin.services import Actor, record_headcount, to_utc, walk_in
from app.extensions import db
from app.reports.models import ReportRow
from app.reports.services import FigureInput, get_or_create_report, save_figures, submit
from app.schedule.models import Campaign, Event
from app.units.models import User
from app.units.services import find_unit_by_code

#: Per event of seed 001's schedule (by TT and host): tallies and people checked in by name.
ATTENDANCE = {
    ("1", "DD-TTVH"): ([("Đại biểu các phường", 60), ("Học sinh các trường", 180)], 4),
    ("2", "DD-P01-HKH"): (
        [("Hội viên Hội Khuyến học", 45), ("Hội viên Hội Cựu chiến binh", 38)],
        2,
    ),
    ("3", "DD-TH-CL"): ([("Học sinh khối 4", 142), ("Giáo viên khối 4", 6)], 0),
    ("4", "DD-P02-HKH"): ([("Hội viên và khách mời", 70)], 3),
    ("5", "DD-MN-LT"): ([("Trẻ mẫu giáo lớn", 96), ("Phụ huynh", 40)], 2),
    ("5", "DD-P03-HKH"): ([("Hội viên Hội Khuyến học", 52), ("Học sinh nhận quà", 20)], 0),
    ("6", "DD-TH-KL"): ([("Học sinh khối 5", 168)], 0),
    ("7", "DD-P04-HKH"): ([("Cán bộ, hội viên dự tập huấn", 35)], 1),
    ("9", "DD-THCS-NTT"): ([("Giáo viên", 58)], 0),
    ("10", "DD-MN-STEAME"): ([("Giáo viên", 24)], 0),
    ("11", "DD-TH-LT"): ([("Học sinh lớp 5", 120)], 0),
    ("12", "DD-THCS-LTK"): ([("Cán bộ thư viện, giáo viên", 41)], 2),
    ("13", "DD-THCS-TQ"): ([("Học sinh", 310), ("Giáo viên", 35)], 0),
    # TT 8 (Văn Chương), 14 (Phương Mai) and 15 (Ngã Tư Sở): nothing recorded yet.
}

_NAMES = ["Nguyễn Thị Hạnh", "Trần Văn Bình", "Lê Thu Hương", "Phạm Quốc Khánh"]

#: Units that submitted, with what their report officer typed (row label → count).
SUBMITTED = {
    "DD-TH-CL": {"Số tin, bài về các hoạt động của Tuần lễ": "3", "Số cá nhân tặng sách": "85"},
    "DD-THCS-NTT": {
        "Số tin, bài về các hoạt động của Tuần lễ": "2",
        "Số sách đã huy động tặng các trường học, thư viện": "420",
    },  # noqa: E501
    "DD-MN-LT": {"Ấn phẩm thông tin (tờ rơi, áp phích, băng rôn, khẩu hiệu)": "12"},
    "DD-P01-HKH": {"Số tin, bài về các hoạt động của Tuần lễ": "1"},
}

DISTRICT_TEXT = {
    "direction": (
        "Phòng GD&ĐT quận ban hành Kế hoạch tổ chức Tuần lễ hưởng ứng học tập suốt đời năm 2024, "
        "hướng dẫn các trường và Hội Khuyến học các phường xây dựng kế hoạch của đơn vị."
    ),
    "activities": (
        "Lễ khai mạc cấp quận ngày 30/9/2024 tại Trung tâm Văn hóa Thông tin và Thể thao quận.\n"
        "Các trường tổ chức ngày hội sách, sinh hoạt chuyên đề về văn hóa đọc, bồi dưỡng giáo viên."
    ),
    "results": (
        "Các hoạt động được tổ chức thiết thực, lan tỏa phong trào đọc sách trong nhà trường."
    ),
}

REPORT_OFFICERS = {
    "DD-TH-CL": ("baocao@thcatlinh.demo", "Đỗ Thị Ngọc"),
    "DD-THCS-NTT": ("baocao@thcsnguyentruongto.demo", "Vũ Minh Tâm"),
    "DD-MN-LT": ("baocao@mnlangthuong.demo", "Bùi Thị Thoa"),
    "DD-P01-HKH": ("baocao@hkhlangha.demo", "Ngô Văn Lực"),
}


def load_attendance(campaign: Campaign, staff: User) -> None:
    actor = Actor(user=staff, device_id="demo-phone-dongda")
    events = db.session.scalars(select(Event).where(Event.campaign_id == campaign.id)).all()
    for event in events:
        tallies, named = ATTENDANCE.get((event.number, event.unit.code), ([], 0))
        for label, count in tallies:
            record_headcount(event, label, count, actor)
        start = dt.datetime.combine(event.date, event.start_time or dt.time(8, 0))
        for index in range(named):
            walk_in(
                event,
                full_name=_NAMES[index % len(_NAMES)],
                organisation=event.unit.name,
                participant_type=ParticipantType.RESIDENT,
                actor=actor,
                at=to_utc(start - dt.timedelta(minutes=10 - index)),
            )


#: When the demo units submitted (before the deadline of 07/10/2024), UTC.
SUBMITTED_AT = dt.datetime(2024, 10, 5, 3, 0, tzinfo=dt.UTC).replace(tzinfo=None)


def load_reports(campaign: Campaign, officers: dict[str, User]) -> None:
    rows = {
        row.label: row
        for row in db.session.scalars(
            select(ReportRow).where(ReportRow.template_id == campaign.report_template_id)
        )
    }
    for code, typed in SUBMITTED.items():
        unit = find_unit_by_code(code)
        report = get_or_create_report(campaign, unit)
        inputs = {rows[label].id: FigureInput(count=value) for label, value in typed.items()}
        errors = save_figures(report, officers[code], [rows[label] for label in typed], inputs)
        assert not errors, errors
        report.activities = "Đơn vị tổ chức các hoạt động theo kế hoạch của Phòng GD&ĐT quận."
        submit(report, officers[code])
        report.submitted_at = report.history[-1].at = SUBMITTED_AT
    district = get_or_create_report(campaign, find_unit_by_code("PGD-DD"))
    for name, text in DISTRICT_TEXT.items():
        setattr(district, name, text)
    # The district's report stays a draft for the demo's report officer to finish and submit.
    db.session.flush()

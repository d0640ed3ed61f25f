"""Demo data built from the seeds: the units named in the Bạch Thông 2023 plan (seed 004)
and in the Đống Đa 2024 schedule (seed 001), their campaigns, and one user per role.

Each entry is (code, kind, name, children).
"""

from __future__ import annotations

import datetime as dt

from app.units.models import Role
from app.units.models import UnitKind as K

BAC_KAN = (
    "SO-BK",
    K.PROVINCIAL_DEPARTMENT,
    "Sở Giáo dục và Đào tạo tỉnh Bắc Kạn",
    [
        (
            "PGD-BT",
            K.DISTRICT_OFFICE,
            "Phòng Giáo dục và Đào tạo huyện Bạch Thông",
            [
                ("BT-THCS-PT", K.LOWER_SECONDARY, "Trường THCS Phủ Thông", []),
                ("BT-TH-PT", K.PRIMARY, "Trường Tiểu học Phủ Thông", []),
                ("BT-MN-PT", K.KINDERGARTEN, "Trường Mầm non Phủ Thông", []),
                (
                    "BT-GDNN",
                    K.CONTINUING_EDUCATION,
                    "Trung tâm Giáo dục nghề nghiệp - GDTX huyện Bạch Thông",
                    [],
                ),
                ("BT-HKH", K.STUDY_PROMOTION, "Hội Khuyến học huyện Bạch Thông", []),
                (
                    "BT-TTVH",
                    K.CULTURE_CENTRE,
                    "Trung tâm Văn hóa, Thể thao và Truyền thông huyện Bạch Thông",
                    [],
                ),
                (
                    "BT-UBND-PT",
                    K.COMMUNE_COMMITTEE,
                    "UBND thị trấn Phủ Thông",
                    [
                        (
                            "BT-TTHTCD-PT",
                            K.COMMUNITY_CENTRE,
                            "Trung tâm học tập cộng đồng thị trấn Phủ Thông",
                            [],
                        ),
                        ("BT-HKH-PT", K.STUDY_PROMOTION, "Hội Khuyến học thị trấn Phủ Thông", []),
                    ],
                ),
            ],
        ),
        ("BK-THPT-PT", K.UPPER_SECONDARY, "Trường THPT Phủ Thông", []),
    ],
)

_DONG_DA_WARDS = ["Láng Hạ", "Trung Liệt", "Ô Chợ Dừa", "Khương Thượng", "Văn Chương", "Phương Mai"]


def _ward(index: int, ward: str):
    code = f"DD-P{index:02d}"
    return (
        code,
        K.COMMUNE_COMMITTEE,
        f"UBND phường {ward}",
        [
            (
                f"{code}-TTHTCD",
                K.COMMUNITY_CENTRE,
                f"Trung tâm học tập cộng đồng phường {ward}",
                [],
            ),
            (f"{code}-HKH", K.STUDY_PROMOTION, f"Hội Khuyến học phường {ward}", []),
        ],
    )


HA_NOI = (
    "SO-HN",
    K.PROVINCIAL_DEPARTMENT,
    "Sở Giáo dục và Đào tạo thành phố Hà Nội",
    [
        (
            "PGD-DD",
            K.DISTRICT_OFFICE,
            "Phòng Giáo dục và Đào tạo quận Đống Đa",
            [
                (
                    "DD-TTVH",
                    K.CULTURE_CENTRE,
                    "Trung tâm Văn hóa Thông tin và Thể thao quận Đống Đa",
                    [],
                ),
                ("DD-HKH", K.STUDY_PROMOTION, "Hội Khuyến học quận Đống Đa", []),
                *[_ward(i, ward) for i, ward in enumerate(_DONG_DA_WARDS, start=1)],
                ("DD-TH-CL", K.PRIMARY, "Trường Tiểu học Cát Linh", []),
                ("DD-TH-KL", K.PRIMARY, "Trường Tiểu học Kim Liên", []),
                ("DD-TH-LT", K.PRIMARY, "Trường Tiểu học Láng Thượng", []),
                ("DD-MN-LT", K.KINDERGARTEN, "Trường Mầm non Láng Thượng", []),
                ("DD-MN-STEAME", K.KINDERGARTEN, "Trường Mầm non Steame Đống Đa", []),
                ("DD-MN-NTS", K.KINDERGARTEN, "Trường Mầm non Ngã Tư Sở", []),
                ("DD-THCS-NTT", K.LOWER_SECONDARY, "Trường THCS Nguyễn Trường Tộ", []),
                ("DD-THCS-LTK", K.LOWER_SECONDARY, "Trường THCS Lý Thường Kiệt", []),
                ("DD-THCS-TQ", K.LOWER_SECONDARY, "Trường THCS Thịnh Quang", []),
            ],
        ),
    ],
)

TREES = (BAC_KAN, HA_NOI)

CAMPAIGNS = (
    {
        "unit": "SO-BK",
        "name": "Tuần lễ hưởng ứng học tập suốt đời năm 2023",
        "year": 2023,
        "theme": "Xây dựng năng lực tự học trong kỷ nguyên số",
        "start_date": dt.date(2023, 10, 2),
        "end_date": dt.date(2023, 10, 8),
        "report_deadline": dt.date(2023, 10, 13),
        "slogans": "",
    },
    {
        "unit": "PGD-DD",
        "name": "Tuần lễ hưởng ứng học tập suốt đời năm 2024",
        "year": 2024,
        "theme": "Phát triển văn hóa đọc thúc đẩy học tập suốt đời",
        "start_date": dt.date(2024, 10, 1),
        "end_date": dt.date(2024, 10, 7),
        "report_deadline": dt.date(2024, 10, 7),
        "slogans": "\n".join(
            [
                "Học cho bản thân và những người xung quanh hạnh phúc.",
                "Học để có nghề nghiệp và lao động ngày càng hiệu quả.",
                "Học để trở thành người công dân tốt.",
                "Học tập suốt đời - chìa khóa của mọi thành công.",
                "Phát triển văn hóa đọc xây dựng thư viện văn minh, hiện đại.",
            ]
        ),
    },
)

#: The demo password, printed by `flask --app wsgi demo load`. Demo databases only.
DEMO_PASSWORD = "hoctapsuotdoi"

USERS = (
    ("admin@bachthong.demo", "Hoàng Văn Quản", "PGD-BT", Role.ADMIN),
    ("bantochuc@bachthong.demo", "Nông Thị Hoa", "PGD-BT", Role.ORGANISER),
    ("diemdanh@thcsphuthong.demo", "Lý Văn Minh", "BT-THCS-PT", Role.CHECKIN_STAFF),
    ("baocao@bachthong.demo", "Triệu Thị Lan", "PGD-BT", Role.REPORT_OFFICER),
    ("admin@sobackan.demo", "Ma Văn Sơn", "SO-BK", Role.ADMIN),
    ("admin@dongda.demo", "Nguyễn Thu Hà", "PGD-DD", Role.ADMIN),
    ("bantochuc@dongda.demo", "Trần Minh Đức", "PGD-DD", Role.ORGANISER),
    ("baocao@dongda.demo", "Lê Thị Thanh", "PGD-DD", Role.REPORT_OFFICER),
    ("diemdanh@dongda.demo", "Phan Văn Hùng", "PGD-DD", Role.CHECKIN_STAFF),
)

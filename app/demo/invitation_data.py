"""Demo invited list of the Bạch Thông 2023 opening ceremony (seed 004, "Thành phần tham dự").

Groups in the seed's order: (group, expected headcount, [(name, title, organisation, rank)]).
The roles are the seed's; the names other than the signer's are made up for the demo, and the
phone numbers are fictitious (0900 000 xxx).
"""

from __future__ import annotations

GROUPS = [
    ("Cấp huyện", None, [
        ("Hoàng Văn Thụ", "Phó Bí thư Thường trực Huyện ủy", "Huyện ủy Bạch Thông", 1),
        ("Đinh Thị Hạnh", "Phó Chủ tịch HĐND huyện", "HĐND huyện Bạch Thông", 2),
        ("Nguyễn Duy Luân", "Phó Chủ tịch UBND huyện", "UBND huyện Bạch Thông", 3),
        ("Lục Văn Bình", "Chủ tịch UB MTTQ huyện", "UB MTTQ huyện Bạch Thông", 4),
        ("Hà Thị Nguyệt", "Trưởng phòng", "Phòng Giáo dục và Đào tạo huyện", 5),
        ("Nông Văn Sáu", "Hiệu trưởng", "Trường THPT Phủ Thông", 8),
        ("Ma Thị Thu", "Giám đốc", "Trung tâm GDNN-GDTX huyện", 9),
        ("Triệu Văn Lộc", "Chủ tịch", "Hội Khuyến học huyện Bạch Thông", 6),
        ("Lường Văn Quý", "Trưởng Công an huyện", "Công an huyện Bạch Thông", 7),
    ]),
    ("Các cơ quan đóng trên địa bàn huyện", None, [
        ("Vi Thị Lan", "Giám đốc", "Kho Bạc Nhà nước huyện Bạch Thông", 20),
        ("Mông Văn Hải", "Giám đốc", "Ngân hàng Nông nghiệp và PTNT huyện", 21),
        ("Đàm Thị Hồng", "Chánh án", "Tòa án Nhân dân huyện", 22),
        ("Lý Văn Khánh", "Giám đốc", "Ngân hàng Chính sách Xã hội huyện", 23),
        ("Hoàng Thị Yến", "Giám đốc", "Bảo hiểm Xã hội huyện", 24),
        ("Nông Thị Mơ", "Giám đốc", "Bưu điện huyện", 25),
    ]),
    ("Cấp xã, thị trấn", None, [
        ("Dương Văn Tâm", "Bí thư Đảng ủy", "Đảng ủy thị trấn Phủ Thông", 30),
        ("Bế Thị Hoa", "Chủ tịch UBND", "UBND thị trấn Phủ Thông", 31),
        ("Lâm Văn Đức", "Chủ tịch", "Hội Khuyến học thị trấn Phủ Thông", 32),
    ]),
    ("Đại diện nhân dân thị trấn Phủ Thông", 10, []),
    ("Cán bộ, giáo viên, nhân viên và học sinh trường THCS Phủ Thông", 520, []),
    ("Các nhà hảo tâm trong và ngoài huyện", None, []),
]  # fmt: skip

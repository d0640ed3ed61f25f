"""Demo events built from the seeds.

- Seed 004 (Bạch Thông 2023): the district's opening ceremony at 7h30 on 02/10/2023 at
  Trường THCS Phủ Thông, with its 8-row program as printed (the 8h25-8h35 gap, row 8 with a
  start and no end are kept as they are).
- Seed 001 (Đống Đa 2024): the 16 rows of the week's schedule as printed (two rows numbered 5,
  the ceremony on 30/9, the day before the week starts).

Schedule rows: (TT, time, date, host unit code, co-host text, content, category label part).
"""

from __future__ import annotations

import datetime as dt

BACH_THONG_CEREMONY = {
    "unit": "PGD-BT",
    "title": "Lễ khai mạc Tuần lễ hưởng ứng học tập suốt đời năm 2023",
    "date": dt.date(2023, 10, 2),
    "start": dt.time(7, 30),
    "venue_name": "Trường THCS Phủ Thông",
    "venue_address": "Phố Nà Hải, thị trấn Phủ Thông, huyện Bạch Thông, tỉnh Bắc Kạn",
    "category": "Tổ chức Lễ khai mạc Tuần lễ",
    "expected_attendance": 600,
}

BACH_THONG_PROGRAM = [
    ("7h00", "7h30", "Đón tiếp đại biểu.", "Phòng GD&ĐT, Trường THCS Phủ Thông"),
    ("7h30", "8h00", "Văn nghệ chào mừng.", "Trường THCS Phủ Thông"),
    (
        "8h00",
        "8h10",
        "Chào cờ; tuyên bố lý do, giới thiệu đại biểu và thành phần tham dự.",
        "Lãnh đạo phòng GD&ĐT",
    ),
    (
        "8h10",
        "8h25",
        "Diễn văn khai mạc Tuần lễ hưởng ứng học tập suốt đời năm 2023",
        "Lãnh đạo UBND huyện.",
    ),
    (
        "8h35",
        "8h45",
        "Chia sẻ về gương điển hình trong học tập",
        "Đại diện học sinh trường THCS Phủ Thông",
    ),
    (
        "8h45",
        "9h00",
        "Phát biểu hưởng ứng và phát động quyên góp xây dựng Quỹ Khuyến học",
        "Thường trực Hội khuyến học huyện.",
    ),
    ("9h00", "9h30", "Bế mạc", "Lãnh đạo Phòng GD&ĐT"),
    (
        "9h30",
        None,
        "Tổ chức một hoặc một số hoạt động thiết thực hưởng ứng Tuần lễ như trao đổi sách, "
        "hướng dẫn đọc sách hiệu quả, hướng dẫn kỹ năng tìm kiếm và sử dụng thông tin trên mạng "
        "Internet một cách hữu ích, cách sử dụng sách điện tử ....",
        "",
    ),
]

#: Class headcounts of the host school and the residents' representatives on the morning.
BACH_THONG_HEADCOUNTS = [
    ("Lớp 6A", 35),
    ("Lớp 6B", 34),
    ("Lớp 7A", 36),
    ("Lớp 7B", 33),
    ("Lớp 8A", 32),
    ("Lớp 8B", 31),
    ("Lớp 9A", 30),
    ("Lớp 9B", 32),
    ("Cán bộ, giáo viên, nhân viên trường THCS Phủ Thông", 38),
    ("Đại diện nhân dân thị trấn Phủ Thông", 10),
]

#: Parents who came and checked in from the poster.
BACH_THONG_WALK_INS = [
    ("Hoàng Văn Tuấn", "Phụ huynh lớp 6A"),
    ("Nông Thị Thu", "Phụ huynh lớp 8B"),
]

_DEPLOY = "Triển khai “Tuần lễ hưởng ứng học tập suốt đời”"

DONG_DA_SCHEDULE = [
    ("1", "8h30", "30/9", "DD-TTVH", "",
     "Khai mạc “Tuần lễ hưởng ứng học tập suốt đời” năm 2024", "Tổ chức Lễ khai mạc"),
    ("2", "8h30", "01/10", "DD-P01-HKH", "Hội Cựu chiến binh phường Láng Hạ",
     f"{_DEPLOY}; Phát triển văn hoá đọc đẩy mạnh học tập suốt đời trong cán bộ hội viên Hội "
     "Khuyến học và Hội Cựu Chiến binh phường Láng Hạ”", "Sinh hoạt chuyên đề"),
    ("3", "8h15", "01/10", "DD-TH-CL", "",
     "Giáo dục địa phương cho học sinh khối 4", "Giáo dục kỹ năng sống"),
    ("4", "8h30", "2/10", "DD-P02-HKH", "TTHTCĐ phường Trung Liệt",
     f"Kỷ niệm 28 năm ngày thành lập Hội Khuyến học Việt nam; {_DEPLOY}; khen thưởng tập thể, "
     "cá nhân và học sinh tiêu biểu.", "Sinh hoạt chuyên đề"),
    ("5", "8h30", "02/10", "DD-MN-LT", "",
     "Ngày hội sách và giao lưu chia sẻ văn hóa đọc cho trẻ mầm non.", "Hội sách"),
    ("5", "8h30", "02/10", "DD-P03-HKH", "TTHTCĐ phường Ô Chợ Dừa",
     f"Kỷ niệm 28 năm ngày thành lập Hội Khuyến học Việt Nam; {_DEPLOY}; “Vai trò của văn hoá "
     "đọc tạo đà thúc đẩy việc học tập suốt đời”; Trao quà cho HS có hoàn cảnh khó khăn",
     "Sinh hoạt chuyên đề"),
    ("6", "8h30", "02/10", "DD-TH-KL", "",
     "Hoạt động trải nghiệm của học sinh khối 5", "Giáo dục kỹ năng sống"),
    ("7", "8h30", "02/10", "DD-P04-HKH", "TTHTCĐ phường Khương Thượng",
     f"{_DEPLOY}; Tập huấn sử dụng phần mềm đánh giá “Công dân học tập”",
     "Các lớp bồi dưỡng, tập huấn khác"),
    ("8", "14h30", "02/10", "DD-P05-HKH", "TTHTCĐ phường Văn Chương",
     f"{_DEPLOY}; Xây dựng văn hoá đọc thúc đẩy học tập suốt đời.", "Sinh hoạt chuyên đề"),
    ("9", "9h30", "03/10", "DD-THCS-NTT", "",
     "Vận dụng phương pháp dạy học tích cực phát triển kỹ năng đọc cho học sinh",
     "Bồi dưỡng thường xuyên cho giáo viên"),
    ("10", "8h30", "04/10", "DD-MN-STEAME", "",
     "Ứng dụng giáo dục Steam trong tổ chức các hoạt động cho trẻ.",
     "Bồi dưỡng thường xuyên cho giáo viên"),
    ("11", "8h15", "04/10", "DD-TH-LT", "",
     "Bồi dưỡng văn hóa đọc cho học sinh lớp 5 thông qua giờ học Tiếng Việt.",
     "Giáo dục kỹ năng sống"),
    ("12", "8h30", "04/10", "DD-THCS-LTK", "",
     "Khai thác các phần mềm thư viện thúc đẩy văn hóa đọc trong các trường học.",
     "Tổ chức hội thảo/sinh hoạt chuyên đề"),
    ("13", "8h15", "04/10", "DD-THCS-TQ", "",
     "Học tập và làm theo tư tưởng, đạo đức phong cách Hồ Chí Minh.", "Sinh hoạt chuyên đề"),
    ("14", "14h30", "04/10", "DD-P06-HKH", "TTHTCĐ phường Phương Mai",
     "“Phát triển Văn hoá đọc thúc đẩy học tập suốt đời”", "Sinh hoạt chuyên đề"),
    ("15", "8h30", "07/10", "DD-MN-NTS", "",
     "Sáng tạo từ đôi bàn tay bé trong việc làm đồ dùng đồ chơi bằng nguyên vật liệu tái chế.",
     "Hoạt động văn nghệ"),
]  # fmt: skip

DONG_DA_VENUES = {
    "DD-TTVH": ("Trung tâm Văn hóa Thông tin và Thể thao quận Đống Đa", "Số 22 phố Đặng Tiến Đông"),
}

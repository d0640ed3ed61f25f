"""The default statistics template: seed 002's "Mẫu tổng hợp số liệu kết quả tổ chức Tuần lễ"
(Sở GD&ĐT Bến Tre, 2022), every section and row as printed.

Each section is (number, label, unit of measure, source, is_category, rows); each row is
(label, unit of measure, source, is_category[, unit filter]).
"""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.reports.models import ReportRow, ReportTemplate, RowSource

H, S, E, U, T = (
    RowSource.HEADING,
    RowSource.SUM,
    RowSource.EVENTS,
    RowSource.OPENING_UNITS,
    RowSource.TYPED,
)

NAME = "Mẫu tổng hợp số liệu kết quả tổ chức Tuần lễ (Bến Tre 2022)"

SECTIONS = [
    ("1", "Các lớp bồi dưỡng, tập huấn tổ chức trong Tuần lễ", "", H, False, [
        ("Tổng số người tham gia, trong đó:", "", S, False),
        ("Bồi dưỡng nâng cao trình độ chuyên môn nghiệp vụ cho cán bộ, công chức, viên chức (các cấp)", "lớp/người", E, True),  # noqa: E501
        ("Bồi dưỡng nâng cao trình độ ngoại ngữ cho cán bộ, công chức, viên chức (các cấp)", "lớp/người", E, True),  # noqa: E501
        ("Bồi dưỡng nâng cao trình độ tin học cho cán bộ, công chức, viên chức (các cấp)", "lớp/người", E, True),  # noqa: E501
        ("Bồi dưỡng nâng cao tay nghề cho công nhân lao động", "lớp/người", E, True),
        ("Học nghề cho lao động nông thôn", "lớp/người", E, True),
        ("Nâng cao trình độ văn hóa cho cán bộ công chức cấp xã, người lao động trong các khu công nghiệp, khu chế xuất", "lớp/người", E, True),  # noqa: E501
        ("Giáo dục kỹ năng sống cho học sinh", "lớp/người", E, True),
        ("Phổ biến kiến thức khoa học, kiến thức pháp luật cho người lao động", "lớp/người", E, True),  # noqa: E501
        ("Bồi dưỡng thường xuyên cho giáo viên", "lớp/người", E, True),
        ("Bồi dưỡng, tập huấn cho cán bộ quản lý, báo cáo viên TTVH-TT và HTCD", "lớp/người", E, True),  # noqa: E501
        ("Phổ cập giáo dục tiểu học", "lớp/người", E, True),
        ("Phổ cập giáo dục THCS", "lớp/người", E, True),
        ("Xóa mù chữ", "lớp/người", E, True),
        ("Các lớp bồi dưỡng, tập huấn khác", "lớp/người", E, True),
    ]),
    ("2", "Số tin, bài về các hoạt động của Tuần lễ", "tin, bài", T, False, []),
    ("3", "Ấn phẩm thông tin (tờ rơi, áp phích, băng rôn, khẩu hiệu)", "quyển/tờ", T, False, []),
    ("4", "Phát động phong trào và tổ chức tuyên góp sách giúp xây dựng tủ sách lớp học, xây dựng thư viện trường học", "", H, False, [  # noqa: E501
        ("Số tập thể tặng sách", "tập thể", T, False),
        ("Số cá nhân tặng sách", "cá nhân", T, False),
        ("Số sách đã huy động tặng các trường học, thư viện", "quyển", T, False),
    ]),
    ("5", "Tổ chức các thi, các buổi tọa đàm về khuyến đọc, khuyến học và xây dựng xã hội học tập", "", H, False, [  # noqa: E501
        ("Hội sách, đường sách, phố sách", "số cuộc", E, True),
        ("Trung bày, triển lãm sách báo, tư liệu", "số cuộc", E, True),
        ("Thi tìm hiểu, học tập lịch sử, văn hóa địa phương tại các bảo tàng, di tích", "số cuộc/người", E, True),  # noqa: E501
        ("Thi về sách (thi xếp sách nghệ thuật, thi vẽ tranh theo sách, thi tìm hiểu kiến thức qua sách báo, thi thiêu nhi kể chuyện theo sách, thi viết cảm nhận qua việc đọc sách)", "số cuộc/người", E, True),  # noqa: E501
        ("Sinh hoạt chuyên đề học tập suốt đời, xây dựng xã hội học tập", "số cuộc/người", E, True),
        ("Các cuộc thi khác", "số cuộc/người", E, True),
    ]),
    ("6", "Tổ chức hoạt động văn nghệ, thể thao, tham quan, sinh hoạt chuyên đề", "", H, False, [
        ("Hoạt động thể dục thể thao", "số cuộc/người", E, True),
        ("Hoạt động văn nghệ", "số cuộc/người", E, True),
        ("Tham quan, học tập tại bảo tàng, di tích lịch sử", "số cuộc/người", E, True),
    ]),
    ("7", "Tổ chức Lễ khai mạc Tuần lễ", "", H, True, [
        ("Số huyện tổ chức Lễ khai mạc", "huyện", U, False, "district"),
        ("Số cơ sở giáo dục tổ chức Lễ khai mạc", "trường/trung tâm", U, False, "education"),
    ]),
    ("8", "Tổ chức hội thảo/sinh hoạt chuyên đề", "cuộc/người", E, True, []),
    ("9", "Khen thưởng về tổ chức Tuần lễ", "", H, False, [
        ("Tập thể", "đơn vị", T, False),
        ("Cá nhân", "người", T, False),
    ]),
    ("10", "Kinh phí", "", H, False, [
        ("Ngân sách nhà nước", "đồng", T, False),
        ("Kinh phí hỗ trợ, huy động từ các nguồn lợi pháp khác (nếu có)", "đồng", T, False),
    ]),
    ("11", "Các nội dung khác (nếu có)", "", T, False, []),
]  # fmt: skip


def build_default_template() -> ReportTemplate:
    """A new ReportTemplate holding seed 002's rows (not yet added to the session)."""
    template = ReportTemplate(name=NAME, is_default=True)
    position = 0
    for number, label, uom, source, is_category, rows in SECTIONS:
        position += 1
        section = ReportRow(
            position=position,
            number=number,
            label=label,
            unit_of_measure=uom,
            source=source,
            is_category=is_category,
        )
        template.rows.append(section)
        for row in rows:
            label, uom, source, is_category, *rest = row
            position += 1
            template.rows.append(
                ReportRow(
                    position=position,
                    number="",
                    label=label,
                    unit_of_measure=uom,
                    source=source,
                    is_category=is_category,
                    unit_filter=rest[0] if rest else None,
                    parent=section,
                )
            )
    return template


def default_template() -> ReportTemplate:
    """The default template, created on first use."""
    template = db.session.scalar(
        select(ReportTemplate).where(ReportTemplate.is_default).order_by(ReportTemplate.id)
    )
    if template is None:
        template = build_default_template()
        db.session.add(template)
        db.session.flush()
    return template

"""The results report as a document, for the three exports.

`report_document` reads a unit's report once (narrative, the statistics table, its status,
which units below it are counted) into a `ReportDoc`; the three writers turn that into bytes:
`write_xlsx` here (the table in the template's layout), `export_docx.write_docx` (the whole
report as Word) and `export_pdf.write_pdf` (the same as PDF). The writers are pure functions.

The files are official Vietnamese documents, so their fixed words are Vietnamese whatever the
interface language, as in the schedule's exports (app/schedule/exports.py). Cell text is data,
never interpreted: template labels and notes are typed by users, and a note "=SUM(…)" stays text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flask import current_app

from app.reports.deadlines import deadline_for, due_date
from app.reports.figures import ReportTable, TableRow, measure_key, report_table
from app.reports.models import NARRATIVE_FIELDS, Report, ReportStatus, RowSource
from app.reports.permissions import ReportContext
from app.reports.services import utcnow
from app.schedule.export_routes import header_for
from app.schedule.exports import DocHeader, clean
from app.units.models import EDUCATION_INSTITUTIONS, Unit, UnitKind

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# --- Fixed words (seed 002) --------------------------------------------------------------------

REPORT_TITLE = "BÁO CÁO"
STAT_TITLE = "MẪU TỔNG HỢP SỐ LIỆU KẾT QUẢ TỔ CHỨC TUẦN LỄ"
STAT_SUBTITLE = "(Kèm theo Báo cáo kết quả tổ chức Tuần lễ)"
PREVIEW_MARK = "(bản xem trước, gồm số liệu chưa gửi)"
HEAD_NUMBER = "STT"
HEAD_LABEL = "Các hoạt động"
HEAD_UOM = "Đơn vị"
HEAD_QUANTITY = "Số lượng"
HEAD_COUNT = "Số lớp/số cuộc thi"
HEAD_PERSONS = "Người"
HEAD_NOTE = "Ghi chú"
#: The outline's two parts and its numbered items, by narrative field (NARRATIVE_FIELDS).
PARTS = {"I": "TỔ CHỨC TRIỂN KHAI TUẦN LỄ", "II": "ĐÁNH GIÁ CHUNG"}
ITEM_HEADINGS = {
    "direction": "Công tác chỉ đạo, ban hành kế hoạch triển khai thực hiện",
    "activities": "Nội dung các hoạt động đã triển khai trong Tuần lễ",
    "budget_notes": "Kinh phí tổ chức Tuần lễ",
    "results": "Những kết quả đã đạt được",
    "lessons": "Bài học kinh nghiệm",
    "difficulties": "Khó khăn, tồn tại",
    "proposals": "Kiến nghị, đề xuất",
}
TABLE_ITEM = "Bảng tổng hợp số liệu các hoạt động tổ chức Tuần lễ (thống kê theo Mẫu tổng hợp)"
#: The narrative item under which the budget rows of the table are repeated, as seed 002 lists
#: "- Ngân sách nhà nước", "- Ngân sách hỗ trợ …" under "3. Kinh phí tổ chức Tuần lễ".
BUDGET_ITEM = "budget_notes"
BUDGET_MEASURE = "đồng"
RECIPIENTS_TITLE = "Nơi nhận:"
ARCHIVE = "Lưu: VT."
#: Who signs, by kind of unit, as the seeds' documents are signed (HIỆU TRƯỞNG, GIÁM ĐỐC …).
SIGNERS = {
    UnitKind.PROVINCIAL_DEPARTMENT: ("GIÁM ĐỐC",),
    UnitKind.DISTRICT_OFFICE: ("TRƯỞNG PHÒNG",),
    UnitKind.PROVINCIAL_COMMITTEE: ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
    UnitKind.DISTRICT_COMMITTEE: ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
    UnitKind.COMMUNE_COMMITTEE: ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
    UnitKind.STUDY_PROMOTION: ("CHỦ TỊCH",),
    UnitKind.COMMUNITY_CENTRE: ("GIÁM ĐỐC",),
    UnitKind.CONTINUING_EDUCATION: ("GIÁM ĐỐC",),
    UnitKind.CULTURE_CENTRE: ("GIÁM ĐỐC",),
}
SCHOOL_SIGNER = ("HIỆU TRƯỞNG",)
DEFAULT_SIGNER = ("THỦ TRƯỞNG ĐƠN VỊ",)
#: Where a derived figure comes from, said beside a figure typed over it.
ORIGINS = {
    (RowSource.EVENTS, "count"): "các hoạt động đã tổ chức",
    (RowSource.EVENTS, "persons"): "dữ liệu điểm danh",
    (RowSource.OPENING_UNITS, "count"): "các lễ khai mạc đã tổ chức",
    (RowSource.OPENING_UNITS, "persons"): "các lễ khai mạc đã tổ chức",
}
COLUMN_NAMES = {"count": "Số lớp/số cuộc", "persons": "Số người"}
UNIT_STATES = {
    None: "chưa lập báo cáo",
    ReportStatus.DRAFT: "bản nháp",
    ReportStatus.RETURNED: "bị trả lại để sửa",
    ReportStatus.SUBMITTED: "đã gửi",
    ReportStatus.ACCEPTED: "đã được tiếp nhận",
}


def vi_number(value: int | None) -> str:
    """1.250.000, as Vietnamese documents group digits; None is an empty cell."""
    return "" if value is None else f"{value:,}".replace(",", ".")


def vi_date_line(day: dt.date) -> str:
    """ "…, ngày 05 tháng 10 năm 2022": the place is left for the signer to write, and days
    below 10 and months 1 and 2 take a leading zero (Nghị định 30/2020/NĐ-CP)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"…………, ngày {day.day:02d} tháng {month} năm {day.year}"


# --- The document ------------------------------------------------------------------------------


@dataclass
class StatLine:
    """One row of the statistics table as printed."""

    number: str
    label: str
    unit_of_measure: str
    count: int | None
    persons: int | None
    level: int  #: 0 for a section, 1 for a row inside it
    note: str = ""  #: what the report officer typed in Ghi chú
    #: "Số liệu tính từ dữ liệu điểm danh: 38" on a figure typed over a derived one.
    count_origin: str = ""
    persons_origin: str = ""
    remarks: list[str] = field(default_factory=list)  #: the same, said in Ghi chú

    @property
    def note_text(self) -> str:
        """Ghi chú as printed: the officer's note, then what was typed over."""
        return "\n".join(part for part in (self.note, *self.remarks) if part)


@dataclass
class OutlineItem:
    number: int
    heading: str
    paragraphs: list[str]  #: empty: the section prints as an empty line
    #: Lines printed under the heading before the text ("- Ngân sách nhà nước: 1.500.000 đồng").
    lines: list[str] = field(default_factory=list)
    #: The statistics table goes here (II.5).
    is_table: bool = False


@dataclass
class OutlinePart:
    numeral: str
    heading: str
    items: list[OutlineItem]


@dataclass
class ReportDoc:
    header: DocHeader
    unit_name: str
    campaign_name: str
    #: "Kết quả tổ chức Tuần lễ hưởng ứng học tập suốt đời năm 2022".
    subject: str
    preview: bool
    lines: list[StatLine]
    outline: list[OutlinePart] = field(default_factory=list)
    #: Status, deadline and which units below are (not) counted, printed under the table.
    notes: list[str] = field(default_factory=list)
    #: Names of units below, listed under the last note, with their depth (1 = directly below).
    listed_units: list[tuple[str, int]] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    signer: tuple[str, ...] = DEFAULT_SIGNER

    @property
    def title(self) -> str:
        """The file's title, as document properties show it."""
        title = f"{REPORT_TITLE} {self.subject}"
        return f"{title} {PREVIEW_MARK}" if self.preview else title


def paragraphs_of(text: str) -> list[str]:
    """The narrative's paragraphs: one per line, blank lines only separate them."""
    lines = (line.strip() for line in clean(text).split("\n"))
    return [line for line in lines if line]


def _origin(source: RowSource, column: str, derived: int | None) -> str:
    where = ORIGINS.get((source, column), "dữ liệu của hệ thống")
    return f"Số liệu tính từ {where}: {vi_number(derived) or 'không có'}"


def stat_line(table_row: TableRow) -> StatLine:
    row = table_row.row
    line = StatLine(
        number=row.number,
        label=row.label,
        unit_of_measure=row.unit_of_measure,
        count=table_row.value.count,
        persons=table_row.value.persons,
        level=table_row.level,
        note=table_row.note,
    )
    derived = table_row.derived
    for column, overridden in (
        ("count", table_row.count_overridden),
        ("persons", table_row.persons_overridden),
    ):
        if not overridden or derived is None:
            continue
        origin = _origin(row.source, column, getattr(derived, column))
        setattr(line, f"{column}_origin", origin)
        line.remarks.append(f"{COLUMN_NAMES[column]} đã sửa. {origin}.")
    return line


def _signer(unit: Unit) -> tuple[str, ...]:
    if unit.kind in EDUCATION_INSTITUTIONS and unit.kind not in SIGNERS:
        return SCHOOL_SIGNER
    return SIGNERS.get(unit.kind, DEFAULT_SIGNER)


def _local(moment: dt.datetime) -> dt.datetime:
    """A stored UTC moment as the venues' wall-clock time."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return moment.replace(tzinfo=dt.UTC).astimezone(zone)


def _at(moment: dt.datetime) -> str:
    local = _local(moment)
    return f"{local.hour}h{local.minute:02d} ngày {local:%d/%m/%Y}"


def _status_note(report: Report | None) -> str:
    if report is None or report.status == ReportStatus.DRAFT:
        return "Tình trạng: bản nháp, chưa gửi."
    if report.status == ReportStatus.RETURNED:
        return "Tình trạng: bị trả lại để sửa, chưa gửi lại."
    text = "Tình trạng: đã gửi"
    if report.submitted_at:
        text += f" lúc {_at(report.submitted_at)}"
    if report.submitted_by is not None:
        text += f", người gửi: {report.submitted_by.name}"
    if report.status == ReportStatus.ACCEPTED:
        text += "; đã được đơn vị cấp trên tiếp nhận"
        if report.reviewed_at:
            text += f" ngày {_local(report.reviewed_at):%d/%m/%Y}"
    return text + "."


def _coverage_notes(table: ReportTable, report: Report | None) -> tuple[str, list]:
    """What the total leaves out (or, in the preview, which drafts it counts)."""
    if not table.units_below:
        return "", []
    if table.include_drafts:
        drafts = [u for u in table.units_below if u.counted == "draft"]
        if not drafts:
            return "Mọi đơn vị trực thuộc đã gửi báo cáo.", []
        return (
            "Bản xem trước: đã tính cả số liệu chưa gửi của các đơn vị sau:",
            [(f"{u.name} ({UNIT_STATES[u.status]})", u.depth) for u in drafts],
        )
    # A submitted report's figures were frozen then: a unit below that submitted later is
    # not in them.
    since = report.submitted_at if table.frozen and report is not None else None
    counted, left_out = 0, []
    for unit_status in table.units_below:
        if unit_status.counted != "submitted":
            state = UNIT_STATES[unit_status.status]
        elif since is not None and (unit_status.submitted_at or since) > since:
            state = "gửi sau khi báo cáo này đã gửi"
        else:
            counted += 1
            continue
        left_out.append((f"{unit_status.name} ({state})", unit_status.depth))
    text = f"Số liệu gồm báo cáo đã gửi của {counted} đơn vị trực thuộc."
    if not left_out:
        return text, []
    return text + " Chưa tính vào tổng số liệu của các đơn vị chưa gửi báo cáo:", left_out


def _outline(report: Report | None, lines: list[StatLine]) -> list[OutlinePart]:
    budget = [
        f"- {line.label}: {vi_number(line.count)} {BUDGET_MEASURE}"
        if line.count is not None
        else f"- {line.label}:"
        for line in lines
        if line.level == 1 and measure_key(line.unit_of_measure) == BUDGET_MEASURE
    ]
    parts: dict[str, OutlinePart] = {}
    for name, numeral, label in NARRATIVE_FIELDS:
        part = parts.setdefault(numeral, OutlinePart(numeral, PARTS.get(numeral, ""), []))
        part.items.append(
            OutlineItem(
                number=len(part.items) + 1,
                heading=ITEM_HEADINGS.get(name, str(label)),
                paragraphs=paragraphs_of(getattr(report, name, "") if report else ""),
                lines=budget if name == BUDGET_ITEM else [],
            )
        )
    last = parts.setdefault("II", OutlinePart("II", PARTS["II"], []))
    last.items.append(OutlineItem(len(last.items) + 1, TABLE_ITEM, [], is_table=True))
    return list(parts.values())


def report_document(context: ReportContext, *, include_drafts: bool = False) -> ReportDoc:
    """The unit's report as its files show it (frozen figures once submitted; with
    `include_drafts`, the preview counting the drafts of the units below)."""
    campaign, unit, report = context.campaign, context.unit, context.report
    table = report_table(campaign, unit, report, include_drafts=include_drafts)
    lines = [stat_line(table_row) for table_row in table.rows]

    header = header_for(unit)
    submitted = report is not None and report.status.is_locked and report.submitted_at
    moment = report.submitted_at if submitted else utcnow()
    header.place_and_date = vi_date_line(_local(moment).date())

    name = campaign.name.strip()
    if str(campaign.year) not in name:
        name = f"{name} năm {campaign.year}"
    notes = [_status_note(report)]
    deadline = deadline_for(campaign, report, due=due_date(campaign, unit))
    if deadline.date is not None:
        late = ""
        if deadline.late:
            late = " (gửi sau hạn)" if submitted else " (đã quá hạn)"
        notes.append(f"Hạn báo cáo: {deadline.date:%d/%m/%Y}{late}.")
    coverage, listed = _coverage_notes(table, report)
    if coverage:
        notes.append(coverage)
    recipients = [f"- {unit.parent.name} (để báo cáo);"] if unit.parent else []
    recipients.append(f"- {ARCHIVE}")
    return ReportDoc(
        header=header,
        unit_name=unit.name,
        campaign_name=name,
        subject=f"Kết quả tổ chức {name[:1].upper()}{name[1:]}",
        preview=table.include_drafts,
        lines=lines,
        outline=_outline(report, lines),
        notes=notes,
        listed_units=listed,
        recipients=recipients,
        signer=_signer(unit),
    )


def document_of(source: ReportContext | ReportDoc, include_drafts: bool) -> ReportDoc:
    if isinstance(source, ReportDoc):
        return source
    return report_document(source, include_drafts=include_drafts)

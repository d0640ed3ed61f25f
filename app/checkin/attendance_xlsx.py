"""An event's attendance list (DANH SÁCH NGƯỜI THAM DỰ) as an Excel workbook: it replaces the
paper sign-in sheet, so it prints on A4 with an empty "sign here" column.

`attendance_list` reads the database in a fixed number of statements whatever the number of
people; `attendance_workbook` turns that into bytes with openpyxl. Cell text is data, never
interpreted: a walk-in who types "=HYPERLINK(…)" as their name gets that text in the cell.

The sheet's words follow the interface language (Vietnamese by default), like the method and
participant labels it shows; the headcount figures come from `totals`, the function behind the
live dashboard, so the two always agree.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass, field

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import and_, select
from sqlalchemy.orm import joinedload

from app.checkin.models import CheckIn, Headcount
from app.checkin.services import Totals, totals, utcnow
from app.checkin.venue_forms import local
from app.extensions import db
from app.i18n import format_date, format_time, format_weekday
from app.invitations.models import Invitation, InviteeGroup
from app.schedule.models import Event

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FONT = "Times New Roman"
#: Text starting with these is a formula (or becomes one when edited) in spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@")
#: Columns of the check-in table: widths in characters (A4 landscape, fitted to the width).
WIDTHS = (6, 26, 22, 26, 20, 9, 14, 18, 16)
#: Printed rows leave room for a signature (points).
MIN_ROW_HEIGHT = 30
LINE_HEIGHT = 15.5
#: The headcount table and the totals: the label spans B:E, the figure sits in F.
LABEL_FIRST, LABEL_LAST, FIGURE_COLUMN = 2, 5, 6

THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", start_color="E7E6E6")
WRAP = Alignment(wrap_text=True, vertical="center")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)


@dataclass
class AttendanceRow:
    """One person on the sheet, as a reader of the paper sheet would know them."""

    name: str
    title: str
    organisation: str
    group: str
    arrived: str
    method: str
    recorded_by: str


@dataclass
class TallyRow:
    label: str
    count: int


@dataclass
class AttendanceList:
    parent_unit: str
    unit: str
    event_title: str
    when: str  #: "7h30-11h00, Thứ Hai, 02/10/2023"
    venue: str
    rows: list[AttendanceRow] = field(default_factory=list)
    tallies: list[TallyRow] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)
    exported_at: str = ""


def _when(event: Event) -> str:
    hours = format_time(event.start_time)
    if hours and event.end_time:
        hours += "-" + format_time(event.end_time)
    return ", ".join(
        part for part in (hours, format_weekday(event.date), format_date(event.date)) if part
    )


def _arrived(moment: dt.datetime, day: dt.date) -> str:
    """7h12, with the date when the person was checked in on another day than the event's."""
    wall = local(moment)
    text = format_time(wall)
    return text if wall.date() == day else f"{text} {format_date(wall)}"


def _group(checkin: CheckIn, invited: bool, group_name: str | None) -> str:
    if checkin.invitee_id is None:
        kind = checkin.participant_type
        return _("Walk-in guest (%(kind)s)", kind=kind.label) if kind else _("Walk-in guest")
    if group_name:
        return group_name
    return _("Without a group") if invited else ""


def attendance_list(event: Event) -> AttendanceList:
    """Who checked in (not undone), by arrival time, and the tallies that were not removed."""
    found = db.session.execute(
        select(CheckIn, Invitation.id, InviteeGroup.name)
        .select_from(CheckIn)
        .outerjoin(
            Invitation,
            and_(Invitation.invitee_id == CheckIn.invitee_id, Invitation.event_id == event.id),
        )
        .outerjoin(InviteeGroup, InviteeGroup.id == Invitation.group_id)
        .options(joinedload(CheckIn.invitee), joinedload(CheckIn.user), joinedload(CheckIn.link))
        .where(CheckIn.event_id == event.id, CheckIn.undone_at.is_(None))
        .order_by(CheckIn.checked_in_at, CheckIn.id)
    ).all()
    rows = []
    for checkin, invitation_id, group_name in found:
        invitee = checkin.invitee
        rows.append(
            AttendanceRow(
                name=invitee.full_name if invitee else checkin.full_name or "",
                title=invitee.title if invitee else "",
                organisation=invitee.organisation if invitee else checkin.organisation,
                group=_group(checkin, invitation_id is not None, group_name),
                arrived=_arrived(checkin.checked_in_at, event.date),
                method=checkin.method.label,
                recorded_by=checkin.who_checked,
            )
        )
    tallies = [
        TallyRow(headcount.label, headcount.count)
        for headcount in db.session.scalars(
            select(Headcount)
            .where(Headcount.event_id == event.id, Headcount.removed_at.is_(None))
            .order_by(Headcount.created_at, Headcount.id)
        )
    ]
    venue = event.venue_name
    if event.venue_address:
        venue = f"{venue} ({event.venue_address})" if venue else event.venue_address
    unit = event.unit
    wall = local(utcnow())
    return AttendanceList(
        parent_unit=unit.parent.name.upper() if unit.parent else "",
        unit=unit.name.upper(),
        event_title=event.title,
        when=_when(event),
        venue=venue,
        rows=rows,
        tallies=tallies,
        totals=totals(event),
        exported_at=f"{format_time(wall)} {format_date(wall)}",
    )


def filename(event: Event) -> str:
    return f"danh-sach-tham-du-{event.id}-{event.date.isoformat()}.xlsx"


# --- the workbook ------------------------------------------------------------------------


def _put(ws: Worksheet, row: int, column: int, value, *, bold=False, italic=False, size=12,
         align: Alignment = WRAP, border: bool = False):  # fmt: skip
    """Write a value; text is always stored as text, never as a formula."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = value
        if value.startswith(FORMULA_STARTS):
            cell.data_type = "s"
            cell.quotePrefix = True  # stays text when someone edits the cell in Excel
    else:
        cell.value = value
    cell.font = Font(name=FONT, size=size, bold=bold, italic=italic)
    cell.alignment = align
    if border:
        cell.border = BORDER
    return cell


def _merge(ws: Worksheet, row: int, first: int, last: int, *, border: bool = False) -> None:
    ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    if border:  # a merged range shows the borders of each of its cells
        for column in range(first, last + 1):
            ws.cell(row=row, column=column).border = BORDER


def _lines(text: str, width: float) -> int:
    """Roughly how many lines wrapped text takes in a column `width` characters wide."""
    return sum(max(1, math.ceil(len(part) / max(width - 1, 1))) for part in text.split("\n"))


def _heading(ws: Worksheet, data: AttendanceList) -> int:
    """The unit block, the title, the event and its time and venue; returns the next row."""
    last = len(WIDTHS)
    block = sum(WIDTHS[:4])
    row = 1
    if data.parent_unit:
        _put(ws, row, 1, data.parent_unit, align=CENTRE)
        _merge(ws, row, 1, 4)
        ws.row_dimensions[row].height = LINE_HEIGHT * _lines(data.parent_unit, block)
        row += 1
    _put(ws, row, 1, data.unit, bold=True, align=CENTRE)
    _merge(ws, row, 1, 4)
    ws.row_dimensions[row].height = LINE_HEIGHT * _lines(data.unit, block)
    row += 2
    _put(ws, row, 1, _("ATTENDANCE LIST"), bold=True, size=14, align=CENTRE)
    _merge(ws, row, 1, last)
    ws.row_dimensions[row].height = 21
    row += 1
    _put(ws, row, 1, data.event_title, bold=True, size=13, align=CENTRE)
    _merge(ws, row, 1, last)
    ws.row_dimensions[row].height = 17 * _lines(data.event_title, sum(WIDTHS) * 0.9)
    row += 1
    lines = [_("Time: %(when)s", when=data.when)]
    if data.venue:
        lines.append(_("Venue: %(venue)s", venue=data.venue))
    for text in lines:
        _put(ws, row, 1, text, align=CENTRE)
        _merge(ws, row, 1, last)
        ws.row_dimensions[row].height = LINE_HEIGHT * _lines(text, sum(WIDTHS))
        row += 1
    _put(
        ws,
        row,
        1,
        _("Exported at %(moment)s", moment=data.exported_at),
        italic=True,
        size=10,
        align=Alignment(horizontal="right"),
    )
    _merge(ws, row, 1, last)
    return row + 2


def _checkin_table(ws: Worksheet, data: AttendanceList, row: int) -> int:
    heads = (
        _("Serial no."),
        _("Full name"),
        _("Title or position"),
        _("Unit / organisation"),
        _("Invited group"),
        _("Arrived at"),
        _("Check-in method"),
        _("Recorded by"),
        _("Signature"),
    )
    for column, head in enumerate(heads, start=1):
        _put(ws, row, column, head, bold=True, align=CENTRE, border=True).fill = HEAD_FILL
    ws.row_dimensions[row].height = LINE_HEIGHT * max(
        _lines(head, width) for head, width in zip(heads, WIDTHS, strict=True)
    )
    ws.print_title_rows = f"{row}:{row}"  # repeated at the top of every printed page
    ws.freeze_panes = ws.cell(row=row + 1, column=1)
    row += 1
    if not data.rows:
        _put(ws, row, 1, _("No one has checked in."), italic=True, align=CENTRE, border=True)
        _merge(ws, row, 1, len(WIDTHS), border=True)
        return row + 1
    for number, person in enumerate(data.rows, start=1):
        values = (
            number,
            person.name,
            person.title,
            person.organisation,
            person.group,
            person.arrived,
            person.method,
            person.recorded_by,
            "",
        )
        for column, value in enumerate(values, start=1):
            centred = column in (1, 6)
            _put(ws, row, column, value, align=CENTRE if centred else WRAP, border=True)
        tallest = max(
            _lines(value, width)
            for value, width in zip(values, WIDTHS, strict=True)
            if isinstance(value, str)
        )
        ws.row_dimensions[row].height = max(MIN_ROW_HEIGHT, LINE_HEIGHT * tallest)
        row += 1
    return row


def _label_row(ws: Worksheet, row: int, label: str, figure, *, bold=False, number=None) -> None:
    label_width = sum(WIDTHS[LABEL_FIRST - 1 : LABEL_LAST])
    if number is not None:
        _put(ws, row, 1, number, bold=bold, align=CENTRE, border=True)
    _put(ws, row, LABEL_FIRST, label, bold=bold, border=True)
    _merge(ws, row, LABEL_FIRST, LABEL_LAST, border=True)
    _put(ws, row, FIGURE_COLUMN, figure, bold=bold, align=CENTRE, border=True)
    ws.row_dimensions[row].height = max(20, LINE_HEIGHT * _lines(label, label_width))


def _tallies_and_totals(ws: Worksheet, data: AttendanceList, row: int) -> int:
    _put(ws, row, 1, _("Counted in groups"), bold=True, size=13)
    _merge(ws, row, 1, len(WIDTHS))
    row += 1
    heads = (_("Serial no."), _("Who was counted"), _("Number of people"))
    for column, head in zip((1, LABEL_FIRST, FIGURE_COLUMN), heads, strict=True):
        _put(ws, row, column, head, bold=True, align=CENTRE, border=True).fill = HEAD_FILL
    _merge(ws, row, LABEL_FIRST, LABEL_LAST, border=True)
    ws.row_dimensions[row].height = LINE_HEIGHT * 2
    row += 1
    if not data.tallies:
        _put(ws, row, 1, "", border=True)
        _label_row(ws, row, _("No group was counted."), "")
        row += 1
    for number, tally in enumerate(data.tallies, start=1):
        _label_row(ws, row, tally.label, tally.count, number=number)
        row += 1
    row += 1
    _put(ws, row, 1, _("Totals"), bold=True, size=13)
    _merge(ws, row, 1, len(WIDTHS))
    row += 1
    figures = data.totals
    checked_in = figures.checked_in_invitees + figures.walk_ins
    for label, figure, bold in (
        (_("Persons checked in"), checked_in, False),
        (_("of whom walk-in guests"), figures.walk_ins, False),
        (_("Persons counted in groups"), figures.headcounts, False),
        (_("Total persons attending (checked in and counted)"), figures.persons, True),
    ):
        _label_row(ws, row, label, figure, bold=bold)
        row += 1
    return row


def attendance_workbook(data: AttendanceList) -> bytes:
    """The sign-in sheet as .xlsx: heading, check-ins, tallies, totals, ready for A4."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = _("Attendance list")[:31]
    workbook.properties.title = f"{_('ATTENDANCE LIST')} - {data.event_title}"[:250]
    workbook.properties.creator = data.unit[:250]
    for column, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    row = _heading(ws, data)
    row = _checkin_table(ws, data, row)
    _tallies_and_totals(ws, data, row + 1)

    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages as the list needs
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "&P / &N"
    ws.oddFooter.center.font = FONT
    ws.oddFooter.center.size = 10

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

"""What organisers print: invitation cards, name badges, the invitation letter, venue posters.

Pure functions from small dataclasses to bytes: no database, no request (the route layer fills
the dataclasses, and the QR codes' addresses, from the models). The documents are Vietnamese
whatever the UI language, on A4, set in the vendored DejaVu Serif (every precomposed Vietnamese
letter) through the schedule exports' font setup; the letter is a Word file built with the
schedule exports' helpers, so it has the same national heading block and program table.

Only names, titles, organisations and groups are printed: never a phone number or an e-mail.

Sheets of cards and badges are laid out for office printers and a paper cutter or scissors:

- Cards: 2 × 3 per page, 95 × 88 mm. The 8 cards of 105 × 74 mm an A4 sheet divides into leave
  no margin (office printers cannot print the outer 4-5 mm, so the cut marks would be lost) and,
  on 74 mm, no room for two events (opening and closing ceremony) beside a QR code that a phone
  reads from arm's length (≥ 25 mm). 95 × 88 mm cards keep 7-10 mm margins, a 6 mm gutter between
  cards for their corner marks, and fit a DL envelope.
- Badges: 2 × 5 per page, 90 × 54 mm, the business-card size that badge holders take. Rows touch
  (one cut separates two badges: 1,000 badges are 100 sheets to cut), columns have a 6 mm gutter;
  marks in the margins and the gutter extend every cut line.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm
from fpdf import FPDF

from app.invitations.qr import qr_png
from app.schedule.exports import (
    FONT_DIR,
    LABEL_TIME,
    LABEL_VENUE,
    PDF_FONT,
    PDF_FONT_FILES,
    PROGRAM_COLUMNS,
    PROGRAM_TITLE,
    DocHeader,
    ProgramDoc,
    program_body,
)
from app.schedule.exports_docx import (
    _docx_bytes,
    _docx_heading,
    _docx_paragraph,
    _docx_table,
    _new_docx,
)
from app.schedule.exports_pdf import _pdf_text

# Fixed words (Vietnamese in every UI language).
INVITATION = "GIẤY MỜI"
CORDIALLY_INVITE = "Trân trọng kính mời"
TO_ATTEND = "Tới dự:"
DEAR = "Kính gửi:"
ADDRESS = "Ông/Bà"
MORE_EVENTS = "và {count} sự kiện khác"
CARD_QR_HINT = "Quét mã để xem giấy mời và xác nhận tham dự"
POSTER_QR_HINT = "Quét mã để điểm danh"
SIGNER = "TM. BAN TỔ CHỨC"
RECIPIENTS = "Nơi nhận:"

A4_W, A4_H = 210.0, 297.0
PT = 25.4 / 72  # mm per point
INK = (0, 0, 0)
TITLE_RED = (165, 20, 20)
MARK_GREY = (90, 90, 90)
BAND_GREY = (225, 225, 225)
RULE_GREY = (170, 170, 170)
EVENT_GAP = 1.2  # mm before each event of a card
PROGRESS_EVERY = 50
#: Pixels per QR module in the embedded PNGs: sharp at 25-30 mm (≈ 400 dpi), small files.
QR_BOX = 6


@dataclass
class EventInfo:
    """An event as printables show it; the route layer writes the Vietnamese date and time."""

    title: str
    when: str  # "7h30-9h30, Thứ Hai, ngày 02/10/2023"
    venue: str = ""


@dataclass
class Card:
    """One invitation card: one person, the events they are invited to, their QR code."""

    header: DocHeader  # the inviting unit (and the unit above it)
    name: str
    title: str = ""
    organisation: str = ""
    events: list[EventInfo] = field(default_factory=list)
    #: The invitation page's address (the QR code); None while the token is revoked.
    url: str | None = None


@dataclass
class Badge:
    heading: str  # the event (or the campaign) the badge is worn at
    name: str
    title: str = ""
    organisation: str = ""
    group: str = ""
    url: str | None = None


@dataclass
class Letter:
    header: DocHeader
    #: The inviting unit as the sentence names it: "Phòng Giáo dục và Đào tạo huyện Bạch Thông".
    inviter: str
    name: str
    title: str = ""
    organisation: str = ""
    events: list[EventInfo] = field(default_factory=list)
    #: The run-sheets attached after the letter (events that have one).
    programs: list[ProgramDoc] = field(default_factory=list)
    url: str | None = None


@dataclass
class Poster:
    header: DocHeader
    campaign: str
    event: EventInfo
    #: The event's self check-in page (the QR code).
    url: str


Progress = Callable[[int, int], None]


# --- PDF building blocks ---------------------------------------------------------------------


def _new_pdf(title: str) -> FPDF:
    """A4 portrait with DejaVu Serif; no automatic page breaks (sheets place every box)."""
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    for style, filename in PDF_FONT_FILES.items():
        pdf.add_font(PDF_FONT, style, FONT_DIR / filename)
    pdf.set_margins(0, 0, 0)
    pdf.set_auto_page_break(False)
    pdf.c_margin = 0  # boxes are measured exactly
    pdf.set_title(_pdf_text(title))
    pdf.set_lang("vi")
    return pdf


@dataclass
class _Text:
    """Lines of text fitted to a width, ready to draw."""

    lines: list[str]
    style: str
    size: float
    leading: float = 1.22

    @property
    def line_height(self) -> float:
        return self.size * PT * self.leading

    @property
    def height(self) -> float:
        return len(self.lines) * self.line_height


def _fit(
    pdf: FPDF,
    text: str,
    width: float,
    style: str = "",
    size: float = 10,
    min_size: float | None = None,
    max_lines: int = 1,
) -> _Text:
    """Wrap `text` in `width`, shrinking it from `size` down to `min_size` until it takes at
    most `max_lines` lines; what still does not fit ends with "…"."""
    text = _pdf_text(text).strip()
    if not text:
        return _Text([], style, size)
    size, min_size = float(size), float(min_size or size)
    while True:
        pdf.set_font(PDF_FONT, style, size)
        lines = pdf.multi_cell(width, 1, text, dry_run=True, output="LINES", padding=0)
        if len(lines) <= max_lines or size <= min_size:
            break
        size = max(min_size, size - 0.5)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1].rstrip()
        while last and pdf.get_string_width(last + "…") > width:
            last = last[:-1].rstrip()
        lines[-1] = last + "…"
    return _Text(lines, style, size)


def _draw(pdf: FPDF, text: _Text, x: float, y: float, width: float, align: str = "C") -> float:
    """Draw fitted lines from the top `y`; returns the y below them."""
    pdf.set_font(PDF_FONT, text.style, text.size)
    for line in text.lines:
        pdf.set_xy(x, y)
        pdf.cell(width, text.line_height, line, align=align)
        y += text.line_height
    return y


def _qr(pdf: FPDF, url: str, x: float, y: float, size: float) -> None:
    # The PNG carries its own quiet zone (4 modules), so the square can touch other boxes.
    pdf.image(io.BytesIO(qr_png(url, box_size=QR_BOX)), x=x, y=y, w=size, h=size)


@dataclass(frozen=True)
class _Sheet:
    """A grid of equal boxes centred on A4, with cut marks at the boxes' corners."""

    cols: int
    rows: int
    width: float
    height: float
    gutter_x: float
    gutter_y: float
    mark_offset: float = 1.0  # marks stop short of the corner: a cut a hair off shows no line
    mark_length: float = 5.0

    @property
    def per_page(self) -> int:
        return self.cols * self.rows

    @property
    def margin_x(self) -> float:
        return (A4_W - self.cols * self.width - (self.cols - 1) * self.gutter_x) / 2

    @property
    def margin_y(self) -> float:
        return (A4_H - self.rows * self.height - (self.rows - 1) * self.gutter_y) / 2

    def origin(self, index: int) -> tuple[float, float]:
        """Top-left corner of the index-th box of a page."""
        col, row = index % self.cols, index // self.cols
        return (
            self.margin_x + col * (self.width + self.gutter_x),
            self.margin_y + row * (self.height + self.gutter_y),
        )

    def _reach(self, outer: bool, gutter: float, margin: float) -> float:
        """How long a mark may be: to the middle of a gutter (where the neighbour's mark
        continues it), or into the margin while staying in the printable area."""
        if outer:
            return min(self.mark_length, margin - self.mark_offset - 3)
        return gutter / 2 - self.mark_offset

    def cut_marks(self, pdf: FPDF, count: int) -> None:
        """Marks extending each placed box's edges outwards from its corners."""
        pdf.set_draw_color(*MARK_GREY)
        pdf.set_line_width(0.15)
        off = self.mark_offset
        for index in range(count):
            col, row = index % self.cols, index // self.cols
            x0, y0 = self.origin(index)
            for cx, dx, outer_x in ((x0, -1, col == 0), (x0 + self.width, 1, col == self.cols - 1)):
                for cy, dy, outer_y in (
                    (y0, -1, row == 0),
                    (y0 + self.height, 1, row == self.rows - 1),
                ):
                    reach = self._reach(outer_x, self.gutter_x, self.margin_x)
                    if reach > 0:
                        pdf.line(cx + dx * off, cy, cx + dx * (off + reach), cy)
                    reach = self._reach(outer_y, self.gutter_y, self.margin_y)
                    if reach > 0:
                        pdf.line(cx, cy + dy * off, cx, cy + dy * (off + reach))
        pdf.set_draw_color(*INK)

    def render(self, pdf: FPDF, items: list, draw, progress: Progress | None) -> None:
        total = len(items)
        for start in range(0, max(total, 1), self.per_page):
            pdf.add_page()
            page = items[start : start + self.per_page]
            self.cut_marks(pdf, len(page))
            for index, item in enumerate(page):
                draw(pdf, item, *self.origin(index))
                done = start + index + 1
                if progress and (done % PROGRESS_EVERY == 0 or done == total):
                    progress(done, total)


CARD_SHEET = _Sheet(cols=2, rows=3, width=95, height=88, gutter_x=6, gutter_y=6)
BADGE_SHEET = _Sheet(cols=2, rows=5, width=90, height=54, gutter_x=6, gutter_y=0)


# --- Invitation cards ------------------------------------------------------------------------


def _rule(pdf: FPDF, x: float, y: float, length: float, colour=INK, width: float = 0.25) -> None:
    pdf.set_draw_color(*colour)
    pdf.set_line_width(width)
    pdf.line(x, y, x + length, y)
    pdf.set_draw_color(*INK)


def _events_block(pdf: FPDF, events: list[EventInfo], width: float, room: float) -> list[_Text]:
    """The events' lines at the largest size (8.5 pt down to 6.5 pt) that fits `room`; events
    that still do not fit are counted on a last line ("và 2 sự kiện khác")."""
    size, shown = 8.5, len(events)
    while True:
        blocks = [_fit(pdf, TO_ATTEND, width, "B", size - 0.5)]
        for event in events[:shown]:
            blocks.append(_fit(pdf, event.title, width, "B", size, max_lines=3))
            blocks.append(_fit(pdf, event.when, width, "", size - 0.5, max_lines=2))
            blocks.append(_fit(pdf, event.venue, width, "I", size - 0.5, max_lines=2))
        if shown < len(events):
            more = MORE_EVENTS.format(count=len(events) - shown)
            blocks.append(_fit(pdf, more, width, "I", size - 0.5))
        if sum(b.height for b in blocks) + (shown + 1) * EVENT_GAP <= room or shown == 0:
            return blocks
        if size > 6.5:
            size -= 0.5
        else:
            shown -= 1


def _draw_card(pdf: FPDF, card: Card, x: float, y: float) -> None:
    pad = 5.0
    left, width = x + pad, CARD_SHEET.width - 2 * pad
    bottom = y + CARD_SHEET.height - pad
    top = y + pad
    if card.header.parent_unit:
        top = _draw(
            pdf, _fit(pdf, card.header.parent_unit.upper(), width, "", 7, 6), left, top, width
        )
    unit = _fit(pdf, card.header.unit.upper(), width, "B", 7, 6, max_lines=2)
    top = _draw(pdf, unit, left, top, width)
    rule = max((pdf.get_string_width(line) for line in unit.lines), default=0) / 3
    _rule(pdf, left + (width - rule) / 2, top + 0.8, rule)
    top += 3.0

    pdf.set_text_color(*TITLE_RED)
    top = _draw(pdf, _fit(pdf, INVITATION, width, "B", 15), left, top, width)
    pdf.set_text_color(*INK)
    top = _draw(pdf, _fit(pdf, CORDIALLY_INVITE, width, "I", 8.5), left, top + 0.5, width)
    top = _draw(pdf, _fit(pdf, card.name, width, "B", 15, 10, max_lines=2), left, top + 0.8, width)
    for text in (card.title, card.organisation):
        top = _draw(pdf, _fit(pdf, text, width, "", 8.5, 7.5, max_lines=2), left, top, width)
    top += 1.5
    _rule(pdf, left, top, width, RULE_GREY, 0.2)
    top += 2.0

    # Below: the events on the left, the QR code on the right, its hint under the events.
    room = bottom - top
    qr_size = min(30.0, room) if card.url else 0.0
    column = width - (qr_size + 3 if qr_size else 0)
    hint = (
        _fit(pdf, CARD_QR_HINT, column, "I", 7, 6.5, max_lines=2) if card.url else _Text([], "", 7)
    )
    events = _events_block(pdf, card.events, column, room - hint.height - 1.5)
    cursor = top
    for number, block in enumerate(events):
        if number and (number - 1) % 3 == 0:
            cursor += EVENT_GAP  # a little air before each event
        cursor = _draw(pdf, block, left, cursor, column, align="L")
    if card.url:
        _draw(pdf, hint, left, bottom - hint.height, column, align="L")
        _qr(pdf, card.url, left + width - qr_size, bottom - qr_size, qr_size)


def cards_pdf(cards: list[Card], progress: Progress | None = None) -> bytes:
    """Invitation cards, 6 per A4 page, with cut marks at every card's corners."""
    pdf = _new_pdf(INVITATION)
    CARD_SHEET.render(pdf, cards, _draw_card, progress)
    return bytes(pdf.output())


# --- Name badges -----------------------------------------------------------------------------


def _draw_badge(pdf: FPDF, badge: Badge, x: float, y: float) -> None:
    pad = 4.0
    left, width = x + pad, BADGE_SHEET.width - 2 * pad
    top, bottom = y + pad, y + BADGE_SHEET.height - pad
    heading = _fit(pdf, badge.heading.upper(), width, "B", 6.5, 5.5, max_lines=2)
    top = _draw(pdf, heading, left, top, width)
    _rule(pdf, left, top + 0.8, width, RULE_GREY, 0.2)
    top += 2.3

    if badge.group:  # a grey band along the bottom edge: the group is seen from afar
        band = 6.5
        bottom = y + BADGE_SHEET.height - band - 1.5
        pdf.set_fill_color(*BAND_GREY)
        pdf.rect(x + 1.5, bottom + 1.5 - 0.01, BADGE_SHEET.width - 3, band, style="F")
        group = _fit(pdf, badge.group.upper(), width, "B", 8, 6)
        _draw(pdf, group, left, bottom + 1.5 + (band - group.height) / 2, width)

    room = bottom - top
    qr_size = min(28.0, room) if badge.url else 0.0
    column = width - (qr_size + 2.5 if qr_size else 0)
    blocks = [
        _fit(pdf, badge.name, column, "B", 13, 9, max_lines=2),
        _fit(pdf, badge.title, column, "", 8, 7, max_lines=2),
        _fit(pdf, badge.organisation, column, "I", 8, 7, max_lines=2),
    ]
    gaps = 1.2 if blocks[1].lines or blocks[2].lines else 0
    cursor = top + max((room - sum(b.height for b in blocks) - gaps) / 2, 0)
    cursor = _draw(pdf, blocks[0], left, cursor, column, align="L") + gaps
    for block in blocks[1:]:
        cursor = _draw(pdf, block, left, cursor, column, align="L")
    if badge.url:
        _qr(pdf, badge.url, left + width - qr_size, top + (room - qr_size) / 2, qr_size)


def badges_pdf(badges: list[Badge], progress: Progress | None = None) -> bytes:
    """Name badges, 10 per A4 page; `progress(done, total)` every 50 badges and at the end."""
    pdf = _new_pdf("THẺ ĐẠI BIỂU")
    BADGE_SHEET.render(pdf, badges, _draw_badge, progress)
    return bytes(pdf.output())


# --- Venue poster ----------------------------------------------------------------------------


def poster_pdf(poster: Poster) -> bytes:
    """One A4 page for the venue: the event, and a big QR code to check in by oneself."""
    pdf = _new_pdf(poster.event.title)
    pdf.add_page()
    margin = 18.0
    left, width = margin, A4_W - 2 * margin
    pdf.set_line_width(0.8)
    pdf.rect(10, 10, A4_W - 20, A4_H - 20)
    pdf.set_line_width(0.25)
    pdf.rect(12, 12, A4_W - 24, A4_H - 24)

    top = 22.0
    if poster.header.parent_unit:
        top = _draw(
            pdf, _fit(pdf, poster.header.parent_unit.upper(), width, "", 11, 9), left, top, width
        )
    unit = _fit(pdf, poster.header.unit.upper(), width, "B", 11, 9, max_lines=2)
    top = _draw(pdf, unit, left, top, width)
    rule = max((pdf.get_string_width(line) for line in unit.lines), default=0) / 3
    _rule(pdf, (A4_W - rule) / 2, top + 1.2, rule, width=0.3)
    top += 6
    if poster.campaign:
        campaign = _fit(pdf, poster.campaign.upper(), width, "B", 13, 10, max_lines=2)
        top = _draw(pdf, campaign, left, top, width) + 3

    pdf.set_text_color(*TITLE_RED)
    title = _fit(pdf, poster.event.title, width, "B", 26, 16, max_lines=3)
    top = _draw(pdf, title, left, top, width) + 4
    pdf.set_text_color(*INK)
    top = _draw(
        pdf, _fit(pdf, poster.event.when, width, "B", 16, 12, max_lines=2), left, top, width
    )
    top = _draw(
        pdf, _fit(pdf, poster.event.venue, width, "", 14, 11, max_lines=2), left, top + 1, width
    )

    # The QR code (at most 130 mm) and the call to scan it, centred in what is left.
    call = _fit(pdf, POSTER_QR_HINT.upper(), width, "B", 26, 18)
    url = _fit(pdf, poster.url, width, "", 9, 7, max_lines=2)
    room = A4_H - 22 - top
    size = max(min(130.0, room - call.height - url.height - 16), 60.0)
    qr_top = top + max((room - size - call.height - url.height - 6) / 2, 4)
    _qr(pdf, poster.url, (A4_W - size) / 2, qr_top, size)
    top = _draw(pdf, call, left, qr_top + size + 4, width) + 2
    pdf.set_text_color(*MARK_GREY)
    _draw(pdf, url, left, top, width)
    pdf.set_text_color(*INK)
    return bytes(pdf.output())


# --- Invitation letter (Word) ----------------------------------------------------------------


def _borderless_table(document, widths_cm: tuple[float, ...]):
    table = document.add_table(rows=1, cols=len(widths_cm))  # default style: no borders
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for column, cell, width in zip(table.columns, table.rows[0].cells, widths_cm, strict=True):
        column.width = cell.width = Cm(width)
        cell.paragraphs[0]._p.getparent().remove(cell.paragraphs[0]._p)
    return table.rows[0].cells


def _body(document, parts, before: float = 6):
    """A paragraph of the letter's body: justified, its first line indented 1 cm."""
    paragraph = _docx_paragraph(document, parts, align=WD_ALIGN_PARAGRAPH.JUSTIFY, before=before)
    paragraph.paragraph_format.first_line_indent = Cm(1)
    return paragraph


def _event_lines(document, event: EventInfo, before: float) -> None:
    _body(document, [(LABEL_TIME + " ", True, False), (event.when, False, False)], before)
    if event.venue:
        _body(document, [(LABEL_VENUE + " ", True, False), (event.venue, False, False)], before)


def letter_docx(letter: Letter) -> bytes:
    """The invitation letter (GIẤY MỜI) with the person's QR code; the events' programs follow
    on their own pages."""
    document = _new_docx()
    _docx_heading(document, letter.header)
    _docx_paragraph(document, [(INVITATION, True, False)], size=14, before=18)
    subject = " và ".join(event.title for event in letter.events)
    if subject:
        _docx_paragraph(document, [("Dự " + subject, True, False)], size=13, before=2)

    person = ", ".join(part for part in (letter.title, letter.organisation) if part)
    addressee = f"{ADDRESS} {letter.name}" + (f", {person}" if person else "")
    _docx_paragraph(document, [(DEAR + " ", False, False), (addressee, True, False)], before=14)

    intro = f"{letter.inviter} {CORDIALLY_INVITE.lower()} {ADDRESS} đến dự"
    if len(letter.events) == 1:
        event = letter.events[0]
        _body(
            document, [(f"{intro} ", False, False), (event.title, True, False), (".", False, False)]
        )
        _event_lines(document, event, before=3)
    else:
        _body(document, [(f"{intro}:", False, False)])
        for event in letter.events:
            _body(document, [("- ", False, False), (event.title, True, False)])
            _event_lines(document, event, before=0)
    if letter.programs:
        _body(document, [("Chương trình kèm theo giấy mời này.", False, False)])

    if letter.url:
        qr_cell, text_cell = _borderless_table(document, (3.6, 13.4))
        picture = qr_cell.add_paragraph().add_run()
        picture.add_picture(io.BytesIO(qr_png(letter.url, box_size=QR_BOX)), width=Cm(3.2))
        _docx_paragraph(
            text_cell, [(CARD_QR_HINT + ":", False, True)], WD_ALIGN_PARAGRAPH.LEFT, before=24
        )
        _docx_paragraph(
            text_cell, [(letter.url, False, False)], WD_ALIGN_PARAGRAPH.LEFT, size=11, before=3
        )

    _body(document, [(f"Rất mong {ADDRESS} đến dự đúng giờ./.", False, False)])
    recipients, signer = _borderless_table(document, (8.5, 8.5))
    _docx_paragraph(
        recipients, [(RECIPIENTS, True, True)], WD_ALIGN_PARAGRAPH.LEFT, size=12, before=12
    )
    for line in ("- Như trên;", "- Lưu: VT."):
        _docx_paragraph(recipients, [(line, False, False)], WD_ALIGN_PARAGRAPH.LEFT, size=11)
    _docx_paragraph(signer, [(SIGNER, True, False)], before=12)

    for program in letter.programs:
        document.add_page_break()
        _docx_paragraph(document, [(PROGRAM_TITLE, True, False)], size=14)
        _docx_paragraph(document, [(program.subtitle, True, False)], size=14)
        note = f"(Kèm theo Giấy mời của {letter.inviter})"
        _docx_paragraph(document, [(note, False, True)], before=2)
        for label, value, before in (
            (LABEL_TIME, program.time_line, 12),
            (LABEL_VENUE, program.venue_line, 3),
        ):
            if value:
                parts = [(label + " ", True, False), (value, False, False)]
                _docx_paragraph(document, parts, align=WD_ALIGN_PARAGRAPH.JUSTIFY, before=before)
        document.add_paragraph()
        _docx_table(document, PROGRAM_COLUMNS, program_body(program))
    return _docx_bytes(document)

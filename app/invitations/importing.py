"""Importing invitees from the lists organisers keep: upload or paste → preview → confirm.

A workbook, a CSV file or rows pasted from Excel (Họ và tên, Chức vụ, Đơn vị, Nhóm, Điện thoại,
Email; optionally Thứ tự and Ghi chú, in any order, title rows above allowed) are read by
app.schedule.tables; `parse_invitees` finds the header row and makes a draft of each data row
with its problems (pure, no database). `plan_import` then looks at the event: people already
invited for the campaign, groups that exist. `import_invitees` writes what the user confirmed.

Errors keep a row out (no name, a phone or e-mail that cannot be used); warnings only point
something out. A person already invited to another event of the campaign is invited to this one
too (one QR code for the week), not added twice; one already invited to this event is skipped,
as is a row repeating an earlier row of the file: importing the same file twice invites nobody
twice.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.invitations.groups import groups_of, save_group
from app.invitations.models import Contact, Invitee, InviteeGroup
from app.invitations.services import (
    InvitationError,
    PersonData,
    fold_name,
    invite,
    invite_many,
    normalise_phone,
    save_contact,
)
from app.schedule.models import Event
from app.schedule.records import Problem, cell_text
from app.schedule.tables import (
    MAX_ROWS,
    ImportFileError,
    blank_row,
    blank_value,
    read_pasted,
    read_rows,
    too_many_rows,
)
from app.units.models import Unit

__all__ = [
    "ImportFileError",
    "InviteeDraft",
    "ImportCounts",
    "find_header",
    "import_invitees",
    "load_invitees",
    "new_group_names",
    "parse_invitees",
    "paste_invitees",
    "plan_import",
]

UPLOAD_KIND = "invitees"

# (key, label as the lists write it, header texts folded by services.fold_name)
_COLUMNS = (
    (
        "full_name",
        "Họ và tên",
        ("ho va ten", "ho ten", "ho dem va ten", "ten", "full name", "name"),
    ),
    ("title", "Chức vụ", ("chuc vu", "chuc danh", "title", "position")),
    ("organisation", "Đơn vị", ("don vi", "co quan", "noi cong tac", "organisation")),
    ("group", "Nhóm", ("nhom", "thanh phan", "group")),
    ("phone", "Điện thoại", ("dien thoai", "so dien thoai", "sdt", "dt", "phone", "mobile")),
    ("email", "Email", ("email", "e mail", "thu dien tu", "mail")),
    ("rank", "Thứ tự", ("thu tu", "thu tu gioi thieu", "protocol rank", "rank")),
    ("notes", "Ghi chú", ("ghi chu", "notes", "note")),
    # Lists that split the name: "Họ (và tên đệm)" | "Tên".
    ("surname", "Họ", ("ho", "ho dem", "ho va dem", "ho va ten dem")),
)
_LABELS = {key: label for key, label, _names in _COLUMNS}
#: Names too short to be the start of a longer heading ("Tên đơn vị" is not a name column).
_EXACT_ONLY = {"ten", "name", "dt", "mail", "ho"}
_LONGEST_HEADING = 40
_LENGTHS = {
    "full_name": Invitee.__table__.c.full_name.type.length,
    "title": Invitee.__table__.c.title.type.length,
    "organisation": Invitee.__table__.c.organisation.type.length,
    "group": InviteeGroup.__table__.c.name.type.length,
    "email": Invitee.__table__.c.email.type.length,
}


@dataclass
class InviteeDraft:
    """One row of the list as read, and, once planned, what saving it will do."""

    line: int  #: 1-based row of the sheet or text
    full_name: str
    title: str = ""
    organisation: str = ""
    group_name: str = ""
    phone: str = ""  #: normalised ("0912345678") when readable, else as typed
    email: str = ""
    protocol_rank: int | None = None
    notes: str = ""
    problems: list[Problem] = field(default_factory=list)
    #: The same person as an earlier row of the file: not imported again.
    same_as_line: int | None = None
    # Set by plan_import:
    existing: Invitee | None = None  #: already invited for the campaign: invite them
    already_invited: bool = False  #: … to this very event: nothing to do
    group: InviteeGroup | None = None  #: the event's group of that name, if it exists

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    @property
    def skipped(self) -> bool:
        return self.same_as_line is not None or self.already_invited

    @property
    def new_group(self) -> bool:
        """The row's group is created on import (the event has no group of that name)."""
        return bool(self.group_name) and self.group is None and self.ok and not self.skipped

    def person(self) -> PersonData:
        return PersonData(
            full_name=self.full_name,
            title=self.title,
            organisation=self.organisation,
            phone=self.phone,
            email=self.email,
            protocol_rank=self.protocol_rank,
            notes=self.notes,
        )


# --- the header row -----------------------------------------------------------------------


def _match_header(row: list) -> dict[str, int]:
    """The columns a row names; an exact name wins over a heading that starts with one."""
    exact: dict[str, int] = {}
    prefix: dict[str, int] = {}
    for index, value in enumerate(row):
        if not isinstance(value, str):
            continue
        folded = fold_name(value)
        if not folded or len(folded) > _LONGEST_HEADING:
            continue
        key = next((key for key, _label, names in _COLUMNS if folded in names), None)
        if key is not None:
            exact.setdefault(key, index)
            continue
        key = next(
            (
                key
                for key, _label, names in _COLUMNS
                if any(folded.startswith(n + " ") for n in names if n not in _EXACT_ONLY)
            ),
            None,
        )
        if key is not None:
            prefix.setdefault(key, index)
    mapping = {**prefix, **exact}
    # One cell names one column.
    seen: set[int] = set()
    return {k: i for k, i in mapping.items() if not (i in seen or seen.add(i))}


def find_header(rows: list[list]) -> tuple[int, dict[str, int]]:
    """The header row's index and the column index of each field it names.

    "Họ và tên" over two columns (a merged heading; surname and given name below it, in two
    cells) gives a "given_name" column: the one after it, without a heading of its own.
    """
    best: tuple[int, dict[str, int]] | None = None
    for index, row in enumerate(rows):
        mapping = _match_header(row)
        if "full_name" in mapping and (
            len(mapping) >= 2 or sum(1 for v in row if not blank_value(v)) == 1
        ):
            after = mapping["full_name"] + 1
            if "surname" not in mapping and after < len(row) and blank_value(row[after]):
                mapping["given_name"] = after
            return index, mapping
        if len(mapping) >= 2 and (best is None or len(mapping) > len(best[1])):
            best = index, mapping
    if best is None:
        raise ImportFileError(
            _l(
                "No header row was found. The table needs a row with the column names %(columns)s.",
                columns=", ".join(label for _k, label, _n in _COLUMNS[:6]),
            )
        )
    raise ImportFileError(
        _l(
            "The header row (line %(line)d) lacks the column %(column)s.",
            line=best[0] + 1,
            column=_LABELS["full_name"],
        )
    )


def _has_header(rows: list[list]) -> bool:
    try:
        find_header(rows)
    except ImportFileError:
        return False
    return True


# --- rows to drafts -----------------------------------------------------------------------


def parse_invitees(rows: list[list]) -> list[InviteeDraft]:
    """A draft for each data row under the header, with what is wrong or odd about it."""
    header, mapping = find_header(rows)
    drafts = []
    for index in range(header + 1, len(rows)):
        row = rows[index]
        if blank_row(row):
            continue
        values = {key: row[i] if i < len(row) else None for key, i in mapping.items()}
        if all(blank_value(value) for value in values.values()):
            continue  # text only outside the table's columns
        drafts.append(_draft(index + 1, values))
    if not drafts:
        raise ImportFileError(
            _l("The table has no rows under its header (line %(line)d).", line=header + 1)
        )
    if len(drafts) > MAX_ROWS:
        raise too_many_rows(MAX_ROWS)
    _mark_repeated_rows(drafts)
    return drafts


def _phone_text(value) -> str:
    """Excel drops a phone's leading 0 when the cell holds a number (912345678)."""
    text = cell_text(value)
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    # 9 digits: a mobile (912 345 678); 10 from 2: a landline (209 3850 123).
    if numeric and (len(text) == 9 or (len(text) == 10 and text.startswith("2"))):
        text = "0" + text
    return text


def _draft(line: int, values: dict) -> InviteeDraft:
    text = {key: cell_text(values.get(key)) for key in [*_LABELS, "given_name"]}
    name = f"{text['surname']} {text['full_name']} {text['given_name']}"
    draft = InviteeDraft(
        line=line,
        full_name=" ".join(name.split()),
        title=text["title"],
        organisation=text["organisation"],
        group_name=" ".join(text["group"].split()),
        notes=text["notes"],
    )
    problems = draft.problems
    if not draft.full_name:
        problems.append(Problem("error", _l("The name (Họ và tên) is empty."), "full_name"))

    phone = _phone_text(values.get("phone"))
    try:
        draft.phone = normalise_phone(phone)
    except InvitationError as exc:
        draft.phone = phone
        problems.append(Problem("error", str(exc), "phone"))

    email = re.sub(r"^mailto:", "", text["email"], flags=re.IGNORECASE).strip().lower()
    draft.email = email
    if email:
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            problems.append(
                Problem(
                    "error",
                    _l("%(email)s is not an e-mail address.", email=_shown(email)),
                    "email",
                )
            )

    rank = text["rank"].rstrip(".")
    if rank:
        # ASCII digits only: "²" and "①" pass str.isdigit() and then fail int().
        if re.fullmatch(r"[0-9]{1,6}", rank) and 0 < int(rank) <= 100_000:
            draft.protocol_rank = int(rank)
        else:
            message = _l(
                "The order (Thứ tự) %(value)s is not a number: it was left out.",
                value=_shown(rank),
            )
            problems.append(Problem("warning", message, "protocol_rank"))

    for key, attribute in (
        ("full_name", "full_name"),
        ("title", "title"),
        ("organisation", "organisation"),
        ("group", "group_name"),
        ("email", "email"),
    ):
        length = len(getattr(draft, attribute))
        if length > _LENGTHS[key]:
            message = _l(
                "%(column)s is too long: %(length)d characters, at most %(limit)d.",
                column=_LABELS[key],
                length=length,
                limit=_LENGTHS[key],
            )
            problems.append(Problem("error", message, attribute))
    return draft


def _shown(text: str) -> str:
    """A cell quoted in a message: a pasted paragraph is cut."""
    return text if len(text) <= 40 else text[:39] + "…"


def _mark_repeated_rows(drafts: list[InviteeDraft]) -> None:
    """A row naming the same person as an earlier one (same phone, same e-mail, or same name
    and organisation, as services.find_duplicates decides) is imported once."""
    first: dict[tuple[str, str], int] = {}
    for draft in drafts:
        if not draft.ok:
            continue
        keys = [_name_key(draft), *_contact_keys(draft)]
        earlier = [first[key] for key in keys if key in first]
        if earlier:
            draft.same_as_line = min(earlier)
            message = _l(
                "The same person as line %(line)d (same phone, e-mail, or name and "
                "organisation): imported once, from that line.",
                line=draft.same_as_line,
            )
            draft.problems.append(Problem("warning", message))
            continue
        for key in keys:
            first.setdefault(key, draft.line)


# --- reading files and pasted text --------------------------------------------------------


def _with_separator(data: bytes, delimiter: str) -> bytes | None:
    """The text with Excel's "sep=" line in front, which tables.py honours."""
    hint = f"sep={delimiter}\n".encode()
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return hint + data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            return None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    return hint + data  # an ASCII line reads the same in UTF-8 and the Windows code pages


def load_invitees(filename: str, data: bytes) -> list[InviteeDraft]:
    """Drafts from an uploaded .xlsx or .csv file (or .docx, whose first table is read)."""
    rows = read_rows(filename, data)
    if not _has_header(rows) and not data.startswith(b"PK"):
        # A text file whose delimiter tables.py guessed wrong: it looks for a schedule's
        # header, and a title line above the table misleads its fallback. Try each one.
        for delimiter in ("\t", ";", ","):
            hinted = _with_separator(data, delimiter)
            if hinted is None:
                break
            retried = read_rows(filename, hinted, max_bytes=len(hinted))[1:]
            if _has_header(retried):
                rows = retried
                break
    return parse_invitees(rows)


def paste_invitees(text: str) -> list[InviteeDraft]:
    """Drafts from rows pasted from Excel or Word, header row included."""
    rows = read_pasted(text)
    if not _has_header(rows):
        for delimiter in ("\t", ";", ","):
            retried = read_pasted(f"sep={delimiter}\n{text}")[1:]
            if _has_header(retried):
                rows = retried
                break
    return parse_invitees(rows)


# --- against the database -----------------------------------------------------------------


def plan_import(event: Event, unit: Unit, drafts: list[InviteeDraft]) -> list[InviteeDraft]:
    """Find, for each valid row, the person already invited for the campaign and the group."""
    groups = {fold_name(group.name): group for group in groups_of(event)}
    invitees = _Index(
        db.session.scalars(
            select(Invitee)
            .options(selectinload(Invitee.invitations))
            .where(Invitee.unit_id == unit.id, Invitee.campaign_id == event.campaign_id)
        )
    )
    claimed: dict[int, int] = {}  # invitee id → the line that invites them
    for draft in drafts:
        draft.existing, draft.already_invited = None, False
        draft.group = groups.get(fold_name(draft.group_name)) if draft.group_name else None
        existing = invitees.first(draft) if draft.ok and draft.same_as_line is None else None
        if existing is None:
            continue
        if existing.id in claimed:
            draft.same_as_line = claimed[existing.id]
            message = _l(
                "The same person as line %(line)d (%(name)s, already invited): imported once, "
                "from that line.",
                line=draft.same_as_line,
                name=existing.full_name,
            )
        elif any(i.event_id == event.id for i in existing.invitations):
            draft.existing, draft.already_invited = existing, True
            message = _l(
                "%(name)s is already invited to this event: skipped.", name=existing.full_name
            )
        else:
            draft.existing = existing
            claimed[existing.id] = draft.line
            message = _l(
                "%(name)s is already invited to another event of the week: this event is "
                "added to their invitation (same QR code); their details are kept as they are.",
                name=existing.full_name,
            )
        draft.problems.append(Problem("warning", message))
    return drafts


def new_group_names(drafts: list[InviteeDraft]) -> list[str]:
    """The groups the import creates, each once, as first written."""
    names: dict[str, str] = {}
    for draft in drafts:
        if draft.new_group:
            names.setdefault(fold_name(draft.group_name), draft.group_name)
    return list(names.values())


def _name_key(person) -> tuple[str, str]:
    return ("name", f"{fold_name(person.full_name)}|{fold_name(person.organisation)}")


def _contact_keys(person) -> list[tuple[str, str]]:
    keys = []
    if person.phone:
        keys.append(("phone", person.phone))
    if person.email:
        keys.append(("email", person.email.strip().lower()))
    return keys


class _Index:
    """People (invitees or contacts) by what services.find_duplicates compares: the same phone,
    the same e-mail, or the same name at the same organisation. Its rule, applied to a list
    read once: calling it for each row scans the whole list each time (half a minute for a
    list of 1,000 people imported again for another event)."""

    def __init__(self, people) -> None:
        self._people: dict[tuple[str, str], list] = {}
        for person in sorted(people, key=lambda p: p.id):
            self.add(person)

    def add(self, person) -> None:
        for key in [*_contact_keys(person), _name_key(person)]:
            self._people.setdefault(key, []).append(person)

    def first(self, person):
        """The first duplicate find_duplicates would give: by phone or e-mail, else by name."""
        by_contact = [p for key in _contact_keys(person) for p in self._people.get(key, [])]
        if by_contact:
            return min(by_contact, key=lambda p: p.id)
        by_name = self._people.get(_name_key(person))
        return by_name[0] if by_name else None


@dataclass
class ImportCounts:
    new_people: int = 0  #: invitees created (and, unless known, added to the contact book)
    added: int = 0  #: people already invited to another event, now invited to this one too
    skipped: int = 0  #: repeated rows and people already invited to this event
    invalid: int = 0  #: rows with errors, left out
    new_groups: int = 0
    new_contacts: int = 0

    @property
    def imported(self) -> int:
        return self.new_people + self.added


def import_invitees(
    event: Event, unit: Unit, drafts: list[InviteeDraft], *, only_valid: bool
) -> ImportCounts:
    """Invite the people of planned drafts; the caller commits (one transaction)."""
    counts = ImportCounts()
    groups = {fold_name(group.name): group for group in groups_of(event)}
    contacts = _Index(db.session.scalars(select(Contact).where(Contact.unit_id == unit.id)))
    new_people = []  # invited together at the end: a few statements for the whole list
    for draft in drafts:
        if not draft.ok:
            if not only_valid:
                raise ValueError("import with errors")  # the route never lets this happen
            counts.invalid += 1
            continue
        if draft.skipped:
            counts.skipped += 1
            continue
        group = None
        if draft.group_name:
            key = fold_name(draft.group_name)
            group = groups.get(key)
            if group is None:
                group = groups[key] = save_group(None, event, draft.group_name, None)
                counts.new_groups += 1
        data = draft.person()
        if draft.existing is not None:
            invite(event, unit, data, group=group, invitee=draft.existing)
            counts.added += 1
            continue
        contact = contacts.first(draft)  # the entry already in the book, if any
        if contact is None:
            contact = save_contact(None, unit, data)
            contacts.add(contact)
            counts.new_contacts += 1
        new_people.append((data, group, contact))
        counts.new_people += 1
    invite_many(event, unit, new_people)
    return counts

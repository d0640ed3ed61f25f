"""Turning checked import drafts into events and run-sheet rows.

The parsing (files, pasted rows, problems per row) is in importing.py; this module decides
which unit hosts each imported event and writes what the user confirmed, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import PurePath

from sqlalchemy import delete

from app.extensions import db
from app.schedule.importing import ProgramDraft, ScheduleDraft
from app.schedule.models import Campaign, Event, EventKind, ImportUpload, ProgramItem
from app.schedule.services import ItemData, add_item
from app.units.models import Unit, User

UPLOAD_LIFETIME_HOURS = 24


def _fold(text: str) -> str:
    """Lower-case, without diacritics or punctuation: "TT VH TT & TT Quận" → "tt vh tt tt quan"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


# Words that name the kind of unit rather than the unit itself.
_KIND_WORDS = {"truong", "tieu", "hoc", "trung", "mam", "non", "thcs", "thpt", "th", "mn"}


def match_unit(text: str, units: list[Unit]) -> Unit | None:
    """The unit a schedule's "Đơn vị" cell names, if exactly one unit fits it.

    "Tiểu học Cát Linh" finds "Trường Tiểu học Cát Linh"; "Hội Khuyến học phối hợp với Hội
    Cựu chiến binh phường Láng Hạ" names two organisations and finds none (it is kept as the
    co-host text instead).
    """
    wanted = _fold(text)
    if not wanted:
        return None
    exact = [u for u in units if _fold(u.name) == wanted or u.code.lower() == wanted]
    if len(exact) == 1:
        return exact[0]
    contained = [u for u in units if wanted in _fold(u.name)]
    if len(contained) == 1:
        return contained[0]
    # Same distinctive words (the place name), ignoring words for the kind of school.
    words = set(wanted.split()) - _KIND_WORDS
    if not words:
        return None
    candidates = [u for u in units if words <= set(_fold(u.name).split())]
    return candidates[0] if len(candidates) == 1 else None


def kind_of(title: str) -> EventKind:
    folded = _fold(title)
    if "khai mac" in folded:
        return EventKind.OPENING
    if "tong ket" in folded or "be mac" in folded:
        return EventKind.CLOSING
    return EventKind.ACTIVITY


@dataclass
class PlannedEvent:
    draft: ScheduleDraft
    unit: Unit
    matched: bool  #: False: the unit cell named no unit; it is kept as the co-host text


def plan_schedule(drafts: list[ScheduleDraft], units: list[Unit], own: Unit) -> list[PlannedEvent]:
    planned = []
    for draft in drafts:
        unit = match_unit(draft.unit_text, units)
        planned.append(PlannedEvent(draft, unit or own, unit is not None))
    return planned


def import_schedule(campaign: Campaign, planned: list[PlannedEvent], *, only_valid: bool) -> int:
    """Create the events; returns how many. Rows with errors are skipped only when asked."""
    count = 0
    for plan in planned:
        draft = plan.draft
        if not draft.ok:
            if only_valid:
                continue
            raise ValueError("import with errors")  # the route never lets this happen
        db.session.add(
            Event(
                campaign=campaign,
                unit=plan.unit,
                kind=kind_of(draft.title),
                title=draft.title,
                co_host="" if plan.matched else draft.unit_text,
                date=draft.date,
                start_time=draft.start_time,
                end_time=draft.end_time,
                venue_name=draft.venue,
                notes=draft.notes,
                number=draft.number,
            )
        )
        count += 1
    db.session.flush()
    return count


def import_runsheet(event: Event, drafts: list[ProgramDraft], *, only_valid: bool, replace: bool):
    """Add the rows to the event's run-sheet (after its rows, or instead of them)."""
    if replace:
        for item in list(event.program):
            event.program.remove(item)
            db.session.delete(item)
        db.session.flush()
    count = 0
    for draft in drafts:
        if not draft.ok:
            if only_valid:
                continue
            raise ValueError("import with errors")
        add_item(
            event,
            ItemData(
                content=draft.content,
                start_time=draft.start_time,
                end_time=draft.end_time,
                performer=draft.performer,
            ),
        )
        count += 1
    return count


# --- uploads waiting for confirmation ----------------------------------------------------


_FILENAME_LENGTH = ImportUpload.__table__.c.filename.type.length


def _kept_name(filename: str) -> str:
    """The file's own name (no folders, no NUL), cut to fit its column, extension kept."""
    name = PurePath(filename.replace("\\", "/").replace("\x00", "")).name
    if len(name) <= _FILENAME_LENGTH:
        return name
    suffix = PurePath(name).suffix[:10]
    return name[: _FILENAME_LENGTH - len(suffix)] + suffix


def keep_upload(user: User, kind: str, target_id: int, filename: str, data, pasted) -> ImportUpload:
    """Store what was uploaded until the user confirms; forget stale uploads.

    PostgreSQL refuses NUL in text and names longer than the column: a pasted NUL goes (the
    rows are read without control characters anyway) and the name is cut."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    cutoff = now - dt.timedelta(hours=UPLOAD_LIFETIME_HOURS)
    db.session.execute(delete(ImportUpload).where(ImportUpload.created_at < cutoff))
    upload = ImportUpload(
        created_at=now,
        token=secrets.token_urlsafe(32),
        user_id=user.id,
        kind=kind,
        target_id=target_id,
        filename=_kept_name(filename),
        data=data,
        pasted=pasted.replace("\x00", "") if pasted else pasted,
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def forget_upload(upload: ImportUpload) -> None:
    db.session.delete(upload)


def item_rows(event: Event) -> list[ProgramItem]:
    return sorted(event.program, key=lambda i: i.position)

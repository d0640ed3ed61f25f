"""The run-sheet editor (CHƯƠNG TRÌNH) of an event.

Every change answers with the whole run-sheet partial (`schedule/_program.html`): numbering
and warnings depend on all rows, and a run-sheet is a few dozen rows at most.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from app.extensions import db
from app.htmx import FORM_ERROR_STATUS, retarget, wants_fragment
from app.schedule import rules
from app.schedule.blueprint import bp
from app.schedule.forms import ProgramItemForm, ShiftForm, time_range_text
from app.schedule.models import Event, ProgramItem
from app.schedule.permissions import can_edit_schedule, get_event_or_404
from app.schedule.services import (
    ItemData,
    ScheduleError,
    add_item,
    delete_item,
    move_item,
    reorder_items,
    shift_from,
    update_item,
)
from app.units.models import Unit


def get_item_or_404(item_id: int, need: str = "edit") -> ProgramItem:
    """A run-sheet row of an event the current user may `need`."""
    item = db.session.get(ProgramItem, item_id)
    if item is None:
        abort(404)
    get_event_or_404(item.event_id, need=need)
    return item


@dataclass(frozen=True)
class _DatedItem:
    """A run-sheet row with its event's date, as rules.performer_conflicts reads rows."""

    item: ProgramItem
    date: dt.date
    event_id: int
    performer: str
    start_time: dt.time | None
    end_time: dt.time | None

    @classmethod
    def of(cls, item: ProgramItem, date: dt.date) -> _DatedItem:
        return cls(item, date, item.event_id, item.performer, item.start_time, item.end_time)


def performer_clashes(event: Event, within: Unit) -> dict[int, list[ProgramItem]]:
    """For each run-sheet row of `event`, the rows its performer leads at an overlapping time in
    other events of the campaign on the same day hosted in `within`'s subtree (not archived).

    The other events' rows come in one query, each with its event (the hint prints its title).
    """
    if not any(item.performer.strip() and item.start_time for item in event.program):
        return {}
    others = db.session.scalars(
        select(ProgramItem)
        .join(ProgramItem.event)
        .join(Event.unit)
        .options(contains_eager(ProgramItem.event))
        .where(
            Event.campaign_id == event.campaign_id,
            Event.date == event.date,
            Event.id != event.id,
            Event.archived_at.is_(None),
            Unit.path.startswith(within.path, autoescape=True),
            ProgramItem.performer != "",
            ProgramItem.start_time.is_not(None),
        )
    ).all()
    if not others:
        return {}
    rows = [_DatedItem.of(item, event.date) for item in [*event.program, *others]]
    clashes: dict[int, list[ProgramItem]] = {}
    for first, second in rules.performer_conflicts(rows):
        for mine, other in ((first, second), (second, first)):
            if mine.event_id == event.id and other.event_id != event.id:
                clashes.setdefault(mine.item.id, []).append(other.item)
    for found in clashes.values():
        found.sort(key=lambda item: (item.start_time, item.event.title, item.id))
    return clashes


def program_context(event: Event, **extra) -> dict:
    items = sorted(event.program, key=lambda i: i.position)
    return {
        "event": event,
        "items": items,
        "program_warnings": rules.runsheet_warnings(items, event.start_time, event.end_time),
        "performer_clashes": performer_clashes(event, current_user.unit),
        "can_edit": can_edit_schedule(current_user),
        "new_form": extra.pop("new_form", None) or ProgramItemForm(formdata=None),
        "time_range_text": time_range_text,
        **extra,
    }


def _program(event: Event, status: int = 200, **extra):
    """The run-sheet partial for htmx; back to the event page otherwise."""
    if wants_fragment():
        # Row forms target their own row; the answer is the whole run-sheet.
        html = render_template("schedule/_program.html", **program_context(event, **extra))
        return retarget(html, "#program", status=status)
    return redirect(url_for("schedule.event", event_id=event.id), code=303)


def _item_data(form: ProgramItemForm) -> ItemData:
    start, end = form.time.parsed
    return ItemData(
        content=form.content.data, start_time=start, end_time=end, performer=form.performer.data
    )


@bp.post("/events/<int:event_id>/program")
@login_required
def program_add(event_id: int):
    """Add a row at the end of the run-sheet, or after the row given by `after`."""
    event = get_event_or_404(event_id, need="edit")
    after = None
    if request.args.get("after", type=int):
        after = get_item_or_404(request.args.get("after", type=int))
        if after.event_id != event.id:
            abort(404)
    form = ProgramItemForm()
    if form.validate_on_submit():
        try:
            add_item(event, _item_data(form), after=after)
        except ScheduleError as exc:
            db.session.rollback()
            form.time.errors.append(str(exc))
        else:
            db.session.commit()
            return _program(event)
    if after is not None:
        return render_template(
            "schedule/_program_insert.html", event=event, after=after, form=form
        ), FORM_ERROR_STATUS
    return _program(event, FORM_ERROR_STATUS, new_form=form)


@bp.get("/program/<int:item_id>/insert")
@login_required
def program_insert_form(item_id: int):
    """An empty row form right below this row."""
    item = get_item_or_404(item_id)
    return render_template(
        "schedule/_program_insert.html", event=item.event, after=item, form=ProgramItemForm()
    )


@bp.get("/program/<int:item_id>/edit")
@login_required
def program_edit(item_id: int):
    """One run-sheet row as an inline form."""
    item = get_item_or_404(item_id)
    form = ProgramItemForm(
        data={
            "time": time_range_text(item.start_time, item.end_time),
            "content": item.content,
            "performer": item.performer,
        }
    )
    return render_template("schedule/_program_edit.html", item=item, form=form)


@bp.post("/program/<int:item_id>")
@login_required
def program_update(item_id: int):
    """Save one run-sheet row."""
    item = get_item_or_404(item_id)
    form = ProgramItemForm()
    if form.validate_on_submit():
        try:
            update_item(item, _item_data(form))
        except ScheduleError as exc:
            db.session.rollback()
            item = get_item_or_404(item_id)
            form.time.errors.append(str(exc))
        else:
            db.session.commit()
            return _program(item.event)
    return render_template("schedule/_program_edit.html", item=item, form=form), FORM_ERROR_STATUS


@bp.get("/events/<int:event_id>/program")
@login_required
def program(event_id: int):
    """The run-sheet partial (cancels an inline edit)."""
    event = get_event_or_404(event_id)
    return render_template("schedule/_program.html", **program_context(event))


@bp.post("/program/<int:item_id>/delete")
@login_required
def program_delete(item_id: int):
    """Remove a row; the rows below move up."""
    item = get_item_or_404(item_id)
    event = item.event
    delete_item(item)
    db.session.commit()
    return _program(event)


@bp.post("/program/<int:item_id>/move/<direction>")
@login_required
def program_move(item_id: int, direction: str):
    """Move a row one place up or down."""
    if direction not in ("up", "down"):
        abort(404)
    item = get_item_or_404(item_id)
    move_item(item, -1 if direction == "up" else 1)
    db.session.commit()
    return _program(item.event)


@bp.post("/events/<int:event_id>/program/order")
@login_required
def program_order(event_id: int):
    """Save the order of rows after a drag and drop."""
    event = get_event_or_404(event_id, need="edit")
    try:
        ids = [int(value) for value in request.form.getlist("item")]
        reorder_items(event, ids)
    except (ValueError, ScheduleError) as exc:
        db.session.rollback()
        message = str(exc) if isinstance(exc, ScheduleError) else _("The order was not understood.")
        return _program(event, FORM_ERROR_STATUS, error=message)
    db.session.commit()
    return _program(event)


@bp.post("/program/<int:item_id>/shift")
@login_required
def program_shift(item_id: int):
    """Shift this row and the rows after it by N minutes."""
    item = get_item_or_404(item_id)
    form = ShiftForm()
    if form.validate_on_submit():
        try:
            count = shift_from(item, form.minutes.data)
        except ScheduleError as exc:
            db.session.rollback()
            return _program(item.event, FORM_ERROR_STATUS, error=str(exc))
        db.session.commit()
        message = _(
            "%(count)d rows shifted by %(minutes)d minutes.", count=count, minutes=form.minutes.data
        )
        return _program(item.event, message=message)
    errors = "; ".join(form.minutes.errors) or _("Type a number of minutes.")
    return _program(item.event, FORM_ERROR_STATUS, error=errors)

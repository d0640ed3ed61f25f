"""Staff pages around the check-in: the live dashboard and the master of ceremonies' page.

Both are for every role of the event's subtree (they show names, titles and organisations,
never phones or e-mails). An archived event has none of these live pages (404, as the
scanner); its attendance list (.xlsx) stays. The volunteers' links, the walk-in settings and
the code's display are in `link_routes`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import abort, make_response, render_template, request
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import and_, func, select

from app.checkin.blueprint import bp
from app.checkin.models import CheckIn
from app.checkin.services import arrivals_per_slot, totals, utcnow
from app.checkin.venue_forms import local
from app.extensions import db
from app.i18n import format_time
from app.invitations.groups import groups_of
from app.invitations.models import Invitation, Invitee, InviteeGroup
from app.schedule.models import Event
from app.schedule.permissions import get_event_or_404

SLOT_MINUTES = 5
#: More slots than this are drawn as they come, without the empty ones between them.
MAX_FILLED_SLOTS = 300
ALERT_MINUTES = 2
DEFAULT_ALERT_RANK = 10


# --- The live dashboard -------------------------------------------------------------------


def get_live_event_or_404(event_id: int, need: str = "see") -> Event:
    """The event (as `get_event_or_404`), unless it is archived: then 404."""
    event = get_event_or_404(event_id, need=need)
    if event.archived_at is not None:
        abort(404)
    return event


@dataclass
class GroupFigures:
    name: str
    invited: int
    checked_in: int
    expected_headcount: int | None = None
    #: A group deleted after its people checked in: out of the lists, still counted.
    archived: bool = False


def group_figures(event: Event, checked_in_invitees: int | None = None) -> list[GroupFigures]:
    """Invited and checked in per group, in one grouped query (plus the groups' names), so
    that the lines add up to the event's totals: archived groups are listed (marked), people
    without a group on a line of their own, and, given the event's count of invitees checked
    in, those no longer invited (taken off the list after checking in) on one more line."""
    live = and_(
        CheckIn.event_id == event.id,
        CheckIn.invitee_id == Invitation.invitee_id,
        CheckIn.undone_at.is_(None),
    )
    rows = db.session.execute(
        select(
            Invitation.group_id,
            InviteeGroup.name,
            InviteeGroup.expected_headcount,
            func.count(Invitation.id),
            func.count(CheckIn.id),
        )
        .select_from(Invitation)
        .outerjoin(InviteeGroup, InviteeGroup.id == Invitation.group_id)
        .outerjoin(CheckIn, live)
        .where(Invitation.event_id == event.id)
        .group_by(Invitation.group_id, InviteeGroup.name, InviteeGroup.expected_headcount)
    ).all()
    counts = {row[0]: row for row in rows}
    result = []
    for group in groups_of(event):
        row = counts.pop(group.id, None)
        invited, arrived = (row[3], row[4]) if row is not None else (0, 0)
        result.append(GroupFigures(group.name, invited, arrived, group.expected_headcount))
    without = counts.pop(None, None)
    # What is left are archived groups (groups_of leaves them out): their people still count.
    for _id, name, expected, invited, arrived in sorted(counts.values(), key=lambda r: r[0]):
        result.append(GroupFigures(name, invited, arrived, expected, archived=True))
    if without is not None:
        result.append(GroupFigures(_("Without a group"), without[3], without[4]))
    if checked_in_invitees is not None:
        gone = checked_in_invitees - sum(figures.checked_in for figures in result)
        if gone > 0:
            result.append(GroupFigures(_("No longer invited"), 0, gone))
    return result


@dataclass
class Bar:
    label: str
    count: int
    x: int
    y: int
    height: int
    show_label: bool


@dataclass
class Chart:
    bars: list[Bar]
    width: int
    height: int
    top: int  #: the highest count, written beside the axis
    base: int  #: y of the axis
    bar_width: int


def arrivals_chart(event: Event) -> Chart | None:
    """Arrivals per 5 minutes as bars, one per slot from the first arrival to the last."""
    slots = arrivals_per_slot(event, SLOT_MINUTES)
    if not slots:
        return None
    step = dt.timedelta(minutes=SLOT_MINUTES)
    first, last = slots[0][0], slots[-1][0]
    if (last - first) / step < MAX_FILLED_SLOTS:
        counts = dict(slots)
        starts = [first + i * step for i in range(int((last - first) / step) + 1)]
        slots = [(start, counts.get(start, 0)) for start in starts]
    bar_width, gap, plot, base = 12, 3, 120, 130
    top = max(count for _start, count in slots)
    # A label ("7h05") is about three bars wide: label every third bar at least.
    every = max(3, len(slots) // 8)
    bars = []
    for i, (start, count) in enumerate(slots):
        height = round(plot * count / top) if top else 0
        bars.append(
            Bar(
                label=format_time(local(start)),
                count=count,
                x=30 + i * (bar_width + gap),
                y=base - height,
                height=height,
                show_label=i % every == 0,
            )
        )
    width = 30 + len(slots) * (bar_width + gap) + 10
    return Chart(bars, width, base + 20, top, base, bar_width)


def numbers_context(event: Event) -> dict:
    figures = totals(event)
    return {
        "event": event,
        "totals": figures,
        "groups": group_figures(event, figures.checked_in_invitees),
        "chart": arrivals_chart(event),
        "updated": format_time(local(utcnow())),
    }


@bp.get("/events/<int:event_id>/dashboard")
@login_required
def dashboard(event_id: int):
    """The event's live attendance: totals, groups and arrivals, updating by themselves."""
    event = get_live_event_or_404(event_id)
    return render_template("checkin/dashboard.html", **numbers_context(event))


@bp.get("/events/<int:event_id>/dashboard/numbers")
@login_required
def dashboard_numbers(event_id: int):
    """The dashboard's figures alone, polled every few seconds."""
    event = get_live_event_or_404(event_id)
    return no_store(render_template("checkin/_dash_numbers.html", **numbers_context(event)))


# --- The master of ceremonies -------------------------------------------------------------


@dataclass
class Delegate:
    name: str
    title: str
    organisation: str
    group: str
    rank: int | None
    arrived_at: dt.datetime

    @property
    def arrived(self) -> str:
        return format_time(local(self.arrived_at))


def arrived_delegates(event: Event) -> list[Delegate]:
    """Invitees checked in (not undone), rank 1 first, no rank last, then by name."""
    rows = db.session.execute(
        select(
            Invitee.full_name,
            Invitee.title,
            Invitee.organisation,
            InviteeGroup.name,
            Invitee.protocol_rank,
            CheckIn.checked_in_at,
        )
        .select_from(CheckIn)
        .join(Invitee, Invitee.id == CheckIn.invitee_id)
        .outerjoin(
            Invitation, and_(Invitation.invitee_id == Invitee.id, Invitation.event_id == event.id)
        )
        .outerjoin(InviteeGroup, InviteeGroup.id == Invitation.group_id)
        .where(CheckIn.event_id == event.id, CheckIn.undone_at.is_(None))
        .order_by(Invitee.protocol_rank.is_(None), Invitee.protocol_rank, Invitee.full_name)
    )
    return [Delegate(*row) for row in rows]


def _alert_rank() -> int:
    rank = request.args.get("alert_rank", DEFAULT_ALERT_RANK, type=int)
    return min(max(rank, 1), 10_000)


def mc_context(event: Event) -> dict:
    delegates = arrived_delegates(event)
    alert_rank = _alert_rank()
    now = utcnow()
    since = now - dt.timedelta(minutes=ALERT_MINUTES)
    # A phone whose clock runs ahead must not keep a delegate "just arrived" for hours.
    until = now + dt.timedelta(minutes=1)
    alerts = sorted(
        (
            d
            for d in delegates
            if d.rank is not None and d.rank <= alert_rank and since <= d.arrived_at <= until
        ),
        key=lambda d: d.arrived_at,
        reverse=True,
    )
    return {"event": event, "delegates": delegates, "alerts": alerts, "alert_rank": alert_rank}


@bp.get("/events/<int:event_id>/mc")
@login_required
def mc(event_id: int):
    """The delegates who have arrived, in protocol order, for the master of ceremonies."""
    event = get_live_event_or_404(event_id)
    return render_template("checkin/mc.html", **mc_context(event))


@bp.get("/events/<int:event_id>/mc/list")
@login_required
def mc_list(event_id: int):
    """The MC page's list and arrival alerts alone, polled every few seconds."""
    event = get_live_event_or_404(event_id)
    return no_store(render_template("checkin/_mc_list.html", **mc_context(event)))


def no_store(body: str):
    """An answer never kept by the browser or a proxy (names, or a code valid for a minute)."""
    response = make_response(body)
    response.headers["Cache-Control"] = "private, no-store"
    return response

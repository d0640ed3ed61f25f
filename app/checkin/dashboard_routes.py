"""Staff pages around the check-in: the live dashboard, the master of ceremonies' page, the
volunteers' check-in links, the walk-in settings and the rotating code's display.

The dashboard and the MC page are for every role of the event's subtree (they show names,
titles and organisations, never phones or e-mails); links, settings and the code display are
for its organisers and administrators (403 for the other roles, 404 outside the subtree).
An archived event has none of these live pages (404, as the scanner); revoking a link of it
still works, and its attendance list (.xlsx) stays.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

from flask import abort, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import and_, func, select
from sqlalchemy.orm.attributes import flag_modified

from app.checkin import walkin_code
from app.checkin.blueprint import bp
from app.checkin.models import CheckIn, CheckinLink
from app.checkin.services import arrivals_per_slot, new_link_token, totals, utcnow
from app.checkin.venue_forms import LinkForm, WalkinSettingsForm, local, moment_text
from app.extensions import db
from app.htmx import FORM_ERROR_STATUS, wants_fragment
from app.i18n import format_time
from app.invitations.models import Invitation, Invitee, InviteeGroup
from app.invitations.print_routes import ensure_checkin_token
from app.invitations.qr import public_url, qr_svg
from app.invitations.services import groups_of
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
    return _no_store(render_template("checkin/_dash_numbers.html", **numbers_context(event)))


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
    return _no_store(render_template("checkin/_mc_list.html", **mc_context(event)))


# --- Volunteers' check-in links and the walk-in settings -----------------------------------

LINK_STATES = {
    "active": _l("Working"),
    "pending": _l("Not yet valid"),
    "expired": _l("Expired"),
    "revoked": _l("Revoked"),
}


def link_state(link: CheckinLink, now: dt.datetime) -> str:
    if link.revoked_at is not None:
        return "revoked"
    if now < link.valid_from:
        return "pending"
    if now >= link.valid_until:
        return "expired"
    return "active"


@dataclass
class LinkRow:
    link: CheckinLink
    state: str
    url: str
    qr: str  #: a data: URI of the QR code's SVG, "" when the link no longer works
    checkins: int
    valid_from: str
    valid_until: str

    @property
    def state_label(self) -> str:
        return str(LINK_STATES[self.state])


def svg_data_uri(data: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(data)).decode()


def link_rows(event: Event) -> list[LinkRow]:
    now = utcnow()
    links = db.session.scalars(
        select(CheckinLink)
        .where(CheckinLink.event_id == event.id)
        .order_by(CheckinLink.created_at.desc(), CheckinLink.id.desc())
    ).all()
    used = dict(
        db.session.execute(
            select(CheckIn.link_id, func.count(CheckIn.id))
            .where(
                CheckIn.event_id == event.id,
                CheckIn.link_id.is_not(None),
                CheckIn.undone_at.is_(None),
            )
            .group_by(CheckIn.link_id)
        ).all()
    )
    rows = []
    for link in links:
        state = link_state(link, now)
        url = public_url("venue.volunteer", token=link.token)
        working = state in ("active", "pending")
        rows.append(
            LinkRow(
                link,
                state,
                url if working else "",
                svg_data_uri(url) if working else "",
                used.get(link.id, 0),
                moment_text(link.valid_from),
                moment_text(link.valid_until),
            )
        )
    return rows


def links_context(event: Event, **extra) -> dict:
    settings = extra.pop("settings_form", None) or WalkinSettingsForm(
        formdata=None,
        require_code=event.walkin_code_required,
        walkins_per_device=event.walkins_per_device,
    )
    return {
        "event": event,
        "rows": link_rows(event),
        "form": extra.pop("form", None) or LinkForm(formdata=None, event=event),
        "settings_form": settings,
        **extra,
    }


def _links_answer(event: Event, status: int = 200, **extra):
    """The links section for htmx; the page otherwise (303 back to it after a change)."""
    if wants_fragment():
        return render_template(
            "checkin/_link_section.html", **links_context(event, **extra)
        ), status
    if status != 200:
        return render_template("checkin/links.html", **links_context(event, **extra)), status
    return redirect(url_for("checkin.links", event_id=event.id), code=303)


@bp.get("/events/<int:event_id>/links")
@login_required
def links(event_id: int):
    """The event's volunteer check-in links and walk-in settings."""
    event = get_live_event_or_404(event_id, need="edit")
    return render_template("checkin/links.html", **links_context(event))


@bp.post("/events/<int:event_id>/links")
@login_required
def link_create(event_id: int):
    """Hand out a new check-in link, working between the chosen times."""
    event = get_live_event_or_404(event_id, need="edit")
    form = LinkForm(event=event)
    if not form.validate():
        return _links_answer(event, FORM_ERROR_STATUS, form=form)
    db.session.add(
        CheckinLink(
            event_id=event.id,
            token=new_link_token(),
            label=" ".join(form.label.data.split()),
            valid_from=form.starts,
            valid_until=form.ends,
            created_by_id=current_user.id,
            created_at=utcnow(),
        )
    )
    db.session.commit()
    return _links_answer(event)


@bp.post("/links/<int:link_id>/revoke")
@login_required
def link_revoke(link_id: int):
    """Stop a check-in link at once; its check-ins stay."""
    link = db.session.get(CheckinLink, link_id)
    if link is None:
        abort(404)
    event = get_event_or_404(link.event_id, need="edit")
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        db.session.commit()
    return _links_answer(event)


@bp.post("/events/<int:event_id>/walkin-settings")
@login_required
def walkin_settings(event_id: int):
    """Whether walk-ins must type the venue's code, and how many may check in per phone."""
    event = get_live_event_or_404(event_id, need="edit")
    form = WalkinSettingsForm()
    if not form.validate():
        return _links_answer(event, FORM_ERROR_STATUS, settings_form=form)
    # Through the ORM, so the audit trail notes the change (old and new values); the time of
    # the schedule's last edit is written back as it was: this is not an edit of the schedule.
    event.walkin_code_required = form.require_code.data
    event.walkins_per_device = form.walkins_per_device.data
    flag_modified(event, "updated_at")
    if event.walkin_code_required:
        walkin_code.ensure_secret(event)
    db.session.commit()
    return _links_answer(event, saved=True)


# --- The code on the projector ------------------------------------------------------------


def code_context(event: Event) -> dict:
    return {"event": event, "code": walkin_code.current_code(event)}


@bp.get("/events/<int:event_id>/code")
@login_required
def code_display(event_id: int):
    """Full screen, for a projector at the venue: the walk-ins' code and the poster's QR."""
    event = get_live_event_or_404(event_id, need="edit")
    url = public_url("venue.self_checkin", token=ensure_checkin_token(event))
    context = code_context(event)
    db.session.commit()  # the code's secret, made on first use
    return _no_store(
        render_template(
            "checkin/code_display.html", poster_qr=svg_data_uri(url), url=url, **context
        )
    )


@bp.get("/events/<int:event_id>/code/current")
@login_required
def code_current(event_id: int):
    """The current code alone, polled by the display."""
    event = get_live_event_or_404(event_id, need="edit")
    context = code_context(event)
    db.session.commit()
    return _no_store(render_template("checkin/_dash_code.html", **context))


def _no_store(body: str):
    response = make_response(body)
    response.headers["Cache-Control"] = "private, no-store"
    return response

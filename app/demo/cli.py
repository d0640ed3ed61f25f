"""`flask --app wsgi demo load`: realistic demo data in an empty database."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.checkin.models import ParticipantType
from app.checkin.services import Actor, record_headcount, scan, to_utc, walk_in
from app.demo import data, invitation_data, report_data, schedule_data
from app.extensions import db
from app.invitations.groups import save_group
from app.invitations.models import Invitee
from app.invitations.services import PersonData, invite, save_contact
from app.reports.default_template import default_template
from app.schedule.models import Campaign, Event, EventKind
from app.schedule.services import ItemData, add_item
from app.schedule.timeparse import parse_date, parse_time
from app.units.models import Role, Unit
from app.units.services import UserData, create_unit, create_user, find_unit_by_code

demo_cli = AppGroup("demo", help="Demo data.")


def _add_tree(node, parent: Unit | None) -> int:
    code, kind, name, children = node
    unit = create_unit(name=name, kind=kind, code=code, parent=parent)
    return 1 + sum(_add_tree(child, unit) for child in children)


def load_demo() -> dict:
    """Create the demo units, campaigns and users; returns what was created."""
    units = sum(_add_tree(tree, None) for tree in data.TREES)
    template = default_template()
    campaigns = {}
    for campaign in data.CAMPAIGNS:
        fields = dict(campaign)
        unit = find_unit_by_code(fields.pop("unit"))
        campaigns[fields["year"]] = Campaign(unit=unit, report_template=template, **fields)
        db.session.add(campaigns[fields["year"]])
    events = _load_events(campaigns[2023], campaigns[2024], template)
    users = []
    for email, name, unit_code, role in data.USERS:
        unit = find_unit_by_code(unit_code)
        users.append(create_user(UserData(name, email, unit, role), data.DEMO_PASSWORD))
    staff = next(user for user in users if user.role is Role.CHECKIN_STAFF)
    ceremony = db.session.scalar(
        select(Event).where(Event.kind == EventKind.OPENING).order_by(Event.id)
    )
    _load_attendance(ceremony, staff)
    dong_da_staff = next(user for user in users if user.email == "diemdanh@dongda.demo")
    report_data.load_attendance(campaigns[2024], dong_da_staff)
    officers = {}
    for code, (email, name) in report_data.REPORT_OFFICERS.items():
        unit = find_unit_by_code(code)
        officers[code] = create_user(
            UserData(name, email, unit, Role.REPORT_OFFICER), data.DEMO_PASSWORD
        )
        users.append(officers[code])
    db.session.flush()
    report_data.load_reports(campaigns[2024], officers)
    db.session.commit()
    return {"units": units, "campaigns": len(data.CAMPAIGNS), "events": events, "users": users}


def _load_attendance(event: Event, staff) -> None:
    """The morning of the ceremony: most delegates scanned between 7h00 and 7h29, class
    headcounts of the host school, a few walk-ins."""
    db.session.flush()
    actor = Actor(user=staff, device_id="demo-phone-1")
    invitees = db.session.scalars(
        select(Invitee).where(Invitee.campaign_id == event.campaign_id).order_by(Invitee.id)
    ).all()
    start = dt.datetime.combine(event.date, dt.time(7, 0))
    for index, invitee in enumerate(invitees[:15]):
        at = to_utc(start + dt.timedelta(minutes=2 * index))
        scan(event, invitee.token, actor, at=at)
    for label, count in schedule_data.BACH_THONG_HEADCOUNTS:
        record_headcount(event, label, count, actor)
    for index, (name, organisation) in enumerate(schedule_data.BACH_THONG_WALK_INS):
        walk_in(
            event,
            full_name=name,
            organisation=organisation,
            participant_type=ParticipantType.PARENT,
            actor=Actor(device_id=f"demo-walk-in-{index}"),
            at=to_utc(start + dt.timedelta(minutes=10 + index)),
        )


def _load_invited(event: Event) -> None:
    """Seed 004's "Thành phần tham dự", with named delegates and headcounts."""
    db.session.flush()
    number = 0
    for name, headcount, people in invitation_data.GROUPS:
        group = save_group(None, event, name, headcount)
        for full_name, title, organisation, rank in people:
            number += 1
            person = PersonData(
                full_name, title, organisation, phone=f"0900000{number:03d}", protocol_rank=rank
            )
            contact = save_contact(None, event.unit, person)
            invite(event, event.unit, person, group=group, contact=contact)


def _category(template, label_part: str):
    return next(row for row in template.rows if row.is_category and label_part in row.label)


def _load_events(bach_thong: Campaign, dong_da: Campaign, template) -> int:
    """Seed 004's ceremony with its program, and seed 001's week schedule."""
    ceremony = dict(schedule_data.BACH_THONG_CEREMONY)
    event = Event(
        campaign=bach_thong,
        unit=find_unit_by_code(ceremony["unit"]),
        kind=EventKind.OPENING,
        title=ceremony["title"],
        date=ceremony["date"],
        start_time=ceremony["start"],
        venue_name=ceremony["venue_name"],
        venue_address=ceremony["venue_address"],
        report_row=_category(template, ceremony["category"]),
        expected_attendance=ceremony["expected_attendance"],
        number="1",
    )
    db.session.add(event)
    _load_invited(event)
    for start, end, content, performer in schedule_data.BACH_THONG_PROGRAM:
        item = ItemData(content, parse_time(start), parse_time(end) if end else None, performer)
        add_item(event, item)
    count = 1
    for number, time, day, unit_code, co_host, title, category in schedule_data.DONG_DA_SCHEDULE:
        venue = schedule_data.DONG_DA_VENUES.get(unit_code, ("", ""))
        db.session.add(
            Event(
                campaign=dong_da,
                unit=find_unit_by_code(unit_code),
                kind=EventKind.OPENING if "Khai mạc" in title else EventKind.ACTIVITY,
                title=title,
                co_host=co_host,
                date=parse_date(day, default_year=dong_da.year),
                start_time=parse_time(time),
                venue_name=venue[0],
                venue_address=venue[1],
                report_row=_category(template, category),
                number=number,
            )
        )
        count += 1
    db.session.flush()
    return count


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) when data exists.")
def load_command(if_empty: bool):
    """Fill an empty database with the demo units, campaigns and users."""
    if db.session.scalar(select(func.count()).select_from(Unit)):
        if if_empty:
            click.echo("The database already has data; demo not loaded again.")
            return
        raise click.ClickException("The database is not empty; demo data goes into an empty one.")
    result = load_demo()
    click.echo(
        f"Loaded {result['units']} units, {result['campaigns']} campaigns"
        f" and {result['events']} events."
    )
    click.echo(f"Demo accounts (password for all: {data.DEMO_PASSWORD}):")
    for user in result["users"]:
        click.echo(f"  {user.email:<30} {user.role.label:<22} {user.unit.name}")

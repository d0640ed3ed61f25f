"""Data for the benchmarks: a few objects through the app's own services, and the many rows
(invitees, check-ins, tallies, events) with bulk SQL (INSERT … SELECT generate_series), never
the ORM one by one.

Call these inside an app context of `bench.common.make_app`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import text

from app.extensions import db

#: The benchmark accounts' password (throw-away accounts in a throw-away database).
PASSWORD = "mat-khau-do-hieu-nang"  # noqa: S105


def token_of(n: int) -> str:
    """The QR token given to the n-th benchmark invitee (the SQL below makes the same)."""
    return f"bench{n:07d}{hashlib.md5(str(n).encode(), usedforsecurity=False).hexdigest()}"


#: The same token, made by PostgreSQL for invitee number `g`.
TOKEN_SQL = "'bench' || lpad(g::text, 7, '0') || md5(g::text)"  # noqa: S105


def local_today(app) -> dt.date:
    return dt.datetime.now(ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])).date()


@dataclass
class World:
    """The objects a benchmark refers to by id (ids survive the session)."""

    province_id: int
    unit_id: int
    campaign_id: int
    event_id: int
    group_id: int
    user_email: str
    user_id: int
    api_token: str


def basic_world(app, *, role=None) -> World:
    """A district office with a school, a campaign with today's opening ceremony at the school
    (check-in open all day), one invited group, and a check-in staff account with an API token."""
    from app.checkin.tokens import create_token
    from app.reports.default_template import default_template
    from app.schedule.models import Campaign, Event, EventKind
    from app.units.models import Role, UnitKind
    from app.units.services import UserData, create_unit, create_user

    today = local_today(app)
    province = create_unit(
        name="Sở GD&ĐT tỉnh Bắc Kạn",
        kind=UnitKind.PROVINCIAL_DEPARTMENT,
        code="BENCH-SO",
        parent=None,
    )
    db.session.flush()
    district = create_unit(
        name="Phòng GD&ĐT huyện Bạch Thông",
        kind=UnitKind.DISTRICT_OFFICE,
        code="BENCH-PGD",
        parent=province,
    )
    school = create_unit(
        name="Trường THCS thị trấn Phủ Thông",
        kind=UnitKind.LOWER_SECONDARY,
        code="BENCH-THCS",
        parent=district,
    )
    campaign = Campaign(
        unit=province,
        name=f"Tuần lễ hưởng ứng học tập suốt đời năm {today.year}",
        year=today.year,
        theme="Xây dựng năng lực tự học trong kỷ nguyên số",
        start_date=today - dt.timedelta(days=1),
        end_date=today + dt.timedelta(days=5),
        report_deadline=today + dt.timedelta(days=14),
        report_template=default_template(),
    )
    db.session.add(campaign)
    db.session.flush()
    opening_row = next(r for r in campaign.report_template.rows if "khai mạc" in r.label.lower())
    event = Event(
        campaign=campaign,
        unit=school,
        kind=EventKind.OPENING,
        title="Lễ khai mạc Tuần lễ hưởng ứng học tập suốt đời",
        date=today,
        start_time=dt.time(7, 30),
        venue_name="Sân trường THCS thị trấn Phủ Thông",
        report_row=opening_row,
        # Open from the day before, so a run at any hour of the day can check people in.
        checkin_opens_minutes=24 * 60,
    )
    db.session.add(event)
    db.session.flush()
    from app.invitations.models import InviteeGroup

    group = InviteeGroup(event=event, name="Đại biểu cấp huyện", position=1)
    db.session.add(group)
    user = create_user(
        UserData(
            name="Nguyễn Thị Điểm Danh",
            email="diemdanh@bench.example.vn",
            unit=school,
            role=role or Role.CHECKIN_STAFF,
            locale="vi",
            active=True,
        ),
        PASSWORD,
    )
    _row, api_token = create_token(user, "benchmark")
    db.session.commit()
    return World(
        province.id, school.id, campaign.id, event.id, group.id, user.email, user.id, api_token
    )


def bulk_invitees(
    *,
    campaign_id: int,
    unit_id: int,
    event_id: int,
    group_id: int | None = None,
    first: int,
    count: int,
    group_ids: list[int] | None = None,
) -> None:
    """Invitees number first … first+count-1 with tokens `token_of(n)`, invited to the event
    (in `group_id`, or spread over `group_ids` in turn)."""
    groups = group_ids or [group_id]
    db.session.execute(
        text(
            f"""
            INSERT INTO invitee (campaign_id, unit_id, full_name, title, organisation,
                                 protocol_rank, token, token_issued_at)
            SELECT :campaign, :unit,
                   (ARRAY['Nguyễn','Trần','Lê','Phạm','Hoàng','Vũ'])[1 + g % 6]
                     || ' Văn ' || (ARRAY['An','Bình','Chi','Dũng','Hà','Lan'])[1 + g % 7 % 6]
                     || ' ' || g,
                   'Giáo viên', 'Trường THCS số ' || (g % 40), NULLIF(g % 50, 0),
                   {TOKEN_SQL}, now() at time zone 'utc'
            FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS g
            """  # noqa: S608 (only TOKEN_SQL, a constant, is formatted in)
        ),
        {"campaign": campaign_id, "unit": unit_id, "first": first, "last": first + count - 1},
    )
    db.session.execute(
        text(
            f"""
            INSERT INTO invitation (invitee_id, event_id, group_id, rsvp)
            SELECT invitee.id, :event,
                   (CAST(:groups AS integer[]))[1 + g % cardinality(CAST(:groups AS integer[]))],
                   CAST((ARRAY['pending', 'yes', 'yes', 'no'])[1 + g % 4] AS rsvp)
            FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS g
            JOIN invitee ON invitee.token = {TOKEN_SQL}
            """  # noqa: S608 (only TOKEN_SQL, a constant, is formatted in)
        ),
        {"event": event_id, "groups": groups, "first": first, "last": first + count - 1},
    )
    db.session.commit()


def analyze() -> None:
    """Fresh planner statistics, as autovacuum would have them after a bulk load."""
    connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    with connection:
        connection.execute(text("VACUUM ANALYZE"))

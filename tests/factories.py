"""Builders for test data: each returns a callable that makes one committed object."""

from __future__ import annotations

import itertools

from app.units.models import Role, Unit, UnitKind, User
from app.units.services import UserData, create_unit, create_user


class Factories:
    def __init__(self, db, password: str):
        self.db = db
        self.password = password
        self._seq = itertools.count(1)

    def make_unit(
        self,
        parent: Unit | None = None,
        *,
        name: str | None = None,
        kind: UnitKind = UnitKind.LOWER_SECONDARY,
        code: str | None = None,
    ) -> Unit:
        n = next(self._seq)
        unit = create_unit(
            name=name or f"Trường THCS Số {n}",
            kind=kind,
            code=code or f"U{n:04d}",
            parent=parent,
        )
        self.db.session.commit()
        return unit

    def make_user(
        self,
        unit: Unit,
        role: Role = Role.ADMIN,
        *,
        name: str | None = None,
        email: str | None = None,
        locale: str = "vi",
        active: bool = True,
    ) -> User:
        n = next(self._seq)
        user = create_user(
            UserData(
                name=name or f"Nguyễn Văn {n}",
                email=email or f"user{n}@example.vn",
                unit=unit,
                role=role,
                locale=locale,
                active=active,
            ),
            self.password,
        )
        self.db.session.commit()
        return user

    def make_campaign(self, unit: Unit, **kw):
        import datetime as dt

        from app.reports.default_template import default_template
        from app.schedule.models import Campaign

        year = kw.pop("year", 2024)
        campaign = Campaign(
            unit=unit,
            name=kw.pop("name", f"Tuần lễ hưởng ứng học tập suốt đời năm {year}"),
            year=year,
            theme=kw.pop("theme", "Phát triển văn hóa đọc thúc đẩy học tập suốt đời"),
            start_date=kw.pop("start_date", dt.date(year, 10, 1)),
            end_date=kw.pop("end_date", dt.date(year, 10, 7)),
            report_deadline=kw.pop("report_deadline", dt.date(year, 10, 15)),
            report_template=default_template(),
            **kw,
        )
        self.db.session.add(campaign)
        self.db.session.commit()
        return campaign

    def make_event(self, campaign, unit: Unit, **kw):
        import datetime as dt

        from app.schedule.models import Event, EventKind

        event = Event(
            campaign=campaign,
            unit=unit,
            kind=kw.pop("kind", EventKind.ACTIVITY),
            title=kw.pop("title", f"Hoạt động số {next(self._seq)}"),
            date=kw.pop("date", campaign.start_date),
            start_time=kw.pop("start_time", dt.time(8, 30)),
            **kw,
        )
        self.db.session.add(event)
        self.db.session.commit()
        return event

    def make_todays_ceremony(
        self,
        people: list[str] | int,
        *,
        unit_name: str = "Phòng GD&ĐT huyện Bạch Thông",
        group_name: str = "Cấp huyện",
    ):
        """A district office's opening ceremony today (venue time), check-in open all day, in a
        week around today, with its delegates invited in one group: `people` is their names or
        how many ("Đại biểu số n"). Returns (office, event, invitees)."""
        import datetime as dt
        from zoneinfo import ZoneInfo

        from app.invitations.groups import save_group
        from app.invitations.services import PersonData, invite
        from app.schedule.models import EventKind

        office = self.make_unit(name=unit_name, kind=UnitKind.DISTRICT_OFFICE)
        today = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
        campaign = self.make_campaign(
            office,
            year=today.year,
            start_date=today - dt.timedelta(days=3),
            end_date=today + dt.timedelta(days=3),
        )
        event = self.make_event(
            campaign,
            office,
            kind=EventKind.OPENING,
            title="Lễ khai mạc Tuần lễ",
            date=today,
            start_time=dt.time(0, 30),
        )
        group = save_group(None, event, group_name, None)
        names = [f"Đại biểu số {n}" for n in range(people)] if isinstance(people, int) else people
        invitees = [
            invite(
                event, office, PersonData(name, phone="0912345678" if n == 0 else ""), group=group
            )
            for n, name in enumerate(names)
        ]
        self.db.session.commit()
        return office, event, invitees

    def make_item(self, event, content: str, start=None, end=None, performer: str = ""):
        from app.schedule.services import ItemData, add_item

        item = add_item(event, ItemData(content, start, end, performer))
        self.db.session.commit()
        return item

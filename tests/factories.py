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

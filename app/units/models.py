"""Units (đơn vị) as a tree, and the users who work for them."""

from __future__ import annotations

import datetime as dt
import enum

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db, enum_values


class UnitKind(enum.Enum):
    """The kinds of unit seen in the plans and reports."""

    PROVINCIAL_DEPARTMENT = "so_gddt"  # Sở GD&ĐT
    DISTRICT_OFFICE = "phong_gddt"  # Phòng GD&ĐT
    PROVINCIAL_COMMITTEE = "ubnd_tinh"  # UBND tỉnh / thành phố
    DISTRICT_COMMITTEE = "ubnd_huyen"  # UBND huyện / quận / thị xã
    COMMUNE_COMMITTEE = "ubnd_xa"  # UBND xã / phường / thị trấn
    STUDY_PROMOTION = "hoi_khuyen_hoc"  # Hội Khuyến học
    COMMUNITY_CENTRE = "tthtcd"  # Trung tâm học tập cộng đồng
    CONTINUING_EDUCATION = "tt_gdnn_gdtx"  # TT GDNN-GDTX
    KINDERGARTEN = "mn"  # Trường mầm non
    PRIMARY = "th"  # Trường tiểu học
    LOWER_SECONDARY = "thcs"  # Trường THCS
    UPPER_SECONDARY = "thpt"  # Trường THPT
    COMBINED_SCHOOL = "th_thcs"  # Trường TH&THCS, THCS&THPT
    CULTURE_CENTRE = "tt_van_hoa"  # Trung tâm Văn hóa Thông tin và Thể thao
    OTHER = "khac"

    @property
    def label(self) -> str:
        return str(UNIT_KIND_LABELS[self])

    @property
    def is_education_institution(self) -> bool:
        """Counts in "số cơ sở giáo dục tổ chức Lễ khai mạc"."""
        return self in EDUCATION_INSTITUTIONS


UNIT_KIND_LABELS = {
    UnitKind.PROVINCIAL_DEPARTMENT: _l("Provincial Department of Education and Training"),
    UnitKind.DISTRICT_OFFICE: _l("District Office of Education and Training"),
    UnitKind.PROVINCIAL_COMMITTEE: _l("Provincial People's Committee"),
    UnitKind.DISTRICT_COMMITTEE: _l("District People's Committee"),
    UnitKind.COMMUNE_COMMITTEE: _l("Commune / ward / town People's Committee"),
    UnitKind.STUDY_PROMOTION: _l("Study Promotion Association"),
    UnitKind.COMMUNITY_CENTRE: _l("Community learning centre"),
    UnitKind.CONTINUING_EDUCATION: _l("Vocational and continuing education centre"),
    UnitKind.KINDERGARTEN: _l("Kindergarten"),
    UnitKind.PRIMARY: _l("Primary school"),
    UnitKind.LOWER_SECONDARY: _l("Lower secondary school"),
    UnitKind.UPPER_SECONDARY: _l("Upper secondary school"),
    UnitKind.COMBINED_SCHOOL: _l("Multi-level school"),
    UnitKind.CULTURE_CENTRE: _l("Culture, information and sports centre"),
    UnitKind.OTHER: _l("Other"),
}

EDUCATION_INSTITUTIONS = frozenset(
    {
        UnitKind.COMMUNITY_CENTRE,
        UnitKind.CONTINUING_EDUCATION,
        UnitKind.KINDERGARTEN,
        UnitKind.PRIMARY,
        UnitKind.LOWER_SECONDARY,
        UnitKind.UPPER_SECONDARY,
        UnitKind.COMBINED_SCHOOL,
    }
)


class Role(enum.Enum):
    """What a user may do in their unit and every unit below it."""

    ADMIN = "admin"
    ORGANISER = "organiser"
    CHECKIN_STAFF = "checkin_staff"
    REPORT_OFFICER = "report_officer"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.ORGANISER: _l("Organiser"),
    Role.CHECKIN_STAFF: _l("Check-in staff"),
    Role.REPORT_OFFICER: _l("Report officer"),
}


class Unit(db.Model):
    """An organisation taking part in the week: a department, a committee, a school …"""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[UnitKind] = mapped_column(
        db.Enum(UnitKind, name="unit_kind", values_callable=enum_values, length=32)
    )
    #: Short code, unique across the whole tree (used by the CLI and imports), e.g. "PGD-BT".
    code: Mapped[str] = mapped_column(String(32), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    #: Materialised path of ids from the root, "/1/4/9/", so a subtree is one indexed prefix
    #: query instead of a recursive walk.
    path: Mapped[str] = mapped_column(String(512), index=True, default="")
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")
    users: Mapped[list[User]] = relationship(back_populates="unit")

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    def is_within(self, other: Unit) -> bool:
        """True when this unit is `other` or lies anywhere below it."""
        return self.path.startswith(other.path)

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this unit, itself included."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class User(UserMixin, db.Model):
    """A person who signs in: organiser, check-in staff, report officer or administrator."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: Stored lower-cased; unique.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    role: Mapped[Role] = mapped_column(
        db.Enum(Role, name="user_role", values_callable=enum_values, length=32)
    )
    #: Interface language chosen by the user ("vi" or "en").
    locale: Mapped[str] = mapped_column(String(8), default="vi", server_default="vi")
    #: Deactivated users cannot sign in; they are kept so the history stays readable.
    active: Mapped[bool] = mapped_column(default=True, server_default=db.true())
    #: Bumped on password change so every other session of the user ends.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    last_login_at: Mapped[dt.datetime | None]

    unit: Mapped[Unit] = relationship(back_populates="users")

    def set_password(self, password: str) -> None:
        # scrypt, a memory-hard algorithm (Werkzeug's default parameters unless configured).
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users.
        return bool(self.active)

    def get_id(self) -> str:
        # The session version makes a password change end the user's other sessions.
        return f"{self.id}:{self.session_version}"

    def can_manage(self, unit: Unit) -> bool:
        """Administrators manage their own unit and everything below it."""
        return self.role is Role.ADMIN and unit.is_within(self.unit)

    def can_see(self, unit: Unit) -> bool:
        """Every role sees its own unit and the units below, never a sibling or a parent."""
        return unit.is_within(self.unit)

    def __repr__(self) -> str:
        return f"<User {self.email}>"

"""Organisations, villages, meeting rooms and the people who use the portal."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.labels import Labelled
from portal.timeutil import UTCDateTime, utcnow


class OrgKind(Labelled):
    COURT = "court"
    JUDICIAL_BUREAU = "judicial_bureau"
    POLICE_STATION = "police_station"
    ECOLOGY_ENVIRONMENT = "ecology_environment"
    HOUSING_CONSTRUCTION = "housing_construction"
    TRAFFIC_POLICE = "traffic_police"
    WOMENS_FEDERATION = "womens_federation"
    EDUCATION = "education"
    LABOUR_ARBITRATION = "labour_arbitration"
    LABOUR_MEDIATION = "labour_mediation"
    QUALITY_SUPERVISION = "quality_supervision"
    NATURAL_RESOURCES = "natural_resources"
    HEALTH_SPORTS = "health_sports"
    LAWYER_OFFICE = "lawyer_office"
    VILLAGE_COMMITTEE = "village_committee"
    GOVERNANCE_CENTRE = "governance_centre"

    @property
    def is_head(self) -> bool:
        return self in HEAD_KINDS

    @property
    def is_sector(self) -> bool:
        return self in SECTOR_KINDS

    @property
    def is_mediation_body(self) -> bool:
        """Whether it counts as a sector mediation body of "3+N" (a labour-dispute
        arbitration commission arbitrates; the 劳动人事争议调解 organisation mediates)."""
        return self in MEDIATION_BODY_KINDS


LABELS = {
    OrgKind.COURT: _l("Court (people's tribunal)"),
    OrgKind.JUDICIAL_BUREAU: _l("Judicial bureau"),
    OrgKind.POLICE_STATION: _l("Police station"),
    OrgKind.ECOLOGY_ENVIRONMENT: _l("Ecology & environment"),
    OrgKind.HOUSING_CONSTRUCTION: _l("Housing & construction"),
    OrgKind.TRAFFIC_POLICE: _l("Traffic police"),
    OrgKind.WOMENS_FEDERATION: _l("Women's federation"),
    OrgKind.EDUCATION: _l("Education"),
    OrgKind.LABOUR_ARBITRATION: _l("Labour arbitration"),
    OrgKind.LABOUR_MEDIATION: _l("Labour and personnel dispute mediation"),
    OrgKind.QUALITY_SUPERVISION: _l("Quality supervision"),
    OrgKind.NATURAL_RESOURCES: _l("Natural resources"),
    OrgKind.HEALTH_SPORTS: _l("Health & sports"),
    OrgKind.LAWYER_OFFICE: _l("Resident-lawyer office"),
    OrgKind.VILLAGE_COMMITTEE: _l("Village/community committee"),
    OrgKind.GOVERNANCE_CENTRE: _l("Comprehensive-governance centre"),
}
HEAD_KINDS = frozenset({OrgKind.COURT, OrgKind.JUDICIAL_BUREAU, OrgKind.POLICE_STATION})
SECTOR_KINDS = frozenset({
    OrgKind.ECOLOGY_ENVIRONMENT, OrgKind.HOUSING_CONSTRUCTION, OrgKind.TRAFFIC_POLICE,
    OrgKind.WOMENS_FEDERATION, OrgKind.EDUCATION, OrgKind.LABOUR_ARBITRATION,
    OrgKind.QUALITY_SUPERVISION, OrgKind.NATURAL_RESOURCES, OrgKind.HEALTH_SPORTS,
    OrgKind.LABOUR_MEDIATION,
})
MEDIATION_BODY_KINDS = SECTOR_KINDS - {OrgKind.LABOUR_ARBITRATION}


class Role(Labelled):
    ADMIN = "admin"
    CONVENER = "convener"
    SECRETARY = "secretary"
    HEAD = "head"
    MEDIATOR = "mediator"
    LAWYER = "lawyer"
    GRID_WORKER = "grid_worker"
    COMMUNITY_POLICE = "community_police"
    OBSERVER = "observer"


LABELS |= {
    Role.ADMIN: _l("System admin"),
    Role.CONVENER: _l("Convener"),
    Role.SECRETARY: _l("Secretary"),
    Role.HEAD: _l("Head"),
    Role.MEDIATOR: _l("Mediator"),
    Role.LAWYER: _l("Lawyer"),
    Role.GRID_WORKER: _l("Grid worker"),
    Role.COMMUNITY_POLICE: _l("Community police"),
    Role.OBSERVER: _l("Observer"),
}


class Organisation(db.Model):
    """A body that takes part in conferences (参会单位): a head's body, a sector body, ..."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[OrgKind] = mapped_column(sa.Enum(OrgKind, native_enum=False, length=32))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    address: Mapped[str | None] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[User]] = relationship(back_populates="organisation")

    def __str__(self) -> str:
        return self.name


DEFAULT_WORKING_HOURS = _l("Monday to Friday 8:30–12:00, 14:30–18:00")


class Village(db.Model):
    """A village or community (村社区) with its police grid (警格) and community grid (网格)."""

    __tablename__ = "villages"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    police_grid: Mapped[str] = mapped_column(sa.String(80))
    community_grid: Mapped[str] = mapped_column(sa.String(80))
    grid_worker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    community_police_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resident_lawyer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # When residents find the officer and the grid worker of the village in, shown on the
    # doorplate page; empty: the usual office hours (DEFAULT_WORKING_HOURS).
    police_hours: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    grid_worker_hours: Mapped[str] = mapped_column(sa.String(120), default="",
                                                   server_default="")
    active: Mapped[bool] = mapped_column(default=True)

    grid_worker: Mapped[User | None] = relationship(foreign_keys=[grid_worker_id])
    community_police: Mapped[User | None] = relationship(foreign_keys=[community_police_id])
    resident_lawyer: Mapped[User | None] = relationship(foreign_keys=[resident_lawyer_id])

    def __str__(self) -> str:
        return self.name

    @property
    def working_hours(self) -> dict[str, str]:
        """The hours shown on the doorplate page, by role ("police", "grid_worker")."""
        return {"police": self.police_hours or str(DEFAULT_WORKING_HOURS),
                "grid_worker": self.grid_worker_hours or str(DEFAULT_WORKING_HOURS)}


class Room(db.Model):
    """A meeting room where conferences are held (e.g. 致和调解室)."""

    __tablename__ = "rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    location: Mapped[str] = mapped_column(sa.String(200))
    capacity: Mapped[int] = mapped_column(default=12)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Shanghai")
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.name


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (sa.UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(sa.Enum(Role, native_enum=False, length=32))


class User(UserMixin, db.Model):
    """A person with an account; belongs to exactly one organisation."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(40), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(80))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    title: Mapped[str | None] = mapped_column(sa.String(80))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    language: Mapped[str] = mapped_column(sa.String(8), default="zh_CN")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Shanghai")
    active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The sign-in before the current one, which is what "last sign-in" means to its owner.
    previous_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Changing it invalidates every session cookie issued before (password change, reset).
    session_token: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="members")
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    def __str__(self) -> str:
        return self.full_name

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    def set_roles(self, roles) -> None:
        wanted = set(roles)
        self.role_rows = [row for row in self.role_rows if row.role in wanted]
        for role in wanted - self.roles:
            self.role_rows.append(UserRole(role=role))

"""Disputes (矛盾纠纷), their parties, their timeline and their reference numbers."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.labels import Labelled
from portal.orgs.models import OrgKind, User, Village
from portal.timeutil import UTCDateTime, utcnow


class Category(Labelled):
    NEIGHBOUR = "neighbour"
    MARRIAGE_FAMILY = "marriage_family"
    LAND_FOREST = "land_forest"
    LABOUR_WAGES = "labour_wages"
    CONSTRUCTION_PROPERTY = "construction_property"
    TRAFFIC_ACCIDENT = "traffic_accident"
    ENVIRONMENTAL_POLLUTION = "environmental_pollution"
    CONSUMER_QUALITY = "consumer_quality"
    MEDICAL = "medical"
    EDUCATION_CAMPUS = "education_campus"
    DEBT_CONTRACT = "debt_contract"
    OTHER = "other"


class Subcategory(Labelled):
    """A finer kind of dispute within a category (细类), which may call for further sector
    bodies: a wage case on a construction site needs housing & construction beside labour
    arbitration."""

    CONSTRUCTION_SITE_WAGES = "construction_site_wages"
    WORK_INJURY = "work_injury"
    PROPERTY_MANAGEMENT = "property_management"
    HOUSE_QUALITY = "house_quality"
    HOMESTEAD = "homestead"
    LAND_CONTRACT = "land_contract"
    DOMESTIC_VIOLENCE = "domestic_violence"
    INHERITANCE = "inheritance"
    ADJOINING_BUILDINGS = "adjoining_buildings"

    @property
    def category(self) -> Category:
        return SUBCATEGORY_OF[self]


SUBCATEGORY_OF = {
    Subcategory.CONSTRUCTION_SITE_WAGES: Category.LABOUR_WAGES,
    Subcategory.WORK_INJURY: Category.LABOUR_WAGES,
    Subcategory.PROPERTY_MANAGEMENT: Category.CONSTRUCTION_PROPERTY,
    Subcategory.HOUSE_QUALITY: Category.CONSTRUCTION_PROPERTY,
    Subcategory.HOMESTEAD: Category.LAND_FOREST,
    Subcategory.LAND_CONTRACT: Category.LAND_FOREST,
    Subcategory.DOMESTIC_VIOLENCE: Category.MARRIAGE_FAMILY,
    Subcategory.INHERITANCE: Category.MARRIAGE_FAMILY,
    Subcategory.ADJOINING_BUILDINGS: Category.NEIGHBOUR,
}


def subcategories_of(category: Category) -> list[Subcategory]:
    return [s for s in Subcategory if SUBCATEGORY_OF[s] is category]


class Status(Labelled):
    REPORTED = "reported"
    HANDLING = "handling"
    ESCALATED = "escalated"
    IN_CONFERENCE = "in_conference"
    RESOLVED = "resolved"
    REFERRED = "referred"
    CLOSED = "closed"


class Source(Labelled):
    GRID_REPORT = "grid_report"
    POLICE_CALL = "police_call"
    DOORPLATE_QR = "doorplate_qr"
    WALK_IN = "walk_in"
    CITY_PLATFORM = "city_platform"


class Risk(Labelled):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class PartyRole(Labelled):
    APPLICANT = "applicant"
    RESPONDENT = "respondent"
    THIRD_PARTY = "third_party"


class EventKind(enum.Enum):
    """What a step on a dispute's timeline was; its words live in portal.disputes.timeline."""

    REPORTED = "reported"
    IMPORTED = "imported"
    EDITED = "edited"
    ASSIGNED = "assigned"
    TAKEN_OVER = "taken_over"
    HANDLED = "handled"
    ESCALATED = "escalated"
    DEADLINE_CHANGED = "deadline_changed"
    RESOLVED = "resolved"
    REFERRED = "referred"
    REFERRAL_RECEIVED = "referral_received"
    FEEDBACK = "feedback"
    CLOSED = "closed"
    REOPENED = "reopened"
    IN_CONFERENCE = "in_conference"
    MINUTES_ISSUED = "minutes_issued"
    AGREEMENT_DRAFTED = "agreement_drafted"
    AGREEMENT_EFFECTIVE = "agreement_effective"
    CONFIRMATION_FILED = "confirmation_filed"
    CONFIRMATION_DECIDED = "confirmation_decided"
    NOTICE_GIVEN = "notice_given"
    TASK_REPORTED = "task_reported"
    RETURN_VISIT = "return_visit"


class Referral(Labelled):
    LITIGATION = "litigation"
    ARBITRATION = "arbitration"
    ADMINISTRATIVE = "administrative"


LABELS = {
    Category.NEIGHBOUR: _l("Neighbour"),
    Category.MARRIAGE_FAMILY: _l("Marriage & family"),
    Category.LAND_FOREST: _l("Land & forest"),
    Category.LABOUR_WAGES: _l("Labour & wages"),
    Category.CONSTRUCTION_PROPERTY: _l("Construction & property"),
    Category.TRAFFIC_ACCIDENT: _l("Traffic accident"),
    Category.ENVIRONMENTAL_POLLUTION: _l("Environmental pollution"),
    Category.CONSUMER_QUALITY: _l("Consumer & product quality"),
    Category.MEDICAL: _l("Medical"),
    Category.EDUCATION_CAMPUS: _l("Education & campus"),
    Category.DEBT_CONTRACT: _l("Debt & contract"),
    Category.OTHER: _l("Other"),
    Subcategory.CONSTRUCTION_SITE_WAGES: _l("Wages on a construction project"),
    Subcategory.WORK_INJURY: _l("Injury at work"),
    Subcategory.PROPERTY_MANAGEMENT: _l("Property management"),
    Subcategory.HOUSE_QUALITY: _l("Quality of a house"),
    Subcategory.HOMESTEAD: _l("Homestead plot"),
    Subcategory.LAND_CONTRACT: _l("Land contract"),
    Subcategory.DOMESTIC_VIOLENCE: _l("Domestic violence"),
    Subcategory.INHERITANCE: _l("Inheritance"),
    Subcategory.ADJOINING_BUILDINGS: _l("Light, passage and drainage between buildings"),
    Status.REPORTED: _l("Reported"),
    Status.HANDLING: _l("Being handled"),
    Status.ESCALATED: _l("Escalated to tier 3"),
    Status.IN_CONFERENCE: _l("In conference"),
    Status.RESOLVED: _l("Resolved"),
    Status.REFERRED: _l("Referred"),
    Status.CLOSED: _l("Closed"),
    Source.GRID_REPORT: _l("Grid worker report"),
    Source.POLICE_CALL: _l("Police call"),
    Source.DOORPLATE_QR: _l("Doorplate QR code"),
    Source.WALK_IN: _l("Walk-in"),
    Source.CITY_PLATFORM: _l("City platform"),
    Risk.LOW: _l("Low"),
    Risk.MEDIUM: _l("Medium"),
    Risk.HIGH: _l("High"),
    PartyRole.APPLICANT: _l("Applicant"),
    PartyRole.RESPONDENT: _l("Respondent"),
    PartyRole.THIRD_PARTY: _l("Third party"),
    Referral.LITIGATION: _l("Litigation"),
    Referral.ARBITRATION: _l("Arbitration"),
    Referral.ADMINISTRATIVE: _l("Administrative body"),
}


def _enum(cls):
    return sa.Enum(cls, native_enum=False, length=32)


class Dispute(db.Model):
    """A civil dispute (矛盾纠纷) on the register, handled by tier through the closed loop."""

    __tablename__ = "disputes"
    __table_args__ = (
        sa.UniqueConstraint("year", "serial"),
        sa.CheckConstraint("tier BETWEEN 1 AND 3", name="tier_range"),
        sa.Index("ix_disputes_status_tier", "status", "tier"),
        sa.Index("ix_disputes_reported_at", "reported_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(40), unique=True)
    year: Mapped[int]
    serial: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(120))
    category: Mapped[Category] = mapped_column(_enum(Category), index=True)
    subcategory: Mapped[Subcategory | None] = mapped_column(_enum(Subcategory))
    tier: Mapped[int] = mapped_column(default=1)
    status: Mapped[Status] = mapped_column(_enum(Status), default=Status.REPORTED)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"), index=True)
    source: Mapped[Source] = mapped_column(_enum(Source))
    risk: Mapped[Risk] = mapped_column(_enum(Risk), default=Risk.LOW)
    description: Mapped[str] = mapped_column(sa.Text)
    claims: Mapped[str] = mapped_column(sa.Text, default="")
    amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    occurred_on: Mapped[date | None]
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_on: Mapped[date | None] = mapped_column(index=True)
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    handler_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    external_ref: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    form_token: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    outcome: Mapped[str] = mapped_column(sa.Text, default="")
    referral: Mapped[Referral | None] = mapped_column(_enum(Referral))
    referral_body: Mapped[str | None] = mapped_column(sa.String(120))
    referral_ref: Mapped[str | None] = mapped_column(sa.String(64))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feedback_method: Mapped[str | None] = mapped_column(sa.String(40))
    feedback_note: Mapped[str | None] = mapped_column(sa.Text)
    satisfaction: Mapped[str | None] = mapped_column(sa.String(20))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    village: Mapped[Village] = relationship()
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
    handler: Mapped[User | None] = relationship(foreign_keys=[handler_id])
    parties: Mapped[list[Party]] = relationship(
        back_populates="dispute", cascade="all, delete-orphan", order_by="Party.id")
    events: Mapped[list[DisputeEvent]] = relationship(
        back_populates="dispute", cascade="all, delete-orphan",
        order_by="DisputeEvent.id")

    def __str__(self) -> str:
        return self.reference

    @property
    def is_overdue(self) -> bool:
        return (self.due_on is not None and self.status not in CLOSED_STATES
                and self.due_on < utcnow().date())


CLOSED_STATES = frozenset({Status.RESOLVED, Status.REFERRED, Status.CLOSED})


class Party(db.Model):
    """A party to a dispute (当事人)."""

    __tablename__ = "parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(
        sa.ForeignKey("disputes.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60), index=True)
    role: Mapped[PartyRole] = mapped_column(_enum(PartyRole))
    id_number: Mapped[str | None] = mapped_column(sa.String(18), index=True)
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    address: Mapped[str | None] = mapped_column(sa.String(200))

    dispute: Mapped[Dispute] = relationship(back_populates="parties")


class DisputeEvent(db.Model):
    """One step on a dispute's timeline: who did what, when and why.

    `action` holds the step's kind (an EventKind value) and `data` the facts its sentence is
    made of, so the sentence is written at display time in the reader's language; `note` is
    only what a person typed (a reason, an outcome). Rows from before `data` existed carry
    their sentence in `note`.
    """

    __tablename__ = "dispute_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(
        sa.ForeignKey("disputes.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(sa.String(32))
    from_status: Mapped[Status | None] = mapped_column(_enum(Status))
    to_status: Mapped[Status | None] = mapped_column(_enum(Status))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict, server_default="{}")

    dispute: Mapped[Dispute] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    @property
    def kind(self) -> EventKind | None:
        try:
            return EventKind(self.action)
        except ValueError:
            return None


class ReferenceCounter(db.Model):
    """The last serial issued per prefix and year; updating it serialises issuers.

    `digits` is the width every serial of that series is written in, fixed when its first
    number is issued, so the numbers of one year all have the same form.
    """

    __tablename__ = "reference_counters"

    prefix: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)
    digits: Mapped[int] = mapped_column(default=4, server_default="4")


class CategorySector(db.Model):
    """Which sector mediation body a dispute category calls for (admin-editable)."""

    __tablename__ = "category_sectors"

    category: Mapped[Category] = mapped_column(_enum(Category), primary_key=True)
    sector: Mapped[OrgKind] = mapped_column(
        sa.Enum(OrgKind, native_enum=False, length=32), primary_key=True)


class SubcategorySector(db.Model):
    """A further sector mediation body a sub-category calls for, beside its category's."""

    __tablename__ = "subcategory_sectors"

    subcategory: Mapped[Subcategory] = mapped_column(_enum(Subcategory), primary_key=True)
    sector: Mapped[OrgKind] = mapped_column(
        sa.Enum(OrgKind, native_enum=False, length=32), primary_key=True)


# The table a fresh installation starts from (the migration inserts the same rows).
DEFAULT_SECTORS = {
    Category.LABOUR_WAGES: OrgKind.LABOUR_ARBITRATION,
    Category.LAND_FOREST: OrgKind.NATURAL_RESOURCES,
    Category.ENVIRONMENTAL_POLLUTION: OrgKind.ECOLOGY_ENVIRONMENT,
    Category.MARRIAGE_FAMILY: OrgKind.WOMENS_FEDERATION,
    Category.TRAFFIC_ACCIDENT: OrgKind.TRAFFIC_POLICE,
    Category.CONSTRUCTION_PROPERTY: OrgKind.HOUSING_CONSTRUCTION,
    Category.CONSUMER_QUALITY: OrgKind.QUALITY_SUPERVISION,
    Category.MEDICAL: OrgKind.HEALTH_SPORTS,
    Category.EDUCATION_CAMPUS: OrgKind.EDUCATION,
}


DEFAULT_SUBCATEGORY_SECTORS = {
    Subcategory.CONSTRUCTION_SITE_WAGES: {OrgKind.HOUSING_CONSTRUCTION},
    Subcategory.HOUSE_QUALITY: {OrgKind.QUALITY_SUPERVISION},
    Subcategory.ADJOINING_BUILDINGS: {OrgKind.HOUSING_CONSTRUCTION, OrgKind.NATURAL_RESOURCES},
}


class DisputeSearch(db.Model):
    """A dispute's searchable text, kept by the writers (portal.disputes.search).

    `head` holds the reference, the platform number, the title and the party names,
    `body` the description, both folded to lower case; `grams` every distinct one- and
    two-character piece of both, for queries too short for a trigram index.
    """

    __tablename__ = "dispute_search"

    dispute_id: Mapped[int] = mapped_column(
        sa.ForeignKey("disputes.id", ondelete="CASCADE"), primary_key=True)
    head: Mapped[str] = mapped_column(sa.Text)
    body: Mapped[str] = mapped_column(sa.Text)
    grams: Mapped[str] = mapped_column(sa.Text)

"""Standard addresses, doorplates, resident requests, case codes and what parties record."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, backref, deferred, mapped_column, relationship

from portal.disputes.models import Category, Dispute, Party
from portal.extensions import db
from portal.labels import Labelled
from portal.orgs.models import User, Village
from portal.timeutil import UTCDateTime, utcnow


class Channel(Labelled):
    DOORPLATE = "doorplate"
    GRID_WORKER = "grid_worker"
    POLICE_CALL = "police_call"


class Topic(Labelled):
    """What a resident says the problem is about, in plain words."""

    NEIGHBOURS = "neighbours"
    FAMILY = "family"
    LAND_HOUSE = "land_house"
    WAGES_MONEY = "wages_money"
    ENVIRONMENT = "environment"
    OTHER = "other"

    @property
    def category(self) -> Category:
        return TOPIC_CATEGORIES[self]


class RequestStatus(Labelled):
    NEW = "new"
    CONTACTED = "contacted"
    REGISTERED = "registered"
    CLOSED = "closed"
    SPAM = "spam"


class Closure(Labelled):
    ADVICE = "advice"
    REFERRED = "referred"
    NOT_DISPUTE = "not_dispute"


class Rating(Labelled):
    SATISFIED = "satisfied"
    BASICALLY = "basically"
    DISSATISFIED = "dissatisfied"


LABELS = {
    Channel.DOORPLATE: _l("Doorplate QR code"),
    Channel.GRID_WORKER: _l("Grid worker"),
    Channel.POLICE_CALL: _l("Police call"),
    Topic.NEIGHBOURS: _l("Trouble with neighbours (noise, passage, water)"),
    Topic.FAMILY: _l("Family or marriage"),
    Topic.LAND_HOUSE: _l("Land, house or building work"),
    Topic.WAGES_MONEY: _l("Unpaid wages or money owed"),
    Topic.ENVIRONMENT: _l("Pollution, smell or noise from a business"),
    Topic.OTHER: _l("Something else"),
    RequestStatus.NEW: _l("New"),
    RequestStatus.CONTACTED: _l("Resident contacted"),
    RequestStatus.REGISTERED: _l("Registered as a dispute"),
    RequestStatus.CLOSED: _l("Closed"),
    RequestStatus.SPAM: _l("Marked as spam"),
    Closure.ADVICE: _l("Advice given"),
    Closure.REFERRED: _l("Referred to another department"),
    Closure.NOT_DISPUTE: _l("Not a dispute"),
    Rating.SATISFIED: _l("Satisfied"),
    Rating.BASICALLY: _l("Basically satisfied"),
    Rating.DISSATISFIED: _l("Dissatisfied"),
}
TOPIC_CATEGORIES = {
    Topic.NEIGHBOURS: Category.NEIGHBOUR, Topic.FAMILY: Category.MARRIAGE_FAMILY,
    Topic.LAND_HOUSE: Category.LAND_FOREST, Topic.WAGES_MONEY: Category.LABOUR_WAGES,
    Topic.ENVIRONMENT: Category.ENVIRONMENTAL_POLLUTION, Topic.OTHER: Category.OTHER,
}
OPEN_STATES = frozenset({RequestStatus.NEW, RequestStatus.CONTACTED})


def _enum(cls):
    return sa.Enum(cls, native_enum=False, length=20)


class StandardAddress(db.Model):
    """A standard address (标准地址) of the 一标三实 address data."""

    __tablename__ = "standard_addresses"
    __table_args__ = (
        sa.UniqueConstraint("village_id", "road", "number", "building", "unit", "room",
                            name="uq_standard_addresses_place"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"), index=True)
    road: Mapped[str] = mapped_column(sa.String(60))
    number: Mapped[str] = mapped_column(sa.String(20))
    building: Mapped[str] = mapped_column(sa.String(20), default="")
    unit: Mapped[str] = mapped_column(sa.String(20), default="")
    room: Mapped[str] = mapped_column(sa.String(20), default="")
    police_grid: Mapped[str] = mapped_column(sa.String(80))
    community_grid: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    village: Mapped[Village] = relationship()
    plates: Mapped[list[Doorplate]] = relationship(
        back_populates="address", order_by="Doorplate.id")

    @property
    def label(self) -> str:
        parts = [self.village.name, self.road, f"{self.number}号"]
        parts += [f"{self.building}栋"] if self.building else []
        parts += [f"{self.unit}单元"] if self.unit else []
        parts += [f"{self.room}室"] if self.room else []
        return "".join(parts)

    @property
    def plate(self) -> Doorplate | None:
        return next((p for p in self.plates if p.revoked_at is None), None)


class Doorplate(db.Model):
    """A smart doorplate (智慧门牌): the unguessable token its QR code carries."""

    __tablename__ = "doorplates"

    id: Mapped[int] = mapped_column(primary_key=True)
    address_id: Mapped[int] = mapped_column(sa.ForeignKey("standard_addresses.id"), index=True)
    token: Mapped[str] = mapped_column(sa.String(43), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    address: Mapped[StandardAddress] = relationship(back_populates="plates")

    @property
    def number(self) -> str:
        return f"MP{self.id:06d}"


class ResidentRequest(db.Model):
    """A problem or dispute a resident reported (群众诉求), waiting for first contact."""

    __tablename__ = "resident_requests"
    __table_args__ = (sa.Index("ix_resident_requests_status_due", "status",
                               "first_contact_due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"), index=True)
    address_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("standard_addresses.id"), index=True)
    doorplate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("doorplates.id"))
    channel: Mapped[Channel] = mapped_column(_enum(Channel))
    topic: Mapped[Topic] = mapped_column(_enum(Topic))
    description: Mapped[str] = mapped_column(sa.Text)
    occurred_on: Mapped[date | None]
    contact_name: Mapped[str] = mapped_column(sa.String(60))
    contact_phone: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus),
                                                  default=RequestStatus.NEW)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_contact_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contact_note: Mapped[str] = mapped_column(sa.Text, default="")
    handler_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    dispute_id: Mapped[int | None] = mapped_column(sa.ForeignKey("disputes.id"), unique=True)
    closure: Mapped[Closure | None] = mapped_column(_enum(Closure))
    closure_note: Mapped[str] = mapped_column(sa.Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    village: Mapped[Village] = relationship()
    address: Mapped[StandardAddress | None] = relationship()
    handler: Mapped[User | None] = relationship()
    dispute: Mapped[Dispute | None] = relationship()
    photos: Mapped[list[RequestPhoto]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="RequestPhoto.id")
    case_code: Mapped[CaseCode | None] = relationship(back_populates="request")


class RequestPhoto(db.Model):
    __tablename__ = "resident_request_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("resident_requests.id", ondelete="CASCADE"), index=True)
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int]
    data: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary))

    request: Mapped[ResidentRequest] = relationship(back_populates="photos")


class CaseCode(db.Model):
    """One code per case (一案一码): a resident request and the dispute it became share it.

    It also holds what guards the case page: wrong answers counted towards a lockout, and
    the one-time code sent to a contact's phone (only its HMAC is kept)."""

    __tablename__ = "case_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("resident_requests.id", ondelete="CASCADE"), unique=True)
    dispute_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("disputes.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    otp_hash: Mapped[str | None] = mapped_column(sa.String(64))
    otp_phone: Mapped[str | None] = mapped_column(sa.String(20))
    otp_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    request: Mapped[ResidentRequest | None] = relationship(back_populates="case_code")
    # The documents of the case printed below the residents (the mediation agreement, the
    # notice of rights) reach the code as ``Dispute.case_code``.
    dispute: Mapped[Dispute | None] = relationship(backref=backref("case_code", uselist=False))

    @property
    def display(self) -> str:
        return f"{self.code[:4]}-{self.code[4:]}"

    @property
    def url(self) -> str:
        """The address of the case page where the parties use the code."""
        return current_app.config["PORTAL_BASE_URL"].rstrip("/") + f"/c/{self.code}"


class NoticeAcknowledgement(db.Model):
    """A party read and acknowledged the rights-and-duties notice online (电子送达)."""

    __tablename__ = "notice_acknowledgements"
    __table_args__ = (sa.UniqueConstraint("party_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_code_id: Mapped[int] = mapped_column(
        sa.ForeignKey("case_codes.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("parties.id", ondelete="CASCADE"))
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip: Mapped[str | None] = mapped_column(sa.String(45))

    party: Mapped[Party] = relationship()


class CaseRating(db.Model):
    """A resident's or party's rating of the outcome and the staff: the loop's 反馈."""

    __tablename__ = "case_ratings"
    __table_args__ = (sa.UniqueConstraint("case_code_id", "rater"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_code_id: Mapped[int] = mapped_column(
        sa.ForeignKey("case_codes.id", ondelete="CASCADE"), index=True)
    rater: Mapped[str] = mapped_column(sa.String(20))  # "contact" or "party:<id>"
    rating: Mapped[Rating] = mapped_column(_enum(Rating))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"), index=True)
    body_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SmsMessage(db.Model):
    """A text message to a resident, as handed to the configured SMS provider."""

    __tablename__ = "sms_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(sa.String(20))
    phone: Mapped[str] = mapped_column(sa.String(20))
    text: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(20))
    provider_ref: Mapped[str | None] = mapped_column(sa.String(64))
    error: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

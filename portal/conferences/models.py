"""Conferences (联席会商) and the people and bodies invited to them."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.orgs.models import Organisation, User
from portal.timeutil import UTCDateTime, utcnow


class ConferenceState(enum.Enum):
    DRAFT = "draft"
    INVITING = "inviting"
    SCHEDULED = "scheduled"
    IN_SESSION = "in_session"
    MINUTES_DRAFTING = "minutes_drafting"
    MINUTES_SIGNING = "minutes_signing"
    SIGNED = "signed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self])


STATE_LABELS = {
    ConferenceState.DRAFT: _l("Draft"),
    ConferenceState.INVITING: _l("Inviting"),
    ConferenceState.SCHEDULED: _l("Scheduled"),
    ConferenceState.IN_SESSION: _l("In session"),
    ConferenceState.MINUTES_DRAFTING: _l("Minutes drafting"),
    ConferenceState.MINUTES_SIGNING: _l("Minutes signing"),
    ConferenceState.SIGNED: _l("Signed"),
    ConferenceState.CANCELLED: _l("Cancelled"),
}


class InviteeGroup(enum.Enum):
    HEAD = "head"
    SECTOR = "sector"
    LAWYER = "lawyer"
    VILLAGE = "village"

    @property
    def label(self) -> str:
        return str(GROUP_LABELS[self])


GROUP_LABELS = {
    InviteeGroup.HEAD: _l("Three heads"),
    InviteeGroup.SECTOR: _l("Sector bodies"),
    InviteeGroup.LAWYER: _l("Resident lawyers"),
    InviteeGroup.VILLAGE: _l("Village members"),
}


class Conference(db.Model):
    """A joint conference ("3+N") on one tier-3 dispute; a dispute may have several."""

    __tablename__ = "conferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(sa.ForeignKey("disputes.id"), index=True)
    state: Mapped[ConferenceState] = mapped_column(
        sa.Enum(ConferenceState, native_enum=False, length=32), default=ConferenceState.DRAFT)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    dispute = relationship("Dispute", backref="conferences")
    created_by: Mapped[User] = relationship()
    invitees: Mapped[list[Invitee]] = relationship(
        back_populates="conference", cascade="all, delete-orphan", order_by="Invitee.id")


class Invitee(db.Model):
    """A body or a named person suggested for (later: invited to) a conference."""

    __tablename__ = "conference_invitees"
    __table_args__ = (
        sa.CheckConstraint("organisation_id IS NOT NULL OR user_id IS NOT NULL",
                           name="body_or_person"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conferences.id", ondelete="CASCADE"), index=True)
    group: Mapped[InviteeGroup] = mapped_column(
        sa.Enum(InviteeGroup, native_enum=False, length=16))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    required: Mapped[bool] = mapped_column(default=False)

    conference: Mapped[Conference] = relationship(back_populates="invitees")
    organisation: Mapped[Organisation | None] = relationship()
    user: Mapped[User | None] = relationship()

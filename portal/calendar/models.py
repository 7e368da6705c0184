"""Availability polls (排期投票), room bookings, reminder rows and calendar-feed secrets."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.labels import Labelled
from portal.orgs.models import Room, User
from portal.timeutil import UTCDateTime, utcnow
from scheduling.slots import WallClockSlot


class VoteChoice(Labelled):
    YES = "yes"
    IF_NEED_BE = "if_need_be"
    NO = "no"


LABELS = {
    VoteChoice.YES: _l("Yes"),
    VoteChoice.IF_NEED_BE: _l("If need be"),
    VoteChoice.NO: _l("No"),
}


class ProposedSlot(db.Model):
    """A time the secretary offers in a conference's availability poll.

    Kept as the room's wall-clock time plus its zone (see ``scheduling.slots``), so a
    viewer's time-zone setting never moves it.
    """

    __tablename__ = "proposed_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conferences.id", ondelete="CASCADE"), index=True)
    starts_local: Mapped[datetime] = mapped_column(sa.DateTime)
    ends_local: Mapped[datetime] = mapped_column(sa.DateTime)
    zone: Mapped[str] = mapped_column(sa.String(64))
    warnings: Mapped[str] = mapped_column(sa.String(100), default="")
    proposed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposed_by: Mapped[User] = relationship()
    votes: Mapped[list[SlotVote]] = relationship(
        back_populates="slot", cascade="all, delete-orphan", order_by="SlotVote.id")

    @property
    def slot(self) -> WallClockSlot:
        return WallClockSlot(self.starts_local, self.ends_local, self.zone)


class SlotVote(db.Model):
    """One invitation's availability for one proposed slot, given by one of its answerers."""

    __tablename__ = "slot_votes"
    __table_args__ = (sa.UniqueConstraint("slot_id", "invitation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(sa.ForeignKey("proposed_slots.id", ondelete="CASCADE"))
    invitation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("invitations.id", ondelete="CASCADE"), index=True)
    choice: Mapped[VoteChoice] = mapped_column(sa.Enum(VoteChoice, native_enum=False, length=16))
    voter_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    slot: Mapped[ProposedSlot] = relationship(back_populates="votes")
    voter: Mapped[User] = relationship()


class Poll(db.Model):
    """The state of a conference's availability poll: open until the convener confirms."""

    __tablename__ = "polls"

    conference_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conferences.id", ondelete="CASCADE"), primary_key=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    chosen_slot_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("proposed_slots.id", ondelete="SET NULL"))
    override_reason: Mapped[str | None] = mapped_column(sa.Text)

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class RoomBooking(db.Model):
    """A room held by a scheduled conference, from start to end (UTC).

    The database refuses overlapping bookings of one room; the migration adds the rule:
    an exclusion constraint on PostgreSQL, triggers on SQLite.
    """

    __tablename__ = "room_bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("rooms.id"), index=True)
    conference_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conferences.id", ondelete="CASCADE"), unique=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)

    room: Mapped[Room] = relationship()


class ReminderRow(db.Model):
    """A reminder the scheduler sends once (提醒): planned, then claimed and marked sent."""

    __tablename__ = "reminders"
    __table_args__ = (
        sa.UniqueConstraint("subject_kind", "subject_id", "recipient_id", "kind"),
        sa.Index("ix_reminders_due", "sent_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[str] = mapped_column(sa.String(20))
    subject_id: Mapped[int]
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def new_feed_secret() -> str:
    return secrets.token_hex(32)


class FeedSecret(db.Model):
    """The per-user key of a private calendar-feed link; rotating it revokes old links."""

    __tablename__ = "feed_secrets"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(sa.String(64), default=new_feed_secret)
    rotated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

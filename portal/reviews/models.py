"""Regular joint reviews of the police and the grid: series, meetings, hazard items."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from portal.disputes.models import Category, Risk
from portal.extensions import db
from portal.labels import Labelled
from portal.orgs.models import Room, User, Village
from portal.residents.models import ResidentRequest, StandardAddress
from portal.timeutil import UTCDateTime, utcnow


class MemberRole(Labelled):
    HEAD = "head"  # one of the two heads of the leadership group
    COMMUNITY_POLICE = "community_police"
    GRID_WORKER = "grid_worker"
    OTHER = "other"


class ItemSource(Labelled):
    POLICE_CALL = "police_call"
    GRID_VISIT = "grid_visit"


class ItemState(Labelled):
    OPEN = "open"  # on the agenda, not decided yet
    REGISTERED = "registered"  # registered as a dispute
    HANDED_OVER = "handed_over"  # a follow-up task of its owner
    MERGED = "merged"  # joined to an existing dispute
    CLOSED = "closed"


class MinutesState(Labelled):
    NONE = "none"
    SIGNING = "signing"
    ISSUED = "issued"


LABELS = {
    MemberRole.HEAD: _l("Head of the leadership group"),
    MemberRole.COMMUNITY_POLICE: _l("Community police"),
    MemberRole.GRID_WORKER: _l("Grid worker"),
    MemberRole.OTHER: _l("Other member"),
    ItemSource.POLICE_CALL: _l("Police call"),
    ItemSource.GRID_VISIT: _l("Grid visit"),
    ItemState.OPEN: _l("Awaiting a decision"),
    ItemState.REGISTERED: _l("Registered as a dispute"),
    ItemState.HANDED_OVER: _l("Handed over for follow-up"),
    ItemState.MERGED: _l("Merged with a dispute"),
    ItemState.CLOSED: _l("Closed"),
    MinutesState.NONE: _l("Not drawn up"),
    MinutesState.SIGNING: _l("Being signed"),
    MinutesState.ISSUED: _l("Issued"),
}

# What a decision may follow: only an undecided item is decided, once.
DECIDABLE = frozenset({ItemState.OPEN})


def _enum(cls, length: int = 20):
    return sa.Enum(cls, native_enum=False, length=length)


class ReviewSeries(db.Model):
    """A regular joint review (警网融合例会, 定期联席研判): who meets, where and how often.

    ``rrule`` is an RFC 5545 recurrence rule (``FREQ=WEEKLY;BYDAY=TH``) read in the
    series' zone from the wall-clock ``first_start``.
    """

    __tablename__ = "review_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    rrule: Mapped[str] = mapped_column(sa.String(200))
    first_start: Mapped[datetime] = mapped_column(UTCDateTime)
    minutes_long: Mapped[int] = mapped_column(default=90)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Shanghai")
    room_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rooms.id"))
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    convener_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    ical_uid: Mapped[str] = mapped_column(sa.String(120), unique=True)
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    room: Mapped[Room | None] = relationship()
    convener: Mapped[User] = relationship()
    members: Mapped[list[ReviewMember]] = relationship(
        back_populates="series", cascade="all, delete-orphan", order_by="ReviewMember.id")
    villages: Mapped[list[Village]] = relationship(secondary="review_series_villages",
                                                   order_by="Village.name")
    meetings: Mapped[list[ReviewMeeting]] = relationship(
        back_populates="series", cascade="all, delete-orphan",
        order_by="ReviewMeeting.occurrence")

    def member_ids(self) -> set[int]:
        return {m.user_id for m in self.members} | {self.convener_id}


review_series_villages = sa.Table(
    "review_series_villages", db.metadata,
    sa.Column("series_id", sa.ForeignKey("review_series.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("village_id", sa.ForeignKey("villages.id"), primary_key=True),
)


class ReviewMember(db.Model):
    """A member of a series: a head of the leadership group, a community officer, a grid
    worker, or another person the convener asked to take part."""

    __tablename__ = "review_members"
    __table_args__ = (sa.UniqueConstraint("series_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(
        sa.ForeignKey("review_series.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    role: Mapped[MemberRole] = mapped_column(_enum(MemberRole))

    series: Mapped[ReviewSeries] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class ReviewMeeting(db.Model):
    """One meeting of a series. ``occurrence`` is the start its rule gives (UTC) and names
    the meeting for calendars (RECURRENCE-ID); a moved meeting keeps it and has its own
    ``starts_at``."""

    __tablename__ = "review_meetings"
    __table_args__ = (sa.UniqueConstraint("series_id", "occurrence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(
        sa.ForeignKey("review_series.id", ondelete="CASCADE"), index=True)
    occurrence: Mapped[datetime] = mapped_column(UTCDateTime)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled: Mapped[bool] = mapped_column(default=False)
    change_reason: Mapped[str] = mapped_column(sa.Text, default="")
    held: Mapped[bool] = mapped_column(default=False)
    # Drawn up once the decisions are taken: the frozen content the attendees sign.
    minutes_state: Mapped[MinutesState] = mapped_column(_enum(MinutesState),
                                                        default=MinutesState.NONE)
    # How often the minutes were drawn up: amended minutes are drawn up and signed again.
    minutes_version: Mapped[int] = mapped_column(default=0)
    minutes_snapshot: Mapped[str | None] = mapped_column(sa.Text)
    content_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pdf: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))

    series: Mapped[ReviewSeries] = relationship(back_populates="meetings")
    attendance: Mapped[list[ReviewAttendance]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="ReviewAttendance.id")
    signatures: Mapped[list[ReviewSignature]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="ReviewSignature.id")

    @property
    def moved(self) -> bool:
        return self.starts_at != self.occurrence

    @property
    def locked(self) -> bool:
        return self.minutes_state is not MinutesState.NONE


class ReviewAttendance(db.Model):
    """Whether a member came to a meeting."""

    __tablename__ = "review_attendance"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("review_meetings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    present: Mapped[bool] = mapped_column(default=True)

    meeting: Mapped[ReviewMeeting] = relationship(back_populates="attendance")
    user: Mapped[User] = relationship()


class ReviewSignature(db.Model):
    """A present attendee's confirmation of the minutes, with the password, or refusal with
    the reason, as for conference minutes; bound to the content hash they read."""

    __tablename__ = "review_signatures"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("review_meetings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    refused: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str | None] = mapped_column(sa.Text)

    meeting: Mapped[ReviewMeeting] = relationship(back_populates="signatures")
    user: Mapped[User] = relationship()


class HazardItem(db.Model):
    """A dispute hazard or lead (隐患/线索) found in a police call or a grid visit, reported
    to a series and carried from meeting to meeting until it is settled."""

    __tablename__ = "hazard_items"
    __table_args__ = (sa.Index("ix_hazard_items_meeting_state", "meeting_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(
        sa.ForeignKey("review_series.id", ondelete="CASCADE"), index=True)
    # The meeting whose agenda holds the item now, and the one it was first reported to.
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("review_meetings.id"))
    first_meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("review_meetings.id"))
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"))
    source: Mapped[ItemSource] = mapped_column(_enum(ItemSource))
    kind: Mapped[Category] = mapped_column(_enum(Category, 32))
    risk: Mapped[Risk] = mapped_column(_enum(Risk), default=Risk.LOW)
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    # The standard address (一标三实) and the resident's request the item is about, if any.
    address_id: Mapped[int | None] = mapped_column(sa.ForeignKey("standard_addresses.id"))
    request_id: Mapped[int | None] = mapped_column(sa.ForeignKey("resident_requests.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    reported_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dispute_id: Mapped[int | None] = mapped_column(sa.ForeignKey("disputes.id"))
    state: Mapped[ItemState] = mapped_column(_enum(ItemState), default=ItemState.OPEN)
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    due_on: Mapped[date | None]
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    carried_over: Mapped[int] = mapped_column(default=0)

    series: Mapped[ReviewSeries] = relationship()
    meeting: Mapped[ReviewMeeting] = relationship(foreign_keys=[meeting_id])
    first_meeting: Mapped[ReviewMeeting] = relationship(foreign_keys=[first_meeting_id])
    village: Mapped[Village] = relationship()
    reported_by: Mapped[User] = relationship(foreign_keys=[reported_by_id])
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    dispute = relationship("Dispute")
    standard_address: Mapped[StandardAddress | None] = relationship()
    request: Mapped[ResidentRequest | None] = relationship()
    tasks = relationship("Task", back_populates="review_item", order_by="Task.id")

    @property
    def task(self):
        return self.tasks[-1] if self.tasks else None

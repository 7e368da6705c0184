"""Conferences (联席会商), their invitations and answers, briefs and case documents."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from portal.extensions import db
from portal.labels import Labelled
from portal.orgs.models import Organisation, Room, User
from portal.timeutil import UTCDateTime, utcnow


class ConferenceState(Labelled):
    DRAFT = "draft"
    INVITING = "inviting"
    SCHEDULED = "scheduled"
    IN_SESSION = "in_session"
    MINUTES_DRAFTING = "minutes_drafting"
    MINUTES_SIGNING = "minutes_signing"
    SIGNED = "signed"
    CANCELLED = "cancelled"


class InviteeGroup(Labelled):
    HEAD = "head"
    SECTOR = "sector"
    LAWYER = "lawyer"
    VILLAGE = "village"
    PARTY = "party"
    OBSERVER = "observer"


class Answer(Labelled):
    PENDING = "pending"
    ACCEPTED = "accepted"
    TENTATIVE = "tentative"
    DECLINED = "declined"
    DELEGATED = "delegated"


LABELS = {
    ConferenceState.DRAFT: _l("Draft"),
    ConferenceState.INVITING: _l("Inviting"),
    ConferenceState.SCHEDULED: _l("Scheduled"),
    ConferenceState.IN_SESSION: _l("In session"),
    ConferenceState.MINUTES_DRAFTING: _l("Minutes drafting"),
    ConferenceState.MINUTES_SIGNING: _l("Minutes signing"),
    ConferenceState.SIGNED: _l("Signed"),
    ConferenceState.CANCELLED: _l("Cancelled"),
    InviteeGroup.HEAD: _l("Three heads"),
    InviteeGroup.SECTOR: _l("Sector bodies"),
    InviteeGroup.LAWYER: _l("Resident lawyers"),
    InviteeGroup.VILLAGE: _l("Village members"),
    InviteeGroup.PARTY: _l("Parties"),
    InviteeGroup.OBSERVER: _l("Observers"),
    Answer.PENDING: _l("No answer yet"),
    Answer.ACCEPTED: _l("Accepted"),
    Answer.TENTATIVE: _l("Tentative"),
    Answer.DECLINED: _l("Declined"),
    Answer.DELEGATED: _l("Delegated"),
}


def new_ical_uid() -> str:
    return f"{uuid.uuid4()}@conference-portal"


def _enum(cls, length: int = 32):
    return sa.Enum(cls, native_enum=False, length=length)


class Conference(db.Model):
    """A joint conference ("3+N") on one tier-3 dispute; a dispute may have several."""

    __tablename__ = "conferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(sa.ForeignKey("disputes.id"), index=True)
    state: Mapped[ConferenceState] = mapped_column(_enum(ConferenceState),
                                                   default=ConferenceState.DRAFT, index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    convener_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    secretary_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    message: Mapped[str] = mapped_column(sa.Text, default="")
    response_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    room_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rooms.id"))
    quorum_override: Mapped[str | None] = mapped_column(sa.Text)
    quorum_override_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    quorum_override_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The calendar event's identity (never changes) and revision: sequence goes up in the
    # same UPDATE that changes time, room or status; updated_at keys cached feed entries.
    ical_uid: Mapped[str] = mapped_column(sa.String(100), unique=True, index=True,
                                          default=new_ical_uid)
    sequence: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    dispute = relationship("Dispute", backref="conferences")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    convener: Mapped[User | None] = relationship(foreign_keys=[convener_id])
    secretary: Mapped[User | None] = relationship(foreign_keys=[secretary_id])
    quorum_override_by: Mapped[User | None] = relationship(foreign_keys=[quorum_override_by_id])
    room: Mapped[Room | None] = relationship()
    invitations: Mapped[list[Invitation]] = relationship(
        back_populates="conference", cascade="all, delete-orphan", order_by="Invitation.id")

    def __str__(self) -> str:
        return f"#{self.id}"


class Invitation(db.Model):
    """An invitation of a body (answered by its heads or mediators) or of a named person.

    In the draft state the rows are the suggested invitees the convener edits.
    """

    __tablename__ = "invitations"
    __table_args__ = (
        sa.CheckConstraint("organisation_id IS NOT NULL OR user_id IS NOT NULL",
                           name="body_or_person"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conferences.id", ondelete="CASCADE"), index=True)
    group: Mapped[InviteeGroup] = mapped_column(_enum(InviteeGroup, 16))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"),
                                                        index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    required: Mapped[bool] = mapped_column(default=False)
    answer: Mapped[Answer] = mapped_column(_enum(Answer, 16), default=Answer.PENDING)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    answer_note: Mapped[str | None] = mapped_column(sa.Text)
    delegated_from_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("invitations.id", ondelete="SET NULL"))
    delegate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    conference: Mapped[Conference] = relationship(back_populates="invitations")
    organisation: Mapped[Organisation | None] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
    delegate: Mapped[User | None] = relationship(foreign_keys=[delegate_id])
    delegated_from: Mapped[Invitation | None] = relationship(remote_side=[id])
    history: Mapped[list[AnswerChange]] = relationship(
        back_populates="invitation", cascade="all, delete-orphan", order_by="AnswerChange.id")

    @property
    def body(self) -> Organisation | None:
        """The organisation this invitation represents, named or through the person."""
        if self.organisation is not None:
            return self.organisation
        return self.user.organisation if self.user else None

    @property
    def invitee_name(self) -> str:
        if self.user is not None:
            return self.user.full_name
        return self.organisation.name if self.organisation else ""


class AnswerChange(db.Model):
    """One answer given to an invitation; the history is kept when answers change."""

    __tablename__ = "answer_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("invitations.id", ondelete="CASCADE"), index=True)
    answer: Mapped[Answer] = mapped_column(_enum(Answer, 16))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invitation: Mapped[Invitation] = relationship(back_populates="history")
    by: Mapped[User] = relationship()


class Brief(db.Model):
    """A body's pre-conference submission (会前材料): what it knows, has done, and withholds."""

    __tablename__ = "briefs"
    __table_args__ = (sa.UniqueConstraint("conference_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conferences.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    known: Mapped[str] = mapped_column(sa.Text, default="")
    done: Mapped[str] = mapped_column(sa.Text, default="")
    withheld: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
    author: Mapped[User] = relationship()


class Document(db.Model):
    """A case document uploaded to a conference room; its bytes load only when downloaded.

    A withdrawn document (a wrong or unreadable file) leaves the room and the case file but
    stays stored, so the audit trail can still show what was uploaded."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conferences.id", ondelete="CASCADE"), index=True)
    uploader_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    data: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    uploader: Mapped[User] = relationship(foreign_keys=[uploader_id])

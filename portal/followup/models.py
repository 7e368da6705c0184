"""Mediation agreements, rights notices, follow-up tasks, reminders and case files."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from portal.extensions import db
from portal.labels import Labelled
from portal.orgs.models import Organisation, User
from portal.timeutil import UTCDateTime, utcnow


class AgreementState(Labelled):
    DRAFT = "draft"
    SIGNING = "signing"  # some parties have signed on paper
    EFFECTIVE = "effective"


class Confirmation(Labelled):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class TaskKind(Labelled):
    ACTION = "action"  # an action item of a conference's record
    OBLIGATION = "obligation"  # an obligation of an effective agreement
    REVIEW = "review"  # a hazard item of a joint review handed over for follow-up


class TaskState(Labelled):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    NOT_DONE_CHANGED = "not_done_changed"
    NOT_DONE_OWNER = "not_done_owner"


class CasefileState(Labelled):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


LABELS = {
    AgreementState.DRAFT: _l("Draft"),
    AgreementState.SIGNING: _l("Being signed"),
    AgreementState.EFFECTIVE: _l("In effect"),
    Confirmation.PENDING: _l("Filed, awaiting the court"),
    Confirmation.CONFIRMED: _l("Confirmed by the court"),
    Confirmation.REJECTED: _l("Not confirmed by the court"),
    TaskKind.ACTION: _l("Action item"),
    TaskKind.OBLIGATION: _l("Agreement obligation"),
    TaskKind.REVIEW: _l("Joint review item"),
    TaskState.OPEN: _l("Not reported"),
    TaskState.IN_PROGRESS: _l("In progress"),
    TaskState.DONE: _l("Done"),
    TaskState.NOT_DONE_CHANGED: _l("Not done: circumstances changed"),
    TaskState.NOT_DONE_OWNER: _l("Not done by the owner"),
    CasefileState.QUEUED: _l("Waiting"),
    CasefileState.RUNNING: _l("Being built"),
    CasefileState.DONE: _l("Ready"),
    CasefileState.FAILED: _l("Failed"),
}

# A report moves a task out of OPEN; "in progress" may be followed by a later report,
# the other outcomes are final.
REPORTABLE = frozenset({TaskState.OPEN, TaskState.IN_PROGRESS})
PENDING = REPORTABLE


def _enum(cls, length: int = 20):
    return sa.Enum(cls, native_enum=False, length=length)


class Agreement(db.Model):
    """A mediation agreement (调解协议书) drawn from one conference's record.

    Its content (the parties' particulars, facts, issues, responsibilities and
    obligations) is JSON the secretary edits until the first party has signed on paper.
    """

    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(sa.ForeignKey("disputes.id"), index=True)
    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conferences.id"), unique=True)
    number: Mapped[str] = mapped_column(sa.String(60))
    version: Mapped[int] = mapped_column(default=1)
    state: Mapped[AgreementState] = mapped_column(_enum(AgreementState),
                                                  default=AgreementState.DRAFT)
    content: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    effective_on: Mapped[date | None]
    scan_name: Mapped[str | None] = mapped_column(sa.String(200))
    scan_type: Mapped[str | None] = mapped_column(sa.String(100))
    scan_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    scan_uploaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scan: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    confirmation_filed_on: Mapped[date | None]
    confirmation_court: Mapped[str | None] = mapped_column(sa.String(120))
    confirmation_late: Mapped[bool] = mapped_column(default=False)
    confirmation_late_reason: Mapped[str | None] = mapped_column(sa.Text)
    confirmation: Mapped[Confirmation | None] = mapped_column(_enum(Confirmation))
    confirmation_ruling: Mapped[str | None] = mapped_column(sa.String(120))
    confirmation_decided_on: Mapped[date | None]
    # Issued when the last party has signed: the sealed PDF, found again by the hash of its
    # content that its QR code carries.
    content_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True, index=True)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pdf: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))

    dispute = relationship("Dispute")
    conference = relationship("Conference")
    created_by: Mapped[User] = relationship()
    signatures: Mapped[list[PartySignature]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="PartySignature.id")


# The parties may apply for judicial confirmation within 30 days of the agreement's effect.
CONFIRMATION_DAYS = 30


def confirmation_deadline(agreement: Agreement) -> date | None:
    if agreement.effective_on is None:
        return None
    return agreement.effective_on + timedelta(days=CONFIRMATION_DAYS)


class PartySignature(db.Model):
    """The day a party signed (or fingerprinted) the paper agreement."""

    __tablename__ = "agreement_signatures"
    __table_args__ = (sa.UniqueConstraint("agreement_id", "party_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("parties.id", ondelete="CASCADE"))
    signed_on: Mapped[date]
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agreement: Mapped[Agreement] = relationship(back_populates="signatures")
    party = relationship("Party")


class RightsNotice(db.Model):
    """That a party was given the notice of rights and duties (当事人权利义务告知书)."""

    __tablename__ = "rights_notices"
    __table_args__ = (sa.UniqueConstraint("party_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(sa.ForeignKey("disputes.id"), index=True)
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("parties.id", ondelete="CASCADE"))
    given_on: Mapped[date]
    method: Mapped[str] = mapped_column(sa.String(40))
    given_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    party = relationship("Party")
    given_by: Mapped[User] = relationship()


class Task(db.Model):
    """A follow-up task of a body and, where named, a person: an action item of a
    conference, the performance of an agreement's obligation, or a joint review's hazard
    item (which has a dispute only when it was found in one)."""

    __tablename__ = "followup_tasks"
    __table_args__ = (
        sa.UniqueConstraint("conference_id", "kind", "position"),
        sa.Index("ix_followup_tasks_state_due", "state", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int | None] = mapped_column(sa.ForeignKey("disputes.id"), index=True)
    conference_id: Mapped[int | None] = mapped_column(sa.ForeignKey("conferences.id"))
    review_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hazard_items.id"),
                                                       index=True)
    agreement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agreements.id"))
    kind: Mapped[TaskKind] = mapped_column(_enum(TaskKind))
    position: Mapped[int]
    owner_body: Mapped[str] = mapped_column(sa.String(120))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"),
                                                        index=True)
    owner_name: Mapped[str] = mapped_column(sa.String(60), default="")
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(sa.Text)
    expected_feedback: Mapped[str] = mapped_column(sa.Text, default="")
    due_on: Mapped[date]
    state: Mapped[TaskState] = mapped_column(_enum(TaskState), default=TaskState.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    report: Mapped[str | None] = mapped_column(sa.Text)

    dispute = relationship("Dispute")
    conference = relationship("Conference")
    review_item = relationship("HazardItem", back_populates="tasks")
    organisation: Mapped[Organisation | None] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    reported_by: Mapped[User | None] = relationship(foreign_keys=[reported_by_id])
    progress: Mapped[list[ProgressEntry]] = relationship(
        back_populates="task", cascade="all, delete-orphan", order_by="ProgressEntry.id")

    @property
    def pending(self) -> bool:
        return self.state in PENDING

    @property
    def subject(self) -> str:
        """What the task belongs to, as lists show it: the case reference, else the review."""
        if self.dispute is not None:
            return self.dispute.reference
        return self.review_item.series.title if self.review_item is not None else ""


class ProgressEntry(db.Model):
    """A note on a task's progress, or its report."""

    __tablename__ = "followup_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(
        sa.ForeignKey("followup_tasks.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    state: Mapped[TaskState | None] = mapped_column(_enum(TaskState))
    note: Mapped[str] = mapped_column(sa.Text)

    task: Mapped[Task] = relationship(back_populates="progress")
    by: Mapped[User] = relationship()


class ReturnVisit(db.Model):
    """A return visit (回访) to the parties on how an agreement is being performed."""

    __tablename__ = "return_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(sa.ForeignKey("disputes.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("followup_tasks.id", ondelete="SET NULL"))
    visited_on: Mapped[date]
    visitor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    method: Mapped[str] = mapped_column(sa.String(40))
    visited: Mapped[str] = mapped_column(sa.String(200))
    findings: Mapped[str] = mapped_column(sa.Text)
    satisfaction: Mapped[str] = mapped_column(sa.String(20))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    visitor: Mapped[User] = relationship()
    task: Mapped[Task | None] = relationship()


class Casefile(db.Model):
    """A case file (调解卷宗) build: its progress while running, its PDF when done."""

    __tablename__ = "casefiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(sa.ForeignKey("disputes.id"), index=True)
    state: Mapped[CasefileState] = mapped_column(_enum(CasefileState),
                                                 default=CasefileState.QUEUED)
    progress: Mapped[int] = mapped_column(default=0)
    step: Mapped[str] = mapped_column(sa.String(200), default="")
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pages: Mapped[int | None]
    size: Mapped[int | None]
    contents: Mapped[str | None] = mapped_column(sa.Text)  # JSON: [[title, pages], ...]
    error: Mapped[str | None] = mapped_column(sa.Text)
    pdf: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))

    requested_by: Mapped[User] = relationship()

"""Stored monthly reports (月度统计报告): one per month, kept for download."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from portal.conferences.models import AnswerChange, Conference, ConferenceState
from portal.disputes.models import Category, Dispute
from portal.extensions import db
from portal.orgs.models import OrgKind, User
from portal.timeutil import UTCDateTime, utcnow

S = ConferenceState
# A conference was held once its session opened; cancelling it afterwards un-holds it.
HELD_STATES = (S.IN_SESSION, S.MINUTES_DRAFTING, S.MINUTES_SIGNING, S.SIGNED)


class MonthlyReport(db.Model):
    """One edition of the statistics report of a calendar month, as issued. An issued
    edition never changes; a correction is a new edition that supersedes it, and both are
    kept. (month, edition) is unique, so a second generation of the same edition (a
    restarted or concurrent scheduler) finds the first one."""

    __tablename__ = "monthly_reports"
    __table_args__ = (sa.UniqueConstraint("month", "edition"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(sa.String(7))  # "2026-10"
    edition: Mapped[int] = mapped_column(default=1)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    generated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int]
    pdf: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary, nullable=False))

    generated_by: Mapped[User | None] = relationship()


# Indexes the statistics need on other domains' tables, declared here with the migration
# that creates them: a covering index for the dispute aggregates (one index scan, no table
# lookups), the conference date ranges, and each invitation's first answer.
STATISTICS_INDEXES = (
    sa.Index("ix_disputes_statistics", Dispute.reported_at, Dispute.village_id,
             Dispute.category, Dispute.tier, Dispute.status, Dispute.referral),
    sa.Index("ix_conferences_invited_at", Conference.invited_at),
    sa.Index("ix_conferences_started_at", Conference.started_at),
    sa.Index("ix_answer_changes_invitation_at", AnswerChange.invitation_id, AnswerChange.at),
)


class StatisticsVersion(db.Model):
    """One row counting the changes to the data the statistics read.

    Every flush or bulk statement that writes one of those tables bumps `n` in the same
    transaction (see `portal.statistics.cache`), so a dashboard computed at (token, n) is
    still right for as long as the row reads (token, n). The token is new whenever the row
    is made again, so counting from zero afresh never matches an older dashboard.
    """

    __tablename__ = "statistics_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(32))
    n: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # "UTC" while the summaries are known to match the data (their periods are UTC hours,
    # days and months); None while they are not (or no longer), and the figures are read
    # from the registers themselves.
    summary_zone: Mapped[str | None] = mapped_column(sa.String(64))
    # While a rebuild is under way: the summaries hold every dispute up to this id (with
    # its conferences and invitations) and the writers keep those, and only those, in step.
    summarised_through: Mapped[int | None] = mapped_column(sa.BigInteger)


# The periods the summaries are cut in, all in UTC: the local months and days of any zone
# whose offset is a whole number of hours (Beijing, Tokyo, London in summer or winter)
# begin and end on a UTC hour, so they are made of whole UTC months, days and hours —
# at most a month and a day's hours of rows each side, however long the range.
SPANS = ("hour", "day", "month")


class DisputePeriod(db.Model):
    """Disputes registered in one UTC hour, day or month (`span`, starting at `start`,
    seconds since the epoch), per village, category and tier, by outcome. Every dispute
    counts once in each span.

    A summary of `disputes` kept in the writer's transaction (`portal.statistics.upkeep`):
    a dashboard reads a year from a few thousand of these rows instead of every dispute.
    """

    __tablename__ = "statistics_dispute_periods"

    span: Mapped[str] = mapped_column(sa.String(5), primary_key=True)
    start: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    village_id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[Category] = mapped_column(
        sa.Enum(Category, native_enum=False, length=32), primary_key=True)
    tier: Mapped[int] = mapped_column(primary_key=True)
    registered: Mapped[int] = mapped_column(default=0)
    concluded: Mapped[int] = mapped_column(default=0)
    resolved: Mapped[int] = mapped_column(default=0)
    referred: Mapped[int] = mapped_column(default=0)


class InvitationPeriod(db.Model):
    """Invitations sent in one UTC hour, day or month per body and dispute tier
    (delegates' own not counted), how many were answered and how many answers have a
    time; kept beside `InvitationFact`."""

    __tablename__ = "statistics_invitation_periods"

    span: Mapped[str] = mapped_column(sa.String(5), primary_key=True)
    start: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    body_id: Mapped[int] = mapped_column(primary_key=True)  # 0: no body
    tier: Mapped[int] = mapped_column(primary_key=True)
    invited: Mapped[int] = mapped_column(default=0)
    answered: Mapped[int] = mapped_column(default=0)
    timed: Mapped[int] = mapped_column(default=0)


class InvitationFact(db.Model):
    """One invitation as the statistics count it, kept in the writer's transaction.

    The body it stands for, its dispute's village, category and tier, when its conference
    invited and how many hours the first answer took are worked out once, when one of them
    changes, rather than by joining five tables for every dashboard; instants are whole
    seconds since the epoch (UTC).
    """

    __tablename__ = "statistics_invitations"
    __table_args__ = (
        # One index for both reads: per body, the sent invitations in one walk, and a
        # body's answers in order of their times (its median read off the middle).
        sa.Index("ix_statistics_invitations_body", "body_id", "delegated", "hours",
                 "invited_at", "answered", "village_id", "category", "tier"),
        sa.Index("ix_statistics_invitations_conference", "conference_id", "accepted",
                 "body_kind", "body_id"),
        # The days of a range outside whole months, counted per body.
        sa.Index("ix_statistics_invitations_sent", "invited_at", "delegated", "body_id",
                 "answered", "hours", "village_id", "category", "tier"),
        sa.Index("ix_statistics_invitations_dispute", "dispute_id"),
    )

    invitation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("invitations.id", ondelete="CASCADE"), primary_key=True)
    conference_id: Mapped[int]
    # The dispute's, for the dashboard's filters without a join.
    dispute_id: Mapped[int]
    village_id: Mapped[int]
    category: Mapped[Category] = mapped_column(sa.Enum(Category, native_enum=False, length=32))
    tier: Mapped[int]
    body_id: Mapped[int | None]
    body_kind: Mapped[OrgKind | None] = mapped_column(
        sa.Enum(OrgKind, native_enum=False, length=32))
    delegated: Mapped[bool] = mapped_column(default=False)  # a delegate's invitation
    answered: Mapped[bool] = mapped_column(default=False)
    accepted: Mapped[bool] = mapped_column(default=False)
    invited_at: Mapped[int | None] = mapped_column(sa.BigInteger)
    hours: Mapped[float | None] = mapped_column(sa.Float)


class ConferenceFact(db.Model):
    """One conference as the statistics count it, kept in the writer's transaction: its
    dispute's village, category and tier, when it was held (seconds since the epoch, None
    while not held), the bodies that took part, whether it was its dispute's first held
    conference, the days from the escalation to it and from it to its first issued
    minutes."""

    __tablename__ = "statistics_conferences"
    __table_args__ = (
        sa.Index("ix_statistics_conferences_held", "held_at", "village_id", "category",
                 "tier", "heads", "sectors", "bodies", "first_for_dispute",
                 "escalation_days", "minutes_days"),
    )

    conference_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conferences.id", ondelete="CASCADE"), primary_key=True)
    dispute_id: Mapped[int] = mapped_column(index=True)
    village_id: Mapped[int]
    category: Mapped[Category] = mapped_column(sa.Enum(Category, native_enum=False, length=32))
    tier: Mapped[int]
    held_at: Mapped[int | None] = mapped_column(sa.BigInteger)
    heads: Mapped[int] = mapped_column(default=0)
    sectors: Mapped[int] = mapped_column(default=0)
    bodies: Mapped[int] = mapped_column(default=0)
    first_for_dispute: Mapped[bool] = mapped_column(default=False)
    escalation_days: Mapped[float | None] = mapped_column(sa.Float)
    minutes_days: Mapped[float | None] = mapped_column(sa.Float)

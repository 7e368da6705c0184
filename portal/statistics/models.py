"""Stored monthly reports (月度统计报告): one per month, kept for download."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from portal.conferences.models import AnswerChange, Conference
from portal.disputes.models import Dispute
from portal.extensions import db
from portal.orgs.models import User
from portal.timeutil import UTCDateTime, utcnow


class MonthlyReport(db.Model):
    """The statistics report of one calendar month, as issued; the month is unique, so a
    second generation (a restarted or concurrent scheduler) finds the first one."""

    __tablename__ = "monthly_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(sa.String(7), unique=True)  # "2026-10"
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

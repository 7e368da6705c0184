"""The job table."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, deferred, mapped_column

from portal.extensions import db
from portal.labels import Labelled
from portal.timeutil import UTCDateTime, utcnow


class JobState(Labelled):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


LABELS = {
    JobState.QUEUED: _l("Queued"),
    JobState.RUNNING: _l("Being prepared"),
    JobState.DONE: _l("Ready to download"),
    JobState.FAILED: _l("Could not be prepared"),
}


class Job(db.Model):
    """A piece of background work (后台任务): queued, claimed with a lease, done or failed."""

    __tablename__ = "jobs"
    __table_args__ = (sa.Index("ix_jobs_due", "state", "run_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    payload: Mapped[str] = mapped_column(sa.Text, default="{}")
    state: Mapped[JobState] = mapped_column(
        sa.Enum(JobState, native_enum=False, length=16), default=JobState.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(sa.String(32))
    progress: Mapped[int] = mapped_column(default=0)
    step: Mapped[str] = mapped_column(sa.String(200), default="")
    error: Mapped[str | None] = mapped_column(sa.Text)
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RenderedPdf(db.Model):
    """A rendered document kept for download, found by the hash of what it shows."""

    __tablename__ = "rendered_pdfs"

    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    size: Mapped[int]
    rendered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    pdf: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary, nullable=False))


class Heartbeat(db.Model):
    """When a background process (the job worker, the mail sender) last ran its loop, so
    the pages that depend on it can say when nothing is running."""

    __tablename__ = "heartbeats"

    process: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

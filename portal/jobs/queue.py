"""Writing, claiming and running jobs; see the package's docstring for the guarantees."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import wakeup
from portal.jobs.models import Job, JobState
from portal.registry import Registry
from portal.timeutil import utcnow
from portal.upsert import upsert

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=1)


class RetryLater(Exception):
    """The job cannot run yet (it waits for another job or a service); it is tried again
    without counting as a failure. ``step`` says on the waiting page what it waits for."""

    def __init__(self, seconds: float = 15, step: str = ""):
        super().__init__(f"waiting {seconds:g} s")
        self.seconds, self.step = seconds, step


@dataclass(frozen=True)
class Kind:
    name: str
    run: Callable[[JobRun], None]
    lease: timedelta
    max_attempts: int


# Filled in by portal.wiring, which names each kind's module (imported when one first runs).
KINDS = Registry("job kind")


def handler(name: str, lease_seconds: int = 600, max_attempts: int = 5):
    """Register ``function(run: JobRun)`` as the handler of jobs of kind ``name``."""
    def register(function):
        KINDS.register(name, Kind(name, function, timedelta(seconds=lease_seconds),
                                  max_attempts))
        return function
    return register


def backoff(attempts: int) -> timedelta:
    """The wait after the n-th failed attempt: 30 s, then 1, 2, 4 ... minutes, at most an hour."""
    if attempts <= 1:
        return timedelta(seconds=30)
    return min(timedelta(minutes=2 ** min(attempts - 2, 10)), MAX_BACKOFF)


def enqueue(kind: str, key: str, payload: dict | None = None, *, requested_by=None,
            run_after: datetime | None = None) -> Job:
    """The job of ``key``, written in the caller's transaction; an existing one is returned
    as it is (a failed one is queued again), so asking twice does the work once."""
    if kind not in KINDS:
        raise LookupError(f"no handler for jobs of kind {kind!r}")
    values = dict(kind=kind, key=key, payload=json.dumps(payload or {}, sort_keys=True),
                  state=JobState.QUEUED.name, attempts=0, progress=0, step="",
                  run_after=run_after or utcnow(), created_at=utcnow(),
                  requested_by_id=getattr(requested_by, "id", None))
    table = Job.__table__
    db.session.execute(upsert(table).values(**values)
                       .on_conflict_do_nothing(index_elements=["key"]))
    job = db.session.scalar(sa.select(Job).where(Job.key == key).execution_options(
        populate_existing=True))
    if job.state is JobState.FAILED:
        retry(job)
    if job.state is JobState.QUEUED:
        wakeup.announce()
    return job


def retry(job: Job) -> None:
    """Queue a failed job again, with a fresh count of attempts."""
    job.state, job.attempts, job.error = JobState.QUEUED, 0, None
    job.run_after, job.progress, job.step, job.finished_at = utcnow(), 0, "", None


def find(key: str) -> Job | None:
    return db.session.scalar(sa.select(Job).where(Job.key == key))


class JobRun:
    """What a handler gets: the payload, and a way to report progress."""

    def __init__(self, job_id: int, token: str, payload: dict, attempt: int):
        self.job_id, self.token, self.payload, self.attempt = job_id, token, payload, attempt

    def progress(self, percent: int, step: str = "") -> None:
        """Shown on the waiting page; committed at once, in a transaction of its own."""
        db.session.commit()
        db.session.execute(sa.update(Job).where(
            Job.id == self.job_id, Job.claim_token == self.token)
            .values(progress=max(0, min(99, percent)), step=step[:200]))
        db.session.commit()


def _due(now: datetime, kinds):
    due = sa.or_(sa.and_(Job.state == JobState.QUEUED, Job.run_after <= now),
                 sa.and_(Job.state == JobState.RUNNING, Job.lease_until <= now))
    query = sa.select(Job).where(due).order_by(Job.run_after, Job.id).limit(1)
    if kinds:
        query = query.where(Job.kind.in_(kinds))
    return query.with_for_update(skip_locked=True)


def claim(now: datetime | None = None, kinds=None) -> JobRun | None:
    """Take the next due job (a queued one, or one whose worker's lease ran out)."""
    now = now or utcnow()
    while True:
        job = db.session.scalar(_due(now, kinds or tuple(KINDS)))
        if job is None:
            db.session.commit()
            return None
        if job.kind in KINDS and not KINDS.is_loaded(job.kind):
            db.session.rollback()  # nothing is locked while its handler's module loads
            KINDS.load(job.kind)
            continue
        kind = KINDS.get(job.kind)
        if kind is None or job.attempts >= kind.max_attempts:
            # The last worker died mid-run (or the kind is no longer known): give up.
            job.state, job.lease_until, job.claim_token = JobState.FAILED, None, None
            job.finished_at = now
            job.error = job.error or "the worker stopped during the last attempt"
            db.session.commit()
            continue
        token = uuid.uuid4().hex
        job.state, job.claim_token, job.lease_until = JobState.RUNNING, token, now + kind.lease
        job.attempts += 1
        job.started_at = job.started_at or now
        run = JobRun(job.id, token, json.loads(job.payload or "{}"), job.attempts)
        db.session.commit()
        return run


def _finish(run: JobRun, **values) -> bool:
    done = db.session.execute(sa.update(Job).where(
        Job.id == run.job_id, Job.claim_token == run.token)
        .values(lease_until=None, claim_token=None, **values)).rowcount
    db.session.commit()
    return done == 1


def execute(run: JobRun) -> JobState:
    """Run a claimed job and record how it went."""
    job = db.session.get(Job, run.job_id)
    kind = KINDS[job.kind]
    db.session.commit()
    try:
        kind.run(run)
    except RetryLater as wait:
        db.session.rollback()
        _finish(run, state=JobState.QUEUED, attempts=Job.attempts - 1, step=wait.step[:200],
                run_after=utcnow() + timedelta(seconds=wait.seconds))
        return JobState.QUEUED
    except Exception as error:  # recorded on the job; the page shows it, the log has all
        log.exception("job %s (%s) failed", run.job_id, kind.name)
        db.session.rollback()
        detail = f"{type(error).__name__}: {error}"[:2000]
        if run.attempt >= kind.max_attempts:
            _finish(run, state=JobState.FAILED, error=detail, finished_at=utcnow())
            return JobState.FAILED
        _finish(run, state=JobState.QUEUED, error=detail,
                run_after=utcnow() + backoff(run.attempt))
        return JobState.QUEUED
    _finish(run, state=JobState.DONE, progress=100, step="", error=None,
            finished_at=utcnow())
    return JobState.DONE


def work_due(now: datetime | None = None, limit: int | None = None, kinds=None) -> int:
    """Run due jobs until none is left (or ``limit`` have run); returns how many ran."""
    count = 0
    while limit is None or count < limit:
        run = claim(now, kinds)
        if run is None:
            return count
        execute(run)
        count += 1
    return count

"""Background processes report that they run; pages read when each was last seen."""

from __future__ import annotations

from datetime import datetime, timedelta

from portal.extensions import db
from portal.jobs.models import Heartbeat
from portal.timeutil import utcnow
from portal.upsert import upsert

# A process whose loop has not come round for this long is taken to be stopped: well above
# the default intervals (2 s for the worker, 30 s for the mail sender) and a five-minute
# cron run of a `--once` command.
STALE_AFTER = timedelta(minutes=6)


def beat(process: str, now: datetime | None = None) -> None:
    """Record that ``process`` ran its loop now; committed with the caller's transaction.

    Several senders may beat at once, so the row is written with one upsert."""
    seen_at = now or utcnow()
    db.session.execute(upsert(Heartbeat.__table__)
                       .values(process=process, seen_at=seen_at)
                       .on_conflict_do_update(index_elements=["process"],
                                              set_={"seen_at": seen_at}))


def last_seen(process: str) -> datetime | None:
    row = db.session.get(Heartbeat, process)
    return row.seen_at if row is not None else None


def running(process: str, now: datetime | None = None) -> bool:
    seen = last_seen(process)
    return seen is not None and seen >= (now or utcnow()) - STALE_AFTER

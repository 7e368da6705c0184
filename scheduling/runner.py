"""The background runner: call ``tick(now)`` every N seconds with APScheduler 3.

API::

    run_once(tick, clock=utc_now) -> datetime
    build_scheduler(tick, clock=utc_now, interval_seconds=60, blocking=False)
        -> BackgroundScheduler | BlockingScheduler   (not started)

The scheduler only keeps time; the database is the source of truth. Each tick
reads what is due and claims rows there (``SELECT ... FOR UPDATE SKIP LOCKED``
or a conditional UPDATE), so a restart loses nothing and two scheduler
processes never act on the same row. That is why there is no file lock and no
persistent APScheduler job store here.

Job settings: ``coalesce=True`` turns a backlog of missed runs (laptop asleep,
process paused) into one tick; ``misfire_grace_time=None`` runs that tick
however late it is; ``max_instances=1`` never overlaps two ticks in one
process. ``clock`` supplies the ``now`` handed to ``tick`` so tests can travel
in time; APScheduler's own timing still follows the real clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from scheduling.intervals import require_aware

if TYPE_CHECKING:  # APScheduler is slow to import and `portal scheduler --once` needs none
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

Clock = Callable[[], datetime]
Tick = Callable[[datetime], object]

JOB_ID = "scheduling-tick"
DEFAULT_INTERVAL_SECONDS = 60
JOB_SETTINGS: dict[str, object] = {"coalesce": True, "misfire_grace_time": None, "max_instances": 1}


def utc_now() -> datetime:
    return datetime.now(UTC)


def run_once(tick: Tick, clock: Clock = utc_now) -> datetime:
    """Call ``tick`` once with the clock's current time and return that time."""
    now = clock()
    require_aware(now)
    tick(now)
    return now


def build_scheduler(
    tick: Tick,
    *,
    clock: Clock = utc_now,
    interval_seconds: int = DEFAULT_INTERVAL_SECONDS,
    blocking: bool = False,
) -> BackgroundScheduler | BlockingScheduler:
    """A scheduler with one interval job running ``run_once(tick, clock)``; call ``start()``.

    The first tick runs as soon as the scheduler starts, so work that fell due
    while the process was down is picked up at once. Use ``blocking=True`` for
    a dedicated scheduler process, the default inside a web worker or dev server.
    """
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    if interval_seconds < 1:
        raise ValueError("interval_seconds must be at least 1")
    scheduler_class = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = scheduler_class(timezone=UTC)
    scheduler.add_job(
        run_once,
        "interval",
        seconds=interval_seconds,
        args=(tick, clock),
        id=JOB_ID,
        name="scheduling tick",
        next_run_time=utc_now(),
        replace_existing=True,
        **JOB_SETTINGS,
    )
    return scheduler

from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from scheduling.errors import SlotError
from scheduling.runner import JOB_ID, build_scheduler, run_once

NEW_YEAR = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)


class FakeClock:
    """A clock a test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NEW_YEAR)


def test_run_once_hands_the_clock_time_to_tick(clock):
    seen: list[datetime] = []
    assert run_once(seen.append, clock) == NEW_YEAR
    clock.advance(timedelta(days=31))
    run_once(seen.append, clock)
    assert seen == [NEW_YEAR, NEW_YEAR + timedelta(days=31)]


def test_run_once_refuses_a_naive_clock():
    with pytest.raises(SlotError):
        run_once(lambda now: None, lambda: datetime(2026, 1, 1))


def test_scheduler_job_coalesces_never_misfires_and_never_overlaps(clock):
    job = build_scheduler(lambda now: None, clock=clock).get_job(JOB_ID)
    assert job.coalesce is True
    assert job.misfire_grace_time is None
    assert job.max_instances == 1
    assert job.trigger.interval == timedelta(seconds=60)


def test_scheduler_interval_is_configurable(clock):
    job = build_scheduler(lambda now: None, clock=clock, interval_seconds=15).get_job(JOB_ID)
    assert job.trigger.interval == timedelta(seconds=15)


def test_scheduler_job_ticks_with_the_injected_clock(clock):
    seen: list[datetime] = []
    job = build_scheduler(seen.append, clock=clock).get_job(JOB_ID)
    job.func(*job.args, **job.kwargs)
    clock.advance(timedelta(hours=2))
    job.func(*job.args, **job.kwargs)
    assert seen == [NEW_YEAR, NEW_YEAR + timedelta(hours=2)]


def test_background_is_the_default_and_blocking_on_request(clock):
    assert isinstance(build_scheduler(print, clock=clock), BackgroundScheduler)
    assert isinstance(build_scheduler(print, clock=clock, blocking=True), BlockingScheduler)


def test_started_scheduler_keeps_the_job_settings(clock):
    scheduler = build_scheduler(lambda now: None, clock=clock)
    scheduler.start(paused=True)
    try:
        job = scheduler.get_job(JOB_ID)
        assert (job.coalesce, job.misfire_grace_time, job.max_instances) == (True, None, 1)
    finally:
        scheduler.shutdown(wait=False)


def test_interval_below_one_second_is_rejected(clock):
    with pytest.raises(ValueError):
        build_scheduler(print, clock=clock, interval_seconds=0)

"""Benchmark the slot finder (ranked and spread): 20 participants x 500 busy, 30-day horizon.

Run: python bench/bench_slots.py   (target: median under 20 ms)
"""

import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scheduling.finder import Participant, find_slots, spread_slots  # noqa: E402
from scheduling.intervals import Interval  # noqa: E402
from scheduling.workcal import WorkingCalendar  # noqa: E402

PARTICIPANTS = 20
BUSY_PER_PARTICIPANT = 500
HORIZON = timedelta(days=30)
RUNS = 51
TARGET_MS = 20.0


def world(seed: int = 7) -> tuple[list[Participant], list[Interval], datetime]:
    rng = random.Random(seed)
    start = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    horizon_minutes = int(HORIZON.total_seconds() // 60)

    def busy(count: int) -> list[Interval]:
        intervals = []
        for _ in range(count):
            begin = start + timedelta(minutes=rng.randrange(0, horizon_minutes, 5))
            intervals.append(Interval(begin, begin + timedelta(minutes=rng.choice((15, 30, 60)))))
        return intervals

    participants = [
        Participant(n, f"participant {n}", required=n < 8, busy=busy(BUSY_PER_PARTICIPANT))
        for n in range(PARTICIPANTS)
    ]
    return participants, busy(40), start


def timed(search) -> tuple[float, list]:
    timings = []
    for _ in range(RUNS):
        began = time.perf_counter()
        found = search()
        timings.append((time.perf_counter() - began) * 1000)
    return statistics.median(timings), found


def main() -> None:
    participants, room, start = world()
    calendar = WorkingCalendar()
    arguments = (participants, room, timedelta(hours=1), start, start + HORIZON, calendar)
    options = {"granularity": timedelta(minutes=15), "limit": 5}
    median, found = timed(lambda: find_slots(*arguments, **options))
    # A poll's worth of suggestions, spread over days, around two slots already proposed.
    proposed = [Interval(c.slot.start_utc, c.slot.end_utc) for c in found[:2]]
    spread_median, spread = timed(lambda: spread_slots(*arguments, proposed=proposed,
                                                       **options))
    print(
        f"slot finder: {PARTICIPANTS} participants x {BUSY_PER_PARTICIPANT} busy, "
        f"30 days, 15 min grid"
    )
    print(f"  find_slots   median {median:.2f} ms over {RUNS} runs (target < {TARGET_MS:.0f} ms)")
    print(f"  spread_slots median {spread_median:.2f} ms (same target)")
    best = found[0]
    print(
        f"  best: {best.slot.start:%Y-%m-%d %H:%M} {best.slot.zone}, "
        f"{best.required_free} required and {best.optional_free} optional free"
    )
    print("  spread: " + ", ".join(f"{c.slot.start:%m-%d %H:%M}" for c in spread))
    print("  PASS" if max(median, spread_median) < TARGET_MS else "  MISS")


if __name__ == "__main__":
    main()

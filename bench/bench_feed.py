"""Benchmark the calendar feed against plain ``icalendar`` on 1,000 events.

Run: python bench/bench_feed.py
Targets: cold feed within 1.2x of the baseline, warm feed under 25% of it.
The baseline builds one Calendar holding 1,000 Events with the same properties
and calls ``to_ical()``; it adds no VTIMEZONE, which only flatters it.
"""

import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from icalendar import Calendar, Event, vCalAddress  # noqa: E402

from scheduling.ical import (  # noqa: E402
    ConferenceEvent,
    EventStatus,
    Mailbox,
    build_feed,
    clear_caches,
    feed_etag,
)
from scheduling.slots import WallClockSlot  # noqa: E402

EVENTS = 1_000
ROUNDS = 9
COLD_TARGET = 1.2
WARM_TARGET = 0.25


def events() -> list[ConferenceEvent]:
    first = datetime(2026, 3, 2, 9, 30)
    return [
        ConferenceEvent(
            uid=f"conference-{n}@portal.example",
            sequence=n % 3,
            summary=f"联席会商 案件 GP-2026-{n:04d}",
            description=f"案件编号 GP-2026-{n:04d}。详情见门户。",
            location="南城派出所 二楼会议室",
            slot=WallClockSlot(
                first + timedelta(days=n % 90),
                first + timedelta(days=n % 90, hours=2),
                "Asia/Shanghai",
            ),
            status=EventStatus.CONFIRMED,
            organizer=Mailbox("convener@nancheng.example", "王召集"),
            updated=datetime(2026, 2, 1, tzinfo=UTC) + timedelta(minutes=n),
        )
        for n in range(EVENTS)
    ]


def baseline(items: list[ConferenceEvent]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//bench//EN")
    calendar.add("version", "2.0")
    for item in items:
        tz = item.slot.tz
        event = Event()
        event.add("uid", item.uid)
        event.add("sequence", item.sequence)
        event.add("dtstamp", item.updated)
        event.add("last-modified", item.updated)
        event.add("dtstart", item.slot.start.replace(tzinfo=tz))
        event.add("dtend", item.slot.end.replace(tzinfo=tz))
        event.add("summary", item.summary)
        event.add("description", item.description)
        event.add("location", item.location)
        event.add("status", item.status.value)
        organizer = vCalAddress(f"mailto:{item.organizer.email}")
        organizer.params["CN"] = item.organizer.name
        event.add("organizer", organizer)
        calendar.add_component(event)
    return calendar.to_ical()


def timed(action: Callable[[], object]) -> float:
    began = time.perf_counter()
    action()
    return (time.perf_counter() - began) * 1000


def main() -> None:
    items = events()
    base, first, cold, warm, etag = [], [], [], [], []
    for _ in range(ROUNDS):
        # Interleaved so drift in machine load hits every variant alike.
        base.append(timed(lambda: baseline(items)))
        clear_caches()
        first.append(timed(lambda: build_feed(items, "我的会商")))
        # VTIMEZONE blocks are cached per process and shared by every message,
        # so a cold feed is one whose VEVENTs are not cached yet.
        clear_caches(keep_timezones=True)
        cold.append(timed(lambda: build_feed(items, "我的会商")))
        warm.append(timed(lambda: build_feed(items, "我的会商")))
        etag.append(timed(lambda: feed_etag(items, "我的会商")))
    b, f, c, w, e = (statistics.median(t) for t in (base, first, cold, warm, etag))
    print(f"feed of {EVENTS} events, medians over {ROUNDS} interleaved rounds")
    print(f"  baseline icalendar Calendar.to_ical  {b:8.2f} ms")
    print(f"  build_feed cold                      {c:8.2f} ms  ratio {c / b:.3f}")
    print(f"  cold, VTIMEZONE not cached either    {f:8.2f} ms  ratio {f / b:.3f}")
    print(f"  build_feed warm                      {w:8.2f} ms  ratio {w / b:.4f}")
    print(f"  feed_etag                            {e:8.2f} ms  ratio {e / b:.4f}")
    ok = c / b <= COLD_TARGET and w / b < WARM_TARGET
    verdict = "PASS" if ok else "MISS"
    print(f"  targets: cold <= {COLD_TARGET}x, warm < {WARM_TARGET:.0%}: {verdict}")


if __name__ == "__main__":
    main()

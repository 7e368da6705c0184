"""Suggest meeting slots that suit the most participants.

API::

    find_slots(participants, room_bookings, duration, start, end, calendar,
               granularity=timedelta(minutes=15), limit=5) -> list[Candidate]

Candidates start on a grid of ``granularity`` counted from each working
period's opening (08:30, 08:45, ...), lie wholly inside one working period,
and never overlap a room booking. They are ranked by required participants
free, then optional participants free, then earliest start; each lists who
cannot come. Existing conferences belong in the participants' busy lists.

The work is interval arithmetic, not a clock scan: each participant's busy
list is sorted and merged, and every merged interval marks the run of
candidate starts it blocks with two bisections into the sorted starts and a
difference array, so the cost grows with busy intervals plus candidates, not
with minutes in the horizon.
"""

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate

from scheduling.errors import SlotError, SlotErrorCode
from scheduling.intervals import Interval, merged, require_aware
from scheduling.slots import WallClockSlot
from scheduling.workcal import WorkingCalendar


@dataclass(frozen=True)
class Participant:
    id: int
    name: str
    required: bool
    busy: Sequence[Interval] = field(default=())


@dataclass(frozen=True, slots=True)
class Unavailable:
    id: int
    name: str
    required: bool


@dataclass(frozen=True, slots=True)
class Candidate:
    """A suggested slot in the room's wall-clock time, with who cannot make it."""

    slot: WallClockSlot
    required_free: int
    optional_free: int
    unavailable: tuple[Unavailable, ...]


def find_slots(
    participants: Sequence[Participant],
    room_bookings: Sequence[Interval],
    duration: timedelta,
    start: datetime,
    end: datetime,
    calendar: WorkingCalendar,
    *,
    granularity: timedelta = timedelta(minutes=15),
    limit: int = 5,
) -> list[Candidate]:
    """The best ``limit`` candidates within the horizon ``[start, end)``, best first."""
    require_aware(start, end)
    if duration <= timedelta(0) or granularity <= timedelta(0) or limit < 1:
        raise SlotError(SlotErrorCode.BAD_SEARCH, "duration, granularity and limit must be > 0")
    if duration > calendar.longest_period:
        raise SlotError(
            SlotErrorCode.BAD_SEARCH,
            f"no working period is long enough for {duration} "
            f"(longest is {calendar.longest_period}); propose such a slot by hand",
        )
    starts = _grid_starts(calendar, start, end, duration, granularity)
    if not starts:
        return []

    room_blocked = _blocked_counts(starts, [merged(room_bookings)], duration)
    busy_lists = [merged(p.busy) for p in participants]
    required = [busy for p, busy in zip(participants, busy_lists, strict=True) if p.required]
    optional = [busy for p, busy in zip(participants, busy_lists, strict=True) if not p.required]
    required_busy = _blocked_counts(starts, required, duration)
    optional_busy = _blocked_counts(starts, optional, duration)

    ranked = heapq.nsmallest(
        limit,
        (
            (required_busy[i], optional_busy[i], starts[i])
            for i in range(len(starts))
            if not room_blocked[i]
        ),
    )
    return [
        Candidate(
            slot=WallClockSlot.from_utc(slot_start, slot_start + duration, calendar.zone),
            required_free=len(required) - required_count,
            optional_free=len(optional) - optional_count,
            unavailable=tuple(
                Unavailable(p.id, p.name, p.required)
                for p, busy in zip(participants, busy_lists, strict=True)
                if _is_busy(busy, slot_start, slot_start + duration)
            ),
        )
        for required_count, optional_count, slot_start in ranked
    ]


def _grid_starts(
    calendar: WorkingCalendar,
    start: datetime,
    end: datetime,
    duration: timedelta,
    step: timedelta,
) -> list[datetime]:
    horizon_start, horizon_end = start.astimezone(UTC), end.astimezone(UTC)
    starts: list[datetime] = []
    for period in calendar.periods_between(start, end):
        # Anchor the grid at the opening so suggestions read 08:30, 08:45, ...
        # even when the horizon begins at an odd minute.
        skipped_steps = -(-max(timedelta(0), horizon_start - period.start) // step)
        first = period.start + skipped_steps * step
        last = min(period.end, horizon_end) - duration
        if last >= first:
            starts.extend(first + k * step for k in range((last - first) // step + 1))
    return starts


def _blocked_counts(
    starts: list[datetime], busy_lists: list[list[tuple[datetime, datetime]]], duration: timedelta
) -> list[int]:
    """For each candidate start, how many of the merged busy lists block it."""
    diff = [0] * (len(starts) + 1)
    for busy in busy_lists:
        marked_up_to = 0
        for busy_start, busy_end in busy:
            # A slot [s, s + duration) meets [busy_start, busy_end) iff
            # busy_start - duration < s < busy_end.
            lo = bisect_right(starts, busy_start - duration)
            hi = bisect_left(starts, busy_end)
            # One slot can meet two of a participant's busy intervals; the
            # ranges arrive in order, so skipping what is marked counts them once.
            lo = max(lo, marked_up_to)
            if lo < hi:
                diff[lo] += 1
                diff[hi] -= 1
                marked_up_to = hi
    return list(accumulate(diff[:-1]))


def _is_busy(
    busy: list[tuple[datetime, datetime]], slot_start: datetime, slot_end: datetime
) -> bool:
    index = bisect_left(busy, (slot_end,)) - 1
    return index >= 0 and busy[index][1] > slot_start

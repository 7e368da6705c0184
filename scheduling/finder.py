"""Suggest meeting slots that suit the most participants.

API::

    find_slots(participants, room_bookings, duration, start, end, calendar,
               granularity=timedelta(minutes=15), limit=5) -> list[Candidate]
    spread_slots(participants, room_bookings, duration, start, end, calendar,
                 proposed=(), granularity=..., limit=5) -> list[Candidate]

Candidates start on a grid of ``granularity`` counted from each working
period's opening (08:30, 08:45, ...), lie wholly inside one working period,
and never overlap a room booking. They are ranked by required participants
free, then optional participants free, then earliest start; each lists who
cannot come. Existing conferences belong in the participants' busy lists.
``spread_slots`` picks from the same candidates a set to offer together in a
poll: none overlapping another or a slot already proposed, spread over days.

The work is interval arithmetic, not a clock scan: each participant's busy
list is sorted and merged, and every merged interval marks the run of
candidate starts it blocks with two bisections into the sorted starts and a
difference array, so the cost grows with busy intervals plus candidates, not
with minutes in the horizon.
"""

import heapq
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
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
    search = _Search(participants, room_bookings, duration, start, end, calendar, granularity,
                     limit)
    return [search.candidate(i) for i in heapq.nsmallest(limit, search.open, key=search.score)]


def spread_slots(
    participants: Sequence[Participant],
    room_bookings: Sequence[Interval],
    duration: timedelta,
    start: datetime,
    end: datetime,
    calendar: WorkingCalendar,
    *,
    proposed: Sequence[Interval] = (),
    granularity: timedelta = timedelta(minutes=15),
    limit: int = 5,
) -> list[Candidate]:
    """Up to ``limit`` candidates to offer side by side in a poll, best first.

    No two overlap each other or any ``proposed`` slot (a poll's slots must not
    overlap), and each day gets a second one only when no other day scores as
    well: five equally good slots are five days, not five starts a quarter of
    an hour apart. Greedy: each pick is the free start with the fewest required,
    then optional participants busy, then the fewest picks on its day, then the
    earliest.
    """
    search = _Search(participants, [*room_bookings, *proposed], duration, start, end, calendar,
                     granularity, limit)
    days = [moment.astimezone(calendar.tz).date() for moment in search.starts]
    picked: list[int] = []
    per_day: Counter[date] = Counter()
    remaining = search.open
    while len(picked) < limit:
        remaining = [
            i for i in remaining
            if not picked or abs(search.starts[i] - search.starts[picked[-1]]) >= duration
        ]
        if not remaining:
            break
        best = min(remaining, key=lambda i: (*search.score(i)[:2], per_day[days[i]],
                                             search.starts[i]))
        picked.append(best)
        per_day[days[best]] += 1
    return [search.candidate(i) for i in picked]


class _Search:
    """Candidate starts on the grid with, for each, how many required and optional
    participants are busy; ``open`` are the indexes the room (or a proposal) leaves free."""

    def __init__(self, participants, blocking, duration, start, end, calendar, granularity,
                 limit) -> None:
        require_aware(start, end)
        if duration <= timedelta(0) or granularity <= timedelta(0) or limit < 1:
            raise SlotError(SlotErrorCode.BAD_SEARCH,
                            "duration, granularity and limit must be > 0")
        if duration > calendar.longest_period:
            raise SlotError(
                SlotErrorCode.BAD_SEARCH,
                f"no working period is long enough for {duration} "
                f"(longest is {calendar.longest_period}); propose such a slot by hand",
            )
        self.participants, self.duration, self.zone = participants, duration, calendar.zone
        self.starts = _grid_starts(calendar, start, end, duration, granularity)
        blocked = _blocked_counts(self.starts, [merged(blocking)], duration)
        self.open = [i for i in range(len(self.starts)) if not blocked[i]]
        self.busy_lists = [merged(p.busy) for p in participants]
        pairs = list(zip(participants, self.busy_lists, strict=True))
        required = [busy for p, busy in pairs if p.required]
        optional = [busy for p, busy in pairs if not p.required]
        self.required, self.optional = len(required), len(optional)
        self.required_busy = _blocked_counts(self.starts, required, duration)
        self.optional_busy = _blocked_counts(self.starts, optional, duration)

    def score(self, i: int) -> tuple[int, int, datetime]:
        return self.required_busy[i], self.optional_busy[i], self.starts[i]

    def candidate(self, i: int) -> Candidate:
        slot_start = self.starts[i]
        slot_end = slot_start + self.duration
        return Candidate(
            slot=WallClockSlot.from_utc(slot_start, slot_end, self.zone),
            required_free=self.required - self.required_busy[i],
            optional_free=self.optional - self.optional_busy[i],
            unavailable=tuple(
                Unavailable(p.id, p.name, p.required)
                for p, busy in zip(self.participants, self.busy_lists, strict=True)
                if _is_busy(busy, slot_start, slot_end)
            ),
        )


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

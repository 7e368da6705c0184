"""Half-open UTC time intervals and the merge step the slot finder relies on."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter

from scheduling.errors import SlotError, SlotErrorCode


@dataclass(frozen=True, slots=True)
class Interval:
    """``[start, end)`` between two aware datetimes, normally in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise SlotError(SlotErrorCode.AWARE_EXPECTED, "interval bounds must be aware")
        if self.end <= self.start:
            raise SlotError(SlotErrorCode.END_NOT_AFTER_START, "interval must end after it starts")

    def overlaps(self, other: "Interval") -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: "Interval") -> bool:
        return self.start <= other.start and other.end <= self.end


_start = attrgetter("start")


def require_aware(*instants: datetime) -> None:
    for instant in instants:
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise SlotError(SlotErrorCode.AWARE_EXPECTED, f"{instant!r} has no time zone")


def to_utc(instant: datetime) -> datetime:
    require_aware(instant)
    return instant.astimezone(UTC)


def merged(intervals: Iterable[Interval]) -> list[tuple[datetime, datetime]]:
    """Sort and merge intervals into disjoint ``(start, end)`` pairs, in order.

    Touching intervals merge too: a meeting ending at 10:00 and one starting at
    10:00 leave no gap worth proposing.
    """
    result: list[tuple[datetime, datetime]] = []
    for interval in sorted(intervals, key=_start):
        if result and interval.start <= result[-1][1]:
            if interval.end > result[-1][1]:
                result[-1] = (result[-1][0], interval.end)
        else:
            result.append((interval.start, interval.end))
    return result

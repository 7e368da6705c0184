"""Meeting slots kept as wall-clock time in the room's zone.

A confirmed conference happens at, say, 09:30 in Gaoping whatever happens to
anyone's settings: storing the naive wall-clock start/end with the room's IANA
zone (not a UTC instant) means that changing a user's display zone, or a
government changing its zone rules, never moves the meeting in the room.
UTC and other zones are derived on demand.

API::

    slot = WallClockSlot(start=naive, end=naive, zone="Asia/Shanghai")
    slot.start_utc, slot.end_utc, slot.interval   -> aware UTC
    slot.in_zone("Europe/Berlin")                 -> (aware start, aware end)
    WallClockSlot.from_utc(start, end, zone)      -> WallClockSlot
    validate_proposals(slots, calendar)           -> None or raises SlotError
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduling.errors import SlotError, SlotErrorCode
from scheduling.intervals import Interval, require_aware
from scheduling.workcal import WorkingCalendar


def zone_info(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SlotError(SlotErrorCode.UNKNOWN_ZONE, f"unknown zone {name!r}") from exc


@dataclass(frozen=True, slots=True)
class WallClockSlot:
    """A meeting time as the room's clock shows it: naive start/end plus the zone name."""

    start: datetime
    end: datetime
    zone: str

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise SlotError(
                SlotErrorCode.NAIVE_EXPECTED, "wall-clock times are naive; the zone is separate"
            )
        tz = zone_info(self.zone)
        for local in (self.start, self.end):
            aware = local.replace(tzinfo=tz)
            if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != local:
                raise SlotError(
                    SlotErrorCode.NONEXISTENT_TIME,
                    f"{local:%Y-%m-%d %H:%M} does not exist in {self.zone} (clocks jump)",
                )
        if self.end <= self.start:
            raise SlotError(SlotErrorCode.END_NOT_AFTER_START, "a slot must end after it starts")

    @classmethod
    def from_utc(cls, start: datetime, end: datetime, zone: str) -> "WallClockSlot":
        require_aware(start, end)
        tz = zone_info(zone)
        return cls(
            start.astimezone(tz).replace(tzinfo=None),
            end.astimezone(tz).replace(tzinfo=None),
            zone,
        )

    @property
    def tz(self) -> ZoneInfo:
        return zone_info(self.zone)

    @property
    def start_utc(self) -> datetime:
        return self.start.replace(tzinfo=self.tz).astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        return self.end.replace(tzinfo=self.tz).astimezone(UTC)

    @property
    def interval(self) -> Interval:
        return Interval(self.start_utc, self.end_utc)

    @property
    def duration(self) -> timedelta:
        """Elapsed time, which differs from ``end - start`` across a DST change."""
        return self.end_utc - self.start_utc

    def in_zone(self, zone: str) -> tuple[datetime, datetime]:
        """Start and end as aware datetimes in a viewer's zone, for display only."""
        tz = zone_info(zone)
        return self.start_utc.astimezone(tz), self.end_utc.astimezone(tz)


def validate_proposals(slots: Sequence[WallClockSlot], calendar: WorkingCalendar) -> None:
    """Reject a set of proposed slots that cannot be offered together.

    Errors (``SlotError.code``): LONGER_THAN_WORKING_DAY when a slot outlasts the
    calendar's opening-to-closing span, OVERLAPPING when two proposals share
    time. A slot outside hours or on a holiday is only a warning: see
    ``WorkingCalendar.check``.
    """
    for slot in slots:
        if slot.duration > calendar.day_span:
            raise SlotError(
                SlotErrorCode.LONGER_THAN_WORKING_DAY,
                f"a slot of {slot.duration} is longer than the working day ({calendar.day_span})",
            )
    ordered = sorted(slots, key=lambda slot: slot.start_utc)
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if later.start_utc < earlier.end_utc:
            raise SlotError(
                SlotErrorCode.OVERLAPPING,
                f"proposed slots overlap: {earlier.start:%Y-%m-%d %H:%M} "
                f"and {later.start:%Y-%m-%d %H:%M}",
            )

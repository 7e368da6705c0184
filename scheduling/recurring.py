"""Recurring meetings: the dates a rule gives, and the one calendar event that carries them.

API::

    occurrences(rule, first, zone, start, end) -> list[datetime]   UTC starts in [start, end)
    check_rule(rule) -> None                                       ValueError if unusable
    SeriesEvent(...).to_ical() -> bytes                            master VEVENT + overrides

A series is one VEVENT with an RFC 5545 RRULE read from its wall-clock DTSTART in the
series' zone (so a weekly meeting stays at 9:00 local time whatever the offset). A
cancelled meeting is an EXDATE of the master; a moved one is a second VEVENT with the same
UID whose RECURRENCE-ID names the occurrence it replaces. ``build_feed`` and ``feed_etag``
of ``scheduling.ical`` take series beside single events.

dateutil and icalendar are imported where a rule is read or an event written: a scheduler
that plans series on every tick, and has none to plan, needs neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from scheduling.intervals import require_aware
from scheduling.slots import WallClockSlot, zone_info

if TYPE_CHECKING:
    from icalendar import Event

# Rules the planning understands; anything finer (BYSETPOS, hourly) is refused.
FREQUENCIES = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})


def check_rule(rule: str) -> None:
    """Raise ValueError unless ``rule`` is an RRULE value the portal plans with."""
    parts = dict(part.split("=", 1) for part in rule.strip().upper().split(";") if "=" in part)
    if parts.get("FREQ") not in FREQUENCIES:
        raise ValueError("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY")
    from dateutil import rrule as dateutil_rrule

    dateutil_rrule.rrulestr(rule, dtstart=datetime(2000, 1, 1))


def occurrences(rule: str, first: datetime, zone: str, start: datetime,
                end: datetime) -> list[datetime]:
    """The starts (aware, UTC) the rule gives from the wall-clock ``first`` within
    ``[start, end)``; ``start`` and ``end`` are aware."""
    require_aware(start, end)
    if first.tzinfo is not None:
        raise ValueError("first is the wall-clock start, naive")
    from dateutil import rrule as dateutil_rrule

    tz = zone_info(zone)
    local = dateutil_rrule.rrulestr(rule, dtstart=first)
    # The rule runs on the wall clock; each local start is then placed in the zone.
    window = local.between(start.astimezone(tz).replace(tzinfo=None),
                           end.astimezone(tz).replace(tzinfo=None), inc=True)
    found = [moment.replace(tzinfo=tz).astimezone(UTC) for moment in window]
    return [moment for moment in found if start <= moment < end]


@dataclass(frozen=True)
class SeriesEvent:
    """A series as calendars see it; ``moved`` maps an occurrence (UTC) to its new slot.
    The caller's duties of ``scheduling.ical`` apply (no personal data, ``updated``)."""

    uid: str
    sequence: int
    summary: str
    description: str
    location: str
    first: WallClockSlot
    rule: str
    organizer_email: str
    organizer_name: str
    updated: datetime
    cancelled: Sequence[datetime] = field(default=())
    moved: Sequence[tuple[datetime, WallClockSlot]] = field(default=())

    def __post_init__(self) -> None:
        require_aware(self.updated, *self.cancelled, *(when for when, _ in self.moved))

    @property
    def cache_key(self) -> tuple:
        return (self.uid, self.sequence, self.updated)

    @property
    def zones(self) -> list[str]:
        return list(dict.fromkeys([self.first.zone, *(slot.zone for _, slot in self.moved)]))

    def to_ical(self) -> bytes:
        from icalendar import vDDDTypes, vRecur

        tz = self.first.tz
        master = self._vevent(self.first)
        master["RRULE"] = vRecur.from_ical(self.rule)
        if self.cancelled:
            master.add("EXDATE", [moment.astimezone(tz) for moment in sorted(self.cancelled)])
        blocks = [master.to_ical()]
        for occurrence, slot in sorted(self.moved, key=lambda pair: pair[0]):
            override = self._vevent(slot)
            override["RECURRENCE-ID"] = vDDDTypes(occurrence.astimezone(tz))
            blocks.append(override.to_ical())
        return b"".join(blocks)

    def _vevent(self, slot: WallClockSlot) -> Event:
        from icalendar import Event, vDDDTypes, vInt, vText

        from scheduling.ical import _address

        vevent = Event()
        vevent["UID"] = vText(self.uid)
        vevent["SEQUENCE"] = vInt(self.sequence)
        vevent["DTSTAMP"] = vDDDTypes(self.updated.astimezone(UTC))
        vevent["LAST-MODIFIED"] = vDDDTypes(self.updated.astimezone(UTC))
        vevent["DTSTART"] = vDDDTypes(slot.start.replace(tzinfo=slot.tz))
        vevent["DTEND"] = vDDDTypes(slot.end.replace(tzinfo=slot.tz))
        vevent["SUMMARY"] = vText(self.summary)
        if self.description:
            vevent["DESCRIPTION"] = vText(self.description)
        if self.location:
            vevent["LOCATION"] = vText(self.location)
        vevent["STATUS"] = vText("CONFIRMED")
        vevent["ORGANIZER"] = _address(self.organizer_email, self.organizer_name)
        return vevent

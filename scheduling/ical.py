"""iCalendar messages (RFC 5545 / RFC 5546) for conferences, built with ``icalendar``.

API::

    build_request(event, attendee, now=None) -> bytes   METHOD:REQUEST, one ATTENDEE
    build_cancel(event, attendee, now=None)  -> bytes   METHOD:CANCEL, STATUS:CANCELLED
    build_feed(events, name, series=())      -> bytes   METHOD:PUBLISH, no ATTENDEEs
    feed_etag(events, name, series=())       -> str     strong ETag, without serialising
    clear_caches(keep_timezones=False)       -> None
    message_type(data)                       -> MessageType(method, content_type)

Callers' duties, which this module cannot check:

* ``description``, ``summary`` and ``location`` travel to mail servers and
  personal calendars: they must carry no personal data of the parties
  (names, ID numbers, phones, addresses). Put the case reference and a link
  to the portal instead.
* Send one message per recipient: each names only its recipient as ATTENDEE,
  so no invitee learns from the file who else was invited.
* ``sequence`` is the event's revision: 0 when first sent, +1 whenever the
  time, place or status changes. For a cancellation pass the event with its
  sequence *already* incremented; the builder does not bump it.
* ``updated`` must change whenever anything in the event changes: feed
  caching and the ETag trust ``(uid, sequence, updated)`` to identify content.

Times are written as the room's wall-clock time with a TZID, and every zone
used is defined by a VTIMEZONE in the same file (generated once per zone).
Pieces are serialised by ``icalendar`` and cached as bytes: a feed is the
calendar's own header and footer around cached VTIMEZONE and VEVENT blocks,
which is what keeps a warm feed cheap.
"""

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

import icalendar
from icalendar import Calendar, Event, Timezone, vCalAddress, vDDDTypes, vInt, vText

from scheduling.intervals import require_aware
from scheduling.slots import WallClockSlot

PRODID = "-//case-conference-portal//scheduling//ZH"
# Part of every feed ETag: bump it when the bytes a feed produces change shape.
FEED_FORMAT = "1"
FEED_CACHE_SIZE = 20_000
VTIMEZONE_FROM = date(2000, 1, 1)


class EventStatus(StrEnum):
    TENTATIVE = "TENTATIVE"
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True, slots=True)
class Mailbox:
    email: str
    name: str


@dataclass(frozen=True, slots=True)
class Attendee:
    email: str
    name: str
    required: bool = True


@dataclass(frozen=True, slots=True)
class ConferenceEvent:
    """One conference as calendars see it. See the module docstring for the caller's duties."""

    uid: str
    sequence: int
    summary: str
    description: str
    location: str
    slot: WallClockSlot
    status: EventStatus
    organizer: Mailbox
    updated: datetime

    def __post_init__(self) -> None:
        require_aware(self.updated)
        # Accept the plain strings a database column holds.
        object.__setattr__(self, "status", EventStatus(self.status))
        if self.sequence < 0:
            raise ValueError("sequence starts at 0")

    @property
    def cache_key(self) -> tuple[str, int, datetime]:
        return (self.uid, self.sequence, self.updated)


class MessageType(NamedTuple):
    method: str
    content_type: str


def build_request(event: ConferenceEvent, attendee: Attendee, now: datetime | None = None) -> bytes:
    """An invitation or update for one recipient (iTIP REQUEST)."""
    vevent = _vevent(event, _stamp(now), event.status)
    vevent["ATTENDEE"] = _attendee_address(attendee)
    return _calendar("REQUEST", None, [event.slot.zone], [vevent.to_ical()])


def build_cancel(event: ConferenceEvent, attendee: Attendee, now: datetime | None = None) -> bytes:
    """A cancellation for one recipient (iTIP CANCEL); also used when uninviting someone."""
    vevent = _vevent(event, _stamp(now), EventStatus.CANCELLED)
    vevent["ATTENDEE"] = _attendee_address(attendee)
    return _calendar("CANCEL", None, [event.slot.zone], [vevent.to_ical()])


def build_feed(events: Iterable[ConferenceEvent], name: str, series: Sequence = ()) -> bytes:
    """A subscribable calendar of ``events`` in the given order (iTIP PUBLISH), then the
    recurring ``series`` (``scheduling.recurring.SeriesEvent``).

    The feed names nobody but the organizer: a user's feed must not reveal
    who else was invited.
    """
    events = list(events)
    blocks = [_FEED_CACHE.vevent(event) for event in events]
    blocks += [one.to_ical() for one in series]
    zones = list(dict.fromkeys([*(event.slot.zone for event in events),
                                *(zone for one in series for zone in one.zones)]))
    return _calendar("PUBLISH", name, zones, blocks)


def feed_etag(events: Iterable[ConferenceEvent], name: str, series: Sequence = ()) -> str:
    """A strong ETag that changes whenever ``build_feed`` would return different bytes.

    Computed from the events' ``(uid, sequence, updated)`` keys, so a
    conditional GET can answer 304 without building anything.
    """
    digest = hashlib.sha256()
    # The icalendar version is in the hash because an upgrade may change how
    # the same events are written.
    for part in (FEED_FORMAT, icalendar.__version__, PRODID, name):
        digest.update(part.encode())
        digest.update(b"\0")
    # A POSIX timestamp is exact to the microsecond at today's magnitudes and
    # equal for equal instants whatever zone ``updated`` was given in.
    keys = "".join(f"{e.uid}\0{e.sequence}\0{e.updated.timestamp()!r}\n"
                   for e in [*events, *series])
    digest.update(keys.encode())
    return f'"{digest.hexdigest()}"'


def message_type(data: bytes) -> MessageType:
    """The METHOD of a built message and the Content-Type its MIME part needs."""
    method = str(Calendar.from_ical(data).get("METHOD", "PUBLISH")).upper()
    return MessageType(method, f'text/calendar; charset="utf-8"; method={method}')


def clear_caches(*, keep_timezones: bool = False) -> None:
    """Forget cached VEVENT blocks and, unless kept, VTIMEZONE blocks (after a tzdata update)."""
    if not keep_timezones:
        _vtimezone.cache_clear()
    _FEED_CACHE.clear()


def _stamp(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    require_aware(now)
    return now.astimezone(UTC)


def _vevent(event: ConferenceEvent, stamp: datetime, status: EventStatus) -> Event:
    # Typed values assigned directly skip add()'s per-property type lookup,
    # which costs about a sixth of a cold feed; the output is the same.
    tz = event.slot.tz
    vevent = Event()
    vevent["UID"] = vText(event.uid)
    vevent["SEQUENCE"] = vInt(event.sequence)
    vevent["DTSTAMP"] = vDDDTypes(stamp)
    vevent["LAST-MODIFIED"] = vDDDTypes(event.updated.astimezone(UTC))
    vevent["DTSTART"] = vDDDTypes(event.slot.start.replace(tzinfo=tz))
    vevent["DTEND"] = vDDDTypes(event.slot.end.replace(tzinfo=tz))
    vevent["SUMMARY"] = vText(event.summary)
    if event.description:
        vevent["DESCRIPTION"] = vText(event.description)
    if event.location:
        vevent["LOCATION"] = vText(event.location)
    vevent["STATUS"] = vText(status.value)
    vevent["ORGANIZER"] = _address(event.organizer.email, event.organizer.name)
    return vevent


def _address(email: str, name: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = name
    return address


def _attendee_address(attendee: Attendee) -> vCalAddress:
    address = _address(attendee.email, attendee.name)
    address.params["ROLE"] = "REQ-PARTICIPANT" if attendee.required else "OPT-PARTICIPANT"
    address.params["PARTSTAT"] = "NEEDS-ACTION"
    address.params["RSVP"] = "TRUE"
    return address


@lru_cache(maxsize=64)
def _vtimezone(zone: str) -> bytes:
    # Nothing in the portal predates 2000, and dropping older rules (China's
    # DST of 1986-1991) keeps every invitation shorter.
    return Timezone.from_tzid(zone, first_date=VTIMEZONE_FROM).to_ical()


@lru_cache(maxsize=256)
def _frame(method: str, name: str | None) -> tuple[bytes, bytes]:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    if name is not None:
        calendar.add("name", name)
        calendar.add("x-wr-calname", name)
    text = calendar.to_ical()
    footer = b"END:VCALENDAR\r\n"
    if not text.endswith(footer):
        raise RuntimeError("icalendar changed how it ends a calendar")
    return text[: -len(footer)], footer


def _calendar(method: str, name: str | None, zones: Sequence[str], vevents: list[bytes]) -> bytes:
    header, footer = _frame(method, name)
    return b"".join([header, *(_vtimezone(zone) for zone in zones), *vevents, footer])


class _VeventCache:
    """Serialised feed VEVENTs keyed by ``(uid, sequence, updated)``, least recent dropped."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._blocks: OrderedDict[tuple[str, int, datetime], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def vevent(self, event: ConferenceEvent) -> bytes:
        key = event.cache_key
        with self._lock:
            block = self._blocks.get(key)
            if block is not None:
                self._blocks.move_to_end(key)
                return block
        # A feed VEVENT is stamped with its last change, not with "now", so the
        # same event always serialises to the same bytes and can be reused.
        block = _vevent(event, event.updated.astimezone(UTC), event.status).to_ical()
        with self._lock:
            self._blocks[key] = block
            if len(self._blocks) > self._size:
                self._blocks.popitem(last=False)
        return block

    def clear(self) -> None:
        with self._lock:
            self._blocks.clear()

    def __len__(self) -> int:
        return len(self._blocks)


_FEED_CACHE = _VeventCache(FEED_CACHE_SIZE)

"""UTC storage and local display of instants, and the one format dates and times are shown in."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel import Locale
from babel.dates import format_date
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """An aware datetime stored as naive UTC, so SQLite and PostgreSQL agree."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def local_zone() -> ZoneInfo:
    """The zone of the person looking: their own setting, else the portal's."""
    from flask_babel import get_timezone

    return ZoneInfo(str(get_timezone()))


# --- the one way the portal writes dates and times -----------------------------------------
#
# 2026年12月4日（星期五）14:30（北京时间）, and a range on one day names the day once:
# 2026年12月4日（星期五）14:30–16:30（北京时间）. Clerks read 北京时间, not a zone database
# name; other zones (a user abroad) keep their IANA name, which is unambiguous.

BEIJING_ZONES = frozenset({"Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC"})


@dataclass(frozen=True, slots=True)
class _Style:
    day: str  # a Babel date pattern
    joint: str  # between the day and the time
    zone: str  # around the zone's name


_STYLES = {
    "zh": _Style("y年M月d日（EEEE）", "", "（{}）"),
    "en": _Style("EEE d MMM y", ", ", " ({})"),
}


def _locale(locale: Locale | str | None) -> Locale:
    if locale is None:
        from flask_babel import get_locale

        locale = get_locale() or "zh_CN"
    return Locale.parse(locale) if isinstance(locale, str) else locale


def _style(locale: Locale) -> _Style:
    return _STYLES.get(locale.language, _STYLES["en"])


def _zone_name(zone: ZoneInfo | str | None) -> str:
    if zone is None:
        return local_zone().key
    return zone if isinstance(zone, str) else zone.key


def zone_label(zone: ZoneInfo | str | None = None) -> str:
    """北京时间 for China's zone, the IANA name for any other."""
    from flask_babel import gettext as _

    name = _zone_name(zone)
    return _("Beijing time") if name in BEIJING_ZONES else name


def format_day(value: date, locale: Locale | str | None = None) -> str:
    """2026年12月4日（星期五）."""
    locale = _locale(locale)
    return format_date(value, _style(locale).day, locale=locale)


def _clock(value: datetime, seconds: bool) -> str:
    return value.strftime("%H:%M:%S" if seconds else "%H:%M")


def format_moment(value: datetime, zone: ZoneInfo | str | None = None,
                  locale: Locale | str | None = None, *, seconds: bool = False) -> str:
    """An instant in ``zone``: 2026年12月4日（星期五）14:30（北京时间）."""
    locale, name = _locale(locale), _zone_name(zone)
    local = value.astimezone(ZoneInfo(name))
    style = _style(locale)
    return (format_day(local.date(), locale) + style.joint + _clock(local, seconds)
            + style.zone.format(zone_label(name)))


def format_span(start: datetime, end: datetime, zone: ZoneInfo | str | None = None,
                locale: Locale | str | None = None) -> str:
    """A meeting's time: the day once when it starts and ends on the same day."""
    locale, name = _locale(locale), _zone_name(zone)
    tz = ZoneInfo(name)
    first, last = start.astimezone(tz), end.astimezone(tz)
    style = _style(locale)
    opening = format_day(first.date(), locale) + style.joint + _clock(first, False)
    if last.date() == first.date():
        closing = "–" + _clock(last, False)
    else:
        closing = " – " + format_day(last.date(), locale) + style.joint + _clock(last, False)
    return opening + closing + style.zone.format(zone_label(name))


def register_filters(app) -> None:
    """``|localtime`` (an instant), ``|timespan(end)`` (a meeting), ``|day`` (a date),
    ``|slottime`` (a WallClockSlot, in its room's zone) and ``|zone_label``."""

    @app.template_filter("localtime")
    def localtime(value: datetime | None, precision: str = "short") -> str:
        # "medium" keeps the seconds an audit trail needs; every other name is the one format.
        return format_moment(value, seconds=precision == "medium") if value else "—"

    @app.template_filter("timespan")
    def timespan(start: datetime | None, end: datetime | None) -> str:
        if start is None:
            return "—"
        return format_span(start, end) if end else format_moment(start)

    @app.template_filter("day")
    def day(value: date | None) -> str:
        return format_day(value) if value else "—"

    @app.template_filter("slottime")
    def slottime(slot) -> str:
        return format_span(slot.start_utc, slot.end_utc, slot.zone)

    app.template_filter("zone_label")(zone_label)

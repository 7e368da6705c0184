"""A series as one recurring calendar event: in each member's private feed and as an .ics
download. Like conference events, the text names the series and a link, never a resident."""

from __future__ import annotations

from datetime import timedelta
from email.utils import parseaddr

from flask import current_app

from portal.calendar import feeds
from portal.calendar.events import feed_name
from portal.orgs.models import User
from portal.reviews.models import ReviewSeries
from portal.reviews.planning import series_of
from scheduling import ical, recurring
from scheduling.slots import WallClockSlot


def series_event(series: ReviewSeries) -> recurring.SeriesEvent:
    link = current_app.config["PORTAL_BASE_URL"].rstrip("/") + f"/reviews/{series.id}"
    zone = series.timezone
    email, name = series.convener.email, series.convener.full_name
    if not email:
        name, email = parseaddr(current_app.config["MAIL_SENDER"])
    meetings = list(series.meetings)
    return recurring.SeriesEvent(
        uid=series.ical_uid, sequence=series.sequence, summary=f"警网融合例会 {series.title}",
        description=link,
        location=series.place or (series.room.name if series.room else ""),
        first=WallClockSlot.from_utc(
            series.first_start, series.first_start + timedelta(minutes=series.minutes_long),
            zone),
        rule=series.rrule, organizer_email=email, organizer_name=name or "",
        updated=series.updated_at,
        cancelled=[m.occurrence for m in meetings if m.cancelled],
        moved=[(m.occurrence, WallClockSlot.from_utc(m.starts_at, m.ends_at, zone))
               for m in meetings if m.moved and not m.cancelled])


@feeds.series_source("reviews")
def feed_series(user: User) -> list[recurring.SeriesEvent]:
    return [series_event(series) for series in series_of(user)
            if user.id in series.member_ids()]


def download(series: ReviewSeries) -> bytes:
    return ical.build_feed([], feed_name(), [series_event(series)])

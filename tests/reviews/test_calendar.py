from datetime import timedelta
from zoneinfo import ZoneInfo

import icalendar
import vobject

from portal.calendar import feeds
from portal.extensions import db
from portal.reviews import calendar, planning

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _moved_and_cancelled(world):
    moved, cancelled = world.meetings()[1], world.meetings()[2]
    new = moved.occurrence.astimezone(SHANGHAI).replace(tzinfo=None) + timedelta(days=1)
    planning.move_meeting(world.convener, moved, new, "与全区大会冲突", now=world.now)
    planning.cancel_meeting(world.convener, cancelled, "防汛值班", now=world.now)
    db.session.commit()
    return moved, cancelled


def test_the_series_is_one_recurring_event_read_back_by_icalendar(world):
    moved, cancelled = _moved_and_cancelled(world)
    parsed = icalendar.Calendar.from_ical(calendar.download(world.series))
    vevents = parsed.walk("VEVENT")
    assert {str(v["UID"]) for v in vevents} == {world.series.ical_uid}
    master = next(v for v in vevents if "RECURRENCE-ID" not in v)
    assert master["RRULE"]["FREQ"] == ["WEEKLY"] and master["RRULE"]["BYDAY"] == ["TH"]
    assert master.decoded("DTSTART") == world.series.first_start
    excluded = [d.dt for d in master["EXDATE"].dts]
    assert excluded == [cancelled.occurrence]
    override = next(v for v in vevents if "RECURRENCE-ID" in v)
    assert override.decoded("RECURRENCE-ID") == moved.occurrence
    assert override.decoded("DTSTART") == moved.starts_at
    assert int(master["SEQUENCE"]) == world.series.sequence == 2


def test_vobject_expands_the_rule_with_the_cancellation_and_the_move(world):
    moved, cancelled = _moved_and_cancelled(world)
    parsed = vobject.readOne(calendar.download(world.series).decode())
    master = next(v for v in parsed.vevent_list if not hasattr(v, "recurrence_id"))
    starts = master.getrruleset().between(world.now, world.now + timedelta(days=30))
    assert cancelled.occurrence not in starts and moved.occurrence in starts
    assert all(s.astimezone(SHANGHAI).weekday() == 3 for s in starts)
    override = next(v for v in parsed.vevent_list if hasattr(v, "recurrence_id"))
    assert override.recurrence_id.value == moved.occurrence
    assert override.dtstart.value == moved.starts_at


def test_members_find_the_series_in_their_private_feed(world, client):
    token = feeds.feed_token(world.grid)
    db.session.commit()
    body = client.get(f"/calendar/feed/{world.grid.id}/{token}.ics").data
    assert world.series.ical_uid.encode() in body and b"RRULE:FREQ=WEEKLY;BYDAY=TH" in body
    outsider = feeds.feed_token(world.outsider)
    db.session.commit()
    assert world.series.ical_uid.encode() not in client.get(
        f"/calendar/feed/{world.outsider.id}/{outsider}.ics").data


def test_a_move_changes_the_feed_etag(world, client):
    token = feeds.feed_token(world.grid)
    db.session.commit()
    url = f"/calendar/feed/{world.grid.id}/{token}.ics"
    before = client.get(url).headers["ETag"]
    _moved_and_cancelled(world)
    assert client.get(url, headers={"If-None-Match": before}).status_code == 200

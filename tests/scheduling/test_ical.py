import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import vobject
from icalendar import Calendar

from scheduling import ical
from scheduling.ical import (
    EventStatus,
    build_cancel,
    build_feed,
    build_request,
    feed_etag,
    message_type,
)
from scheduling.slots import WallClockSlot

NOW = datetime(2025, 9, 21, 6, 0, tzinfo=UTC)


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def only_event(data: bytes):
    events = parse(data).events
    assert len(events) == 1
    return events[0]


def second_parser(data: bytes):
    return vobject.readOne(data.decode("utf-8"))


def assert_every_tzid_defined(data: bytes) -> None:
    text = data.decode("utf-8").replace("\r\n ", "")
    used = set(re.findall(r";TZID=([^:;]+)[:;]", text))
    defined = set(re.findall(r"^TZID:(.+?)\r?$", text, flags=re.MULTILINE))
    assert used, "expected times with a TZID"
    assert used <= defined


def test_request_has_method_and_only_the_recipient(make_event, head_of_court):
    data = build_request(make_event(), head_of_court, now=NOW)
    calendar = parse(data)
    assert calendar["METHOD"] == "REQUEST"
    event = only_event(data)
    attendee = event["ATTENDEE"]
    assert not isinstance(attendee, list)
    assert str(attendee) == "mailto:court.head@gaoping.example"
    assert attendee.params["CN"] == "李庭长"
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    assert attendee.params["RSVP"] == "TRUE"


def test_request_for_optional_invitee_says_opt_participant(make_event, lawyer):
    event = only_event(build_request(make_event(), lawyer, now=NOW))
    assert event["ATTENDEE"].params["ROLE"] == "OPT-PARTICIPANT"


def test_request_carries_identity_times_and_organizer(make_event, head_of_court, shanghai):
    event = only_event(build_request(make_event(sequence=2), head_of_court, now=NOW))
    assert str(event["UID"]) == "conference-17@portal.example"
    assert event["SEQUENCE"] == 2
    assert event["STATUS"] == "CONFIRMED"
    assert event.start == shanghai(2025, 10, 9, 9, 30)
    assert event.end == shanghai(2025, 10, 9, 11, 0)
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert event["ORGANIZER"].params["CN"] == "王召集"
    assert event.decoded("DTSTAMP") == NOW


def test_dtstamp_is_written_in_utc(make_event, head_of_court, shanghai):
    data = build_request(make_event(), head_of_court, now=shanghai(2025, 9, 21, 14, 0))
    assert b"DTSTAMP:20250921T060000Z" in data


def test_request_parses_with_a_second_parser(make_event, head_of_court):
    parsed = second_parser(build_request(make_event(), head_of_court, now=NOW))
    assert parsed.method.value == "REQUEST"
    assert len(parsed.vevent.contents["attendee"]) == 1
    assert parsed.vevent.attendee.params["ROLE"] == ["REQ-PARTICIPANT"]
    assert parsed.vevent.uid.value == "conference-17@portal.example"
    assert parsed.vevent.dtstart.value.astimezone(UTC) == datetime(2025, 10, 9, 1, 30, tzinfo=UTC)
    assert parsed.vevent.summary.value == "联席会商 GP-2025-0042"


def test_text_with_commas_and_newlines_round_trips(make_event, head_of_court):
    description = "第一行, 含逗号; 分号\n第二行 https://portal.example/c/17"
    data = build_request(make_event(description=description), head_of_court, now=NOW)
    assert str(only_event(data)["DESCRIPTION"]) == description
    assert second_parser(data).vevent.description.value == description


def test_cancel_keeps_uid_and_given_sequence(make_event, head_of_court):
    cancelled = make_event(sequence=3, status=EventStatus.CONFIRMED)
    data = build_cancel(cancelled, head_of_court, now=NOW)
    assert parse(data)["METHOD"] == "CANCEL"
    event = only_event(data)
    assert str(event["UID"]) == "conference-17@portal.example"
    assert event["SEQUENCE"] == 3
    assert event["STATUS"] == "CANCELLED"
    assert str(event["ATTENDEE"]) == "mailto:court.head@gaoping.example"


def test_cancel_parses_with_a_second_parser(make_event, head_of_court):
    parsed = second_parser(build_cancel(make_event(sequence=1), head_of_court, now=NOW))
    assert parsed.method.value == "CANCEL"
    assert parsed.vevent.status.value == "CANCELLED"
    assert parsed.vevent.sequence.value == "1"


def test_reschedule_is_a_request_with_higher_sequence_and_new_time(make_event, head_of_court):
    moved = make_event(
        sequence=1,
        slot=WallClockSlot(
            datetime(2025, 10, 10, 14, 30), datetime(2025, 10, 10, 16), "Asia/Shanghai"
        ),
        updated=datetime(2025, 9, 25, tzinfo=UTC),
    )
    parsed = second_parser(build_request(moved, head_of_court, now=NOW))
    assert parsed.vevent.sequence.value == "1"
    assert parsed.vevent.dtstart.value.replace(tzinfo=None) == datetime(2025, 10, 10, 14, 30)


def test_negative_sequence_is_rejected(make_event):
    with pytest.raises(ValueError):
        make_event(sequence=-1)


def test_every_message_defines_the_zones_it_uses(make_event, head_of_court):
    berlin = make_event(
        uid="other@portal.example",
        slot=WallClockSlot(datetime(2025, 10, 27, 9), datetime(2025, 10, 27, 10), "Europe/Berlin"),
    )
    for data in (
        build_request(make_event(), head_of_court, now=NOW),
        build_cancel(make_event(sequence=1), head_of_court, now=NOW),
        build_request(berlin, head_of_court, now=NOW),
        build_feed([make_event(), berlin], "我的会商"),
    ):
        assert_every_tzid_defined(data)


def test_vtimezone_is_generated_once_per_zone(make_event, head_of_court, monkeypatch):
    calls: list[str] = []
    real = ical.Timezone.from_tzid

    def counting(tzid, **kwargs):
        calls.append(tzid)
        return real(tzid, **kwargs)

    monkeypatch.setattr(ical.Timezone, "from_tzid", counting)
    build_request(make_event(), head_of_court, now=NOW)
    build_cancel(make_event(sequence=1), head_of_court, now=NOW)
    build_feed([make_event()], "feed")
    assert calls == ["Asia/Shanghai"]


def test_feed_is_publish_without_attendees(make_event):
    events = [make_event(uid=f"c{n}@portal.example") for n in range(3)]
    data = build_feed(events, "李庭长的会商")
    calendar = parse(data)
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar.calendar_name == "李庭长的会商"
    assert [str(e["UID"]) for e in calendar.events] == [e.uid for e in events]
    assert b"ATTENDEE" not in data


def test_feed_parses_with_a_second_parser(make_event):
    cancelled = make_event(uid="gone@portal.example", status=EventStatus.CANCELLED)
    parsed = second_parser(build_feed([make_event(), cancelled], "feed"))
    assert parsed.method.value == "PUBLISH"
    assert [e.status.value for e in parsed.vevent_list] == ["CONFIRMED", "CANCELLED"]


def test_feed_of_nothing_is_a_valid_calendar():
    data = build_feed([], "empty")
    assert parse(data).events == []
    assert second_parser(data).method.value == "PUBLISH"


def test_warm_feed_equals_cold_feed(make_event):
    events = [make_event(uid=f"c{n}@portal.example", sequence=n) for n in range(5)]
    cold = build_feed(events, "feed")
    assert build_feed(events, "feed") == cold


def test_feed_stamps_events_with_their_last_change(make_event):
    event = only_event(build_feed([make_event()], "feed"))
    assert event.decoded("DTSTAMP") == datetime(2025, 9, 20, 8, 0, tzinfo=UTC)


def test_new_sequence_is_not_served_from_the_cache(make_event):
    build_feed([make_event()], "feed")
    moved = make_event(
        sequence=1,
        slot=WallClockSlot(datetime(2025, 10, 10, 9), datetime(2025, 10, 10, 10), "Asia/Shanghai"),
    )
    event = only_event(build_feed([moved], "feed"))
    assert event["SEQUENCE"] == 1
    assert event.start.replace(tzinfo=None) == datetime(2025, 10, 10, 9)


def test_new_updated_time_is_not_served_from_the_cache(make_event):
    build_feed([make_event()], "feed")
    edited = make_event(location="司法所 调解室", updated=datetime(2025, 9, 22, tzinfo=UTC))
    assert str(only_event(build_feed([edited], "feed"))["LOCATION"]) == "司法所 调解室"


def test_etag_is_strong_and_stable(make_event):
    events = [make_event(), make_event(uid="c2@portal.example")]
    etag = feed_etag(events, "feed")
    assert re.fullmatch(r'"[0-9a-f]{64}"', etag)
    assert feed_etag(list(events), "feed") == etag


def test_etag_ignores_the_zone_updated_is_given_in(make_event, shanghai):
    in_utc = make_event(updated=datetime(2025, 9, 20, 8, 0, tzinfo=UTC))
    in_shanghai = make_event(updated=shanghai(2025, 9, 20, 16, 0))
    assert feed_etag([in_utc], "feed") == feed_etag([in_shanghai], "feed")


@pytest.mark.parametrize(
    "change",
    [
        {"sequence": 1},
        {"updated": datetime(2025, 9, 20, 8, 0, 1, tzinfo=UTC)},
        {"uid": "other@portal.example"},
    ],
)
def test_etag_changes_with_any_event_key(make_event, change):
    before = feed_etag([make_event()], "feed")
    assert feed_etag([make_event(**change)], "feed") != before


def test_etag_changes_with_name_order_and_membership(make_event):
    first, second = make_event(), make_event(uid="c2@portal.example")
    etag = feed_etag([first, second], "feed")
    assert feed_etag([first, second], "other") != etag
    assert feed_etag([second, first], "feed") != etag
    assert feed_etag([first], "feed") != etag


def test_equal_etags_mean_equal_feeds(make_event):
    events = [make_event(), make_event(uid="c2@portal.example", sequence=4)]
    rebuilt = [replace(e) for e in events]
    assert feed_etag(events, "feed") == feed_etag(rebuilt, "feed")
    assert build_feed(events, "feed") == build_feed(rebuilt, "feed")


@pytest.mark.parametrize(
    ("build", "method"),
    [
        (lambda e, a: build_request(e, a, now=NOW), "REQUEST"),
        (lambda e, a: build_cancel(e, a, now=NOW), "CANCEL"),
        (lambda e, a: build_feed([e], "feed"), "PUBLISH"),
    ],
)
def test_message_type_names_method_and_content_type(make_event, head_of_court, build, method):
    kind = message_type(build(make_event(), head_of_court))
    assert kind.method == method
    assert kind.content_type == f'text/calendar; charset="utf-8"; method={method}'


def test_request_without_explicit_now_is_stamped_about_now(make_event, head_of_court):
    before = datetime.now(UTC).replace(microsecond=0)
    stamp = only_event(build_request(make_event(), head_of_court)).decoded("DTSTAMP")
    assert before <= stamp <= before + timedelta(days=1)

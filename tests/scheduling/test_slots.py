from datetime import UTC, datetime, timedelta

import pytest

from scheduling.errors import SlotError, SlotErrorCode
from scheduling.slots import WallClockSlot, validate_proposals


def slot(start: datetime, minutes: int = 90, zone: str = "Asia/Shanghai") -> WallClockSlot:
    return WallClockSlot(start, start + timedelta(minutes=minutes), zone)


def test_shanghai_slot_converts_to_utc(utc):
    meeting = slot(datetime(2025, 10, 9, 9, 30))
    assert meeting.start_utc == utc(2025, 10, 9, 1, 30)
    assert meeting.end_utc == utc(2025, 10, 9, 3, 0)


@pytest.mark.parametrize(
    ("day", "new_york_start"),
    [
        # US clocks go forward on 9 March 2025: the same Shanghai morning is an
        # hour later on a New York clock afterwards.
        (datetime(2025, 3, 7, 9, 30), datetime(2025, 3, 6, 20, 30)),
        (datetime(2025, 3, 10, 9, 30), datetime(2025, 3, 9, 21, 30)),
    ],
)
def test_new_york_viewer_sees_shanghai_meeting_across_us_dst(day, new_york_start):
    start, _ = slot(day).in_zone("America/New_York")
    assert start.replace(tzinfo=None) == new_york_start


@pytest.mark.parametrize(
    ("day", "berlin_start"),
    [
        (datetime(2025, 10, 24, 15, 0), datetime(2025, 10, 24, 9, 0)),
        (datetime(2025, 10, 27, 15, 0), datetime(2025, 10, 27, 8, 0)),
    ],
)
def test_berlin_viewer_sees_shanghai_meeting_across_eu_dst_end(day, berlin_start):
    start, _ = slot(day).in_zone("Europe/Berlin")
    assert start.replace(tzinfo=None) == berlin_start


def test_changing_viewer_zone_never_moves_the_meeting():
    meeting = slot(datetime(2025, 10, 27, 9, 30))
    instants = {
        meeting.in_zone(zone)[0]
        for zone in ("Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC")
    }
    assert instants == {meeting.start_utc}
    assert (meeting.start, meeting.zone) == (datetime(2025, 10, 27, 9, 30), "Asia/Shanghai")


def test_from_utc_keeps_room_wall_clock(utc):
    meeting = WallClockSlot.from_utc(utc(2025, 10, 9, 1, 30), utc(2025, 10, 9, 3), "Asia/Shanghai")
    assert meeting == slot(datetime(2025, 10, 9, 9, 30))


def test_duration_counts_elapsed_time_across_dst():
    # Berlin falls back at 03:00 on 26 October 2025: 01:00-04:00 lasts four hours.
    night = WallClockSlot(datetime(2025, 10, 26, 1), datetime(2025, 10, 26, 4), "Europe/Berlin")
    assert night.duration == timedelta(hours=4)


def test_end_before_start_is_rejected():
    with pytest.raises(SlotError) as caught:
        slot(datetime(2025, 10, 9, 9, 30), minutes=-30)
    assert caught.value.code is SlotErrorCode.END_NOT_AFTER_START


def test_zero_length_slot_is_rejected():
    with pytest.raises(SlotError):
        slot(datetime(2025, 10, 9, 9, 30), minutes=0)


def test_aware_wall_clock_is_rejected():
    with pytest.raises(SlotError) as caught:
        WallClockSlot(
            datetime(2025, 10, 9, 9, tzinfo=UTC), datetime(2025, 10, 9, 10, tzinfo=UTC), "UTC"
        )
    assert caught.value.code is SlotErrorCode.NAIVE_EXPECTED


def test_unknown_zone_is_rejected():
    with pytest.raises(SlotError) as caught:
        slot(datetime(2025, 10, 9, 9), zone="Mars/Olympus")
    assert caught.value.code is SlotErrorCode.UNKNOWN_ZONE


def test_time_skipped_by_dst_is_rejected():
    with pytest.raises(SlotError) as caught:
        slot(datetime(2025, 3, 30, 2, 30), zone="Europe/Berlin")
    assert caught.value.code is SlotErrorCode.NONEXISTENT_TIME


def test_proposals_that_fit_pass(calendar):
    validate_proposals(
        [slot(datetime(2025, 10, 9, 9)), slot(datetime(2025, 10, 9, 14, 30))], calendar
    )


def test_proposal_longer_than_working_day_is_rejected(calendar):
    with pytest.raises(SlotError) as caught:
        validate_proposals([slot(datetime(2025, 10, 9, 8), minutes=10 * 60)], calendar)
    assert caught.value.code is SlotErrorCode.LONGER_THAN_WORKING_DAY


def test_overlapping_proposals_are_rejected(calendar):
    with pytest.raises(SlotError) as caught:
        validate_proposals(
            [slot(datetime(2025, 10, 9, 10)), slot(datetime(2025, 10, 9, 9), minutes=90)],
            calendar,
        )
    assert caught.value.code is SlotErrorCode.OVERLAPPING


def test_back_to_back_proposals_do_not_overlap(calendar):
    validate_proposals(
        [slot(datetime(2025, 10, 9, 9), minutes=60), slot(datetime(2025, 10, 9, 10))], calendar
    )

import random
from datetime import date, datetime, timedelta

import pytest

from scheduling.errors import SlotError, SlotErrorCode
from scheduling.finder import Participant, Unavailable, find_slots, spread_slots
from scheduling.intervals import Interval

HOUR = timedelta(hours=1)


@pytest.fixture
def morning(shanghai):
    """Thursday 9 October 2025, the first working day after National Day."""

    def at(hour: int, minute: int = 0) -> datetime:
        return shanghai(2025, 10, 9, hour, minute)

    return at


def busy(start: datetime, end: datetime) -> list[Interval]:
    return [Interval(start, end)]


def search(participants, calendar, start, end, *, room=(), duration=HOUR, limit=5):
    return find_slots(participants, list(room), duration, start, end, calendar, limit=limit)


def starts(candidates) -> list[datetime]:
    return [c.slot.start for c in candidates]


def test_free_participants_get_the_earliest_slots_on_the_grid(calendar, morning):
    everyone = [Participant(1, "head of court", True)]
    found = search(everyone, calendar, morning(8), morning(18), limit=3)
    assert starts(found) == [
        datetime(2025, 10, 9, 8, 30),
        datetime(2025, 10, 9, 8, 45),
        datetime(2025, 10, 9, 9, 0),
    ]
    assert found[0].slot.zone == "Asia/Shanghai"
    assert found[0].unavailable == ()


def test_grid_is_anchored_at_opening_even_for_an_odd_horizon_start(calendar, morning):
    found = search([], calendar, morning(10, 7), morning(18), limit=1)
    assert starts(found) == [datetime(2025, 10, 9, 10, 15)]


def test_slots_stay_inside_one_working_period(calendar, morning):
    found = search([], calendar, morning(8), morning(18), duration=3 * HOUR, limit=10)
    assert starts(found) == [
        datetime(2025, 10, 9, 8, 30),
        datetime(2025, 10, 9, 8, 45),
        datetime(2025, 10, 9, 9, 0),
        datetime(2025, 10, 9, 14, 30),
    ]


def test_required_participants_outrank_optional_ones(calendar, morning):
    participants = [
        Participant(1, "head of court", True, busy(morning(8, 30), morning(12))),
        Participant(2, "lawyer", False, busy(morning(14, 30), morning(17, 30))),
    ]
    best = search(participants, calendar, morning(8), morning(18), limit=1)[0]
    assert best.slot.start == datetime(2025, 10, 9, 14, 30)
    assert (best.required_free, best.optional_free) == (1, 0)
    assert best.unavailable == (Unavailable(2, "lawyer", False),)


def test_more_optional_participants_free_wins_over_earlier(calendar, morning):
    participants = [
        Participant(1, "head of court", True),
        Participant(2, "lawyer", False, busy(morning(8, 30), morning(12))),
    ]
    best = search(participants, calendar, morning(8), morning(18), limit=1)[0]
    assert best.slot.start == datetime(2025, 10, 9, 14, 30)
    assert (best.required_free, best.optional_free) == (1, 1)


def test_equal_scores_are_ordered_earliest_first(calendar, morning):
    found = search([Participant(1, "a", True)], calendar, morning(8), morning(18), limit=50)
    assert starts(found) == sorted(starts(found))


def test_room_booking_excludes_overlapping_slots(calendar, morning):
    room = [Interval(morning(8, 30), morning(11))]
    found = search([], calendar, morning(8), morning(13), room=room, limit=5)
    assert starts(found) == [datetime(2025, 10, 9, 11, 0)]


def test_room_booking_excludes_even_when_everyone_is_free(calendar, morning):
    room = [Interval(morning(8), morning(18))]
    assert search([Participant(1, "a", True)], calendar, morning(8), morning(18), room=room) == []


def test_unavailable_lists_everyone_busy_in_the_slot(calendar, morning):
    participants = [
        Participant(1, "head of court", True, busy(morning(9), morning(9, 15))),
        Participant(2, "head of bureau", True, busy(morning(7), morning(8, 45))),
        Participant(3, "lawyer", False, busy(morning(9, 30), morning(10))),
        Participant(4, "police head", True),
    ]
    found = search(participants, calendar, morning(8, 30), morning(9, 30), duration=HOUR)
    assert len(found) == 1
    assert found[0].unavailable == (
        Unavailable(1, "head of court", True),
        Unavailable(2, "head of bureau", True),
    )
    assert (found[0].required_free, found[0].optional_free) == (1, 1)


def test_busy_ending_when_slot_starts_does_not_block(calendar, morning):
    participants = [Participant(1, "a", True, busy(morning(7), morning(8, 30)))]
    best = search(participants, calendar, morning(8), morning(18), limit=1)[0]
    assert best.slot.start == datetime(2025, 10, 9, 8, 30)
    assert best.unavailable == ()


def test_no_slots_on_holidays_or_rest_days(calendar, shanghai):
    found = search([], calendar, shanghai(2025, 9, 30, 18), shanghai(2025, 10, 14), limit=200)
    # 11 October is a make-up Saturday; 12 October an ordinary Sunday.
    assert {c.slot.start.date() for c in found} == {
        date(2025, 10, 9),
        date(2025, 10, 10),
        date(2025, 10, 11),
        date(2025, 10, 13),
    }


def test_makeup_sunday_offers_slots(calendar, shanghai):
    found = search([], calendar, shanghai(2025, 9, 27), shanghai(2025, 9, 29), limit=1)
    assert starts(found) == [datetime(2025, 9, 28, 8, 30)]


def test_duration_beyond_any_period_is_a_search_error(calendar, morning):
    with pytest.raises(SlotError) as caught:
        search([], calendar, morning(8), morning(18), duration=4 * HOUR)
    assert caught.value.code is SlotErrorCode.BAD_SEARCH


@pytest.mark.parametrize("seed", [20251009, 7, 42])
@pytest.mark.parametrize("duration", [HOUR, timedelta(minutes=45), timedelta(minutes=150)])
def test_candidates_match_a_brute_force_scan(calendar, shanghai, seed, duration):
    rng = random.Random(seed)
    start, end = shanghai(2025, 10, 9), shanghai(2025, 10, 18)

    def random_busy(count: int) -> list[Interval]:
        result = []
        for _ in range(count):
            begin = start + timedelta(minutes=rng.randrange(0, 9 * 24 * 60, 5))
            result.append(Interval(begin, begin + timedelta(minutes=rng.choice((10, 30, 95)))))
        return result

    participants = [Participant(n, f"p{n}", n % 3 != 0, random_busy(60)) for n in range(9)]
    room = random_busy(15)
    found = search(participants, calendar, start, end, room=room, duration=duration, limit=400)
    assert [(c.slot.start_utc, c.unavailable) for c in found] == brute_force(
        participants, room, calendar, start, end, duration
    )


def brute_force(participants, room, calendar, start, end, duration):
    """Every 15-minute start inside a working period, checked against every interval."""
    step = timedelta(minutes=15)
    rows = []
    for period in calendar.working_intervals(start, end):
        at = period.start
        while at + duration <= period.end:
            slot = Interval(at, at + duration)
            if not any(slot.overlaps(b) for b in room):
                away = tuple(
                    Unavailable(p.id, p.name, p.required)
                    for p in participants
                    if any(slot.overlaps(b) for b in p.busy)
                )
                required_busy = sum(u.required for u in away)
                rows.append((required_busy, len(away) - required_busy, at, away))
            at += step
    rows.sort(key=lambda row: row[:3])
    return [(at, away) for _, _, at, away in rows[:400]]


def spread(participants, calendar, start, end, *, proposed=(), duration=2 * HOUR, limit=5):
    return spread_slots(participants, [], duration, start, end, calendar,
                        proposed=list(proposed), limit=limit)


def test_spread_offers_equally_good_slots_on_different_days(calendar, shanghai):
    found = spread([Participant(1, "head of court", True)], calendar,
                   shanghai(2025, 10, 13), shanghai(2025, 10, 25))
    assert starts(found) == [datetime(2025, 10, d, 8, 30) for d in (13, 14, 15, 16, 17)]


def test_spread_slots_never_overlap_one_another(calendar, morning):
    found = spread([], calendar, morning(8), morning(18), duration=HOUR, limit=5)
    slots = sorted((c.slot.start, c.slot.end) for c in found)
    assert len(slots) == 5
    assert all(earlier[1] <= later[0] for earlier, later in zip(slots, slots[1:], strict=False))


def test_spread_fills_one_day_only_when_it_is_the_only_day(calendar, morning):
    found = spread([], calendar, morning(8), morning(18), limit=5)
    assert starts(found) == [datetime(2025, 10, 9, 8, 30), datetime(2025, 10, 9, 14, 30)]


def test_spread_leaves_out_slots_overlapping_those_already_proposed(calendar, shanghai):
    proposed = [Interval(shanghai(2025, 10, 13, 8, 30), shanghai(2025, 10, 13, 10, 30)),
                Interval(shanghai(2025, 10, 14, 9), shanghai(2025, 10, 14, 11))]
    found = spread([], calendar, shanghai(2025, 10, 13), shanghai(2025, 10, 15),
                   proposed=proposed)
    assert all(not c.slot.interval.overlaps(p) for c in found for p in proposed)
    assert starts(found)[:2] == [datetime(2025, 10, 13, 14, 30), datetime(2025, 10, 14, 14, 30)]


def test_spread_prefers_everyone_free_over_another_day(calendar, shanghai):
    # The head of court is away from Tuesday on: a second Monday slot beats Tuesday's.
    away = busy(shanghai(2025, 10, 14), shanghai(2025, 10, 18))
    found = spread([Participant(1, "head of court", True, away)], calendar,
                   shanghai(2025, 10, 13), shanghai(2025, 10, 18), limit=3)
    assert starts(found)[:2] == [datetime(2025, 10, 13, 8, 30), datetime(2025, 10, 13, 14, 30)]
    assert found[2].required_free == 0


def test_spread_on_a_fully_booked_horizon_is_empty(calendar, morning):
    room = [Interval(morning(8), morning(18))]
    assert spread_slots([], room, HOUR, morning(8), morning(18), calendar) == []

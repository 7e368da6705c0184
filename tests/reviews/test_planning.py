from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.errors import DomainError
from portal.extensions import db
from portal.reviews import planning
from portal.reviews.models import MemberRole

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_meetings_are_planned_about_two_months_ahead_on_the_rule(world):
    starts = [m.starts_at.astimezone(SHANGHAI) for m in world.meetings()]
    assert 8 <= len(starts) <= 9
    assert all(s.weekday() == 3 and (s.hour, s.minute) == (9, 0) for s in starts)
    assert all(b - a == timedelta(days=7) for a, b in zip(starts, starts[1:], strict=False))
    assert starts[-1] - world.now <= timedelta(days=planning.PLAN_DAYS)


def test_planning_again_adds_only_the_meetings_that_came_into_range(world):
    later = world.now + timedelta(days=14)
    made = planning.plan_ahead(world.series, later)
    db.session.commit()
    assert len(made) == 2
    assert planning.plan_ahead(world.series, later) == []


def test_a_moved_meeting_keeps_its_occurrence_and_bumps_the_calendar(world):
    meeting = world.meetings()[1]
    before = world.series.sequence
    new = meeting.occurrence.astimezone(SHANGHAI).replace(tzinfo=None) + timedelta(days=1,
                                                                                   hours=5)
    planning.move_meeting(world.convener, meeting, new, "周四全区大会", now=world.now)
    db.session.commit()
    assert meeting.moved and meeting.starts_at.astimezone(SHANGHAI).hour == 14
    assert world.series.sequence == before + 1


def test_a_move_needs_a_reason_and_a_future_time(world):
    meeting = world.meetings()[1]
    with pytest.raises(DomainError) as refused:
        planning.move_meeting(world.convener, meeting, None, "原因", now=world.now)
    assert refused.value.field == "starts_at"
    with pytest.raises(DomainError) as refused:
        planning.move_meeting(world.convener, meeting,
                              meeting.occurrence.replace(tzinfo=None), " ", now=world.now)
    assert refused.value.field == "reason"


def test_only_the_convener_moves_meetings(world):
    with pytest.raises(DomainError):
        planning.cancel_meeting(world.police, world.meetings()[1], "没空", now=world.now)


def test_a_series_needs_villages_a_head_and_a_rule_it_understands(world):
    data = planning.SeriesInput(title="例会", rule="FREQ=HOURLY", first_start=None,
                                village_ids=[world.villages[0].id],
                                members=[(world.head.id, MemberRole.HEAD)])
    with pytest.raises(DomainError) as refused:
        planning.create_series(world.convener, data)
    assert refused.value.field == "rule"
    data.rule, data.first_start = "FREQ=MONTHLY", world.now.replace(tzinfo=None)
    data.members = [(world.police.id, MemberRole.COMMUNITY_POLICE)]
    with pytest.raises(DomainError) as refused:
        planning.create_series(world.convener, data)
    assert refused.value.field == "members"

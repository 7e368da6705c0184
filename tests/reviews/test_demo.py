import sqlalchemy as sa

from portal.extensions import db
from portal.reviews import meetings
from portal.reviews.models import HazardItem, ItemState, MinutesState, ReviewSeries
from portal.timeutil import utcnow


def test_the_demo_review_has_three_past_meetings_and_the_next_planned(demo, ctx):
    series = db.session.scalar(sa.select(ReviewSeries).where(
        ReviewSeries.title == "建宁村、米山村警网融合例会"))
    past = [m for m in series.meetings if m.starts_at < utcnow()]
    assert [m.minutes_state for m in past] == [MinutesState.ISSUED] * 3
    coming = next(m for m in series.meetings if m.starts_at > utcnow())
    states = {i.state for i in db.session.scalars(sa.select(HazardItem))}
    assert states == set(ItemState)
    twice = db.session.scalar(sa.select(HazardItem).where(HazardItem.carried_over == 2))
    assert twice is not None and twice.state is ItemState.HANDED_OVER
    agenda = meetings.agenda(coming)
    assert len(agenda.carried) == 1 and agenda.overdue
    assert meetings.agenda(past[1]).done

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.calendar import services
from portal.calendar.models import VoteChoice
from portal.conferences.models import ConferenceState
from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal.orgs.models import OrgKind
from scheduling.slots import WallClockSlot
from scheduling.workcal import LAST_YEAR
from tests.calendar.conftest import ZONE, invitation_of, slot, workday
from tests.transactions import refused

YES, MAYBE, NO = VoteChoice.YES, VoteChoice.IF_NEED_BE, VoteChoice.NO


@pytest.fixture(autouse=True)
def english(ctx):
    """Messages in English (the message ids), whatever the portal's default language."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield


def test_secretary_proposes_slots(world):
    conference, _, secretary, _, _ = world
    services.propose(secretary, conference, slot(0))
    services.propose(secretary, conference, slot(1))
    assert [s.slot for s in services.slots_of(conference)] == [slot(0), slot(1)]


def test_invitee_may_not_propose(world):
    conference, _, _, people, _ = world
    with pytest.raises(NotAllowed):
        services.propose(people[OrgKind.COURT], conference, slot(0))


def test_overlapping_slots_are_refused(world):
    conference, _, secretary, _, _ = world
    services.propose(secretary, conference, slot(0))
    with pytest.raises(DomainError, match="overlap"):
        services.propose(secretary, conference, slot(0, time(10, 0), time(11, 30)))


def test_end_before_start_is_refused(ctx):
    with pytest.raises(DomainError, match="end after"):
        services.parse_slot(workday(0), time(11, 0), time(9, 0))


def test_slot_longer_than_the_working_day_is_refused(world):
    conference, _, secretary, _, _ = world
    with pytest.raises(DomainError, match="longer than the working day"):
        services.propose(secretary, conference, slot(0, time(7, 0), time(19, 0)),
                         accept_warnings=True)


@pytest.mark.parametrize("when, reason", [
    ((time(18, 0), time(19, 0)), "outside working hours"),
    ((time(12, 0), time(14, 0)), "outside working hours"),
])
def test_slot_outside_hours_needs_confirmation(world, when, reason):
    conference, _, secretary, _, _ = world
    with pytest.raises(services.SlotWarnings, match=reason):
        services.propose(secretary, conference, slot(0, *when))
    proposed = services.propose(secretary, conference, slot(0, *when), accept_warnings=True)
    assert proposed.warnings == "outside_hours"


def test_past_and_holiday_slots_are_warned(world):
    conference, _, secretary, _, _ = world
    national_day = WallClockSlot(datetime(2026, 10, 2, 9), datetime(2026, 10, 2, 10), ZONE)
    with pytest.raises(services.SlotWarnings) as warned:
        services.propose(secretary, conference, national_day)
    assert "in the past" in warned.value.message and "public holiday" in warned.value.message


def test_a_date_in_a_year_without_holiday_data_is_warned_and_allowed(world):
    conference, _, secretary, _, _ = world
    year = LAST_YEAR + 1
    tuesday = WallClockSlot(datetime(year, 1, 5, 9), datetime(year, 1, 5, 10), ZONE)
    with pytest.raises(services.SlotWarnings, match="holidays of its year are not known"):
        services.propose(secretary, conference, tuesday)
    proposed = services.propose(secretary, conference, tuesday, accept_warnings=True)
    assert "only weekends count as days off" in services.warning_text(proposed)
    saturday = WallClockSlot(datetime(year, 1, 9, 9), datetime(year, 1, 9, 10), ZONE)
    with pytest.raises(services.SlotWarnings, match="rest day"):
        services.propose(secretary, conference, saturday)


def test_suggestions_reach_into_a_year_without_holiday_data_with_a_notice(world):
    conference, _, _, _, room = world
    year_end = datetime(LAST_YEAR, 12, 28, 1, tzinfo=UTC)
    found = services.suggest(conference, room, timedelta(hours=2), now=year_end, limit=500)
    later = [c.slot.start for c in found if c.slot.start.year == LAST_YEAR + 1]
    assert later and all(start.weekday() < 5 for start in later)
    assert str(LAST_YEAR + 1) in services.horizon_notice(14, year_end)
    assert services.horizon_notice(14, datetime(LAST_YEAR, 6, 1, tzinfo=UTC)) is None


def _propose_on_page(client, conference, day, starts, ends, confirm=False):
    data = {"propose-day": day.isoformat(), "propose-starts": starts, "propose-ends": ends}
    if confirm:
        data["propose-accept_warnings"] = "y"
    return client.post(f"/calendar/conferences/{conference.id}/slots", data=data,
                       follow_redirects=True).get_data(as_text=True)


def test_bad_slots_get_a_message_on_the_room_page(world, login):
    conference, _, secretary, _, _ = world
    client = login(secretary)
    page = _propose_on_page(client, conference, workday(0), "11:00", "09:00")
    assert "时段的结束时间必须晚于开始时间。" in page
    page = _propose_on_page(client, conference, date(2026, 10, 2), "09:00", "10:00")
    assert "请确认" in page
    assert services.slots_of(conference) == []
    next_year = date(LAST_YEAR + 1, 1, 5)
    _propose_on_page(client, conference, next_year, "09:00", "10:00", confirm=True)
    page = client.get(f"/conferences/{conference.id}").get_data(as_text=True)
    assert 'data-testid="holidays-unknown"' in page and str(LAST_YEAR + 1) in page
    assert [s.starts_local.date() for s in services.slots_of(conference)] == [next_year]


def test_a_vote_on_a_closed_poll_gets_a_message_on_the_page(world, login):
    conference, convener, secretary, people, room = world
    first = services.propose(secretary, conference, slot(0))
    services.confirm(convener, conference, first, room, quorum_reason="先定时间")
    court = invitation_of(conference, OrgKind.COURT)
    page = login(people[OrgKind.COURT]).post(
        f"/calendar/conferences/{conference.id}/votes/{court.id}",
        data={f"slot-{first.id}": "YES"}, follow_redirects=True).get_data(as_text=True)
    assert "alert-danger" in page and services.votes_of(conference) == {}


def test_invitee_votes_and_changes_the_vote(world):
    conference, _, secretary, people, _ = world
    first = services.propose(secretary, conference, slot(0))
    court = invitation_of(conference, OrgKind.COURT)
    services.vote(people[OrgKind.COURT], court, {first.id: NO})
    services.vote(people[OrgKind.COURT], court, {first.id: MAYBE})
    assert services.votes_of(conference) == {(first.id, court.id): MAYBE}


def test_nobody_votes_for_another_body(world):
    conference, _, secretary, people, _ = world
    first = services.propose(secretary, conference, slot(0))
    with pytest.raises(NotAllowed):
        services.vote(people[OrgKind.POLICE_STATION], invitation_of(conference, OrgKind.COURT),
                      {first.id: YES})


def test_votes_on_a_closed_poll_are_refused(world):
    conference, convener, secretary, people, room = world
    first = services.propose(secretary, conference, slot(0))
    services.confirm(convener, conference, first, room, quorum_reason="先定时间")
    with pytest.raises(DomainError, match="poll is closed"):
        services.vote(people[OrgKind.COURT], invitation_of(conference, OrgKind.COURT),
                      {first.id: YES})


def test_ranking_puts_required_people_first(world):
    conference, _, secretary, people, _ = world
    a, b, c = (services.propose(secretary, conference, slot(n)) for n in range(3))
    court = invitation_of(conference, OrgKind.COURT)
    police = invitation_of(conference, OrgKind.POLICE_STATION)
    optional = SimpleNamespace(id=999, required=False)
    votes = {(a.id, court.id): NO, (a.id, optional.id): YES, (a.id, police.id): YES,
             (b.id, court.id): YES, (b.id, police.id): MAYBE, (b.id, optional.id): NO,
             (c.id, court.id): YES, (c.id, police.id): YES, (c.id, optional.id): NO}
    tallies = services.rank([a, b, c], [court, police, optional], votes)
    assert [t.best for t in tallies] == [False, False, True]
    assert (tallies[0].required_no, tallies[2].required_yes) == (1, 2)


def test_confirming_a_slot_a_required_invitee_refused_needs_a_reason(world):
    conference, convener, secretary, people, room = world
    first = services.propose(secretary, conference, slot(0))
    court = invitation_of(conference, OrgKind.COURT)
    services.vote(people[OrgKind.COURT], court, {first.id: NO})
    with pytest.raises(DomainError, match="said no"):
        services.confirm(convener, conference, first, room, quorum_reason="先定")
    services.confirm(convener, conference, first, room, "法院书面意见已提交", "先定")
    assert conference.state is ConferenceState.SCHEDULED
    assert conference.starts_at == first.slot.start_utc
    assert services.poll_of(conference).override_reason == "法院书面意见已提交"


def test_a_confirmation_the_schedule_refuses_leaves_the_poll_open_and_records_nothing(world):
    """Confirming closes the poll and records the override before scheduling: when
    scheduling then refuses (no reason for the missing quorum), none of it is kept."""
    conference, convener, secretary, people, room = world
    first = services.propose(secretary, conference, slot(0))
    services.vote(people[OrgKind.COURT], invitation_of(conference, OrgKind.COURT), {first.id: NO})
    with refused(DomainError):
        services.confirm(convener, conference, first, room, "法院书面意见已提交")
    assert services.poll_of(conference).is_open
    assert conference.state is ConferenceState.INVITING and conference.starts_at is None
    assert not db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "poll.required_no_overridden"))


def test_reopening_notifies_everyone_and_keeps_the_time(world):
    from portal.notifications.models import Notification

    conference, convener, secretary, people, room = world
    first = services.propose(secretary, conference, slot(0))
    services.confirm(convener, conference, first, room, quorum_reason="先定")
    services.reopen(convener, conference)
    assert services.poll_of(conference).is_open
    assert conference.starts_at == first.slot.start_utc
    told = {n.recipient_id for n in Notification.query.filter_by(kind="poll_reopened")}
    assert people[OrgKind.COURT].id in told and secretary.id in told


def test_suggestions_avoid_the_rooms_bookings_and_other_conferences(world, make):
    conference, convener, secretary, people, room = world
    other = make.conference(convener=convener, secretary=secretary)
    busy = slot(0, time(8, 30), time(12, 0))
    from portal.conferences import services as conferences

    conferences.schedule(convener, other, busy.start_utc, busy.end_utc, room, "先定")
    from datetime import timedelta

    candidates = services.suggest(conference, room, timedelta(hours=2),
                                  now=busy.start_utc - timedelta(hours=1))
    assert candidates
    assert all(not c.slot.interval.overlaps(busy.interval) for c in candidates)

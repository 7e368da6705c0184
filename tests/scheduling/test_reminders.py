from dataclasses import replace
from datetime import UTC, date

import pytest

from scheduling.reminders import (
    ActionItemSnapshot,
    Answer,
    ConferenceSnapshot,
    ConferenceState,
    InvitationSnapshot,
    MinutesSnapshot,
    ReminderKind,
    SubjectKind,
    due,
    plan,
)

CONVENER = 1
COURT, BUREAU, LAWYER, SECTOR = 11, 12, 13, 14


@pytest.fixture
def conference(shanghai):
    return ConferenceSnapshot(
        id=17,
        state=ConferenceState.SCHEDULED,
        start=shanghai(2025, 10, 9, 9, 30),
        response_deadline=shanghai(2025, 10, 7, 17, 0),
        convener_id=CONVENER,
        invitations=(
            InvitationSnapshot(COURT, Answer.ACCEPTED),
            InvitationSnapshot(BUREAU, Answer.PENDING),
            InvitationSnapshot(LAWYER, Answer.DECLINED),
            InvitationSnapshot(SECTOR, Answer.ACCEPTED),
        ),
    )


@pytest.fixture
def planner(calendar):
    def run(now, conferences=(), minutes=(), actions=(), report_recipients=()):
        return plan(conferences, minutes, actions, report_recipients, now, calendar)

    return run


def of_kind(reminders, kind):
    return [r for r in reminders if r.kind is kind]


def test_response_reminder_goes_to_unanswered_a_day_before_deadline(planner, conference, shanghai):
    found = of_kind(planner(shanghai(2025, 10, 1), [conference]), ReminderKind.RESPONSE_DUE_SOON)
    assert [(r.recipient_id, r.due_at) for r in found] == [(BUREAU, shanghai(2025, 10, 6, 17))]
    assert found[0].subject_kind is SubjectKind.CONFERENCE and found[0].subject_id == 17


def test_overdue_response_goes_to_convener_at_deadline(planner, conference, shanghai):
    found = of_kind(planner(shanghai(2025, 10, 8), [conference]), ReminderKind.RESPONSE_OVERDUE)
    assert [(r.recipient_id, r.due_at) for r in found] == [(CONVENER, shanghai(2025, 10, 7, 17))]


def test_response_due_soon_is_dropped_after_the_deadline(planner, conference, shanghai):
    found = planner(shanghai(2025, 10, 8), [conference])
    assert of_kind(found, ReminderKind.RESPONSE_DUE_SOON) == []


def test_no_response_reminders_once_everyone_answered(planner, conference, shanghai):
    answered = replace(
        conference,
        invitations=tuple(
            InvitationSnapshot(i.recipient_id, Answer.ACCEPTED) for i in conference.invitations
        ),
    )
    found = planner(shanghai(2025, 10, 1), [answered])
    assert of_kind(found, ReminderKind.RESPONSE_DUE_SOON) == []
    assert of_kind(found, ReminderKind.RESPONSE_OVERDUE) == []


def test_meeting_reminders_go_to_accepted_invitees(planner, conference, shanghai):
    found = planner(shanghai(2025, 10, 1), [conference])
    day_before = of_kind(found, ReminderKind.MEETING_IN_24H)
    two_hours = of_kind(found, ReminderKind.MEETING_IN_2H)
    assert {(r.recipient_id, r.due_at) for r in day_before} == {
        (COURT, shanghai(2025, 10, 8, 9, 30)),
        (SECTOR, shanghai(2025, 10, 8, 9, 30)),
    }
    assert {(r.recipient_id, r.due_at) for r in two_hours} == {
        (COURT, shanghai(2025, 10, 9, 7, 30)),
        (SECTOR, shanghai(2025, 10, 9, 7, 30)),
    }


def test_day_before_reminder_is_dropped_once_two_hour_one_is_due(planner, conference, shanghai):
    found = planner(shanghai(2025, 10, 9, 8), [conference])
    assert of_kind(found, ReminderKind.MEETING_IN_24H) == []
    assert len(of_kind(found, ReminderKind.MEETING_IN_2H)) == 2


def test_no_meeting_reminders_after_the_start(planner, conference, shanghai):
    found = planner(shanghai(2025, 10, 9, 9, 30), [conference])
    assert of_kind(found, ReminderKind.MEETING_IN_2H) == []


@pytest.mark.parametrize("state", [ConferenceState.CANCELLED, ConferenceState.DRAFT])
def test_inactive_conferences_get_no_reminders(planner, conference, shanghai, state):
    assert planner(shanghai(2025, 10, 1), [replace(conference, state=state)]) == []


def test_plain_string_states_from_the_database_work(planner, conference, shanghai):
    raw = replace(
        conference,
        state="scheduled",
        invitations=(InvitationSnapshot(COURT, "accepted"), InvitationSnapshot(BUREAU, "pending")),
    )
    kinds = {r.kind for r in planner(shanghai(2025, 10, 1), [raw])}
    assert ReminderKind.MEETING_IN_24H in kinds and ReminderKind.RESPONSE_DUE_SOON in kinds


def test_reschedule_keeps_identities_and_moves_due_times(planner, conference, shanghai):
    now = shanghai(2025, 10, 1)
    before = {r.identity: r.due_at for r in planner(now, [conference])}
    moved = replace(conference, start=shanghai(2025, 10, 10, 14, 30))
    after = {r.identity: r.due_at for r in planner(now, [moved])}
    assert before.keys() == after.keys()
    meeting = [k for k in after if k[3] is ReminderKind.MEETING_IN_24H]
    assert all(after[k] == shanghai(2025, 10, 9, 14, 30) != before[k] for k in meeting)


def test_identities_are_unique(planner, conference, shanghai):
    found = planner(
        shanghai(2025, 10, 1),
        [conference],
        [MinutesSnapshot(17, (COURT, BUREAU), shanghai(2025, 9, 30, 10))],
        [ActionItemSnapshot(5, SECTOR, CONVENER, date(2025, 10, 20), done=False)],
        [CONVENER],
    )
    assert len({r.identity for r in found}) == len(found)


def test_unsigned_minutes_remind_each_pending_signer_a_day_later(planner, shanghai):
    minutes = MinutesSnapshot(17, (COURT, BUREAU), shanghai(2025, 10, 9, 16))
    found = planner(shanghai(2025, 10, 9, 18), minutes=[minutes])
    assert {(r.recipient_id, r.due_at) for r in found} == {
        (COURT, shanghai(2025, 10, 10, 16)),
        (BUREAU, shanghai(2025, 10, 10, 16)),
    }
    assert {r.subject_kind for r in found} == {SubjectKind.MINUTES}


def test_unsigned_minutes_reminder_rearms_daily_under_one_identity(planner, shanghai):
    minutes = MinutesSnapshot(17, (COURT,), shanghai(2025, 10, 9, 16))
    first = planner(shanghai(2025, 10, 10, 17), minutes=[minutes])
    later = planner(shanghai(2025, 10, 12, 20), minutes=[minutes])
    assert first[0].identity == later[0].identity
    assert (first[0].due_at, later[0].due_at) == (
        shanghai(2025, 10, 10, 16),
        shanghai(2025, 10, 12, 16),
    )


def test_action_item_reminders_before_and_after_due_date(planner, shanghai):
    item = ActionItemSnapshot(5, SECTOR, CONVENER, date(2025, 10, 20), done=False)
    found = planner(shanghai(2025, 10, 10), actions=[item])
    assert {(r.kind, r.recipient_id, r.due_at) for r in found} == {
        (ReminderKind.ACTION_DUE_SOON, SECTOR, shanghai(2025, 10, 17, 9)),
        (ReminderKind.ACTION_OVERDUE, SECTOR, shanghai(2025, 10, 21, 9)),
        (ReminderKind.ACTION_OVERDUE_ESCALATED, CONVENER, shanghai(2025, 10, 24, 9)),
    }


def test_due_soon_is_dropped_once_the_item_is_overdue(planner, shanghai):
    item = ActionItemSnapshot(5, SECTOR, CONVENER, date(2025, 10, 20), done=False)
    kinds = {r.kind for r in planner(shanghai(2025, 10, 22), actions=[item])}
    assert kinds == {ReminderKind.ACTION_OVERDUE, ReminderKind.ACTION_OVERDUE_ESCALATED}


def test_done_action_items_need_no_reminders(planner, shanghai):
    item = ActionItemSnapshot(5, SECTOR, CONVENER, date(2025, 10, 20), done=True)
    assert planner(shanghai(2025, 10, 22), actions=[item]) == []


def test_monthly_report_is_due_on_first_working_day(planner, shanghai):
    found = planner(shanghai(2025, 10, 3), report_recipients=[CONVENER])
    assert [(r.kind, r.subject_kind, r.subject_id, r.due_at) for r in found] == [
        (ReminderKind.MONTHLY_REPORT, SubjectKind.MONTH, 202510, shanghai(2025, 10, 9, 9))
    ]


def test_monthly_report_uses_the_month_of_the_calendar_zone(planner, shanghai):
    # 31 October 20:00 UTC is already 1 November in Shanghai.
    found = planner(shanghai(2025, 11, 1, 4), report_recipients=[CONVENER])
    assert found[0].subject_id == 202511
    assert found[0].due_at == shanghai(2025, 11, 3, 9)


def test_due_selects_reminders_whose_time_has_come(planner, conference, shanghai):
    planned = planner(shanghai(2025, 10, 1), [conference])
    now = shanghai(2025, 10, 8, 12)
    selected = due(planned, now)
    assert {r.kind for r in selected} == {
        ReminderKind.RESPONSE_DUE_SOON,
        ReminderKind.RESPONSE_OVERDUE,
        ReminderKind.MEETING_IN_24H,
    }
    assert all(r.due_at <= now for r in selected)
    assert [r.due_at for r in selected] == sorted(r.due_at for r in selected)


def test_due_time_is_inclusive(planner, conference, shanghai):
    planned = planner(shanghai(2025, 10, 1), [conference])
    assert of_kind(due(planned, shanghai(2025, 10, 6, 17)), ReminderKind.RESPONSE_DUE_SOON)


def test_plan_is_deterministic_and_sorted(planner, conference, shanghai):
    now = shanghai(2025, 10, 1)
    first = planner(now, [conference], report_recipients=[CONVENER])
    assert first == planner(now, [conference], report_recipients=[CONVENER])
    assert [r.due_at for r in first] == sorted(r.due_at for r in first)


def test_due_times_are_in_utc(planner, conference, shanghai):
    found = planner(shanghai(2025, 10, 1), [conference], report_recipients=[CONVENER])
    assert {r.due_at.tzinfo for r in found} == {UTC}

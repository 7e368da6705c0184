"""The summaries the writers keep give the registers' own figures, for any period."""

import re
import threading
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from portal.conferences import services as conferences
from portal.conferences.models import Answer, ConferenceState, Invitation
from portal.disputes import services as disputes
from portal.disputes.models import Category, Dispute, PartyRole, Source, Status
from portal.extensions import db
from portal.minutes.models import MinutesVersion, VersionStatus
from portal.orgs.models import OrgKind, Role, User, Village
from portal.statistics import queries, services, upkeep
from portal.statistics.models import (
    ConferenceFact,
    DisputePeriod,
    InvitationFact,
    InvitationPeriod,
    StatisticsVersion,
)
from portal.statistics.queries import Filters, pieces
from tests.statistics.conftest import MARCH, SHANGHAI, TODAY, utc

# The world built while the summaries are kept (conftest's `counted_from`).
kept = pytest.mark.parametrize("counted_from", ["summaries"], indirect=True)


def tables(filters: Filters) -> dict:
    board = services.compute_dashboard(filters, TODAY)
    return {key: table.rows for key, table in board.tables.items()}


def from_registers(filters: Filters) -> dict:
    zone = db.session.scalar(sa.select(StatisticsVersion.summary_zone))
    db.session.execute(sa.update(StatisticsVersion).values(summary_zone=None))
    try:
        return tables(filters)
    finally:
        db.session.execute(sa.update(StatisticsVersion).values(summary_zone=zone))


def kept_summaries() -> tuple[set, set]:
    periods = {tuple(row) for row in db.session.execute(
        sa.select(*DisputePeriod.__table__.c).where(DisputePeriod.registered != 0))}
    facts = {tuple(row) for row in db.session.execute(
        sa.select(*InvitationFact.__table__.c))}
    held = {tuple(row) for row in db.session.execute(
        sa.select(*ConferenceFact.__table__.c))}
    sent = {tuple(row) for row in db.session.execute(
        sa.select(*InvitationPeriod.__table__.c).where(InvitationPeriod.invited != 0))}
    return periods, facts, held, sent


PERIODS = [
    MARCH,
    Filters(date(2026, 3, 5), date(2026, 3, 20), SHANGHAI),  # inside one month
    Filters(date(2026, 2, 28), date(2026, 4, 1), SHANGHAI),  # a month and a day each side
    Filters(date(2026, 1, 1), date(2026, 12, 31), SHANGHAI),  # the year
    Filters(date(2025, 12, 15), date(2026, 3, 31), SHANGHAI),  # ends on a month's end
    replace(MARCH, tier=3),
    replace(MARCH, category=Category.NEIGHBOUR),
]


@kept
def test_the_summaries_are_used_and_give_the_registers_figures(world):
    assert queries.summarised(MARCH)
    for filters in [*PERIODS, replace(MARCH, village_id=world.villages[1].id)]:
        assert tables(filters) == from_registers(filters), filters


@kept
def test_what_the_writers_kept_is_what_a_rebuild_makes(world):
    kept = kept_summaries()
    assert all(kept)
    upkeep.rebuild()
    assert kept_summaries() == kept


@kept
def test_a_transition_through_its_service_moves_the_counts(world, make):
    d2, handler = world.disputes["d2"], make.user(Role.MEDIATOR)
    d2.handler_id = handler.id
    db.session.commit()
    before = services.compute_dashboard(MARCH, TODAY).tables["tiers"].rows[0]
    disputes.resolve(handler, d2, "双方和解")
    after = services.compute_dashboard(MARCH, TODAY).tables["tiers"].rows[0]
    assert (before[2], after[2]) == (1, 2)
    assert tables(MARCH) == from_registers(MARCH)


@kept
def test_a_dispute_moved_to_another_month_leaves_one_and_joins_the_other(world):
    world.disputes["d2"].reported_at = utc(2026, 4, 2)
    db.session.commit()
    db.session.expire_all()
    world.disputes["d8"].reported_at = utc(2026, 3, 9)  # set while expired: not loaded
    db.session.commit()
    assert tables(MARCH)["tiers"][0][1] == 2
    assert tables(MARCH) == from_registers(MARCH)
    upkeep.rebuild()
    assert tables(MARCH) == from_registers(MARCH)


@kept
def test_an_answer_given_through_its_service_counts_at_once(world, nancheng):
    pending = db.session.scalars(sa.select(Invitation).where(
        Invitation.conference_id == world.conferences["c2"].id,
        Invitation.answer == Answer.PENDING)).one()
    head = nancheng[1][OrgKind.POLICE_STATION]
    world.conferences["c2"].state = ConferenceState.INVITING  # still open to answers
    db.session.commit()
    shown = {f.label: f.value for f in services.compute_dashboard(MARCH, TODAY).figures}
    assert shown["Invitation response rate"] == "92.31%"
    conferences.answer(head, pending, Answer.ACCEPTED)
    shown = {f.label: f.value for f in services.compute_dashboard(MARCH, TODAY).figures}
    assert shown["Invitation response rate"] == "100.00%"
    assert tables(MARCH) == from_registers(MARCH)


@kept
def test_a_bulk_statement_sends_the_dashboard_to_the_registers_until_rebuilt(world):
    db.session.execute(sa.update(Dispute).where(Dispute.id == world.disputes["d7"].id)
                       .values(reported_at=utc(2026, 3, 20)))
    db.session.commit()
    assert not queries.summarised(MARCH)
    assert tables(MARCH)["tiers"][0][1] == 3
    assert upkeep.ensure_built()
    assert queries.summarised(MARCH)
    assert tables(MARCH)["tiers"][0][1] == 3
    assert not upkeep.ensure_built()


@kept
def test_a_person_moving_to_another_body_sends_the_dashboard_to_the_registers(world, make):
    delegate = db.session.scalars(sa.select(Invitation).where(
        Invitation.user_id.is_not(None))).first().user
    delegate.organisation_id = world.bodies[next(iter(world.bodies))].id
    db.session.commit()
    assert not queries.summarised(MARCH)


REGISTERS = re.compile(r"\b(disputes|conferences|invitations|answer_changes|minutes_versions)\b")


@contextmanager
def statements():
    seen = []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)


ZONES = [ZoneInfo("Asia/Tokyo"), ZoneInfo("Europe/London"), ZoneInfo("America/New_York")]


@kept
@pytest.mark.parametrize("zone", ZONES, ids=lambda z: z.key)
def test_a_viewer_in_another_zone_is_served_from_the_summaries(world, zone):
    for filters in [replace(f, zone=zone) for f in PERIODS]:
        with statements() as seen:
            shown = tables(filters)
        if filters.tier is None and filters.category is None:
            # Only the action items (follow-up tasks, not summarised) join a register,
            # and only when the dashboard is sliced.
            assert [s for s in seen if REGISTERS.search(s)] == [], filters
        assert shown == from_registers(filters), filters


@kept
def test_a_month_is_cut_at_the_viewers_midnight(world):
    tokyo, london = (replace(MARCH, zone=ZoneInfo(name))
                     for name in ("Asia/Tokyo", "Europe/London"))
    # d8 (15:00 UTC on 28 February) and d1 (17:00) are March in Tokyo, d7 (16:00 UTC on
    # 31 March) April; in London (summer time from 29 March) d1 is February, d7 March.
    assert [row[1] for row in tables(tokyo)["tiers"]] == [3, 2, 2]
    assert [row[1] for row in tables(london)["tiers"]] == [2, 2, 2]
    assert [row[1] for row in tables(MARCH)["tiers"]] == [2, 2, 2]


@kept
def test_a_zone_half_an_hour_off_counts_its_disputes_in_the_registers(world):
    kolkata = replace(MARCH, zone=ZoneInfo("Asia/Kolkata"))
    assert pieces(kolkata.since, kolkata.until) is None
    assert tables(kolkata) == from_registers(kolkata)


@kept
def test_the_scheduler_tick_rebuilds_summaries_left_unknown(world, app):
    from portal.scheduler.tick import tick

    upkeep.mark_unknown(db.session.connection())
    db.session.commit()
    tick(utc(2026, 4, 10, 1))
    assert queries.summarised(MARCH)
    assert tables(MARCH) == from_registers(MARCH)


@pytest.mark.parametrize("since, until, expected", [
    (utc(2026, 3, 1), utc(2026, 4, 1), [("month", utc(2026, 3, 1), utc(2026, 4, 1))]),
    # Tokyo's March: 9 hours of February, 30 days and 15 hours of March.
    (utc(2026, 2, 28, 15), utc(2026, 3, 31, 15),
     [("hour", utc(2026, 2, 28, 15), utc(2026, 3, 1)),
      ("day", utc(2026, 3, 1), utc(2026, 3, 31)),
      ("hour", utc(2026, 3, 31), utc(2026, 3, 31, 15))]),
    # Tokyo's 2026: nine hours, eleven months, thirty days, fifteen hours.
    (utc(2025, 12, 31, 15), utc(2026, 12, 31, 15),
     [("hour", utc(2025, 12, 31, 15), utc(2026, 1, 1)),
      ("month", utc(2026, 1, 1), utc(2026, 12, 1)),
      ("day", utc(2026, 12, 1), utc(2026, 12, 31)),
      ("hour", utc(2026, 12, 31), utc(2026, 12, 31, 15))]),
    # New York's 15 to 20 March (summer time): days from 04:00 UTC.
    (utc(2026, 3, 15, 4), utc(2026, 3, 21, 4),
     [("hour", utc(2026, 3, 15, 4), utc(2026, 3, 16)),
      ("day", utc(2026, 3, 16), utc(2026, 3, 21)),
      ("hour", utc(2026, 3, 21), utc(2026, 3, 21, 4))]),
    (utc(2026, 3, 5, 3), utc(2026, 3, 5, 9), [("hour", utc(2026, 3, 5, 3),
                                                  utc(2026, 3, 5, 9))]),
])
def test_a_period_is_made_of_whole_utc_months_days_and_hours(since, until, expected):
    found = pieces(since, until)
    assert found == [(span, int(a.timestamp()), int(b.timestamp()))
                     for span, a, b in expected]
    # Each piece ends where the next begins: the period is covered once, without gaps.
    assert found[0][1] == since.timestamp() and found[-1][2] == until.timestamp()
    assert all(a[2] == b[1] for a, b in zip(found, found[1:], strict=False))


@kept
def test_resolving_with_a_referral_counts_it_referred(world, make):
    d2 = world.disputes["d2"]
    d2.status = Status.CLOSED
    d2.referral = world.disputes["d3"].referral
    db.session.commit()
    assert tables(MARCH)["tiers"][0][5] == 1
    assert tables(MARCH) == from_registers(MARCH)


@kept
def test_a_conference_cancelled_and_minutes_issued_move_the_conference_figures(world):
    c4, c2 = world.conferences["c4"], world.conferences["c2"]
    c4.state = ConferenceState.CANCELLED
    db.session.add(MinutesVersion(conference_id=c2.id, number=3, status=VersionStatus.ISSUED,
                                  snapshot="{}", content_hash="1" * 64,
                                  created_by_id=c2.created_by_id, issued_at=utc(2026, 3, 10, 12)))
    db.session.commit()
    shown = {f.label: f.value for f in services.compute_dashboard(MARCH, TODAY).figures}
    assert shown["Tier-3 conferences held"] == "2"
    assert tables(MARCH) == from_registers(MARCH)
    c4.state = ConferenceState.IN_SESSION
    world.disputes["d5"].escalated_at = utc(2026, 3, 1, 12)
    db.session.commit()
    assert tables(MARCH) == from_registers(MARCH)


def test_concurrent_writers_keep_the_summary_exact(app, make):
    """Eight writers register and conclude disputes of the same village and month at once;
    the kept counts equal a rebuild (each writer's difference counted once)."""
    db.session.execute(sa.delete(StatisticsVersion))
    db.session.add(StatisticsVersion(id=1, token="t", n=0, summary_zone="UTC"))
    reporter_id, village_id = make.user(Role.GRID_WORKER).id, make.village().id
    shared = make.dispute(reporter=make.user(Role.GRID_WORKER), village=db.session.get(
        Village, village_id))
    db.session.commit()
    shared_id = shared.id
    db.session.remove()
    errors = []

    def write(n):
        from portal.disputes.services import DisputeInput, PartyInput, create_dispute

        try:
            with app.app_context():
                reporter = db.session.get(User, reporter_id)
                for i in range(4):
                    create_dispute(reporter, DisputeInput(
                        title=f"并发 {n}-{i}", category=Category.NEIGHBOUR,
                        village_id=village_id, source=Source.WALK_IN, description="x",
                        parties=[PartyInput("王五", PartyRole.APPLICANT)]))
                    dispute = db.session.get(Dispute, shared_id)
                    dispute.status = (Status.CLOSED, Status.HANDLING)[(n + i) % 2]
                    db.session.commit()
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    kept = kept_summaries()
    assert sum(row[5] for row in kept[0] if row[0] == "month") == 33
    upkeep.rebuild()
    assert kept_summaries() == kept


@kept
def test_an_invitation_withdrawn_after_sending_leaves_the_counts(world):
    labour = db.session.scalars(sa.select(Invitation).where(
        Invitation.conference_id == world.conferences["c1"].id,
        Invitation.answer == Answer.DECLINED)).one()
    db.session.delete(labour)
    db.session.commit()
    responses = {row[0]: row[1] for row in tables(MARCH)["responses"]}
    assert responses[world.bodies[OrgKind.LABOUR_ARBITRATION].name] == 2  # c2 and c3
    assert tables(MARCH) == from_registers(MARCH)
    kept = kept_summaries()
    upkeep.rebuild()
    assert kept_summaries() == kept


@kept
def test_the_rebuild_command_makes_the_summaries_current_again(world, app):
    upkeep.mark_unknown(db.session.connection())
    db.session.commit()
    runner = app.test_cli_runner()
    assert "[FAIL] statistics summaries: not current" in runner.invoke(args=["doctor"]).output
    result = runner.invoke(args=["statistics", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Statistics summaries rebuilt" in result.output
    assert "[ok  ] statistics summaries: current, by UTC hour, day and month" in runner.invoke(
        args=["doctor"]).output
    assert queries.summarised(MARCH)


@kept
def test_a_dispute_moved_to_another_village_takes_its_conferences_along(world):
    v1, v2 = world.villages
    d5 = world.disputes["d5"]  # conferences c1 and c4, with their invitations
    d5.village_id, d5.category = v2.id, Category.OTHER
    db.session.commit()
    for filters in (replace(MARCH, village_id=v1.id), replace(MARCH, village_id=v2.id),
                    replace(MARCH, category=Category.OTHER), replace(MARCH, tier=3)):
        assert tables(filters) == from_registers(filters), filters
    assert dict((row[0], row[-1]) for row in tables(MARCH)["villages"])[v2.name] == 3


@kept
def test_a_rebuild_goes_in_short_batches_and_keeps_what_is_written_between_them(
        world, make, monkeypatch):
    """Registrations and transitions made between two batches are counted once: those
    of disputes already built by the writers, the others by the batches to come."""
    monkeypatch.setattr(upkeep, "BATCH", 3)
    build, progress, reporter = upkeep._build_batch, [], make.user(Role.GRID_WORKER)
    d2, d7 = world.disputes["d2"], world.disputes["d7"]  # built in the first batch, the third

    def batch(connection):
        progress.append(upkeep.coverage(connection))
        if len(progress) == 2:
            d2.status, d7.reported_at = Status.RESOLVED, utc(2026, 3, 20)
            make.dispute(reporter=reporter, village=world.villages[0], tier=1,
                         category=Category.NEIGHBOUR).reported_at = utc(2026, 3, 15)
            db.session.commit()
        return build(db.session.connection())

    monkeypatch.setattr(upkeep, "_build_batch", batch)
    assert upkeep.rebuild()
    ids = sorted(d.id for d in world.disputes.values())
    assert progress == [0, ids[2], ids[5], ids[-1] + 1]
    assert upkeep.current(db.session.connection())
    monkeypatch.undo()
    assert tables(MARCH) == from_registers(MARCH)
    # Tier 1 in March: d1, d2 now resolved, d7 moved in, the new one still reported.
    assert tables(MARCH)["tiers"][0][1:3] == [4, 3]
    kept = kept_summaries()
    upkeep.rebuild()
    assert kept_summaries() == kept


def test_writers_during_a_rebuild_are_counted_once(app, make, monkeypatch):
    """A rebuild in batches of two runs while four writers register disputes and move
    older ones between states; the summaries it ends with equal a rebuild made after."""
    monkeypatch.setattr(upkeep, "BATCH", 2)
    db.session.execute(sa.delete(StatisticsVersion))
    db.session.add(StatisticsVersion(id=1, token="t", n=0, summary_zone="UTC"))
    reporter = make.user(Role.GRID_WORKER)
    village = make.village()
    older = [make.dispute(reporter=reporter, village=village).id for _ in range(12)]
    db.session.commit()
    reporter_id, village_id = reporter.id, village.id
    db.session.remove()
    errors, built = [], []

    def rebuild():
        try:
            with app.app_context():
                built.append(upkeep.rebuild())
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    def write(n):
        from portal.disputes.services import DisputeInput, PartyInput, create_dispute

        try:
            with app.app_context():
                reporter = db.session.get(User, reporter_id)
                for i in range(4):
                    create_dispute(reporter, DisputeInput(
                        title=f"并发 {n}-{i}", category=Category.NEIGHBOUR,
                        village_id=village_id, source=Source.WALK_IN, description="x",
                        parties=[PartyInput("王五", PartyRole.APPLICANT)]))
                    dispute = db.session.get(Dispute, older[(n * 4 + i) % len(older)])
                    dispute.status = (Status.CLOSED, Status.HANDLING)[i % 2]
                    db.session.commit()
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=rebuild),
               *[threading.Thread(target=write, args=(n,)) for n in range(4)]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and built == [True]
    assert upkeep.current(db.session.connection())
    kept = kept_summaries()
    assert sum(row[5] for row in kept[0] if row[0] == "month") == 12 + 16
    upkeep.rebuild()
    assert kept_summaries() == kept

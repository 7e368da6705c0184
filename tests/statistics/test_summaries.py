"""The summaries the writers keep give the registers' own figures, for any period."""

import threading
from dataclasses import replace
from datetime import date, timedelta
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
    DisputeMonth,
    InvitationFact,
    InvitationMonth,
    StatisticsVersion,
)
from portal.statistics.queries import Filters, split_months
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
    months = {tuple(row) for row in db.session.execute(
        sa.select(DisputeMonth.month, DisputeMonth.village_id, DisputeMonth.category,
                  DisputeMonth.tier, DisputeMonth.registered, DisputeMonth.concluded,
                  DisputeMonth.resolved, DisputeMonth.referred)
        .where(DisputeMonth.registered != 0))}
    facts = {tuple(row) for row in db.session.execute(
        sa.select(*InvitationFact.__table__.c))}
    held = {tuple(row) for row in db.session.execute(
        sa.select(*ConferenceFact.__table__.c))}
    sent = {tuple(row) for row in db.session.execute(
        sa.select(*InvitationMonth.__table__.c).where(InvitationMonth.invited != 0))}
    return months, facts, held, sent


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
    upkeep.rebuild(SHANGHAI)
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
    upkeep.rebuild(SHANGHAI)
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
    assert upkeep.ensure_built(SHANGHAI)
    assert queries.summarised(MARCH)
    assert tables(MARCH)["tiers"][0][1] == 3
    assert not upkeep.ensure_built(SHANGHAI)


@kept
def test_a_person_moving_to_another_body_sends_the_dashboard_to_the_registers(world, make):
    delegate = db.session.scalars(sa.select(Invitation).where(
        Invitation.user_id.is_not(None))).first().user
    delegate.organisation_id = world.bodies[next(iter(world.bodies))].id
    db.session.commit()
    assert not queries.summarised(MARCH)


@kept
def test_another_zone_is_counted_from_the_registers(world):
    berlin = replace(MARCH, zone=ZoneInfo("Europe/Berlin"))
    assert not queries.summarised(berlin)
    # d1 was reported at 17:00 UTC on 28 February: still February in Berlin.
    assert tables(berlin)["tiers"][0][1] == 2


@kept
def test_the_scheduler_tick_rebuilds_summaries_left_unknown(world, app):
    from portal.scheduler.tick import tick

    upkeep.mark_unknown(db.session.connection())
    db.session.commit()
    tick(utc(2026, 4, 10, 1))
    assert queries.summarised(MARCH)
    assert tables(MARCH) == from_registers(MARCH)


@pytest.mark.parametrize("start, end, months, edges", [
    (date(2026, 3, 1), date(2026, 3, 31), ["2026-03"], []),
    (date(2026, 3, 2), date(2026, 3, 31), [], [(date(2026, 3, 2), date(2026, 4, 1))]),
    (date(2026, 2, 27), date(2026, 5, 3), ["2026-03", "2026-04"],
     [(date(2026, 2, 27), date(2026, 3, 1)), (date(2026, 5, 1), date(2026, 5, 4))]),
    (date(2025, 12, 1), date(2026, 1, 31), ["2025-12", "2026-01"], []),
])
def test_a_period_splits_into_whole_months_and_the_days_around_them(start, end, months, edges):
    assert split_months(start, end) == (months, edges)
    days = sum((b - a).days for a, b in edges)
    whole = sum((date.fromisoformat(f"{m}-01").replace(day=28) + timedelta(days=4)).replace(
        day=1).toordinal() - date.fromisoformat(f"{m}-01").toordinal() for m in months)
    assert days + whole == (end - start).days + 1


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
    db.session.add(StatisticsVersion(id=1, token="t", n=0, summary_zone="Asia/Shanghai"))
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
    assert sum(row[4] for row in kept[0]) == 33
    upkeep.rebuild(SHANGHAI)
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
    upkeep.rebuild(SHANGHAI)
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
    assert "[ok  ] statistics summaries: current, by month in Asia/Shanghai" in runner.invoke(
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

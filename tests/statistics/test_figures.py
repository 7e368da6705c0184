"""Every dashboard figure against the hand-counted March of conftest.py (both databases)."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from portal.disputes.models import Category
from portal.extensions import db
from portal.orgs.models import OrgKind
from portal.statistics import queries, services
from tests.statistics.conftest import MARCH, TODAY, utc


def figures(board) -> dict[str, str]:
    return {f.label: f.value for f in board.figures}


def test_disputes_registered_concluded_and_closure_rate(world):
    shown = figures(services.dashboard(MARCH, TODAY))
    assert shown["Disputes registered"] == "6"
    assert shown["Disputes concluded"] == "4"
    assert shown["Closure rate"] == "66.67%"
    assert shown["Resolved by agreement"] == "3"
    assert shown["Referred"] == "1"


def test_reopened_dispute_is_not_concluded(world):
    rows = {r.key: r for r in queries.dispute_breakdowns(MARCH).tiers}
    assert (rows[3].registered, rows[3].concluded) == (2, 1)


def test_by_tier_and_by_category(world):
    board = services.dashboard(MARCH, TODAY)
    assert board.tables["tiers"].rows == [
        ["Tier 1", 2, 1, Decimal("50.00"), 1, 0],
        ["Tier 2", 2, 2, Decimal("100.00"), 1, 1],
        ["Tier 3", 2, 1, Decimal("50.00"), 1, 0],
    ]
    by_category = {row[0]: row[1:] for row in board.tables["categories"].rows}
    assert by_category == {
        Category.NEIGHBOUR.label: [2, 1, Decimal("50.00"), 1, 0],
        Category.DEBT_CONTRACT.label: [2, 2, Decimal("100.00"), 1, 1],
        Category.LAND_FOREST.label: [1, 1, Decimal("100.00"), 1, 0],
        Category.LABOUR_WAGES.label: [1, 0, Decimal("0.00"), 0, 0],
    }


def test_success_rate_of_complex_mediation(world):
    # d3 referred, d4 and d5 resolved; d6 (reopened) has not ended.
    assert figures(services.dashboard(MARCH, TODAY))["Success rate of complex mediation"] \
        == "66.67%"


def test_cancelled_conference_is_not_held(world):
    shown = figures(services.dashboard(MARCH, TODAY))
    assert shown["Tier-3 conferences held"] == "3"


def test_three_plus_n_and_bodies_with_a_delegation_counted_once(world):
    row = queries.participation(MARCH)
    # c1: 3 heads + natural resources (4 bodies, the bureau once); c2: 3 bodies; c4: 3.
    assert (row.held, row.three_plus_n, row.bodies) == (3, 1, 10)
    shown = figures(services.dashboard(MARCH, TODAY))
    assert shown["“3+N” conferences"] == "1"
    assert shown["Average bodies taking part"] == "3.33"


def test_durations_median_and_90th_percentile(world):
    rows = services.dashboard(MARCH, TODAY).tables["durations"].rows
    assert rows == [
        ["Escalation to conference", 2, Decimal("5.00"), Decimal("6.60")],
        ["Conference to signed minutes", 2, Decimal("1.75"), Decimal("2.35")],
    ]


def test_invitation_responses_per_body(world):
    board = services.dashboard(MARCH, TODAY)
    # 13 sent in March (c1 5, c2 4, the cancelled c3 4; c4's went out in February);
    # 12 answered (c2's police did not); the bureau's delegation is c1's one answer.
    assert figures(board)["Invitation response rate"] == "92.31%"
    rows = {row[0]: row[1:] for row in board.tables["responses"].rows}
    name = {kind: world.bodies[kind].name for kind in OrgKind}
    assert rows == {
        name[OrgKind.COURT]: [3, 3, Decimal("100.00"), Decimal("2.00")],  # 2, 8, 1 h
        name[OrgKind.JUDICIAL_BUREAU]: [3, 3, Decimal("100.00"), Decimal("2.00")],  # 4, 2, 1
        name[OrgKind.POLICE_STATION]: [3, 2, Decimal("66.67"), Decimal("3.50")],  # 6, 1
        name[OrgKind.NATURAL_RESOURCES]: [1, 1, Decimal("100.00"), Decimal("1.00")],
        name[OrgKind.LABOUR_ARBITRATION]: [3, 3, Decimal("100.00"), Decimal("1.00")],  # 3,1,1
    }


def test_action_items_per_body_by_outcome_and_overdue(world):
    table = services.dashboard(MARCH, TODAY).tables["actions"]
    assert table.headers[1:] == ["Done", "Not done: circumstances changed",
                                 "Not done by the owner", "In progress", "Not reported yet",
                                 "Overdue", "Total"]
    rows = {row[0]: row[1:] for row in table.rows}
    name = {kind: world.bodies[kind].name for kind in OrgKind}
    assert rows == {
        name[OrgKind.NATURAL_RESOURCES]: [1, 0, 0, 0, 1, 1, 2],
        name[OrgKind.JUDICIAL_BUREAU]: [0, 0, 0, 1, 0, 1, 1],
        "北关社区村委会": [0, 0, 1, 0, 0, 0, 1],
        name[OrgKind.LABOUR_ARBITRATION]: [0, 1, 0, 0, 0, 0, 1],
    }


def test_per_village_table(world):
    rows = services.dashboard(MARCH, TODAY).tables["villages"].rows
    assert rows == [
        ["北关社区", 3, 2, Decimal("66.67"), 1, 1],
        ["米山村", 3, 2, Decimal("66.67"), 1, 2],
    ]


def test_monthly_trend_over_twelve_months(world):
    rows = services.dashboard(MARCH, TODAY).tables["trend"].rows
    assert [row[0] for row in rows] == (
        [f"2025-{m:02d}" for m in range(4, 13)] + ["2026-01", "2026-02", "2026-03"])
    assert rows[-1] == ["2026-03", 6, 4, Decimal("66.67"), 3]
    assert rows[-2] == ["2026-02", 1, 0, Decimal("0.00"), 0]
    assert all(row[1:] == [0, 0, None, 0] for row in rows[:-2])


def test_filters_by_village_category_and_tier(world):
    v1 = world.villages[0]
    by_village = figures(services.dashboard(replace(MARCH, village_id=v1.id), TODAY))
    assert (by_village["Disputes registered"], by_village["Closure rate"],
            by_village["Tier-3 conferences held"]) == ("3", "66.67%", "2")
    land = figures(services.dashboard(replace(MARCH, category=Category.LAND_FOREST), TODAY))
    assert (land["Disputes registered"], land["Tier-3 conferences held"],
            land["“3+N” conferences"]) == ("1", "2", "1")
    tier1 = figures(services.dashboard(replace(MARCH, tier=1), TODAY))
    assert (tier1["Disputes registered"], tier1["Tier-3 conferences held"]) == ("2", "0")


def test_empty_period(world):
    empty = replace(MARCH, start=date(2025, 1, 1), end=date(2025, 1, 31))
    board = services.dashboard(empty, TODAY)
    shown = figures(board)
    assert shown["Disputes registered"] == "0"
    assert shown["Closure rate"] == "—"
    assert shown["Average bodies taking part"] == "—"
    assert shown["Invitation response rate"] == "—"
    assert board.tables["durations"].rows == [
        ["Escalation to conference", 0, None, None],
        ["Conference to signed minutes", 0, None, None]]
    assert board.tables["tiers"].rows == [] and board.tables["actions"].rows == []


def test_percentiles_match_the_reports_library(ctx):
    """The SQL percentile agrees with reports.stats (PERCENTILE.INC) on awkward counts."""
    import sqlalchemy as sa

    from portal.extensions import db
    from reports.stats import percentile

    for values in ([4.0], [1.0, 2.0], [3.0, 1.0, 2.0, 10.0, 7.5], list(range(11)),
                   [0.5 * v for v in range(1, 24)]):
        rows = sa.union_all(*[sa.select(sa.literal(v, sa.Float).label("v")) for v in values])
        got = db.session.execute(queries.percentiles(rows.subquery(), (50, 90))).one()
        assert abs(got.p50 - percentile(values, 50)) < 1e-9
        assert abs(got.p90 - percentile(values, 90)) < 1e-9


def test_an_escalation_stamped_after_its_conference_is_left_out_of_the_durations(world):
    world.disputes["d6"].escalated_at = utc(2026, 3, 12)  # after its conference of 10 March
    db.session.commit()
    rows = services.dashboard(MARCH, TODAY).tables["durations"].rows
    assert rows[0][:3] == ["Escalation to conference", 1, Decimal("3.00")]


def test_labour_arbitration_is_not_a_sector_mediation_body():
    assert not OrgKind.LABOUR_ARBITRATION.is_mediation_body
    assert OrgKind.LABOUR_MEDIATION.is_mediation_body
    assert OrgKind.NATURAL_RESOURCES.is_mediation_body and not OrgKind.COURT.is_mediation_body

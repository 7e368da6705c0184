"""A kept dashboard never hides a change: every write to the data under it shows at once."""

import re
import uuid
from dataclasses import replace

import pytest
import sqlalchemy as sa

from portal.disputes import services as disputes
from portal.disputes.models import Dispute, Status
from portal.extensions import db
from portal.orgs.models import Role
from portal.statistics import cache, services
from portal.statistics.models import StatisticsVersion
from tests.statistics.conftest import MARCH, TODAY, utc

MARCH_QUERY = "from=2026-03-01&to=2026-03-31"


@pytest.fixture
def versioned(world):
    """The version row the migration makes (the tests' clean-up empties every table)."""
    cache.clear()
    db.session.execute(sa.delete(StatisticsVersion))
    db.session.add(StatisticsVersion(id=1, token=uuid.uuid4().hex, n=0))
    db.session.commit()
    yield
    cache.clear()


def registered(board) -> str:
    return next(f.value for f in board.figures if f.label == "Disputes registered")


def test_an_unchanged_dashboard_is_kept(versioned):
    first = services.dashboard(MARCH, TODAY)
    assert services.dashboard(MARCH, TODAY) is first
    assert services.dashboard(replace(MARCH, tier=3), TODAY) is not first


def test_a_dispute_registered_shows_at_once(versioned, world, make):
    reporter, village = make.user(Role.GRID_WORKER), world.villages[0]
    assert registered(services.dashboard(MARCH, TODAY)) == "6"
    dispute = make.dispute(reporter=reporter, village=village)
    dispute.reported_at = utc(2026, 3, 15)
    db.session.commit()
    assert registered(services.dashboard(MARCH, TODAY)) == "7"


def test_a_dispute_concluded_through_its_service_shows_at_once(versioned, world, make):
    d2 = world.disputes["d2"]
    handler = make.user(Role.MEDIATOR)
    d2.handler_id = handler.id
    d2.status = Status.HANDLING
    db.session.commit()
    before = services.dashboard(MARCH, TODAY)
    assert before.tables["tiers"].rows[0][2] == 1
    disputes.resolve(handler, d2, "双方和解")
    after = services.dashboard(MARCH, TODAY)
    assert after.tables["tiers"].rows[0][2] == 2


def test_a_bulk_statement_shows_at_once(versioned, world):
    assert registered(services.dashboard(MARCH, TODAY)) == "6"
    db.session.execute(sa.update(Dispute).where(Dispute.id == world.disputes["d7"].id)
                       .values(reported_at=utc(2026, 3, 20)))
    db.session.commit()
    assert registered(services.dashboard(MARCH, TODAY)) == "7"
    db.session.execute(sa.text("UPDATE disputes SET reported_at = :at WHERE id = :id"),
                       {"at": utc(2026, 5, 1), "id": world.disputes["d2"].id})
    db.session.commit()
    assert registered(services.dashboard(MARCH, TODAY)) == "6"


def test_a_change_rolled_back_leaves_the_kept_dashboard_right(versioned, world):
    first = services.dashboard(MARCH, TODAY)
    world.disputes["d7"].reported_at = utc(2026, 3, 20)
    db.session.flush()
    db.session.rollback()
    assert registered(services.dashboard(MARCH, TODAY)) == "6"
    assert services.dashboard(MARCH, TODAY) is first


def test_the_page_shows_a_new_dispute_on_the_next_request(versioned, world, make, login):
    leader = make.user(Role.OBSERVER, language="en")
    reporter = make.user(Role.GRID_WORKER)
    client = login(leader)
    page = client.get(f"/statistics/?{MARCH_QUERY}").get_data(as_text=True)
    assert "66.67%" in page
    dispute = make.dispute(reporter=reporter, village=world.villages[0])
    dispute.reported_at, dispute.status = utc(2026, 3, 15), Status.CLOSED
    db.session.commit()
    page = client.get(f"/statistics/?{MARCH_QUERY}").get_data(as_text=True)
    assert "71.43%" in page


def _bumps(statements: list[str]) -> list[int]:
    return [i for i, text in enumerate(statements)
            if re.match(r"UPDATE statistics_version SET n=", text)]


@pytest.fixture
def statements():
    seen: list[str] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement.strip())

    sa.event.listen(db.engine, "before_cursor_execute", keep)
    yield seen
    sa.event.remove(db.engine, "before_cursor_execute", keep)


def test_a_transaction_bumps_the_version_once_as_it_commits(versioned, world, statements):
    before = cache.version()
    world.disputes["d7"].reported_at = utc(2026, 3, 20)
    db.session.flush()
    world.disputes["d8"].reported_at = utc(2026, 3, 21)
    db.session.flush()
    db.session.execute(sa.update(Dispute).where(Dispute.id == world.disputes["d2"].id)
                       .values(title="改过的标题"))
    assert cache.version() == before  # nobody waits behind the row while the work goes on
    db.session.commit()
    assert cache.version() == (before[0], before[1] + 1)
    bumps = _bumps(statements)
    assert len(bumps) == 1
    # The last statement of the transaction: what follows is the next one's first read.
    assert all(text.startswith(("SELECT", "BEGIN")) for text in statements[bumps[0] + 1:])
    assert registered(services.dashboard(MARCH, TODAY)) == "8"


def test_a_transaction_that_only_reads_leaves_the_version(versioned, world, statements):
    before = cache.version()
    services.dashboard(MARCH, TODAY)
    db.session.commit()
    assert cache.version() == before and _bumps(statements) == []


def test_a_savepoint_rolled_back_keeps_the_writes_before_it_counted(versioned, world):
    first = services.dashboard(MARCH, TODAY)
    world.disputes["d7"].reported_at = utc(2026, 3, 20)
    db.session.flush()
    with db.session.begin_nested() as savepoint:
        world.disputes["d8"].reported_at = utc(2026, 3, 21)
        db.session.flush()
        savepoint.rollback()
    db.session.commit()
    assert services.dashboard(MARCH, TODAY) is not first
    assert registered(services.dashboard(MARCH, TODAY)) == "7"


def test_a_dashboard_of_writes_not_committed_is_not_kept(versioned, world):
    first = services.dashboard(MARCH, TODAY)
    world.disputes["d7"].reported_at = utc(2026, 3, 20)
    db.session.flush()
    assert registered(services.dashboard(MARCH, TODAY)) == "7"  # the writer sees its own
    db.session.rollback()
    assert services.dashboard(MARCH, TODAY) is first

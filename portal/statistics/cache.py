"""Dashboards kept between requests for as long as the data under them is unchanged.

The figures are aggregates over the whole register, which take the database a second or
more for a year of a busy station; they change only when someone writes. A transaction
that writes a table the statistics read (a flush, or a bulk INSERT, UPDATE or DELETE
statement run through the ORM session) bumps the `statistics_version` row once, as the
last statement before it commits: the row is one for the whole portal, so every writer
holds its lock, and holding it for the few milliseconds of the commit rather than from
the first write keeps the writers from queueing behind each other's work; it is also
taken after the locks of the tables written, in the order a rebuild's batch takes them
(`portal.statistics.upkeep`), so neither waits for the other in a circle. A request reads
that row first (one primary-key lookup) and reuses a dashboard computed at the same
version: a change is visible to the very next request, in this process or any other.

Writes that bypass the ORM session (raw connections, other programs) are not seen; the
portal's own — the bulk import — call `bump` themselves.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.statistics.models import StatisticsVersion

# Every table a statistics query reads.
WATCHED = frozenset({"disputes", "conferences", "invitations", "answer_changes",
                     "minutes_versions", "followup_tasks", "organisations", "users",
                     "villages", "hazard_items"})
SIZE = 32

T = TypeVar("T")
_entries: OrderedDict[Hashable, object] = OrderedDict()
_lock = threading.Lock()


_PENDING = "statistics.version_to_bump"


def bump(session: Session) -> None:
    """Have `session`'s transaction bump the version as it commits."""
    session.info[_PENDING] = True


def pending(session: Session) -> bool:
    """Whether `session` has written data under the dashboards and not committed yet."""
    return bool(session.info.get(_PENDING))


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    # The commit flushes what is left after this hook; flushed first, its writes are
    # counted by this bump rather than left without one.
    if session.in_nested_transaction():
        return  # a savepoint released: the enclosing transaction bumps as it commits
    session.flush()
    if session.info.pop(_PENDING, False):
        # In the writer's transaction, so that the new version commits (or rolls back)
        # together with the writes.
        table = StatisticsVersion.__table__
        session.connection().execute(sa.update(table).values(n=table.c.n + 1))


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    # A savepoint rolled back keeps it: what the enclosing transaction wrote before is
    # still to be counted (one bump too many costs a dashboard, one too few hides a change).
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, context) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if sa.inspect(obj).mapper.local_table.name in WATCHED:
            bump(session)
            return


def bulk_written(state) -> str | None:
    """The table a bulk statement run through the session writes; "*" for SQL text that
    writes (which table is not worked out); None for anything else."""
    statement = state.statement
    if state.is_insert or state.is_update or state.is_delete:
        return getattr(statement.table, "name", None)
    if isinstance(statement, sa.TextClause) and statement.text.lstrip()[:6].upper() in (
            "INSERT", "UPDATE", "DELETE"):
        return "*"
    return None


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state) -> None:
    table = bulk_written(state)
    if table == "*" or table in WATCHED:
        bump(state.session)


def version() -> tuple[str, int] | None:
    """The current data version, or None when there is no version row to trust."""
    row = db.session.execute(sa.select(StatisticsVersion.token, StatisticsVersion.n)
                             .order_by(StatisticsVersion.id).limit(1)).first()
    return None if row is None else (row.token, row.n)


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or what it returned for `key` at the current data version."""
    current = version()
    if current is None or pending(db.session):
        # Computed over writes not committed yet, it is right for this transaction only.
        return compute()
    full = (str(db.engine.url), current, key)
    with _lock:
        if full in _entries:
            _entries.move_to_end(full)
            return _entries[full]
    value = compute()
    with _lock:
        _entries[full] = value
        while len(_entries) > SIZE:
            _entries.popitem(last=False)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()

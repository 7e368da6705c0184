"""The period summaries of a range of disputes counted by the database itself.

A rebuild takes the disputes in batches of consecutive ids; for each batch and each span
(UTC hour, day, month) one `INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE` adds the
batch's counts to the rows already there. Counting row by row in Python and sending every
period row back cost minutes at a hundred thousand disputes; the grouped statements take
seconds. Both SQLite and PostgreSQL run them; only the truncation of an instant to its
period is written per dialect. The writers' own differences stay in `upkeep` (a flush
touches a handful of disputes, and needs the rows before and after it).
"""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa

from portal.disputes.models import CLOSED_STATES, Dispute, Status
from portal.statistics.models import SPANS, DisputePeriod, InvitationFact, InvitationPeriod
from portal.upsert import upsert

FIRST = sa.bindparam("first", type_=sa.BigInteger)
LAST = sa.bindparam("last", type_=sa.BigInteger)
SECONDS = {"hour": 3600, "day": 86_400}


def _constant(value) -> sa.ColumnElement:
    # Written into the SQL rather than bound: PostgreSQL matches a grouped expression
    # to the one selected by its text, and two parameters never match.
    return sa.literal_column(f"'{value}'" if isinstance(value, str) else str(value))


def _flag(condition) -> sa.ColumnElement[int]:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def _start_of(span: str, instant, dialect: str) -> sa.ColumnElement[int]:
    """The start (seconds since the epoch) of the UTC `span` holding `instant`, a naive
    UTC datetime column."""
    if dialect == "postgresql":
        truncated = sa.func.date_trunc(_constant(span), instant)
        return sa.cast(sa.extract("epoch", truncated), sa.BigInteger)
    epoch = sa.cast(sa.func.strftime(_constant("%s"), instant), sa.BigInteger)
    if span in SECONDS:
        return epoch - epoch % _constant(SECONDS[span])
    return sa.cast(sa.func.strftime(_constant("%s"), instant, _constant("start of month")),
                   sa.BigInteger)


def _start_of_epoch(span: str, seconds, dialect: str) -> sa.ColumnElement[int]:
    """The same for an instant kept as seconds since the epoch."""
    if span in SECONDS:
        return seconds - seconds % _constant(SECONDS[span])
    if dialect == "postgresql":
        utc = sa.func.timezone(_constant("UTC"), sa.func.to_timestamp(seconds))
        return sa.cast(sa.extract("epoch", sa.func.date_trunc(_constant("month"), utc)),
                       sa.BigInteger)
    return sa.cast(sa.func.strftime(_constant("%s"), seconds, _constant("unixepoch"),
                                    _constant("start of month")), sa.BigInteger)


def _adding(table: sa.Table, dialect: str, select: sa.Select) -> sa.Insert:
    """INSERT of `select`'s rows into `table` that adds their measures to a row with the
    same key."""
    insert = upsert(table, dialect)
    keys = [c.name for c in table.primary_key.columns]
    measures = [c.name for c in table.c if not c.primary_key]
    insert = insert.from_select(keys + measures, select)
    return insert.on_conflict_do_update(index_elements=keys, set_={
        name: table.c[name] + insert.excluded[name] for name in measures})


@cache
def _disputes_statement(span: str, dialect: str) -> sa.Insert:
    closed = Dispute.status == Status.CLOSED
    start = _start_of(span, Dispute.__table__.c.reported_at, dialect)
    keys = (start, Dispute.village_id, Dispute.category, Dispute.tier)
    select = (
        sa.select(_constant(span), *keys, sa.func.count(),
                  _flag(Dispute.status.in_(CLOSED_STATES)),
                  _flag(sa.or_(Dispute.status == Status.RESOLVED,
                               sa.and_(closed, Dispute.referral.is_(None)))),
                  _flag(sa.or_(Dispute.status == Status.REFERRED,
                               sa.and_(closed, Dispute.referral.is_not(None)))))
        # SQLite reads ON CONFLICT after a SELECT only when the SELECT has a WHERE.
        .where(Dispute.id.between(FIRST, LAST))
        .group_by(*keys))
    return _adding(DisputePeriod.__table__, dialect, select)


@cache
def _invitations_statement(span: str, dialect: str) -> sa.Insert:
    fact = InvitationFact.__table__.c
    start = _start_of_epoch(span, fact.invited_at, dialect)
    body = sa.func.coalesce(fact.body_id, 0)
    select = (
        sa.select(_constant(span), start, body, fact.tier, sa.func.count(),
                  _flag(fact.answered), _flag(fact.hours.is_not(None)))
        .where(fact.dispute_id.between(FIRST, LAST), sa.not_(fact.delegated),
               fact.invited_at.is_not(None))
        .group_by(start, body, fact.tier))
    return _adding(InvitationPeriod.__table__, dialect, select)


def count_disputes(connection, first: int, last: int) -> None:
    """Add the disputes with ids `first` to `last` to their periods."""
    for span in SPANS:
        connection.execute(_disputes_statement(span, connection.dialect.name),
                           {"first": first, "last": last})


def count_invitations(connection, first: int, last: int) -> None:
    """Add the sent invitations whose facts are kept for the disputes `first` to `last`
    to their periods."""
    for span in SPANS:
        connection.execute(_invitations_statement(span, connection.dialect.name),
                           {"first": first, "last": last})

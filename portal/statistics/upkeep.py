"""The summaries the dashboard reads, kept right in the writer's own transaction.

`DisputePeriod` holds per UTC hour, day and month, village, category and tier how many
disputes were registered and how they ended; every flush that writes disputes adds the
difference it made (read from the database before and after the flush, so expired
attributes, defaults and savepoints all count). `InvitationFact` holds one row per
invitation, worked out again whenever the invitation, its answers or its conference's
sending time change, and `InvitationPeriod` the invitations sent per period and body,
moved by the difference between a fact's old and new row; `ConferenceFact` one row per
conference, worked out again for every conference of a dispute whose dispute,
conferences, invitations or minutes changed. Nothing in them depends on a time zone: a
viewer's local months are regrouped from the UTC periods (`portal.statistics.queries`).

The summaries are trusted only while `statistics_version.summary_zone` reads "UTC".
Anything the hooks cannot follow — a bulk statement on the registers, a person moving to
another body, a body changing kind — clears it in the same transaction, the dashboard
reads the registers themselves meanwhile (slower, never wrong) and the scheduler's next
tick builds the summaries again (`ensure_built`), a few thousand disputes per short
transaction so that registrations go on meanwhile: the writers keep the disputes already
built in step (`summarised_through`) and leave the others to the batches still to come.
"""

from __future__ import annotations

import enum
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.conferences.models import Answer, AnswerChange, Conference, Invitation
from portal.disputes.models import CLOSED_STATES, Dispute, Status
from portal.extensions import db
from portal.minutes.models import MinutesVersion
from portal.orgs.models import HEAD_KINDS, MEDIATION_BODY_KINDS, Organisation, User
from portal.statistics import counting
from portal.statistics.cache import bulk_written
from portal.statistics.models import (
    HELD_STATES,
    ConferenceFact,
    DisputePeriod,
    InvitationFact,
    InvitationPeriod,
    StatisticsVersion,
)
from portal.upsert import upsert

MEASURES = ("registered", "concluded", "resolved", "referred")
DISPUTE_COLUMNS = (Dispute.id, Dispute.reported_at, Dispute.village_id, Dispute.category,
                   Dispute.tier, Dispute.status, Dispute.referral, Dispute.escalated_at)
# What a dispute's invitation and conference facts copy from it.
COPIED = ("village_id", "category", "tier", "escalated_at")
# Statements on these tables that bypass the session leave the summaries unknown.
SUMMARISED = frozenset({"disputes", "invitations", "answer_changes", "conferences",
                        "minutes_versions"})
CHUNK = 5_000
# Disputes per rebuild transaction: each holds the registers' writers back well under a
# second, and a rebuild of 100,000 disputes is fifty of them.
BATCH = 2_000
LAYOUT = "UTC"
EVERY = float("inf")

_OLD = "statistics.disputes_before_flush"
_SENT = "statistics.invited_before_flush"
_GONE = "statistics.facts_before_flush"


COVERAGE = (sa.select(StatisticsVersion.summary_zone, StatisticsVersion.summarised_through)
            .order_by(StatisticsVersion.id).limit(1))


def coverage(connection) -> float | None:
    """The greatest dispute id the summaries hold: every one (`EVERY`) when they are
    current, the rebuild's progress while one is under way, None when not known."""
    row = connection.execute(COVERAGE).first()
    if row is None:
        return None
    if row.summary_zone == LAYOUT:
        return EVERY
    return row.summarised_through


def current(connection) -> bool:
    return coverage(connection) == EVERY


def _postgres(connection) -> bool:
    return connection.dialect.name == "postgresql"


# --- disputes by period -----------------------------------------------------------------

def periods(moment: datetime) -> tuple[tuple[str, int], ...]:
    """The UTC hour, day and month `moment` falls in, each as (span, its start)."""
    hour = moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    day = hour.replace(hour=0)
    return tuple(zip(("hour", "day", "month"),
                     (int(t.timestamp()) for t in (hour, day, day.replace(day=1))),
                     strict=True))


def _contributions(row) -> Iterable[tuple[tuple, tuple[int, ...]]]:
    concluded = row.status in CLOSED_STATES
    closed = row.status is Status.CLOSED
    resolved = row.status is Status.RESOLVED or (closed and row.referral is None)
    referred = row.status is Status.REFERRED or (closed and row.referral is not None)
    measures = (1, int(concluded), int(resolved), int(referred))
    for span, start in periods(row.reported_at):
        yield (span, start, row.village_id, row.category, row.tier), measures


# Each statement a flush runs is built once (per variant) and run with its ids as an
# expanding parameter: building them anew cost more than running them.
IDS = sa.bindparam("ids", expanding=True)


@cache
def _disputes_statement(lock: bool) -> sa.Select:
    statement = sa.select(*DISPUTE_COLUMNS).where(Dispute.id.in_(IDS)).order_by(Dispute.id)
    # Locked: the row as it is once a concurrent writer of the same dispute has
    # committed, so that the difference this flush makes is counted from there.
    return statement.with_for_update() if lock else statement


def _dispute_rows(connection, ids: Iterable[int], lock: bool = False) -> list[sa.Row]:
    ids = sorted(set(ids))
    if not ids:
        return []
    statement = _disputes_statement(lock and _postgres(connection))
    return list(connection.execute(statement, {"ids": ids}))


def _add(connection, table: sa.Table, changes: dict[tuple, list[int]]) -> None:
    """Add `changes` (key columns → measures, in the table's column order) to `table`."""
    keys = [c.name for c in table.primary_key.columns]
    measures = [c.name for c in table.c if not c.primary_key]
    rows = [dict(zip(keys + measures, (*key, *change), strict=True))
            for key, change in sorted(changes.items(), key=lambda item: str(item[0]))
            if any(change)]
    if rows:
        # Sorted keys: two writers adding to the same months lock them in the same order.
        connection.execute(_upsert(table, connection.dialect.name, add=True), rows)


@cache
def _upsert(table: sa.Table, dialect: str, add: bool = False) -> sa.Insert:
    """INSERT of `table` rows that adds their measures to (`add`) or replaces the columns
    of a row with the same key."""
    insert = upsert(table, dialect)
    keys = [c.name for c in table.primary_key.columns]
    others = [c for c in table.c if not c.primary_key]
    return insert.on_conflict_do_update(index_elements=keys, set_={
        c.name: c + insert.excluded[c.name] if add else insert.excluded[c.name]
        for c in others})


def _tally(contributions: Iterable, sign: int, into: dict[tuple, list[int]]) -> None:
    for key, measures in contributions:
        total = into[key]
        for index, value in enumerate(measures):
            total[index] += sign * value


def _count_periods(rows: Iterable, sign: int, into: dict[tuple, list[int]]) -> None:
    _tally((c for row in rows for c in _contributions(row)), sign, into)


def _changes(width: int) -> dict[tuple, list[int]]:
    return defaultdict(lambda: [0] * width)


# --- invitations ------------------------------------------------------------------------

@cache
def _facts_statement() -> sa.Select:
    first = (sa.select(AnswerChange.invitation_id, sa.func.min(AnswerChange.at).label("at"))
             .where(AnswerChange.invitation_id.in_(IDS))
             .group_by(AnswerChange.invitation_id).subquery())
    return _facts_select(first).where(Invitation.id.in_(IDS))


def _facts_select(first) -> sa.Select:
    """Invitations with what their facts are made of; `first`: their first answers."""
    body_id = sa.func.coalesce(Invitation.organisation_id, User.organisation_id)
    statement = (
        sa.select(Invitation.id, Invitation.conference_id, Conference.dispute_id,
                  Dispute.village_id, Dispute.category, Dispute.tier, body_id.label("body_id"),
                  Organisation.kind, Invitation.delegated_from_id, Invitation.answer,
                  Conference.invited_at, first.c.at)
        .join(Conference, Conference.id == Invitation.conference_id)
        .join(Dispute, Dispute.id == Conference.dispute_id)
        .outerjoin(User, User.id == Invitation.user_id)
        .outerjoin(Organisation, Organisation.id == body_id)
        .outerjoin(first, first.c.invitation_id == Invitation.id))
    return statement


@cache
def _range_facts_statement() -> sa.Select:
    """The same for every invitation of the disputes with ids `first` to `last`."""
    first = (sa.select(AnswerChange.invitation_id, sa.func.min(AnswerChange.at).label("at"))
             .join(Invitation, Invitation.id == AnswerChange.invitation_id)
             .join(Conference, Conference.id == Invitation.conference_id)
             .where(Conference.dispute_id.between(counting.FIRST, counting.LAST))
             .group_by(AnswerChange.invitation_id).subquery())
    return (_facts_select(first)
            .where(Conference.dispute_id.between(counting.FIRST, counting.LAST))
            .order_by(Invitation.id))


def _facts(connection, ids: list[int]) -> list[dict]:
    """The fact rows of invitations `ids`, from the registers."""
    return [_fact(row) for row in connection.execute(_facts_statement(), {"ids": ids})]


def _fact(row) -> dict:
    invited: datetime | None = row.invited_at
    hours = None
    if invited is not None and row.at is not None:
        hours = (row.at - invited).total_seconds() / 3600
    return dict(invitation_id=row.id, conference_id=row.conference_id,
                dispute_id=row.dispute_id, village_id=row.village_id, category=row.category,
                tier=row.tier, body_id=row.body_id,
                body_kind=row.kind, delegated=row.delegated_from_id is not None,
                answered=row.answer is not Answer.PENDING,
                accepted=row.answer is Answer.ACCEPTED,
                invited_at=None if invited is None else int(invited.timestamp()),
                hours=hours)


def _sent(fact: dict) -> Iterable[tuple[tuple, tuple[int, ...]]]:
    """What `fact` adds to `InvitationPeriod` (nothing for a delegate's or an unsent one)."""
    if fact["delegated"] or fact["invited_at"] is None:
        return ()
    measures = (1, int(fact["answered"]), int(fact["hours"] is not None))
    return (((span, start, fact["body_id"] or 0, fact["tier"]), measures)
            for span, start in periods(datetime.fromtimestamp(fact["invited_at"], UTC)))


def _kept_facts(connection, ids: Iterable[int]) -> list[dict]:
    ids = sorted(set(ids))
    if not ids:
        return []
    table = InvitationFact.__table__
    statement = sa.select(table).where(table.c.invitation_id.in_(ids))
    if _postgres(connection):
        statement = statement.with_for_update()
    return [dict(row._mapping) for row in connection.execute(statement)]


def _store_facts(connection, facts: list[dict], gone: list[dict] = (),
                 fresh: bool = False) -> None:
    """Write `facts` over the kept ones and move the invitation periods by the difference;
    `gone`: the kept facts of invitations deleted in this flush. `fresh`: facts not kept
    yet (a rebuild's)."""
    table = InvitationFact.__table__
    sent = _changes(3)
    for fact in (*gone, *([] if fresh else _kept_facts(
            connection, [f["invitation_id"] for f in facts]))):
        _tally(_sent(fact), -1, sent)
    for fact in facts:
        _tally(_sent(fact), +1, sent)
    _add(connection, InvitationPeriod.__table__, sent)
    insert = sa.insert(table) if fresh else _upsert(table, connection.dialect.name)
    for start in range(0, len(facts), CHUNK):
        connection.execute(insert, facts[start:start + CHUNK])


def _sent_times(connection, ids: Iterable[int]) -> dict[int, datetime | None]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    return dict(connection.execute(
        sa.select(Conference.id, Conference.invited_at).where(Conference.id.in_(ids))).all())


# --- conferences ------------------------------------------------------------------------

def _of_disputes(ranged: bool) -> sa.ColumnElement[bool]:
    """Conferences of the disputes `ids`, or (`ranged`) of those with ids `first` to
    `last`."""
    if ranged:
        return Conference.dispute_id.between(counting.FIRST, counting.LAST)
    return Conference.dispute_id.in_(IDS)


@cache
def _conferences_statement(ranged: bool = False) -> sa.Select:
    """Every conference of the disputes (`_of_disputes`) with its dispute's village and
    escalation, its first issued minutes and the bodies that accepted."""
    fact = InvitationFact
    own = sa.select(Conference.id).where(_of_disputes(ranged))
    taking_part = (
        sa.select(fact.conference_id,
                  sa.func.count(sa.distinct(sa.case(
                      (fact.body_kind.in_(HEAD_KINDS), fact.body_kind)))).label("heads"),
                  sa.func.count(sa.distinct(sa.case(
                      (fact.body_kind.in_(MEDIATION_BODY_KINDS), fact.body_id)))).label("sectors"),
                  sa.func.count(sa.distinct(fact.body_id)).label("bodies"))
        .where(fact.accepted, fact.conference_id.in_(own))
        .group_by(fact.conference_id).subquery())
    issued = (sa.select(MinutesVersion.conference_id,
                        sa.func.min(MinutesVersion.issued_at).label("at"))
              .where(MinutesVersion.issued_at.is_not(None),
                     MinutesVersion.conference_id.in_(own))
              .group_by(MinutesVersion.conference_id).subquery())
    statement = (
        sa.select(Conference.id, Conference.dispute_id, Dispute.village_id, Dispute.category,
                  Dispute.tier, Conference.state,
                  Conference.started_at, Dispute.escalated_at, issued.c.at.label("issued"),
                  taking_part.c.heads, taking_part.c.sectors, taking_part.c.bodies)
        .join(Dispute, Dispute.id == Conference.dispute_id)
        .outerjoin(issued, issued.c.conference_id == Conference.id)
        .outerjoin(taking_part, taking_part.c.conference_id == Conference.id)
        .order_by(Conference.id))
    return statement.where(_of_disputes(ranged))


@cache
def _dispute_invitations_statement() -> sa.Select:
    return (sa.select(Invitation.id).join(Conference, Conference.id == Invitation.conference_id)
            .where(Conference.dispute_id.in_(IDS)))


@cache
def _lock_conferences_statement() -> sa.Select:
    return (sa.select(Conference.id).where(Conference.dispute_id.in_(IDS))
            .order_by(Conference.id).with_for_update())


def _store_conference_facts(connection, disputes: list[int], fresh: bool = False) -> None:
    """Work out again the facts of every conference of `disputes`: a conference's
    standing as its dispute's first held one depends on its siblings. `fresh`: a
    rebuild's batch, every dispute from the first of `disputes` to the last, whose
    facts are not kept yet (and whose registers the batch holds still)."""
    if fresh:
        rows = connection.execute(_conferences_statement(ranged=True),
                                  {"first": disputes[0], "last": disputes[-1]}).all()
    else:
        parameters = {"ids": disputes}
        if _postgres(connection):
            # One writer at a time per conference: the next reads what the first committed.
            connection.execute(_lock_conferences_statement(), parameters)
        rows = connection.execute(_conferences_statement(), parameters).all()
    first: dict[int, tuple] = {}
    for row in rows:
        if row.state in HELD_STATES and row.started_at is not None:
            first[row.dispute_id] = min(first.get(row.dispute_id, (row.started_at, row.id)),
                                        (row.started_at, row.id))
    facts = [_conference_fact(row, first.get(row.dispute_id)) for row in rows]
    table = ConferenceFact.__table__
    if not fresh:
        connection.execute(sa.delete(table).where(table.c.dispute_id.in_(disputes)))
    _insert_rows(connection, table, facts)


def _insert_rows(connection, table: sa.Table, rows: list[dict]) -> None:
    """INSERT `rows`: on PostgreSQL through COPY, which takes a batch's hundred thousand
    facts in a fraction of the time one parameter set per row costs."""
    if not rows:
        return
    if not _postgres(connection):
        for start in range(0, len(rows), CHUNK):
            connection.execute(sa.insert(table), rows[start:start + CHUNK])
        return
    names = list(rows[0])
    columns = ", ".join(f'"{name}"' for name in names)
    with connection.connection.cursor() as cursor, cursor.copy(
            f"COPY {table.name} ({columns}) FROM STDIN") as copy:
        for row in rows:
            # Enumerations are kept by name (native_enum=False).
            copy.write_row([value.name if isinstance(value, enum.Enum) else value
                            for value in (row[name] for name in names)])


def _days(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return (later - earlier).total_seconds() / 86_400


def _conference_fact(row, first: tuple | None) -> dict:
    held = row.state in HELD_STATES and row.started_at is not None
    is_first = held and first == (row.started_at, row.id)
    return dict(conference_id=row.id, dispute_id=row.dispute_id, village_id=row.village_id,
                category=row.category, tier=row.tier,
                held_at=int(row.started_at.timestamp()) if held else None,
                heads=row.heads or 0, sectors=row.sectors or 0, bodies=row.bodies or 0,
                first_for_dispute=is_first,
                escalation_days=_days(row.started_at, row.escalated_at) if is_first else None,
                minutes_days=_days(row.issued, row.started_at) if held else None)


# --- the session hooks ------------------------------------------------------------------

def _of(session: Session, kind: type, *states: str) -> list:
    return [obj for state in states for obj in getattr(session, state) if isinstance(obj, kind)]


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, context, instances) -> None:
    changed = [d.id for d in _of(session, Dispute, "dirty", "deleted") if d.id is not None]
    conferences = [c.id for c in _of(session, Conference, "dirty") if c.id is not None]
    deleted = [i.id for i in _of(session, Invitation, "deleted") if i.id is not None]
    if not changed and not conferences and not deleted:
        return
    connection = session.connection()
    # Read whatever the summaries' state: a rebuild's batch may take these disputes in
    # before the flush ends, and the difference is then this flush's to add.
    session.info[_OLD] = _dispute_rows(connection, changed, lock=True)
    session.info[_SENT] = _sent_times(connection, conferences)
    # Their facts go with them (ON DELETE CASCADE); what they counted goes too.
    session.info[_GONE] = _kept_facts(connection, deleted)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, context) -> None:
    old = session.info.pop(_OLD, [])
    sent_before = session.info.pop(_SENT, {})
    gone = session.info.pop(_GONE, [])
    disputes = {d.id for d in _of(session, Dispute, "new", "dirty", "deleted")}
    minutes = _of(session, MinutesVersion, "new", "dirty")
    invitations = {i.id for i in _of(session, Invitation, "new", "dirty")}
    invitations |= {a.invitation_id for a in _of(session, AnswerChange, "new", "dirty",
                                                 "deleted")}
    conferences = [c.id for c in _of(session, Conference, "new", "dirty")]
    moved = any(_changed(obj, "organisation_id") for obj in _of(session, User, "dirty")) or \
        any(_changed(obj, "kind") for obj in _of(session, Organisation, "dirty"))
    if not (disputes or invitations or conferences or minutes or moved or gone):
        return
    connection = session.connection()
    # Read after this flush's writes: on PostgreSQL a rebuild's batch either committed
    # before them (and this reads its progress) or waits for this transaction to end.
    through = coverage(connection)
    if through is None:
        return
    if moved:
        mark_unknown(connection)
        return
    if disputes:
        new = _dispute_rows(connection, disputes)
        changes = _changes(len(MEASURES))
        _count_periods((row for row in old if row.id <= through), -1, changes)
        _count_periods((row for row in new if row.id <= through), +1, changes)
        _add(connection, DisputePeriod.__table__, changes)
        # Only a dispute whose copied columns changed has facts to work out again (a new
        # one has no conferences yet); a status change alone has none.
        before = {row.id: tuple(getattr(row, c) for c in COPIED) for row in old}
        disputes = {row.id for row in new
                    if row.id in before and before[row.id] != tuple(getattr(row, c)
                                                                     for c in COPIED)}
        if disputes:
            invitations |= set(connection.execute(
                _dispute_invitations_statement(), {"ids": sorted(disputes)}).scalars())
    sent_now = _sent_times(connection, conferences)
    resent = [ident for ident, at in sent_now.items() if sent_before.get(ident, at) != at]
    if resent:
        invitations |= set(connection.execute(sa.select(Invitation.id).where(
            Invitation.conference_id.in_(resent))).scalars())
    invitations.discard(None)
    facts = _facts(connection, sorted(invitations)) if invitations else []
    facts = [fact for fact in facts if fact["dispute_id"] <= through]
    _store_facts(connection, facts, gone)
    conferences = {*conferences, *(f["conference_id"] for f in (*facts, *gone)),
                   *(m.conference_id for m in minutes)}
    conferences.discard(None)
    if conferences:
        disputes |= set(connection.execute(sa.select(Conference.dispute_id).where(
            Conference.id.in_(sorted(conferences)))).scalars())
    disputes = {ident for ident in disputes if ident is not None and ident <= through}
    if disputes:
        _store_conference_facts(connection, sorted(disputes))


def _changed(obj, attribute: str) -> bool:
    return sa.inspect(obj).attrs[attribute].history.has_changes()


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state):
    table = bulk_written(state)
    if table == "*" or table in SUMMARISED:
        # The statement first, the version row after: the order a rebuild's batch takes
        # them in (its registers' table locks, then its progress in that row), so that
        # on PostgreSQL neither holds what the other waits for.
        result = state.invoke_statement()
        mark_unknown(state.session.connection())
        return result
    return None


def disputes_added(connection, ids: Iterable[int]) -> None:
    """Count disputes a bulk writer inserted past the session (they have no facts yet)."""
    through = coverage(connection)
    if through is None:
        return
    changes = _changes(len(MEASURES))
    _count_periods((row for row in _dispute_rows(connection, ids) if row.id <= through),
                   +1, changes)
    _add(connection, DisputePeriod.__table__, changes)


def mark_unknown(connection) -> None:
    """The summaries no longer follow the registers: read the registers until rebuilt
    (a rebuild under way starts again)."""
    table = StatisticsVersion.__table__
    connection.execute(sa.update(table).where(sa.or_(table.c.summary_zone.is_not(None),
                                                     table.c.summarised_through.is_not(None)))
                       .values(summary_zone=None, summarised_through=None))


# --- building them afresh ---------------------------------------------------------------

SUMMARIES = (DisputePeriod, InvitationPeriod, InvitationFact, ConferenceFact)
# What a batch holds still: the tables it counts and those whose writers bump the version.
LOCKED = ("disputes", "conferences", "invitations", "answer_changes", "minutes_versions",
          "users", "organisations")
RESTARTS = 3


class Restarted(Exception):
    """The summaries were marked unknown while a rebuild was building them."""


def _set_coverage(connection, zone: str | None, through: int | None) -> None:
    table = StatisticsVersion.__table__
    done = connection.execute(sa.update(table).values(summary_zone=zone,
                                                      summarised_through=through))
    if done.rowcount == 0:  # a database whose version row was never made (or removed)
        connection.execute(sa.insert(table).values(token=uuid.uuid4().hex, n=0,
                                                   summary_zone=zone,
                                                   summarised_through=through))


def _begin() -> None:
    """Empty the summaries and record that none is built yet; the writers stop keeping
    them from here on."""
    _set_coverage(db.session.connection(), None, 0)
    db.session.commit()
    connection = db.session.connection()
    for model in SUMMARIES:
        # Nobody reads or writes them while nothing is built, so PostgreSQL's TRUNCATE
        # (instant, but locking the table) waits for nobody; SQLite empties a table that
        # no trigger reads as fast.
        name = model.__tablename__
        connection.execute(sa.text(f"TRUNCATE {name}" if _postgres(connection)
                                   else f"DELETE FROM {name}"))
    db.session.commit()


def _build_batch(connection) -> int | None:
    """Take in the next disputes after those built, with their invitations and
    conferences; the last one's id, or None when the summaries are complete."""
    if _postgres(connection):
        # The writers of these tables wait for this one short transaction: each either
        # committed before it (and is counted here) or reads the progress it records.
        connection.execute(sa.text(f"LOCK TABLE {', '.join(LOCKED)} IN SHARE MODE"))
    through = coverage(connection)
    if through is None:
        raise Restarted
    if through == EVERY:
        return None
    ids = list(connection.execute(sa.select(Dispute.id).where(Dispute.id > through)
                                  .order_by(Dispute.id).limit(BATCH)).scalars())
    if not ids:
        _set_coverage(connection, LAYOUT, None)
        return None
    # The batch is every dispute from its first id to its last: the range, not thousands
    # of ids, is what the statements name.
    first, last = ids[0], ids[-1]
    counting.count_disputes(connection, first, last)
    facts = [_fact(row) for row in connection.execute(_range_facts_statement(),
                                                       {"first": first, "last": last})]
    _insert_rows(connection, InvitationFact.__table__, facts)
    counting.count_invitations(connection, first, last)
    _store_conference_facts(connection, ids, fresh=True)
    _set_coverage(connection, None, last)
    return last


def rebuild(progress=None, afresh: bool = True) -> bool:
    """Build the summaries from the registers in short transactions of their own (the
    session's pending work is committed first), from nothing or, not `afresh`, on from
    an interrupted rebuild's progress; `progress(text)` hears how far. True once they
    are current."""
    progress = progress or (lambda text: None)
    db.session.commit()
    for attempt in range(RESTARTS):
        if afresh or attempt or coverage(db.session.connection()) in (None, EVERY):
            _begin()
        total = db.session.scalar(sa.select(sa.func.count(Dispute.id)).where(
            Dispute.id > coverage(db.session.connection())))
        progress(f"Summarising {total} disputes, {BATCH} per transaction …")
        batches = 0
        try:
            while _build_batch(db.session.connection()) is not None:
                db.session.commit()
                batches += 1
                if batches == 1 or batches % 10 == 0:
                    progress(f"{min(batches * BATCH, total)} of {total} disputes summarised")
        except Restarted:
            db.session.rollback()
            progress("The registers were changed in bulk meanwhile: starting again")
            continue
        db.session.commit()
        progress("Summaries current")
        return True
    return False


def portal_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["PORTAL_TIMEZONE"])


def ensure_built() -> bool:
    """Build the summaries when they are not known to match the data (going on with an
    interrupted rebuild); True when it did. What the scheduler's tick calls."""
    connection = db.session.connection()
    if current(connection) or connection.execute(COVERAGE).first() is None:
        return False
    return rebuild(afresh=False)

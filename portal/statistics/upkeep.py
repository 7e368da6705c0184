"""The summaries the dashboard reads, kept right in the writer's own transaction.

`DisputeMonth` holds per local month, village, category and tier how many disputes were
registered and how they ended; every flush that writes disputes adds the difference it
made (read from the database before and after the flush, so expired attributes, defaults
and savepoints all count). `InvitationFact` holds one row per invitation, worked out again
whenever the invitation, its answers or its conference's sending time change, and
`InvitationMonth` the invitations sent per month and body, moved by the difference between
a fact's old and new row; `ConferenceFact` one row per conference, worked out again for
every conference of a dispute whose dispute, conferences, invitations or minutes changed.

The summaries are trusted only while `statistics_version.summary_zone` names the zone
they were built in. Anything the hooks cannot follow — a bulk statement on the registers,
a person moving to another body, a body changing kind — clears it in the same
transaction, the dashboard reads the registers themselves meanwhile (slower, never
wrong) and the scheduler's next tick builds the summaries again (`ensure_built`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.conferences.models import Answer, AnswerChange, Conference, Invitation
from portal.disputes.models import CLOSED_STATES, Dispute, Status
from portal.extensions import db
from portal.minutes.models import MinutesVersion
from portal.orgs.models import HEAD_KINDS, MEDIATION_BODY_KINDS, Organisation, User
from portal.statistics.cache import bulk_written
from portal.statistics.models import (
    HELD_STATES,
    ConferenceFact,
    DisputeMonth,
    InvitationFact,
    InvitationMonth,
    StatisticsVersion,
)

MEASURES = ("registered", "concluded", "resolved", "referred")
DISPUTE_COLUMNS = (Dispute.id, Dispute.reported_at, Dispute.village_id, Dispute.category,
                   Dispute.tier, Dispute.status, Dispute.referral, Dispute.escalated_at)
# What a dispute's invitation and conference facts copy from it.
COPIED = ("village_id", "category", "tier", "escalated_at")
# Statements on these tables that bypass the session leave the summaries unknown.
SUMMARISED = frozenset({"disputes", "invitations", "answer_changes", "conferences",
                        "minutes_versions"})
CHUNK = 5_000

_OLD = "statistics.disputes_before_flush"
_SENT = "statistics.invited_before_flush"
_GONE = "statistics.facts_before_flush"
_ZONE = "statistics.zone_before_flush"


SUMMARY_ZONE = (sa.select(StatisticsVersion.summary_zone)
                .order_by(StatisticsVersion.id).limit(1))


def summary_zone(connection) -> ZoneInfo | None:
    name = connection.execute(SUMMARY_ZONE).scalar()
    return ZoneInfo(name) if name else None


def _postgres(connection) -> bool:
    return connection.dialect.name == "postgresql"


# --- disputes by month ------------------------------------------------------------------

def _contribution(row, zone: ZoneInfo) -> tuple[tuple, tuple[int, ...]]:
    concluded = row.status in CLOSED_STATES
    closed = row.status is Status.CLOSED
    resolved = row.status is Status.RESOLVED or (closed and row.referral is None)
    referred = row.status is Status.REFERRED or (closed and row.referral is not None)
    key = (f"{row.reported_at.astimezone(zone):%Y-%m}", row.village_id, row.category, row.tier)
    return key, (1, int(concluded), int(resolved), int(referred))


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
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
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


def _count_months(rows: Iterable, zone: ZoneInfo, sign: int,
                  into: dict[tuple, list[int]]) -> None:
    _tally((_contribution(row, zone) for row in rows), sign, into)


def _changes(width: int) -> dict[tuple, list[int]]:
    return defaultdict(lambda: [0] * width)


# --- invitations ------------------------------------------------------------------------

@cache
def _facts_statement(scoped: bool) -> sa.Select:
    first = sa.select(AnswerChange.invitation_id, sa.func.min(AnswerChange.at).label("at"))
    if scoped:
        first = first.where(AnswerChange.invitation_id.in_(IDS))
    first = first.group_by(AnswerChange.invitation_id).subquery()
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
    return statement.where(Invitation.id.in_(IDS)) if scoped else statement


def _facts(connection, ids: list[int] | None) -> list[dict]:
    """The fact rows of invitations `ids` (all when None), from the registers."""
    rows = connection.execute(_facts_statement(ids is not None),
                              {} if ids is None else {"ids": ids})
    return [_fact(row) for row in rows]


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


def _sent(fact: dict, zone: ZoneInfo) -> Iterable[tuple[tuple, tuple[int, ...]]]:
    """What `fact` adds to `InvitationMonth` (nothing for a delegate's or an unsent one)."""
    if fact["delegated"] or fact["invited_at"] is None:
        return ()
    month = f"{datetime.fromtimestamp(fact['invited_at'], zone):%Y-%m}"
    return (((month, fact["body_id"] or 0, fact["tier"]),
             (1, int(fact["answered"]), int(fact["hours"] is not None))),)


def _kept_facts(connection, ids: Iterable[int]) -> list[dict]:
    ids = sorted(set(ids))
    if not ids:
        return []
    table = InvitationFact.__table__
    statement = sa.select(table).where(table.c.invitation_id.in_(ids))
    if _postgres(connection):
        statement = statement.with_for_update()
    return [dict(row._mapping) for row in connection.execute(statement)]


def _store_facts(connection, facts: list[dict], zone: ZoneInfo, gone: list[dict] = (),
                 fresh: bool = False) -> None:
    """Write `facts` over the kept ones and move the invitation months by the difference;
    `gone`: the kept facts of invitations deleted in this flush. `fresh`: into emptied
    tables."""
    table = InvitationFact.__table__
    months = _changes(3)
    for fact in (*gone, *([] if fresh else _kept_facts(
            connection, [f["invitation_id"] for f in facts]))):
        _tally(_sent(fact, zone), -1, months)
    for fact in facts:
        _tally(_sent(fact, zone), +1, months)
    _add(connection, InvitationMonth.__table__, months)
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

@cache
def _conferences_statement(scoped: bool) -> sa.Select:
    """Every conference of the disputes `ids` (all when not `scoped`) with its dispute's
    village and escalation, its first issued minutes and the bodies that accepted."""
    fact = InvitationFact
    own = (sa.select(Conference.id).where(Conference.dispute_id.in_(IDS)),) if scoped else ()
    taking_part = (
        sa.select(fact.conference_id,
                  sa.func.count(sa.distinct(sa.case(
                      (fact.body_kind.in_(HEAD_KINDS), fact.body_kind)))).label("heads"),
                  sa.func.count(sa.distinct(sa.case(
                      (fact.body_kind.in_(MEDIATION_BODY_KINDS), fact.body_id)))).label("sectors"),
                  sa.func.count(sa.distinct(fact.body_id)).label("bodies"))
        .where(fact.accepted, *[fact.conference_id.in_(ids) for ids in own])
        .group_by(fact.conference_id).subquery())
    issued = (sa.select(MinutesVersion.conference_id,
                        sa.func.min(MinutesVersion.issued_at).label("at"))
              .where(MinutesVersion.issued_at.is_not(None),
                     *[MinutesVersion.conference_id.in_(ids) for ids in own])
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
    return statement.where(Conference.dispute_id.in_(IDS)) if scoped else statement


@cache
def _dispute_invitations_statement() -> sa.Select:
    return (sa.select(Invitation.id).join(Conference, Conference.id == Invitation.conference_id)
            .where(Conference.dispute_id.in_(IDS)))


@cache
def _lock_conferences_statement() -> sa.Select:
    return (sa.select(Conference.id).where(Conference.dispute_id.in_(IDS))
            .order_by(Conference.id).with_for_update())


def _store_conference_facts(connection, disputes: list[int] | None) -> None:
    """Work out again the facts of every conference of `disputes` (all when None): a
    conference's standing as its dispute's first held one depends on its siblings."""
    parameters = {} if disputes is None else {"ids": disputes}
    if disputes is not None and _postgres(connection):
        # One writer at a time per conference: the next reads what the first committed.
        connection.execute(_lock_conferences_statement(), parameters)
    rows = connection.execute(_conferences_statement(disputes is not None), parameters).all()
    first: dict[int, tuple] = {}
    for row in rows:
        if row.state in HELD_STATES and row.started_at is not None:
            first[row.dispute_id] = min(first.get(row.dispute_id, (row.started_at, row.id)),
                                        (row.started_at, row.id))
    facts = [_conference_fact(row, first.get(row.dispute_id)) for row in rows]
    table = ConferenceFact.__table__
    if disputes is not None:
        connection.execute(sa.delete(table).where(table.c.dispute_id.in_(disputes)))
    for start in range(0, len(facts), CHUNK):
        connection.execute(sa.insert(table), facts[start:start + CHUNK])


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
    session.info[_ZONE] = zone = summary_zone(connection)
    if zone is None:
        return
    session.info[_OLD] = _dispute_rows(connection, changed, lock=True)
    session.info[_SENT] = _sent_times(connection, conferences)
    # Their facts go with them (ON DELETE CASCADE); what they counted goes too.
    session.info[_GONE] = _kept_facts(connection, deleted)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, context) -> None:
    old = session.info.pop(_OLD, [])
    sent_before = session.info.pop(_SENT, {})
    gone = session.info.pop(_GONE, [])
    # Read once per flush: before it when there was something to read then.
    known, zone = _ZONE in session.info, session.info.pop(_ZONE, None)
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
    if not known:
        zone = summary_zone(connection)
    if zone is None:
        return
    if moved:
        mark_unknown(connection)
        return
    if disputes:
        new = _dispute_rows(connection, disputes)
        changes = _changes(len(MEASURES))
        _count_months(old, zone, -1, changes)
        _count_months(new, zone, +1, changes)
        _add(connection, DisputeMonth.__table__, changes)
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
    _store_facts(connection, facts, zone, gone)
    conferences = {*conferences, *(f["conference_id"] for f in (*facts, *gone)),
                   *(m.conference_id for m in minutes)}
    conferences.discard(None)
    if conferences:
        disputes |= set(connection.execute(sa.select(Conference.dispute_id).where(
            Conference.id.in_(sorted(conferences)))).scalars())
    disputes.discard(None)
    if disputes:
        _store_conference_facts(connection, sorted(disputes))


def _changed(obj, attribute: str) -> bool:
    return sa.inspect(obj).attrs[attribute].history.has_changes()


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state) -> None:
    table = bulk_written(state)
    if table == "*" or table in SUMMARISED:
        mark_unknown(state.session.connection())


def disputes_added(connection, ids: Iterable[int]) -> None:
    """Count disputes a bulk writer inserted past the session (they have no facts yet)."""
    zone = summary_zone(connection)
    if zone is None:
        return
    changes = _changes(len(MEASURES))
    _count_months(_dispute_rows(connection, ids), zone, +1, changes)
    _add(connection, DisputeMonth.__table__, changes)


def mark_unknown(connection) -> None:
    """The summaries no longer follow the registers: read the registers until rebuilt."""
    table = StatisticsVersion.__table__
    connection.execute(sa.update(table).where(table.c.summary_zone.is_not(None))
                       .values(summary_zone=None))


# --- building them afresh ---------------------------------------------------------------

def rebuild(zone: ZoneInfo, progress=None) -> None:
    """Build both summaries from the registers, in the session's transaction;
    `progress(text)` hears when each is done."""
    progress = progress or (lambda text: None)
    connection = db.session.connection()
    if _postgres(connection):
        # Writers wait the second or two this takes, so that none is missed.
        connection.execute(sa.text("LOCK TABLE disputes, conferences, invitations, "
                                   "answer_changes, minutes_versions IN SHARE MODE"))
    connection.execute(sa.delete(DisputeMonth.__table__))
    connection.execute(sa.delete(InvitationFact.__table__))
    connection.execute(sa.delete(InvitationMonth.__table__))
    months = _changes(len(MEASURES))
    rows = connection.execute(sa.select(*DISPUTE_COLUMNS).execution_options(yield_per=CHUNK))
    _count_months(rows, zone, +1, months)
    _add(connection, DisputeMonth.__table__, months)
    progress(f"Disputes per month: {len(months)} rows")
    _store_facts(connection, _facts(connection, None), zone, fresh=True)
    progress("Invitations per month and body done")
    connection.execute(sa.delete(ConferenceFact.__table__))
    _store_conference_facts(connection, None)
    progress("Conference facts done")
    table = StatisticsVersion.__table__
    connection.execute(sa.update(table).values(summary_zone=zone.key))


def portal_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["PORTAL_TIMEZONE"])


def ensure_built(zone: ZoneInfo) -> bool:
    """Rebuild the summaries when they are not known to match the data in `zone`;
    True when it did. What the scheduler's tick and `portal statistics rebuild` call."""
    if summary_zone(db.session.connection()) == zone:
        return False
    if db.session.scalar(sa.select(StatisticsVersion.id).limit(1)) is None:
        return False
    rebuild(zone)
    db.session.commit()
    return True

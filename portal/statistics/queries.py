"""The dashboard's figures as SQL aggregates.

Every count, sum and percentile here is computed by the database (GROUP BY, conditional
sums, window functions); Python only receives the aggregated rows. The same statements run
on SQLite and PostgreSQL; the one place where the dialects differ, day differences, is `_days`.

While the summaries kept by `portal.statistics.upkeep` are trusted, disputes and sent
invitations are counted from the UTC months, days and hours that make up the viewer's
period (`pieces`: any zone whose offset is a whole number of hours), conferences and
answers from their facts; otherwise, and for the few zones with half-hour offsets, from
the registers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from portal.conferences.models import Answer, AnswerChange, Conference, Invitation
from portal.disputes.models import CLOSED_STATES, Category, Dispute, Status
from portal.extensions import db
from portal.followup.models import PENDING, Task, TaskKind, TaskState
from portal.minutes.models import MinutesVersion
from portal.orgs.models import HEAD_KINDS, MEDIATION_BODY_KINDS, Organisation, User, Village
from portal.statistics.models import (
    HELD_STATES,
    ConferenceFact,
    DisputePeriod,
    InvitationFact,
    InvitationPeriod,
)
from portal.statistics.upkeep import MEASURES, current


@dataclass(frozen=True)
class Filters:
    """What the dashboard looks at: local dates (both inclusive) and optional slices."""

    start: date
    end: date
    zone: ZoneInfo
    village_id: int | None = None
    category: Category | None = None
    tier: int | None = None

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(), self.zone)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(), self.zone)


def _slices(f: Filters, source=Dispute) -> list:
    """The village, category and tier conditions on disputes or their monthly summary."""
    where = []
    if f.village_id is not None:
        where.append(source.village_id == f.village_id)
    if f.category is not None:
        where.append(source.category == f.category)
    if f.tier is not None:
        where.append(source.tier == f.tier)
    return where


def summarised(f: Filters) -> bool:
    """Whether the kept summaries are known to be current (for every zone alike)."""
    return current(db.session.connection())


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


Piece = tuple[str, int, int]  # a span and the [first, last) starts of its periods


def pieces(since: datetime, until: datetime) -> list[Piece] | None:
    """The UTC hours, days and months that exactly make up [since, until): whole months
    in the middle, whole days next to them, hours at the ends. None when an end is not on
    a UTC hour (a zone half an hour off), which no set of periods makes up."""
    if _epoch(since) % 3600 or _epoch(until) % 3600:
        return None
    a, b = since.astimezone(UTC), until.astimezone(UTC)
    day_a = a if a.hour == 0 else a.replace(hour=0) + timedelta(days=1)
    day_b = b.replace(hour=0)
    if day_a >= day_b:
        found = [("hour", a, b)]
    else:
        month_a = day_a if day_a.day == 1 else datetime.combine(
            _next_month(day_a.date()), time(), UTC)
        month_b = day_b.replace(day=1)
        middle = ([("day", day_a, day_b)] if month_a >= month_b else
                  [("day", day_a, month_a), ("month", month_a, month_b),
                   ("day", month_b, day_b)])
        found = [("hour", a, day_a), *middle, ("hour", day_b, b)]
    return [(span, _epoch(lo), _epoch(hi)) for span, lo, hi in found if lo < hi]


def _in_pieces(table, found: list[Piece]):
    return sa.or_(*[sa.and_(table.span == span, table.start >= lo, table.start < hi)
                    for span, lo, hi in found]) if found else sa.false()


def _between(column, since: datetime, until: datetime):
    return sa.and_(column >= since, column < until)


def _count_if(condition):
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


CONCLUDED = Dispute.status.in_(CLOSED_STATES)
RESOLVED = sa.or_(Dispute.status == Status.RESOLVED,
                  sa.and_(Dispute.status == Status.CLOSED, Dispute.referral.is_(None)))
REFERRED = sa.or_(Dispute.status == Status.REFERRED,
                  sa.and_(Dispute.status == Status.CLOSED, Dispute.referral.is_not(None)))


def _measures():
    return (sa.func.count(Dispute.id).label("registered"),
            _count_if(CONCLUDED).label("concluded"),
            _count_if(RESOLVED).label("resolved"),
            _count_if(REFERRED).label("referred"))


def _rows(statement) -> list[sa.Row]:
    return list(db.session.execute(statement))


def _counts(f: Filters):
    """The dispute measures of the period per village, category and tier: from the
    periods that make it up, or counted in the register."""
    found = pieces(f.since, f.until) if summarised(f) else None
    if found is not None:
        p = DisputePeriod
        return sa.select(p.village_id, p.category, p.tier, p.registered, p.concluded,
                         p.resolved, p.referred).where(_in_pieces(p, found), *_slices(f, p))
    keys = (Dispute.village_id, Dispute.category, Dispute.tier)
    return (sa.select(*keys, *_measures())
            .where(_between(Dispute.reported_at, f.since, f.until), *_slices(f))
            .group_by(*keys))


def _pieces_by_index(bounds: list[datetime]) -> list[list[Piece]] | None:
    """The periods making up each month of `bounds`, or None if one cannot be made up."""
    found = [pieces(a, b) for a, b in zip(bounds, bounds[1:], strict=False)]
    return None if any(month is None for month in found) else found


def _indexed(table, by_index: list[list[Piece]]):
    """The index of the month a period row belongs to, and the condition keeping only
    the rows of some month."""
    whens = [(_in_pieces(table, month), index) for index, month in enumerate(by_index)
             if month]
    return sa.case(*whens), sa.or_(*[condition for condition, _index in whens])


def _sums(counts) -> list:
    return [sa.func.sum(counts.c[name]).label(name) for name in MEASURES]


class Measures(NamedTuple):
    key: object
    name: str | None
    registered: int
    concluded: int
    resolved: int
    referred: int
    tier3: int


@dataclass
class Breakdowns:
    tiers: list[Measures]
    categories: list[Measures]
    villages: list[Measures]


def dispute_breakdowns(f: Filters) -> Breakdowns:
    """The dispute measures per tier, per category and per village (with its tier-3
    disputes; villages without any too), in one statement: the counts of the period are
    taken once (a common table expression read three times) and grouped three ways."""
    counts = _counts(f).cte("counts")
    c = counts.c
    tier3 = sa.func.sum(sa.case((c.tier == 3, c.registered), else_=0))

    def by(dimension: str, key):
        # A summary row emptied by later changes is no group of its own.
        return (sa.select(sa.literal(dimension).label("dimension"),
                          sa.cast(key, sa.String).label("key"), sa.null().label("name"),
                          *_sums(counts), tier3.label("tier3"))
                .group_by(key).having(sa.func.sum(c.registered) > 0))

    per_village = (sa.select(c.village_id, *_sums(counts), tier3.label("tier3"))
                   .group_by(c.village_id).subquery())
    v = per_village.c
    villages = (sa.select(sa.literal("village"), sa.cast(Village.id, sa.String), Village.name,
                          *[sa.func.coalesce(column, 0) for column in
                            (v.registered, v.concluded, v.resolved, v.referred, v.tier3)])
                .select_from(Village).outerjoin(per_village, v.village_id == Village.id)
                .where(Village.id == f.village_id if f.village_id is not None
                       else Village.active))
    result = Breakdowns([], [], [])
    for dimension, key, *measures in db.session.execute(
            sa.union_all(by("tier", c.tier), by("category", c.category), villages)):
        if dimension == "tier":
            result.tiers.append(Measures(int(key), *measures))
        elif dimension == "category":
            result.categories.append(Measures(Category[key], *measures))
        else:
            result.villages.append(Measures(int(key), *measures))
    result.tiers.sort(key=lambda r: r.key)
    result.categories.sort(key=lambda r: r.key.name)
    return result


def month_starts(last: date, zone: ZoneInfo, months: int = 12) -> list[datetime]:
    """The local starts of the `months` months ending with `last`'s, plus the next one."""
    year, month = last.year, last.month
    starts = []
    for _ in range(months + 1):
        starts.append(datetime.combine(date(year, month, 1), time(), zone))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    starts.reverse()
    # starts[-1] is `last`'s month; the bound after it is the next month's start.
    following = last.replace(day=28) + timedelta(days=4)
    return starts[1:] + [datetime.combine(following.replace(day=1), time(), zone)]


def _bucket(column, bounds: list[datetime]):
    """The index of the month `column` falls in (the WHERE keeps it inside the bounds)."""
    return sa.case(*[(column < bound, index) for index, bound in enumerate(bounds[1:])])


def disputes_by_month(f: Filters, bounds: list[datetime]) -> list[sa.Row]:
    """Registered and concluded disputes per month of `bounds` (keyed by its index)."""
    by_index = _pieces_by_index(bounds) if summarised(f) else None
    if by_index is not None:
        p = DisputePeriod
        index, condition = _indexed(p, by_index)
        return _rows(sa.select(index.label("key"),
                               sa.func.sum(p.registered).label("registered"),
                               sa.func.sum(p.concluded).label("concluded"))
                     .where(condition, *_slices(f, p))
                     .group_by(index).order_by(index))
    inner = (sa.select(_bucket(Dispute.reported_at, bounds).label("m"), Dispute.id,
                       Dispute.status, Dispute.referral)
             .where(_between(Dispute.reported_at, bounds[0], bounds[-1]), *_slices(f))
             .subquery())
    concluded = inner.c.status.in_(CLOSED_STATES)
    return _rows(sa.select(inner.c.m.label("key"), sa.func.count().label("registered"),
                           _count_if(concluded).label("concluded"))
                 .group_by(inner.c.m).order_by(inner.c.m))


def _held(since: datetime, until: datetime):
    return Conference.state.in_(HELD_STATES), _between(Conference.started_at, since, until)


def _scoped(statement, f: Filters, onclause):
    """`statement` limited to the filters' village, category and tier; disputes are joined
    only when one is chosen, which spares a lookup per row."""
    where = _slices(f)
    return statement.join(Dispute, onclause).where(*where) if where else statement


def _held_facts(f: Filters, since: datetime, until: datetime, statement):
    """`statement` over the facts of conferences held from `since` to `until`, limited
    to the filters' village, category and tier."""
    fact = ConferenceFact
    return statement.where(fact.held_at >= _epoch(since), fact.held_at < _epoch(until),
                           *_slices(f, fact))


def conferences_by_village(f: Filters) -> list[sa.Row]:
    if summarised(f):
        fact = ConferenceFact
        return _rows(_held_facts(f, f.since, f.until, sa.select(
            fact.village_id.label("key"), sa.func.count())).group_by(fact.village_id))
    return _rows(sa.select(Dispute.village_id.label("key"), sa.func.count(Conference.id))
                 .join(Dispute, Dispute.id == Conference.dispute_id)
                 .where(*_held(f.since, f.until), *_slices(f)).group_by(Dispute.village_id))


def conferences_by_month(f: Filters, bounds: list[datetime]) -> list[sa.Row]:
    if summarised(f):
        fact = ConferenceFact
        inner = _held_facts(f, bounds[0], bounds[-1], sa.select(
            _bucket(fact.held_at, [_epoch(bound) for bound in bounds]).label("m"))).subquery()
    else:
        inner = _scoped(sa.select(_bucket(Conference.started_at, bounds).label("m"))
                        .where(*_held(bounds[0], bounds[-1])),
                        f, Dispute.id == Conference.dispute_id).subquery()
    return _rows(sa.select(inner.c.m.label("key"), sa.func.count())
                 .group_by(inner.c.m).order_by(inner.c.m))


def _body_id():
    """The body an invitation stands for: the invited organisation, or the person's."""
    return sa.func.coalesce(Invitation.organisation_id, User.organisation_id)


def participation(f: Filters) -> sa.Row:
    """Held conferences, "3+N" conferences among them and the bodies taking part in all.

    A body takes part when one of its invitations (its own or a delegate's) is accepted;
    counting distinct bodies counts a delegated invitation once, for its body.
    """
    if summarised(f):
        fact = ConferenceFact
        return db.session.execute(_held_facts(f, f.since, f.until, sa.select(
            sa.func.count().label("held"),
            _count_if(sa.and_(fact.heads == len(HEAD_KINDS), fact.sectors >= 1))
            .label("three_plus_n"),
            sa.func.coalesce(sa.func.sum(fact.bodies), 0).label("bodies")))).one()
    body = aliased(Organisation)
    accepted = Invitation.answer == Answer.ACCEPTED
    per_conference = (
        sa.select(
            Conference.id,
            sa.func.count(sa.distinct(sa.case(
                (sa.and_(accepted, body.kind.in_(HEAD_KINDS)), body.kind)))).label("heads"),
            sa.func.count(sa.distinct(sa.case(
                (sa.and_(accepted, body.kind.in_(MEDIATION_BODY_KINDS)), body.id))))
            .label("sectors"),
            sa.func.count(sa.distinct(sa.case((accepted, body.id)))).label("bodies"))
        .select_from(Conference)
        .outerjoin(Invitation, Invitation.conference_id == Conference.id)
        .outerjoin(User, User.id == Invitation.user_id)
        .outerjoin(body, body.id == _body_id())
        .where(*_held(f.since, f.until))
        .group_by(Conference.id))
    per_conference = _scoped(per_conference, f, Dispute.id == Conference.dispute_id).subquery()
    c = per_conference.c
    return db.session.execute(sa.select(
        sa.func.count().label("held"),
        _count_if(sa.and_(c.heads == len(HEAD_KINDS), c.sectors >= 1)).label("three_plus_n"),
        sa.func.coalesce(sa.func.sum(c.bodies), 0).label("bodies"))).one()


def _days(later, earlier):
    """Days between two stored UTC instants, fractional."""
    if _dialect() == "sqlite":
        return sa.func.julianday(later) - sa.func.julianday(earlier)
    return sa.cast(sa.func.extract("epoch", later - earlier), sa.Float) / 86400


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def percentiles(values, quantiles: tuple[int, ...] = (50, 90), group=None):
    """Percentiles of `values.c.v` (per `values.c.g` when `group`), interpolated between
    ranks like Excel's PERCENTILE.INC: PostgreSQL's own PERCENTILE_CONT, and on SQLite (which
    has none) the same interpolation with window functions."""
    if _dialect() == "postgresql":
        outer = [values.c.g] if group else []
        statement = sa.select(*outer, sa.func.count().label("n"), *[
            sa.func.percentile_cont(q / 100).within_group(values.c.v).label(f"p{q}")
            for q in quantiles]).select_from(values)
        return statement.group_by(*outer) if group else statement
    partition = [values.c.g] if group else []
    # Both windows share one partition and order, so SQLite sorts the values once.
    ranked = sa.select(
        *partition, values.c.v,
        (sa.func.row_number().over(partition_by=partition, order_by=values.c.v) - 1).label("i"),
        sa.func.count().over(partition_by=partition, order_by=values.c.v,
                             rows=(None, None)).label("n")).subquery()
    r = ranked.c
    columns, near = [], []
    for q in quantiles:
        # The q-th percentile lies at rank (n-1)·q/100: integer part `low`, remainder `rest`
        # hundredths of the way to the next rank.
        low = (r.n - 1) * q // 100
        rest = (r.n - 1) * q % 100
        weight = (sa.case((r.i == low, 100 - rest), else_=0)
                  + sa.case((sa.and_(r.i == low + 1, rest > 0), rest), else_=0))
        columns.append((sa.func.sum(r.v * weight) / 100.0).label(f"p{q}"))
        near.append(r.i.in_([low, low + 1]))
    outer = [r.g] if group else []
    # Only the ranks next to a percentile reach the grouping: a few rows per group.
    statement = (sa.select(*outer, sa.func.coalesce(sa.func.max(r.n), 0).label("n"), *columns)
                 .select_from(ranked).where(sa.or_(*near)))
    return statement.group_by(*outer) if group else statement


def escalation_to_conference(f: Filters) -> sa.Row:
    """Per dispute whose first held conference started in the period: days from its
    escalation to tier 3 to that conference's start."""
    if summarised(f):
        fact = ConferenceFact
        # A conference before its escalation is a recording error, not a duration.
        values = _held_facts(f, f.since, f.until, sa.select(fact.escalation_days.label("v"))
                             .where(fact.first_for_dispute,
                                    fact.escalation_days >= 0)).subquery()
        return db.session.execute(percentiles(values)).one()
    first = sa.func.min(Conference.started_at)
    values = (sa.select(_days(first, Dispute.escalated_at).label("v"))
              .join(Conference, Conference.dispute_id == Dispute.id)
              .where(Conference.state.in_(HELD_STATES), Dispute.escalated_at.is_not(None),
                     *_slices(f))
              .group_by(Dispute.id, Dispute.escalated_at)
              .having(_between(first, f.since, f.until), first >= Dispute.escalated_at)
              .subquery())
    return db.session.execute(percentiles(values)).one()


def conference_to_minutes(f: Filters) -> sa.Row:
    """Per conference held in the period whose minutes were issued: days from the start
    of the session to the first issued version."""
    if summarised(f):
        fact = ConferenceFact
        values = _held_facts(f, f.since, f.until, sa.select(fact.minutes_days.label("v"))
                             .where(fact.minutes_days.is_not(None))).subquery()
        return db.session.execute(percentiles(values)).one()
    issued = sa.func.min(MinutesVersion.issued_at)
    values = (sa.select(_days(issued, Conference.started_at).label("v"))
              .join(MinutesVersion, MinutesVersion.conference_id == Conference.id)
              .where(MinutesVersion.issued_at.is_not(None), *_held(f.since, f.until))
              .group_by(Conference.id, Conference.started_at))
    values = _scoped(values, f, Dispute.id == Conference.dispute_id).subquery()
    return db.session.execute(percentiles(values)).one()


def _first_answers():
    return (sa.select(AnswerChange.invitation_id, sa.func.min(AnswerChange.at).label("at"))
            .group_by(AnswerChange.invitation_id).subquery())


def _invited(f: Filters):
    """Invitations sent in the period, delegated ones excluded: a body's invitation is
    answered once, whether by accepting, declining or naming a delegate."""
    return (Invitation.delegated_from_id.is_(None), Conference.invited_at.is_not(None),
            _between(Conference.invited_at, f.since, f.until))


def _invitation_rows(statement, f: Filters):
    return _scoped(statement.select_from(Invitation)
                   .join(Conference, Conference.id == Invitation.conference_id)
                   .outerjoin(User, User.id == Invitation.user_id),
                   f, Dispute.id == Conference.dispute_id)


def _facts_invited(f: Filters) -> tuple:
    fact = InvitationFact
    return (fact.delegated.is_(False), fact.invited_at >= _epoch(f.since),
            fact.invited_at < _epoch(f.until))


def _facts_scoped(statement, f: Filters):
    return statement.where(*_slices(f, InvitationFact))


def responses_by_body(f: Filters) -> list[sa.Row]:
    """Per body: invitations sent in the period, how many were answered, and how many
    answers have a time (the count the median response time is taken over)."""
    fact = InvitationFact
    found = (pieces(f.since, f.until)
             if summarised(f) and f.village_id is None and f.category is None else None)
    if found is not None:
        p = InvitationPeriod
        tier = [p.tier == f.tier] if f.tier is not None else []
        return _rows(sa.select(sa.func.nullif(p.body_id, 0).label("key"),
                               sa.func.sum(p.invited).label("invited"),
                               sa.func.sum(p.answered).label("answered"),
                               sa.func.sum(p.timed).label("timed"))
                     .where(_in_pieces(p, found), *tier)
                     .group_by(p.body_id).having(sa.func.sum(p.invited) > 0))
    if summarised(f):
        return _rows(_facts_scoped(sa.select(
            fact.body_id.label("key"), sa.func.count().label("invited"),
            _count_if(fact.answered).label("answered"),
            sa.func.count(fact.hours).label("timed")), f)
            .where(*_facts_invited(f)).group_by(fact.body_id))
    body = _body_id()
    statement = _invitation_rows(sa.select(
        body.label("key"), sa.func.count().label("invited"),
        _count_if(Invitation.answer != Answer.PENDING).label("answered"),
        sa.null().label("timed")), f)
    return _rows(statement.where(*_invited(f)).group_by(body))


def response_hours_by_body(f: Filters, responses: list[sa.Row]) -> dict[int | None, float]:
    """The median hours to the first answer per body of `responses`."""
    fact = InvitationFact
    if summarised(f) and _dialect() == "postgresql":
        values = _facts_scoped(sa.select(fact.body_id.label("g"), fact.hours.label("v")), f) \
            .where(fact.hours.is_not(None), *_facts_invited(f)).subquery()
        return {r.g: r.p50 for r in _rows(percentiles(values, (50,), group=True))}
    if not summarised(f):
        first = _first_answers()
        values = (_invitation_rows(sa.select(
            _body_id().label("g"), (_days(first.c.at, Conference.invited_at) * 24).label("v")),
            f).join(first, first.c.invitation_id == Invitation.id)
            .where(*_invited(f)).subquery())
        return {r.g: r.p50 for r in _rows(percentiles(values, (50,), group=True))}
    # SQLite has no PERCENTILE_CONT and sorts slowly: a body's median is read at its
    # middle rank(s) along the index on (body, hours) (which holds the filters' columns
    # too), one short index walk per body instead of a sort of every answer of the
    # period; one statement, run once per body.
    ranked = (_facts_scoped(sa.select(fact.hours), f)
              .where(fact.hours.is_not(None), *_facts_invited(f))
              .order_by(fact.hours).offset(sa.bindparam("rank")).limit(sa.bindparam("take")))
    of_body = ranked.where(fact.body_id == sa.bindparam("body"))
    of_none = ranked.where(fact.body_id.is_(None))
    medians = {}
    for row in responses:
        if not row.timed:
            continue
        rank, rest = divmod((row.timed - 1) * 50, 100)
        values = db.session.scalars(of_none if row.key is None else of_body, {
            "body": row.key, "rank": rank, "take": 2 if rest else 1}).all()
        medians[row.key] = values[0] + (values[-1] - values[0]) * rest / 100
    return medians


def action_items(f: Filters, today: date) -> list[sa.Row]:
    """Conference action items (follow-up tasks) due in the period, per owning body, by
    the outcome reported; overdue ones are still open or in progress after their due date."""
    body = sa.func.coalesce(Organisation.name, Task.owner_body)
    pending = Task.state.in_(PENDING)
    statement = (
        sa.select(body.label("key"),
                  *[_count_if(Task.state == state).label(state.name.lower())
                    for state in TaskState],
                  _count_if(sa.and_(pending, Task.due_on < today)).label("overdue"),
                  sa.func.count().label("total"))
        .outerjoin(Organisation, Organisation.id == Task.organisation_id)
        .where(Task.kind == TaskKind.ACTION, Task.due_on >= f.start, Task.due_on <= f.end)
        .group_by(body))
    return _rows(_scoped(statement, f, Dispute.id == Task.dispute_id))


def organisation_names(ids) -> dict[int, str]:
    ids = [i for i in ids if i is not None]
    if not ids:
        return {}
    return dict(db.session.execute(
        sa.select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))).all())

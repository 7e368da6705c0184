"""The dashboard's figures as SQL aggregates.

Every count, sum and percentile here is computed by the database (GROUP BY, conditional
sums, window functions); Python only receives the aggregated rows. The same statements run
on SQLite and PostgreSQL; the one place where the dialects differ, day differences, is `_days`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from portal.conferences.models import Answer, AnswerChange, Conference, ConferenceState, Invitation
from portal.disputes.models import CLOSED_STATES, Category, Dispute, Status
from portal.extensions import db
from portal.followup.models import PENDING, Task, TaskKind, TaskState
from portal.minutes.models import MinutesVersion
from portal.orgs.models import HEAD_KINDS, SECTOR_KINDS, Organisation, User, Village

S = ConferenceState
# A conference was held once its session opened; cancelling it afterwards un-holds it.
HELD_STATES = (S.IN_SESSION, S.MINUTES_DRAFTING, S.MINUTES_SIGNING, S.SIGNED)


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


def _slices(f: Filters) -> list:
    """The village, category and tier conditions on disputes (not the dates)."""
    where = []
    if f.village_id is not None:
        where.append(Dispute.village_id == f.village_id)
    if f.category is not None:
        where.append(Dispute.category == f.category)
    if f.tier is not None:
        where.append(Dispute.tier == f.tier)
    return where


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


def disputes_by(f: Filters, key) -> list[sa.Row]:
    """Registered, concluded, resolved and referred disputes per value of `key`."""
    return _rows(sa.select(key.label("key"), *_measures())
                 .where(_between(Dispute.reported_at, f.since, f.until), *_slices(f))
                 .group_by(key).order_by(key))


def disputes_by_village(f: Filters) -> list[sa.Row]:
    """Per village: the dispute measures and the tier-3 disputes, villages without any too."""
    counted = (sa.select(Dispute.village_id, *_measures(),
                         _count_if(Dispute.tier == 3).label("tier3"))
               .where(_between(Dispute.reported_at, f.since, f.until), *_slices(f))
               .group_by(Dispute.village_id).subquery())
    c = counted.c
    statement = (sa.select(Village.id.label("key"), Village.name,
                           *[sa.func.coalesce(column, 0).label(column.name) for column in
                             (c.registered, c.concluded, c.resolved, c.referred, c.tier3)])
                 .select_from(Village).outerjoin(counted, c.village_id == Village.id))
    if f.village_id is not None:
        return _rows(statement.where(Village.id == f.village_id))
    return _rows(statement.where(Village.active))


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


def conferences_by_village(f: Filters) -> list[sa.Row]:
    return _rows(sa.select(Dispute.village_id.label("key"), sa.func.count(Conference.id))
                 .join(Dispute, Dispute.id == Conference.dispute_id)
                 .where(*_held(f.since, f.until), *_slices(f)).group_by(Dispute.village_id))


def conferences_by_month(f: Filters, bounds: list[datetime]) -> list[sa.Row]:
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
    body = aliased(Organisation)
    accepted = Invitation.answer == Answer.ACCEPTED
    per_conference = (
        sa.select(
            Conference.id,
            sa.func.count(sa.distinct(sa.case(
                (sa.and_(accepted, body.kind.in_(HEAD_KINDS)), body.kind)))).label("heads"),
            sa.func.count(sa.distinct(sa.case(
                (sa.and_(accepted, body.kind.in_(SECTOR_KINDS)), body.id)))).label("sectors"),
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
    first = sa.func.min(Conference.started_at)
    values = (sa.select(_days(first, Dispute.escalated_at).label("v"))
              .join(Conference, Conference.dispute_id == Dispute.id)
              .where(Conference.state.in_(HELD_STATES), Dispute.escalated_at.is_not(None),
                     *_slices(f))
              .group_by(Dispute.id, Dispute.escalated_at)
              .having(_between(first, f.since, f.until)).subquery())
    return db.session.execute(percentiles(values)).one()


def conference_to_minutes(f: Filters) -> sa.Row:
    """Per conference held in the period whose minutes were issued: days from the start
    of the session to the first issued version."""
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


def responses_by_body(f: Filters) -> list[sa.Row]:
    body = _body_id()
    statement = _invitation_rows(sa.select(
        body.label("key"), sa.func.count().label("invited"),
        _count_if(Invitation.answer != Answer.PENDING).label("answered")), f)
    return _rows(statement.where(*_invited(f)).group_by(body))


def response_hours_by_body(f: Filters) -> list[sa.Row]:
    first = _first_answers()
    values = (_invitation_rows(sa.select(
        _body_id().label("g"), (_days(first.c.at, Conference.invited_at) * 24).label("v")), f)
        .join(first, first.c.invitation_id == Invitation.id)
        .where(*_invited(f)).subquery())
    return _rows(percentiles(values, (50,), group=True))


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

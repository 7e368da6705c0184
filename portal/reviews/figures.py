"""The joint reviews' figures: items reported per village and source, the share settled at
the meeting they were first on, the items turned into disputes, overdue follow-ups."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from portal.collation import by_pinyin
from portal.disputes.models import Category
from portal.extensions import db
from portal.followup.models import PENDING, Task
from portal.orgs.models import Village
from portal.reviews.models import HazardItem, ItemSource, ItemState
from reports.stats import rate


@dataclass
class VillageRow:
    village: str
    sources: dict[ItemSource, int] = field(default_factory=lambda: dict.fromkeys(ItemSource, 0))
    settled_first_time: int = 0
    disputes: int = 0
    overdue: int = 0

    @property
    def reported(self) -> int:
        return sum(self.sources.values())

    @property
    def settled_share(self) -> Decimal | None:
        """Settled within one meeting cycle ÷ reported, in per cent."""
        return rate(self.settled_first_time, self.reported)

    def add(self, other: VillageRow) -> None:
        for source, count in other.sources.items():
            self.sources[source] += count
        self.settled_first_time += other.settled_first_time
        self.disputes += other.disputes
        self.overdue += other.overdue


@dataclass
class Figures:
    villages: list[VillageRow]
    total: VillageRow


@dataclass(frozen=True)
class Scope:
    """Which items count: reported from ``since`` to before ``until``, their follow-ups due
    from ``due_from`` to before ``due_before``; a bound that is None is open."""

    since: datetime | None = None
    until: datetime | None = None
    due_from: date | None = None
    due_before: date | None = None
    village_id: int | None = None
    kind: Category | None = None

    def reported(self) -> list:
        return self._items() + _between(HazardItem.reported_at, self.since, self.until)

    def due(self) -> list:
        return self._items() + _between(Task.due_on, self.due_from, self.due_before)

    def _items(self) -> list:
        return [condition for value, condition in (
            (self.village_id, HazardItem.village_id == self.village_id),
            (self.kind, HazardItem.kind == self.kind)) if value is not None]


def _between(column, low, high) -> list:
    return ([column >= low] if low is not None else []) + (
        [column < high] if high is not None else [])


def compute(today: date, scope: Scope = Scope()) -> Figures:
    """The items reported within ``scope``, and its follow-ups past their due date on
    ``today`` without a report of them done."""
    rows: dict[str, VillageRow] = {}

    def row(name: str) -> VillageRow:
        return rows.setdefault(name, VillageRow(name))

    counted = db.session.execute(
        sa.select(Village.name, HazardItem.source, HazardItem.state,
                  HazardItem.carried_over, sa.func.count())
        .join(Village, Village.id == HazardItem.village_id).where(*scope.reported())
        .group_by(Village.name, HazardItem.source, HazardItem.state, HazardItem.carried_over))
    for village, source, state, carried, count in counted:
        found = row(village)
        found.sources[source] += count
        if state is not ItemState.OPEN and carried == 0:
            found.settled_first_time += count
        if state is ItemState.REGISTERED:
            found.disputes += count
    overdue = db.session.execute(
        sa.select(Village.name, sa.func.count()).select_from(Task)
        .join(HazardItem, HazardItem.id == Task.review_item_id)
        .join(Village, Village.id == HazardItem.village_id)
        .where(*scope.due(), Task.state.in_(PENDING), Task.due_on < today)
        .group_by(Village.name))
    for village, count in overdue:
        row(village).overdue += count
    villages = by_pinyin(rows.values(), name=lambda r: r.village)
    total = VillageRow("")
    for village in villages:
        total.add(village)
    return Figures(villages, total)

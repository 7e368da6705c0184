"""The joint reviews' figures: items reported per village and source, the share settled at
the meeting they were first on, the items turned into disputes, overdue follow-ups."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from portal.extensions import db
from portal.followup.models import PENDING, Task
from portal.orgs.models import Village
from portal.reviews.models import HazardItem, ItemSource, ItemState


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
    def settled_share(self) -> float | None:
        """Settled within one meeting cycle ÷ reported, in per cent."""
        return round(100 * self.settled_first_time / self.reported, 1) if self.reported else None

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


def compute(today: date, series_ids: list[int] | None = None) -> Figures:
    scope = HazardItem.series_id.in_(series_ids) if series_ids is not None else sa.true()
    rows: dict[str, VillageRow] = {}

    def row(name: str) -> VillageRow:
        return rows.setdefault(name, VillageRow(name))

    counted = db.session.execute(
        sa.select(Village.name, HazardItem.source, HazardItem.state,
                  HazardItem.carried_over, sa.func.count())
        .join(Village, Village.id == HazardItem.village_id).where(scope)
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
        .where(scope, Task.state.in_(PENDING), Task.due_on < today).group_by(Village.name))
    for village, count in overdue:
        row(village).overdue += count
    villages = sorted(rows.values(), key=lambda r: r.village)
    total = VillageRow("")
    for village in villages:
        total.add(village)
    return Figures(villages, total)

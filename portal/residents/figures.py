"""The residents' figures: requests per village and channel, the share that became
disputes, the time to first contact, and satisfaction per village and per body."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import sqlalchemy as sa

from portal.extensions import db
from portal.orgs.models import Organisation, Village
from portal.residents.models import (
    CaseRating,
    Channel,
    Rating,
    RequestStatus,
    ResidentRequest,
)


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (share 0.5 is the median); None without values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class Satisfaction:
    counts: dict[Rating, int] = field(default_factory=lambda: dict.fromkeys(Rating, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def satisfied_share(self) -> float | None:
        """满意 and 基本满意 together, in per cent."""
        if not self.total:
            return None
        happy = self.counts[Rating.SATISFIED] + self.counts[Rating.BASICALLY]
        return round(100 * happy / self.total, 1)


@dataclass
class VillageRow:
    village: str
    channels: dict[Channel, int] = field(default_factory=lambda: dict.fromkeys(Channel, 0))
    disputes: int = 0
    spam: int = 0
    contact_hours: list[float] = field(default_factory=list)
    satisfaction: Satisfaction = field(default_factory=Satisfaction)

    @property
    def received(self) -> int:
        return sum(self.channels.values())

    @property
    def dispute_share(self) -> float | None:
        genuine = self.received - self.spam
        return round(100 * self.disputes / genuine, 1) if genuine else None

    @property
    def median_hours(self) -> float | None:
        value = percentile(self.contact_hours, 0.5)
        return None if value is None else round(value, 1)

    @property
    def p90_hours(self) -> float | None:
        value = percentile(self.contact_hours, 0.9)
        return None if value is None else round(value, 1)


@dataclass
class Figures:
    villages: list[VillageRow]
    total: VillageRow
    bodies: list[tuple[str, Satisfaction]]


def compute() -> Figures:
    names = dict(db.session.execute(sa.select(Village.id, Village.name)).all())
    rows: dict[int, VillageRow] = {}
    total = VillageRow(village="")

    def row(village_id: int) -> VillageRow:
        return rows.setdefault(village_id, VillageRow(names.get(village_id, "—")))

    requests = db.session.execute(sa.select(
        ResidentRequest.village_id, ResidentRequest.channel, ResidentRequest.status,
        ResidentRequest.received_at, ResidentRequest.contacted_at))
    for village_id, channel, status, received_at, contacted_at in requests:
        for target in (row(village_id), total):
            target.channels[channel] += 1
            target.disputes += status is RequestStatus.REGISTERED
            target.spam += status is RequestStatus.SPAM
            if contacted_at is not None:
                target.contact_hours.append((contacted_at - received_at).total_seconds() / 3600)
    bodies: dict[int | None, Satisfaction] = {}
    ratings = db.session.execute(sa.select(CaseRating.village_id, CaseRating.body_id,
                                           CaseRating.rating))
    for village_id, body_id, rating in ratings:
        row(village_id).satisfaction.counts[rating] += 1
        total.satisfaction.counts[rating] += 1
        bodies.setdefault(body_id, Satisfaction()).counts[rating] += 1
    body_names = dict(db.session.execute(sa.select(Organisation.id, Organisation.name)).all())
    return Figures(
        villages=sorted(rows.values(), key=lambda r: r.village), total=total,
        bodies=sorted(((body_names.get(k, "—"), v) for k, v in bodies.items()),
                      key=lambda item: item[0]))

"""A weekly review of two villages: its convener, a head, an officer and a grid worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.extensions import db
from portal.orgs.models import OrgKind, Role
from portal.reviews import items, planning
from portal.reviews.models import ItemSource, MemberRole

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass
class World:
    series: object
    convener: object
    head: object
    police: object
    grid: object
    outsider: object
    villages: list
    now: datetime

    def meetings(self):
        return list(self.series.meetings)

    def item(self, reporter=None, meeting=None, text="两户因排水沟堵塞争吵，已报警两次",
             village=None, **values):
        data = items.ItemInput(village_id=(village or self.villages[0]).id,
                               source=values.pop("source", ItemSource.POLICE_CALL),
                               kind=values.pop("kind", items.Category.NEIGHBOUR), text=text,
                               **values)
        found = items.report_item(reporter or self.police, self.series, data, meeting=meeting,
                                  now=self.now)
        db.session.commit()
        return found


def next_thursday(now: datetime) -> datetime:
    local = now.astimezone(SHANGHAI)
    days = (3 - local.weekday()) % 7 or 7
    return (local + timedelta(days=days)).replace(hour=9, minute=0, second=0, microsecond=0,
                                                  tzinfo=None)


@pytest.fixture
def world(make) -> World:
    station = make.organisation(OrgKind.POLICE_STATION, name="南城派出所")
    street = make.organisation(OrgKind.GOVERNANCE_CENTRE, name="南城街道综治中心")
    convener = make.user(Role.CONVENER, organisation=station, full_name="王召集")
    head = make.user(Role.HEAD, organisation=street, full_name="赵书记")
    police = make.user(Role.COMMUNITY_POLICE, organisation=station, full_name="李民警")
    grid = make.user(Role.GRID_WORKER, organisation=street, full_name="张网格")
    outsider = make.user(Role.GRID_WORKER, organisation=street, full_name="外人")
    villages = [make.village(name="建宁村"), make.village(name="米山村")]
    now = datetime.now(SHANGHAI).astimezone(ZoneInfo("UTC"))
    series = planning.create_series(convener, planning.SeriesInput(
        title="建宁村、米山村警网融合例会", rule="FREQ=WEEKLY;BYDAY=TH",
        first_start=next_thursday(now), minutes_long=90, place="南城派出所二楼会议室",
        village_ids=[v.id for v in villages],
        members=[(head.id, MemberRole.HEAD), (police.id, MemberRole.COMMUNITY_POLICE),
                 (grid.id, MemberRole.GRID_WORKER)]), now=now)
    db.session.commit()
    return World(series, convener, head, police, grid, outsider, villages, now)

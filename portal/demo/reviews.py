"""Demo joint review: the weekly 警网融合 meeting of 建宁村 and 米山村, with three past
meetings — items registered as disputes, handed over, merged, closed, one carried over
twice, a follow-up done and one overdue — and the next meeting planned."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from portal.demo import DEMO_PASSWORD
from portal.demo.conferences import account
from portal.disputes.models import Category, Dispute, Risk
from portal.extensions import db
from portal.followup import tasks
from portal.followup.models import TaskState
from portal.orgs.models import Village
from portal.reviews import items, meetings, minutes, planning
from portal.reviews.models import ItemSource, MemberRole, ReviewSeries
from portal.timeutil import local_zone, utcnow

TITLE = "建宁村、米山村警网融合例会"
PRESENT = ("convener", "police_head", "police_wu", "grid_zhou")


def seed(now: datetime | None = None) -> int:
    """Build the review once; returns 1 if it was made now."""
    if db.session.scalar(sa.select(ReviewSeries.id).where(ReviewSeries.title == TITLE)):
        return 0
    now = now or utcnow()
    today = now.astimezone(local_zone()).date()  # the station's day, as the services count
    people = {name: account(name) for name in (
        "convener", "police_head", "leader", "police_wu", "police_ma", "grid_zhou", "grid_li")}
    villages = {v.name: v for v in db.session.scalars(sa.select(Village).where(
        Village.name.in_(["建宁村", "米山村"])))}
    local = now.astimezone(ZoneInfo("Asia/Shanghai"))
    # Three Thursdays back at 9:00, so three meetings are past and the next is coming.
    since_thursday = (local.weekday() - 3) % 7
    if since_thursday == 0 and (local.hour, local.minute) < (10, 30):
        since_thursday = 7  # today's meeting is not over: it is the coming one
    back = since_thursday + 14
    first = (local - timedelta(days=back)).replace(hour=9, minute=0, second=0, microsecond=0,
                                                  tzinfo=None)
    series = planning.create_series(people["convener"], planning.SeriesInput(
        title=TITLE, rule="FREQ=WEEKLY;BYDAY=TH", first_start=first, minutes_long=90,
        place="南城派出所二楼会议室", village_ids=[v.id for v in villages.values()],
        members=[(people["police_head"].id, MemberRole.HEAD),
                 (people["leader"].id, MemberRole.HEAD),
                 (people["police_wu"].id, MemberRole.COMMUNITY_POLICE),
                 (people["police_ma"].id, MemberRole.COMMUNITY_POLICE),
                 (people["grid_zhou"].id, MemberRole.GRID_WORKER),
                 (people["grid_li"].id, MemberRole.GRID_WORKER)]), now=now)
    db.session.commit()
    one, two, three = series.meetings[:3]
    convener = people["convener"]

    def report(reporter, village, source, kind, risk, text, before):
        return items.report_item(people[reporter], series, items.ItemInput(
            village_id=villages[village].id, source=source, kind=kind, risk=risk, text=text),
            now=before.starts_at - timedelta(days=1))

    def hold(meeting, decisions):
        meetings.record_attendance(convener, meeting, {people[n].id for n in PRESENT})
        for decide in decisions:
            decide()
        minutes.draw_up(convener, meeting)
        for name in PRESENT:
            minutes.sign(people[name], meeting, DEMO_PASSWORD, meeting.content_hash)
            meeting.signatures[-1].at = meeting.ends_at + timedelta(minutes=10)
        minutes.issue(convener, meeting)
        meeting.issued_at = meeting.ends_at + timedelta(minutes=30)
        db.session.commit()

    # First meeting.
    carried = report("police_wu", "米山村", ItemSource.POLICE_CALL, Category.CONSTRUCTION_PROPERTY,
                     Risk.MEDIUM, "米山村二组工地运土车辆占用村道，村民多次拦车并报警", one)
    visited = report("grid_zhou", "建宁村", ItemSource.GRID_VISIT, Category.NEIGHBOUR, Risk.LOW,
                     "建宁村三组两户因排水沟堵塞互相指责，情绪激动", one)
    wages = report("police_wu", "米山村", ItemSource.POLICE_CALL, Category.LABOUR_WAGES,
                   Risk.HIGH, "米山村养殖场六名工人反映被拖欠三个月工资，扬言集体上访", one)
    settled = report("grid_li", "建宁村", ItemSource.GRID_VISIT, Category.MARRIAGE_FAMILY,
                     Risk.LOW, "建宁村一户夫妻争吵，经走访已和好", one)
    hold(one, [
        lambda: items.hand_over(convener, visited, people["grid_zhou"].id, today,
                                "组织两户疏通排水沟，当面协商"),
        lambda: items.register_dispute(convener, wages, "米山村养殖场拖欠工资纠纷", "刘永福"),
        lambda: items.close_item(convener, settled, "经走访双方已和好，无需跟进"),
    ])
    task = visited.task
    # Handed over with the dates of then: due before the second meeting, done in time.
    task.due_on = visited.due_on = two.starts_at.date() - timedelta(days=1)
    tasks.report(people["grid_zhou"], task, TaskState.DONE, "已组织两户疏通排水沟，双方握手言和")
    task.reported_at = two.starts_at - timedelta(days=2)

    # Second meeting: the carried item again undecided; a follow-up that will run late.
    late = report("police_ma", "建宁村", ItemSource.POLICE_CALL, Category.LAND_FOREST,
                  Risk.MEDIUM, "建宁村四组两户因承包地界桩移位发生推搡", two)
    traffic = db.session.scalar(sa.select(Dispute).where(Dispute.title == "建宁村交通事故赔偿纠纷"))
    merged = report("grid_li", "建宁村", ItemSource.GRID_VISIT, Category.TRAFFIC_ACCIDENT,
                    Risk.LOW, "交通事故伤者家属到村委会询问赔偿进展", two)
    decisions = [lambda: items.hand_over(convener, late, people["police_ma"].id,
                                         today, "会同村委会核对界桩，调解双方")]
    if traffic is not None:
        decisions.append(lambda: items.merge(convener, merged, traffic.reference))
    else:
        decisions.append(lambda: items.close_item(convener, merged, "已告知家属案件进展"))
    hold(two, decisions)
    # Due before the third meeting and never reported: overdue on every agenda since.
    late.task.due_on = late.due_on = three.starts_at.date() - timedelta(days=1)

    # Third meeting: the item carried over twice is handed over at last; a new one stays open.
    report("grid_zhou", "米山村", ItemSource.GRID_VISIT, Category.ENVIRONMENTAL_POLLUTION,
           Risk.MEDIUM, "米山村东头小作坊夜间排放异味，周边住户不满", three)
    hold(three, [lambda: items.hand_over(convener, carried, people["grid_li"].id,
                                         today + timedelta(days=10),
                                         "约谈工地负责人，规定运土时段并清扫村道")])
    db.session.commit()
    return 1

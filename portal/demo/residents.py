"""Demo residents' side: standard addresses for all 28 villages, printed doorplates for 米山村,
resident requests at every stage (new, contacted, registered as a dispute, closed, spam)
and the residents' ratings, so the loop can be followed from the doorplate to feedback."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from portal.demo import VILLAGES
from portal.demo.conferences import account
from portal.disputes.models import CLOSED_STATES, Dispute
from portal.extensions import db
from portal.orgs.models import Village
from portal.residents import addresses, codes, parties, services, sms
from portal.residents.models import (
    CaseCode,
    Channel,
    Closure,
    Rating,
    ResidentRequest,
    StandardAddress,
    Topic,
)
from portal.timeutil import utcnow

PLATED = "米山村"
ROADS = ("一组", "二组", "三组", "四组", "五组")
COMMUNITY_ROADS = ("长平路", "泫氏街")
Report = services.RequestInput
# village, channel, topic, description, contact, phone, hours ago, stage, stage detail, rating
REQUESTS = [
    (PLATED, Channel.DOORPLATE, Topic.NEIGHBOURS, "楼上邻居每晚十一点后还在装修，敲打声很大",
     "王桂英", "13903561101", 3, "new", None, None),
    (PLATED, Channel.DOORPLATE, Topic.WAGES_MONEY, "在村里工地干了两个月活，工头一直不结工钱",
     "李长贵", "13903561102", 30, "new", None, None),
    (PLATED, Channel.DOORPLATE, Topic.LAND_HOUSE, "邻居新盖的院墙占了我家通道，车进不来",
     "赵国强", "13903561103", 20, "contacted", "已电话联系，约定明日上门查看", None),
    ("石末村", Channel.GRID_WORKER, Topic.FAMILY, "儿女不履行赡养义务，老人生活困难",
     "郭大爷", "13903561104", 40, "contacted", "网格员走访，已约子女面谈", None),
    (PLATED, Channel.DOORPLATE, Topic.LAND_HOUSE, "宅基地边界界桩被移动，双方争执不下",
     "秦玉兰", "13903561105", 72, "registered", None, None),
    ("河西村", Channel.POLICE_CALL, Topic.NEIGHBOURS, "两户因排水沟堵塞发生口角，接警后现场劝开",
     "秦二虎", "13903561106", 96, "registered", None, None),
    (PLATED, Channel.DOORPLATE, Topic.ENVIRONMENT, "村口养殖场气味很大，夏天尤其严重",
     "张秀梅", "13903561107", 120, "closed", (Closure.REFERRED, "已转生态环境部门处理"),
     (Rating.SATISFIED, "处理很及时")),
    ("南城社区", Channel.GRID_WORKER, Topic.OTHER, "咨询老人低保怎么申请",
     "刘奶奶", "13903561108", 150, "closed", (Closure.ADVICE, "已告知申请材料和窗口"),
     (Rating.BASICALLY, "")),
    (PLATED, Channel.DOORPLATE, Topic.NEIGHBOURS, "对门邻居家的狗经常夜里叫",
     "陈建华", "13903561109", 200, "closed", (Closure.NOT_DISPUTE, "已上门沟通，邻居同意夜间关狗"),
     (Rating.DISSATISFIED, "还是有狗叫")),
    (PLATED, Channel.DOORPLATE, Topic.OTHER, "测试测试测试",
     "测试", "13903561110", 5, "spam", None, None),
]


def _addresses(admin) -> int:
    rows = []
    for name in VILLAGES:
        village = db.session.scalar(sa.select(Village).where(Village.name == name))
        roads = COMMUNITY_ROADS if name.endswith("社区") else ROADS
        for index in range(10):
            rows.append(StandardAddress(
                village_id=village.id, road=roads[index % len(roads)],
                number=str(index // len(roads) * 2 + 1 + index % 3),
                building="", unit="", room=str(101 + index) if name.endswith("社区") else "",
                police_grid=village.police_grid, community_grid=village.community_grid))
    db.session.add_all(rows)
    db.session.flush()
    return len(rows)


def seed() -> int:
    if db.session.scalar(sa.select(StandardAddress.id).limit(1)) is not None:
        return 0
    with current_app.test_request_context(base_url=current_app.config["PORTAL_BASE_URL"]):
        admin = account("admin")
        count = _addresses(admin)
        plated = db.session.scalar(sa.select(Village).where(Village.name == PLATED))
        addresses.issue_plates(admin, plated)
        for slot, case in enumerate(REQUESTS):
            _request(slot, *case)
        _rate_a_concluded_dispute()
        sms.deliver_pending(limit=200)
    return count


def _request(slot, village_name, channel, topic, description, name, phone, hours, stage,
             detail, rating) -> None:
    village = db.session.scalar(sa.select(Village).where(Village.name == village_name))
    data = Report(topic=topic, description=description, contact_name=name, contact_phone=phone)
    staff = village.grid_worker if channel is not Channel.POLICE_CALL else village.community_police
    if channel is Channel.DOORPLATE:
        plates = db.session.scalars(sa.select(StandardAddress).where(
            StandardAddress.village_id == village.id).order_by(StandardAddress.id)).all()
        request = services.submit_from_doorplate(plates[slot % len(plates)].plate, data)
    else:
        request = services.record_request(staff, village, channel, data)
    _backdate(request, hours)
    if stage == "contacted":
        services.record_contact(staff, request, detail,
                                now=request.received_at + timedelta(hours=2 + slot))
    elif stage == "registered":
        services.take_over(staff, request)
        services.register_dispute(staff, request, services.draft_for(request))
    elif stage == "closed":
        closure, note = detail
        services.close(staff, request, closure, note,
                       now=request.received_at + timedelta(hours=1 + slot * 2))
        contact = codes.contact(request.case_code, "contact")
        parties.rate(request.case_code, contact, *rating)
    elif stage == "spam":
        services.mark_spam(staff, request, "无实际内容")


def _backdate(request: ResidentRequest, hours: int) -> None:
    received = utcnow() - timedelta(hours=hours)
    request.received_at = received
    request.first_contact_due_at = received + timedelta(
        hours=current_app.config["PORTAL_FIRST_CONTACT_HOURS"])
    db.session.flush()


def _rate_a_concluded_dispute() -> None:
    case = db.session.scalar(sa.select(CaseCode).join(Dispute, CaseCode.dispute_id == Dispute.id)
                             .where(Dispute.status.in_(CLOSED_STATES)).order_by(Dispute.id)
                             .limit(1))
    if case is None:
        return
    contacts = codes.contacts(case)
    if contacts:
        parties.rate(case, contacts[0], Rating.SATISFIED, "调解员很耐心，问题解决了")

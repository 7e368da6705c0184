"""A year of realistic generated disputes for the Nancheng demo and for benchmarks.

Written with Core bulk inserts (executemany) in chunks rather than through the ORM one
dispute at a time, so 100,000 disputes take seconds, not hours. Reference serials are
reserved per year in one block each, so the register stays gap-free; the run is one
transaction with one summary audit event. Needs the demo accounts and villages.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.audit.services import record
from portal.demo import VILLAGES
from portal.disputes import references, search
from portal.disputes.identity import check_digit
from portal.disputes.models import (
    Category,
    Dispute,
    DisputeEvent,
    Party,
    PartyRole,
    Referral,
    Risk,
    Source,
    Status,
)
from portal.disputes.services import DEFAULT_DAYS
from portal.errors import DomainError
from portal.extensions import db
from portal.orgs.models import User, Village
from portal.residents import codes
from portal.residents.models import CaseCode
from portal.timeutil import local_zone, utcnow

CHUNK = 5_000

SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭"
            "吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦"
            "江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文牛申毕")
GIVEN = ("建国", "志强", "秀英", "桂英", "秀兰", "玉兰", "海燕", "红霞", "丽", "伟", "芳",
         "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞",
         "平", "刚", "桂芝", "国庆", "建军", "建华", "志刚", "晓东", "晓梅", "素琴", "文斌",
         "海军", "慧敏", "丽娟", "俊", "鹏", "浩", "宇", "欣怡", "子涵", "梓轩", "国强",
         "小兵", "爱国", "春生", "金花", "翠兰", "福生", "满仓", "二虎", "三喜", "建平",
         "永红", "卫东", "跃进", "淑珍", "凤英", "玉梅", "宏伟", "利民", "志华", "亚楠",
         "佳琪", "雨轩")

# tier -> categories and their weights at that tier (tier 3: land, wages, construction ...)
CATEGORY_WEIGHTS = {
    1: {Category.NEIGHBOUR: 40, Category.MARRIAGE_FAMILY: 22, Category.CONSUMER_QUALITY: 8,
        Category.DEBT_CONTRACT: 10, Category.TRAFFIC_ACCIDENT: 8, Category.OTHER: 12},
    2: {Category.DEBT_CONTRACT: 25, Category.MARRIAGE_FAMILY: 20, Category.TRAFFIC_ACCIDENT: 15,
        Category.CONSUMER_QUALITY: 10, Category.LABOUR_WAGES: 10, Category.MEDICAL: 6,
        Category.EDUCATION_CAMPUS: 6, Category.CONSTRUCTION_PROPERTY: 8},
    3: {Category.LAND_FOREST: 30, Category.LABOUR_WAGES: 25,
        Category.CONSTRUCTION_PROPERTY: 20, Category.ENVIRONMENTAL_POLLUTION: 15,
        Category.MEDICAL: 5, Category.EDUCATION_CAMPUS: 5},
}
RISK_WEIGHTS = {1: (80, 18, 2), 2: (45, 45, 10), 3: (10, 45, 45)}
SOURCE_WEIGHTS = {Source.GRID_REPORT: 40, Source.POLICE_CALL: 30, Source.DOORPLATE_QR: 10,
                  Source.WALK_IN: 12, Source.CITY_PLATFORM: 8}

# category -> (title pattern, description pattern, claim, typical amount in yuan or 0)
STORIES = {
    Category.NEIGHBOUR: (
        "{a}与{b}噪音扰邻纠纷",
        "{a}反映邻居{b}家夜间装修噪音影响休息，双方多次争吵。",
        "停止夜间施工", 0),
    Category.MARRIAGE_FAMILY: (
        "{a}家庭赡养纠纷",
        "{a}与子女{b}因老人赡养费分担发生矛盾，老人生活困难。",
        "按月支付赡养费", 12_000),
    Category.LAND_FOREST: (
        "{a}与{b}承包地边界纠纷",
        "{a}与{b}因承包地界桩位置及林木归属发生争执，曾发生肢体冲突。",
        "确认地界，返还林木", 30_000),
    Category.LABOUR_WAGES: (
        "{b}拖欠{a}等人工资",
        "{a}等工人在{b}承包的工地务工，工程完工后工资未结清，多次讨要未果。",
        "支付拖欠工资", 80_000),
    Category.CONSTRUCTION_PROPERTY: (
        "{a}房屋质量与物业纠纷",
        "{a}反映所购住房墙体开裂漏水，与开发商及物业{b}协商未果。",
        "维修房屋并赔偿损失", 50_000),
    Category.TRAFFIC_ACCIDENT: (
        "{a}与{b}交通事故赔偿纠纷",
        "{a}驾驶电动车与{b}驾驶的轿车相撞受伤，双方对赔偿数额有分歧。",
        "赔偿医疗费、误工费", 25_000),
    Category.ENVIRONMENTAL_POLLUTION: (
        "{b}养殖场污染纠纷",
        "村民{a}等人反映{b}经营的养殖场粪污直排，气味扰民并污染农田。",
        "停止排污，赔偿庄稼损失", 40_000),
    Category.CONSUMER_QUALITY: (
        "{a}购买商品质量纠纷",
        "{a}在{b}经营的门店购买的家电使用不久即损坏，商家拒绝退换。",
        "退货退款", 4_000),
    Category.MEDICAL: (
        "{a}诊疗费用纠纷",
        "{a}对在诊所就诊后的治疗效果及费用有异议，与医生{b}发生争执。",
        "退还诊疗费并赔偿", 20_000),
    Category.EDUCATION_CAMPUS: (
        "{a}之子校园受伤纠纷",
        "{a}之子在校课间活动时与同学碰撞受伤，家长与校方及{b}对责任有争议。",
        "承担医疗费用", 8_000),
    Category.DEBT_CONTRACT: (
        "{a}与{b}民间借贷纠纷",
        "{b}向{a}借款后到期未还，{a}多次催要未果。",
        "归还借款及利息", 60_000),
    Category.OTHER: (
        "{a}与{b}琐事纠纷",
        "{a}与{b}因日常琐事发生口角，情绪激动。",
        "赔礼道歉", 0),
}
OUTCOMES = ("双方达成调解协议，当场履行。", "双方自愿和解，签订调解协议书。",
            "经释法明理，申请人撤回诉求。", "达成分期履行协议，首期款项已支付。")
REFERRALS = {Referral.LITIGATION: "南城人民法庭",
             Referral.ARBITRATION: "高平市劳动人事争议仲裁委员会",
             Referral.ADMINISTRATIVE: "高平市自然资源局"}
GAOPING = "140581"


@dataclass
class GenerateSummary:
    count: int
    parties: int
    events: int
    references: dict[int, tuple[str, str]]  # year -> (first, last)


def id_number(rng: random.Random, born: date) -> str:
    """A resident ID number of Gaoping with a correct check digit (GB 11643)."""
    body = f"{GAOPING}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + check_digit(body)


def phone_number(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def generate_disputes(count: int, seed: int | None = None, now: datetime | None = None,
                      chunk: int = CHUNK, progress=None) -> GenerateSummary:
    """Add `count` disputes reported over the last year, with parties and timelines;
    `progress(done)` hears after each chunk how many are written."""
    if count < 1:
        raise DomainError("count must be positive")
    world = _World.load()
    rng = random.Random(seed)
    now = now or utcnow()
    zone = local_zone()
    # Times first, sorted, so serials follow the reporting order within each year.
    times = sorted(now - timedelta(seconds=rng.uniform(0, 365 * 86_400)) for _ in range(count))
    years: dict[int, int] = {}
    for moment in times:
        year = moment.astimezone(zone).year
        years[year] = years.get(year, 0) + 1
    blocks = {year: references.reserve(year, n) for year, n in sorted(years.items())}
    next_serial = {year: block.first for year, block in blocks.items()}
    summary = GenerateSummary(count, 0, 0, {
        year: (block.reference(block.first), block.reference(block.last))
        for year, block in blocks.items()})
    builder = _Builder(rng, world, now, zone)
    taken: set[str] = set()
    for start in range(0, count, chunk):
        cases = []
        for moment in times[start:start + chunk]:
            year = moment.astimezone(zone).year
            cases.append(builder.case(moment, year, next_serial[year],
                                      blocks[year].reference(next_serial[year])))
            next_serial[year] += 1
        summary.parties, summary.events = (summary.parties + sum(len(c.parties) for c in cases),
                                           summary.events + sum(len(c.events) for c in cases))
        _insert(cases, taken)
        if progress is not None:
            progress(start + len(cases))
    record("disputes.generated", summary=f"demo: {count} generated disputes",
           changes={"count": count, "references": summary.references})
    db.session.flush()
    return summary


@dataclass
class _World:
    villages: list[tuple[int, str, int | None, int | None]]  # id, name, grid worker, police
    users: dict[str, int]

    @classmethod
    def load(cls) -> _World:
        villages = db.session.execute(
            sa.select(Village.id, Village.name, Village.grid_worker_id,
                      Village.community_police_id)
            .where(Village.name.in_(VILLAGES), Village.active)).all()
        users = dict(db.session.execute(sa.select(User.username, User.id)).all())
        needed = {"convener", "secretary", "bureau_mediator", "grid_zhou", "police_wu"}
        if not villages or not needed <= users.keys():
            raise DomainError("Load the demo setting first (portal seed-demo).")
        return cls([tuple(v) for v in villages], users)


@dataclass
class _Case:
    dispute: dict
    parties: list[dict]
    events: list[dict]


class _Builder:
    def __init__(self, rng: random.Random, world: _World, now: datetime, zone):
        self.rng, self.world, self.now, self.zone = rng, world, now, zone
        users = world.users
        self.convener = users["convener"]
        self.secretary = users["secretary"]
        self.mediators = [users[u] for u in users if u.startswith("med_")] + [
            users["bureau_mediator"]]
        self.categories = {tier: (list(w), list(w.values()))
                           for tier, w in CATEGORY_WEIGHTS.items()}

    def case(self, reported_at: datetime, year: int, serial: int, reference: str) -> _Case:
        rng = self.rng
        tier = rng.choices((1, 2, 3), (60, 30, 10))[0]
        categories, weights = self.categories[tier]
        category = rng.choices(categories, weights)[0]
        village_id, village, grid_worker, police = rng.choice(self.world.villages)
        source = rng.choices(list(SOURCE_WEIGHTS), list(SOURCE_WEIGHTS.values()))[0]
        reporter = {Source.GRID_REPORT: grid_worker, Source.POLICE_CALL: police,
                    Source.DOORPLATE_QR: grid_worker}.get(source) or self.secretary
        handler = {1: rng.choice((grid_worker, police)), 2: rng.choice(self.mediators),
                   3: self.convener}[tier]
        parties = self._parties(village)
        a, b = parties[0]["name"], parties[-1]["name"] if len(parties) > 1 else "对方"
        title, story, claim, typical = STORIES[category]
        local_day = reported_at.astimezone(self.zone).date()
        dispute = dict(
            reference=reference, year=year, serial=serial, title=title.format(a=a, b=b),
            category=category, tier=tier, village_id=village_id, source=source,
            risk=rng.choices(list(Risk), RISK_WEIGHTS[tier])[0],
            description=story.format(a=a, b=b), claims=claim,
            amount=Decimal(round(rng.uniform(0.2, 3) * typical, -2)) if typical else None,
            occurred_on=local_day - timedelta(days=rng.choice((0, 0, 1, 2, 5, 14))),
            reported_at=reported_at, due_on=local_day + timedelta(days=DEFAULT_DAYS[tier]),
            reporter_id=reporter, handler_id=None, outcome="", referral=None,
            referral_body=None, referral_ref=None, escalated_at=None, feedback_at=None,
            feedback_method=None, feedback_note=None, satisfaction=None, closed_at=None,
            external_ref=(f"GPSJ-{year}-G{serial:06d}" if source is Source.CITY_PLATFORM
                          else None),
        )
        events = self._history(dispute, handler)
        dispute["updated_at"] = events[-1]["at"]
        return _Case(dispute, parties, events)

    def _parties(self, village: str) -> list[dict]:
        rng = self.rng
        count = rng.choices((1, 2, 3), (15, 70, 15))[0]
        roles = (PartyRole.APPLICANT, PartyRole.RESPONDENT, PartyRole.THIRD_PARTY)
        parties = []
        for role in roles[:count]:
            born = date(1940, 1, 1) + timedelta(days=rng.randrange(64 * 365))
            home = (f"{village}{rng.randint(1, 30)}号楼{rng.randint(1, 6)}单元"
                    if village.endswith("社区") else f"{village}{rng.randint(1, 9)}组"
                    f"{rng.randint(1, 80)}号")
            parties.append(dict(
                name=person_name(rng), role=role,
                id_number=id_number(rng, born) if rng.random() < 0.9 else None,
                phone=phone_number(rng), address=home))
        return parties

    def _status(self, tier: int, age_days: float) -> Status:
        """A final status that fits the tier and how long ago the dispute came in."""
        due = DEFAULT_DAYS[tier]
        rng = self.rng
        if tier == 3:
            if age_days < 7:
                return Status.ESCALATED
            options = ((Status.ESCALATED, 40), (Status.RESOLVED, 20), (Status.REFERRED, 10),
                       (Status.CLOSED, 30)) if age_days < 45 else (
                (Status.ESCALATED, 1), (Status.RESOLVED, 3), (Status.REFERRED, 4),
                (Status.CLOSED, 92))
        elif age_days < due / 4:
            options = ((Status.REPORTED, 50), (Status.HANDLING, 50))
        elif age_days < due * 1.5:
            options = ((Status.HANDLING, 45), (Status.RESOLVED, 20), (Status.REFERRED, 5),
                       (Status.CLOSED, 30))
        else:
            options = ((Status.HANDLING, 1), (Status.RESOLVED, 2), (Status.REFERRED, 1),
                       (Status.CLOSED, 96))
        return rng.choices([s for s, _w in options], [w for _s, w in options])[0]

    def _history(self, d: dict, handler: int) -> list[dict]:
        """The timeline that leads to the final status; fills the dispute's dates on the way."""
        rng = self.rng
        start = d["reported_at"]
        age = (self.now - start).total_seconds() / 86_400
        final = self._status(d["tier"], age)
        due = DEFAULT_DAYS[d["tier"]]
        moment = start

        def later(days: float) -> datetime:
            """A step of up to `days`, but never past now (young disputes move faster)."""
            nonlocal moment
            step = min(timedelta(days=days * rng.uniform(0.1, 1)),
                       (self.now - moment) * rng.uniform(0.05, 0.5))
            moment += step
            return moment

        events = [_event(d, start, d["reporter_id"], "reported", None, Status.REPORTED,
                         d["title"])]
        if final is Status.REPORTED:
            return events
        d["handler_id"] = handler
        if d["tier"] == 3:
            d["escalated_at"] = later(2)
            events.append(_event(d, moment, self.convener, "escalated", Status.REPORTED,
                                 Status.ESCALATED, "涉及多部门职能，提请“三长+N”联席会商。"))
            working = Status.ESCALATED
        else:
            events.append(_event(d, later(1), handler, "handled", Status.REPORTED,
                                 Status.HANDLING, "已走访双方当事人，做“四笔账”工作。"))
            working = Status.HANDLING
        if final in (Status.HANDLING, Status.ESCALATED):
            return events
        referred = final is Status.REFERRED or (final is Status.CLOSED and rng.random() < 0.1)
        if referred:
            kind = rng.choice(list(Referral))
            d.update(referral=kind, referral_body=REFERRALS[kind],
                     referral_ref=f"（{d['year']}）晋0581民初{rng.randint(100, 3999)}号"
                     if kind is Referral.LITIGATION else None)
            events.append(_event(d, later(1.3 * due), handler, "referred", working, Status.REFERRED,
                                 f"{kind.label}: {REFERRALS[kind]}"))
            done = Status.REFERRED
        else:
            d["outcome"] = rng.choice(OUTCOMES)
            events.append(_event(d, later(1.3 * due), handler, "resolved", working, Status.RESOLVED,
                                 d["outcome"]))
            done = Status.RESOLVED
        if final is not Status.CLOSED:
            return events
        d.update(feedback_at=later(5), feedback_method=rng.choice(("电话回访", "上门回访")),
                 feedback_note="当事人表示认可处理结果。",
                 satisfaction=rng.choices(("满意", "基本满意", "不满意"), (85, 12, 3))[0])
        events.append(_event(d, moment, handler, "feedback", done, done, d["feedback_note"]))
        d["closed_at"] = later(3)
        events.append(_event(d, moment, handler, "closed", done, Status.CLOSED, ""))
        return events


def _event(d: dict, at: datetime, actor: int, action: str, before: Status | None,
           after: Status, note: str) -> dict:
    d["status"] = after
    return dict(at=at, actor_id=actor, action=action, from_status=before, to_status=after,
                note=note)


def _fresh_code(taken: set[str]) -> str:
    code = codes.new_code()
    while code in taken:
        code = codes.new_code()
    taken.add(code)
    return code


def _insert(cases: list[_Case], taken: set[str]) -> None:
    """Insert one chunk: disputes, then their parties, events and case codes (一案一码, as
    every dispute gets one) keyed by the new ids. ``taken`` holds the run's codes so far:
    among 100,000 drawn codes two alike are likely enough to guard against."""
    disputes = Dispute.__table__
    db.session.execute(sa.insert(disputes), [c.dispute for c in cases])
    keys = {(c.dispute["year"], c.dispute["serial"]): c for c in cases}
    idents, reported = [], {}
    for year in {y for y, _s in keys}:
        serials = [s for y, s in keys if y == year]
        rows = db.session.execute(
            sa.select(disputes.c.id, disputes.c.serial)
            .where(disputes.c.year == year,
                   disputes.c.serial.between(min(serials), max(serials))))
        for ident, serial in rows:
            case = keys.get((year, serial))
            if case is not None:
                idents.append(ident)
                reported[ident] = case.dispute["reported_at"]
                for row in (*case.parties, *case.events):
                    row["dispute_id"] = ident
    db.session.execute(sa.insert(Party.__table__), [p for c in cases for p in c.parties])
    db.session.execute(sa.insert(DisputeEvent.__table__), [e for c in cases for e in c.events])
    db.session.execute(sa.insert(CaseCode.__table__), [
        {"code": _fresh_code(taken), "dispute_id": ident, "created_at": reported_at}
        for ident, reported_at in reported.items()])
    search.refresh(db.session.connection(), idents)

"""The Nancheng demo: the setting of DESIGN.md, for trying the portal out.

Every function here is idempotent: it creates what is missing and leaves the rest.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal.audit.services import record
from portal.extensions import db
from portal.orgs.models import Organisation, OrgKind, Role, Room, User, Village
from portal.orgs.passwords import hash_password, new_session_token

DEMO_PASSWORD = "Nancheng-2026"

COURT = "高平市人民法院南城人民法庭"
BUREAU = "高平市司法局南城司法所"
STATION = "高平市公安局南城派出所"
CENTRE = "南城街道综治中心"
LAWYERS_A = "山西长平律师事务所"
LAWYERS_B = "山西丹河律师事务所"

ORGANISATIONS: list[tuple[str, OrgKind]] = [
    (COURT, OrgKind.COURT),
    (BUREAU, OrgKind.JUDICIAL_BUREAU),
    (STATION, OrgKind.POLICE_STATION),
    ("高平市生态环境纠纷人民调解委员会", OrgKind.ECOLOGY_ENVIRONMENT),
    ("高平市住建领域纠纷人民调解委员会", OrgKind.HOUSING_CONSTRUCTION),
    ("高平市交警大队道路交通事故调解委员会", OrgKind.TRAFFIC_POLICE),
    ("高平市妇联婚姻家庭纠纷人民调解委员会", OrgKind.WOMENS_FEDERATION),
    ("高平市教育系统纠纷人民调解委员会", OrgKind.EDUCATION),
    ("高平市劳动人事争议仲裁委员会", OrgKind.LABOUR_ARBITRATION),
    ("高平市劳动人事争议调解中心", OrgKind.LABOUR_MEDIATION),
    ("高平市质量监督纠纷人民调解委员会", OrgKind.QUALITY_SUPERVISION),
    ("高平市自然资源纠纷人民调解委员会", OrgKind.NATURAL_RESOURCES),
    ("高平市卫体医疗纠纷人民调解委员会", OrgKind.HEALTH_SPORTS),
    (LAWYERS_A, OrgKind.LAWYER_OFFICE),
    (LAWYERS_B, OrgKind.LAWYER_OFFICE),
    (CENTRE, OrgKind.GOVERNANCE_CENTRE),
]

VILLAGES = [
    "南城社区", "北关社区", "东关社区", "西关社区", "丹河社区", "长平社区", "米山村",
    "建宁村", "石末村", "团池村", "永录村", "河西村", "马村", "北诗村", "南王庄村",
    "杜寨村", "唐安村", "凤和村", "店上村", "苏庄村", "上董峰村", "下董峰村", "寺庄村",
    "釜山村", "三甲村", "野川村", "陈区村", "南赵庄村",
]

SECTOR_MEDIATORS = {
    OrgKind.ECOLOGY_ENVIRONMENT: ("med_env", "高文斌"),
    OrgKind.HOUSING_CONSTRUCTION: ("med_housing", "郭建平"),
    OrgKind.TRAFFIC_POLICE: ("med_traffic", "牛国庆"),
    OrgKind.WOMENS_FEDERATION: ("med_women", "秦素琴"),
    OrgKind.EDUCATION: ("med_edu", "申晓东"),
    OrgKind.LABOUR_ARBITRATION: ("med_labour", "孙丽"),
    OrgKind.LABOUR_MEDIATION: ("med_labour_mediation", "焦玉梅"),
    OrgKind.QUALITY_SUPERVISION: ("med_quality", "常海军"),
    OrgKind.NATURAL_RESOURCES: ("med_land", "毕志刚"),
    OrgKind.HEALTH_SPORTS: ("med_health", "赵慧敏"),
}

# username, full name, organisation, roles, title
PEOPLE: list[tuple[str, str, str, list[Role], str]] = [
    ("admin", "系统管理员", CENTRE, [Role.ADMIN], "系统管理员"),
    ("convener", "李建国", STATION, [Role.CONVENER], "派出所副所长"),
    ("secretary", "王晓梅", STATION, [Role.SECRETARY], "书记员"),
    ("court_head", "张明", COURT, [Role.HEAD], "庭长"),
    ("court_judge", "冯敏", COURT, [Role.HEAD], "审判员"),
    ("bureau_head", "刘芳", BUREAU, [Role.HEAD], "所长"),
    ("bureau_mediator", "任志华", BUREAU, [Role.MEDIATOR], "专职调解员"),
    ("police_head", "陈志强", STATION, [Role.HEAD], "所长"),
    ("lawyer_chen", "陈律", LAWYERS_A, [Role.LAWYER], "驻村律师"),
    ("lawyer_yang", "杨静", LAWYERS_B, [Role.LAWYER], "驻村律师"),
    ("grid_zhou", "周海燕", CENTRE, [Role.GRID_WORKER], "专职网格员"),
    ("grid_li", "李红霞", CENTRE, [Role.GRID_WORKER], "专职网格员"),
    ("police_wu", "吴刚", STATION, [Role.COMMUNITY_POLICE], "社区民警"),
    ("police_ma", "马立新", STATION, [Role.COMMUNITY_POLICE], "社区民警"),
    ("leader", "韩书记", CENTRE, [Role.OBSERVER], "街道党工委书记"),
] + [
    (username, name, kind.name, [Role.MEDIATOR], "行业调解员")
    for kind, (username, name) in SECTOR_MEDIATORS.items()
]


def seed(progress=None) -> str:
    """Build the demo world (idempotent); `progress(text)` hears as each stage begins."""
    progress = progress or (lambda text: None)
    progress("Organisations, villages, rooms and accounts …")
    orgs = _organisations()
    users = _users(orgs)
    villages = _villages(orgs, users)
    rooms = _rooms()
    db.session.flush()
    from portal.demo import conferences as demo_conferences

    progress("Demo conferences, their minutes and signed PDFs (the first run builds the font "
             "cache) …")
    conferences = demo_conferences.seed()
    from portal.demo import followup as followup_demo

    progress("Agreements and follow-up tasks …")
    if followup_demo.seed():
        _monthly_report_after_the_data()
    from portal.demo import reviews as reviews_demo

    progress("The weekly joint review of 建宁村 and 米山村 …")
    reviews_demo.seed()
    from portal.demo import residents as residents_demo

    addresses = residents_demo.seed()
    return (f"{len(orgs)} organisations, {villages} villages, {rooms} rooms, "
            f"{len(users)} accounts, {conferences} new demo conferences, "
            f"{addresses} new standard addresses")


def _monthly_report_after_the_data() -> None:
    """Last month's report, made now that the demo's data for it exists; a report the
    scheduler made before the data stays as issued, superseded by a new edition."""
    from portal.statistics import services as statistics
    from portal.timeutil import utcnow

    zone = statistics.portal_zone()
    month = statistics.previous_month(utcnow().astimezone(zone).date())
    statistics.generate_monthly_report(month, new_edition=True)


def account_list() -> list[tuple[str, str, str]]:
    return [(u, n, ", ".join(r.value for r in roles)) for u, n, _o, roles, _t in PEOPLE]


def _get_or_create(model, lookup: dict, **values):
    obj = db.session.scalar(sa.select(model).filter_by(**lookup))
    if obj is not None:
        return obj, False
    obj = model(**lookup, **values)
    db.session.add(obj)
    db.session.flush()
    record(f"{model.__tablename__.rstrip('s')}.created", obj, summary=f"demo: {obj}")
    return obj, True


def _organisations() -> dict[str, Organisation]:
    orgs = {}
    for name, kind in ORGANISATIONS:
        orgs[name], _ = _get_or_create(Organisation, {"name": name}, kind=kind)
        orgs.setdefault(kind.name, orgs[name])
    for village in VILLAGES:
        name = f"{village}{'居委会' if village.endswith('社区') else '村委会'}"
        orgs[name], _ = _get_or_create(Organisation, {"name": name},
                                       kind=OrgKind.VILLAGE_COMMITTEE)
    return orgs


def _users(orgs: dict[str, Organisation]) -> dict[str, User]:
    password_hash = None
    users = {}
    for username, full_name, org_key, roles, title in PEOPLE:
        existing = db.session.scalar(sa.select(User).where(User.username == username))
        if existing is not None:
            users[username] = existing
            continue
        password_hash = password_hash or hash_password(DEMO_PASSWORD)
        user, _ = _get_or_create(
            User, {"username": username}, full_name=full_name, title=title,
            organisation=orgs[org_key], password_hash=password_hash,
            session_token=new_session_token(), email=f"{username}@nancheng.example.cn",
            phone=f"1390356{len(users):04d}",
        )
        user.set_roles(roles)
        users[username] = user
    return users


def _villages(orgs, users: dict[str, User]) -> int:
    grid_workers = [users["grid_zhou"], users["grid_li"]]
    police = [users["police_wu"], users["police_ma"]]
    lawyers = [users["lawyer_chen"], users["lawyer_yang"]]
    for number, name in enumerate(VILLAGES, start=1):
        _get_or_create(
            Village, {"name": name},
            police_grid=f"南城警格{(number + 3) // 4:02d}",
            community_grid=f"南城网格{number:02d}",
            grid_worker=grid_workers[number % 2],
            community_police=police[number % 2],
            resident_lawyer=lawyers[(number // 14) % 2],
        )
    return len(VILLAGES)


def _rooms() -> int:
    _get_or_create(Room, {"name": "致和调解室"}, location="南城派出所二楼", capacity=16)
    _get_or_create(Room, {"name": "致和小法庭"}, location="南城派出所一楼东侧", capacity=30)
    return 2

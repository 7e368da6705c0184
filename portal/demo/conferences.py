"""Demo conferences at every stage, so each demo account finds something to do.

Scheduling shows in realistic states: an availability poll still collecting votes (its
answer deadline close, so the pending invitees were reminded), a time confirmed from a
poll with its room booked, and the scheduler's reminder rows planned and partly sent.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

from portal.conferences import services as conferences
from portal.conferences.models import Answer, Conference
from portal.disputes import services as disputes
from portal.disputes.models import Category, PartyRole, Risk, Source
from portal.extensions import db
from portal.orgs.models import Organisation, OrgKind, Room, User, Village
from portal.timeutil import utcnow

P = disputes.PartyInput
CASES = [
    ("draft", "南城社区物业公司与业主停车费纠纷", Category.CONSTRUCTION_PROPERTY, "南城社区",
     [P("赵建华", PartyRole.APPLICANT, "140581198503150019", "13903560001", "南城社区3号楼"),
      P("南城物业服务有限公司", PartyRole.RESPONDENT)]),
    ("inviting", "米山村建筑工地拖欠农民工工资纠纷", Category.LABOUR_WAGES, "米山村",
     [P("郭建军", PartyRole.APPLICANT, "140581199001011236", "13903561234", "米山村二组"),
      P("高平市宏达建筑公司", PartyRole.RESPONDENT)]),
    ("scheduled", "石末村与团池村土地边界纠纷", Category.LAND_FOREST, "石末村",
     [P("石末村村民委员会", PartyRole.APPLICANT), P("团池村村民委员会", PartyRole.RESPONDENT)]),
    ("override", "丹河社区养殖场污染纠纷", Category.ENVIRONMENTAL_POLLUTION, "丹河社区",
     [P("丹河社区居民代表李明", PartyRole.APPLICANT, None, "13903562345"),
      P("丹河养殖专业合作社", PartyRole.RESPONDENT)]),
    ("in_session", "北诗村离婚财产分割纠纷", Category.MARRIAGE_FAMILY, "北诗村",
     [P("王秀英", PartyRole.APPLICANT, "140581198811230027", "13903563456"),
      P("李志刚", PartyRole.RESPONDENT, None, "13903564567")]),
    ("drafting", "建宁村交通事故赔偿纠纷", Category.TRAFFIC_ACCIDENT, "建宁村",
     [P("陈国平", PartyRole.APPLICANT), P("刘海涛", PartyRole.RESPONDENT)]),
    ("cancelled", "永录村果园承包合同纠纷", Category.DEBT_CONTRACT, "永录村",
     [P("张富贵", PartyRole.APPLICANT), P("永录村股份经济合作社", PartyRole.RESPONDENT)]),
    ("polling", "寺庄村宅基地使用权纠纷", Category.LAND_FOREST, "寺庄村",
     [P("牛建国", PartyRole.APPLICANT, None, "13903565678"),
      P("牛建民", PartyRole.RESPONDENT, None, "13903566789")]),
]


def seed() -> int:
    """Create the demo conferences once; returns how many were created."""
    if db.session.scalar(sa.select(sa.func.count(Conference.id))):
        return 0
    with current_app.test_request_context(base_url=current_app.config["PORTAL_BASE_URL"]):
        for stage, title, category, village, parties in CASES:
            _case(stage, title, category, village, parties)
        from portal.scheduler.tick import tick

        tick(utcnow())
    return len(CASES)


def account(username: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == username))


def _case(stage, title, category, village_name, parties) -> None:
    convener, secretary = account("convener"), account("secretary")
    village = db.session.scalar(sa.select(Village).where(Village.name == village_name))
    reporter = village.grid_worker or account("grid_zhou")
    dispute = disputes.create_dispute(reporter, disputes.DisputeInput(
        title=title, category=category, village_id=village.id, source=Source.GRID_REPORT,
        risk=Risk.HIGH, tier=2, description=f"{title}。经二级调解未能化解，双方分歧较大。",
        claims="请求依法依规公平处理", parties=parties))
    disputes.assign(convener, dispute, convener)
    conference = disputes.escalate(convener, dispute, 3, "涉及多个部门职能，需“3+N”联席会商")
    if stage == "draft":
        return
    # The poll's deadline is tomorrow: the scheduler has reminded those yet to answer.
    deadline = utcnow() + timedelta(hours=20 if stage == "polling" else 72)
    conferences.send_invitations(convener, conference, secretary, deadline,
                                 "请各单位派负责同志参加。")
    heads = {"court_head": OrgKind.COURT, "bureau_head": OrgKind.JUDICIAL_BUREAU,
             "police_head": OrgKind.POLICE_STATION}
    if stage == "inviting":
        _answer(conference, "court_head", OrgKind.COURT, Answer.ACCEPTED)
        _answer(conference, "med_labour", OrgKind.LABOUR_ARBITRATION, Answer.TENTATIVE)
        return
    if stage == "polling":
        _answer(conference, "court_head", OrgKind.COURT, Answer.ACCEPTED)
        _poll(conference, {"court_head": "YES NO YES", "police_head": "IF_NEED_BE YES YES"})
        return
    for username, kind in heads.items():
        if stage == "override" and kind is OrgKind.JUDICIAL_BUREAU:
            _answer(conference, username, kind, Answer.DECLINED, "当日在市局参加培训")
            continue
        _answer(conference, username, kind, Answer.ACCEPTED)
    for invitation in conference.invitations:
        body = invitation.organisation
        if body is not None and body.kind.is_sector:
            mediator = db.session.scalar(sa.select(User).where(
                User.organisation_id == body.id).order_by(User.id).limit(1))
            if mediator:
                conferences.answer(mediator, invitation, Answer.ACCEPTED)
    if stage == "cancelled":
        conferences.cancel(convener, conference, "双方已在村委会主持下自行和解")
        return
    # The two sessions opened today use one room each.
    room = db.session.scalar(sa.select(Room).order_by(
        Room.id.desc() if stage == "drafting" else Room.id).limit(1))
    if stage == "scheduled":
        _poll_and_confirm(conference, room)
        return
    # (days ahead, UTC hour): 09:30 or 14:30 in Shanghai, never two in the room at once
    days, hour = {"override": (4, 1), "in_session": (1, 1), "drafting": (1, 6)}[stage]
    starts = (utcnow() + timedelta(days=days)).replace(hour=hour, minute=30, second=0,
                                                       microsecond=0)
    conferences.schedule(convener, conference, starts, starts + timedelta(hours=2), room,
                         override_reason="司法所书面提交意见，会商如期进行"
                         if stage == "override" else "")
    if stage in ("in_session", "drafting"):
        # Opened today: the meeting moves to now, as it does for a secretary who confirms.
        conferences.start(secretary, conference, confirm_move=True)
    if stage == "drafting":
        conferences.end_session(secretary, conference)


def _answer(conference, username, kind, answer, note="") -> None:
    user = account(username)
    invitation = next(i for i in conference.invitations
                      if isinstance(i.organisation, Organisation) and i.organisation.kind is kind)
    conferences.answer(user, invitation, answer, note)


def _working_days(count: int, after: date) -> list[date]:
    from portal.holidays.workcal import working_calendar

    calendar, day, found = working_calendar(), after, []
    while len(found) < count:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            found.append(day)
    return found


def _poll(conference, votes: dict[str, str], starts: time = time(9, 0)) -> list:
    """Three afternoon or morning slots on coming working days, and the given votes
    ("YES NO IF_NEED_BE" per slot, by the username answering for their body)."""
    from portal.calendar import services as calendar
    from portal.calendar.models import VoteChoice

    secretary = account("secretary")
    ends = (datetime.combine(date.min, starts) + timedelta(hours=2)).time()
    slots = [calendar.propose(secretary, conference, calendar.parse_slot(day, starts, ends),
                              accept_warnings=True)
             for day in _working_days(3, utcnow().date() + timedelta(days=2))]
    for username, choices in votes.items():
        user = account(username)
        invitation = next(i for i in conference.invitations
                          if i.organisation_id == user.organisation_id)
        calendar.vote(user, invitation, {slot.id: VoteChoice[choice]
                                         for slot, choice in zip(slots, choices.split(),
                                                                 strict=True)})
    return slots


def _poll_and_confirm(conference, room) -> None:
    """Afternoon slots, so the booking never meets the demo's morning meetings."""
    from portal.calendar import services as calendar

    slots = _poll(conference, {"court_head": "YES YES NO", "bureau_head": "IF_NEED_BE YES YES",
                               "police_head": "YES YES IF_NEED_BE"}, starts=time(14, 30))
    best = next(t.slot for t in calendar.rank(slots, calendar.voting_invitations(conference),
                                              calendar.votes_of(conference)) if t.best)
    calendar.confirm(account("convener"), conference, best, room)

"""Demo follow-up: disputes at each step after the conference — the agreement waiting to
be drawn up, being signed, in effect with tasks under way, performed and closed, and a
referral closed with the court's reference."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import sqlalchemy as sa
from flask import current_app
from PIL import Image, ImageDraw

from portal.conferences import services as conferences
from portal.conferences.models import Answer
from portal.conferences.policy import may_answer
from portal.demo import DEMO_PASSWORD
from portal.demo.conferences import account
from portal.disputes import services as disputes
from portal.disputes.models import Category, Dispute, EventKind, PartyRole, Referral, Risk, Source
from portal.extensions import db
from portal.followup import agreements, tasks
from portal.followup.models import Confirmation, TaskState
from portal.minutes import services as minutes
from portal.orgs.models import Organisation, Room, User, Village
from portal.orgs.passwords import new_session_token
from portal.timeutil import utcnow

# The mediator of each village's mediation committee who signs its agreements.
MEDIATORS = {"河西村": "秦玉芳", "石末村": "郭德明", "陈区村": "陈桂英", "团池村": "王福生",
             "杜寨村": "杜文华"}
# How each agreed term is performed, and in how many instalments (none: all at once).
PERFORMANCE = {"秦建设补偿秦建军围墙建造费用5000元": ("cash", 0),
               "李红梅分三期归还借款6万元，每期2万元": ("transfer", 3),
               "苏保国于30日内一次性支付王永刚劳务费18000元": ("transfer", 0)}
P = disputes.PartyInput
# stage, title, category, village, days since the conference, parties, agreed terms
# (none: no agreement), action items (username, task)
CASES = [
    ("signed", "河西村相邻通行权纠纷", Category.NEIGHBOUR, "河西村", 1,
     [P("秦建设", PartyRole.APPLICANT, "140581197802140013", "13903565678", "河西村一组"),
      P("秦建军", PartyRole.RESPONDENT, "140581198006180035", "13903566789", "河西村一组")],
     ["秦建军于30日内拆除堵路围墙，恢复通行", "秦建设补偿秦建军围墙建造费用5000元"],
     [("med_traffic", "核查通道宽度是否满足车辆通行"), ("police_wu", "跟踪围墙拆除情况")]),
    ("signing", "石末村宅基地边界纠纷", Category.LAND_FOREST, "石末村", 3,
     [P("郭秀兰", PartyRole.APPLICANT, "140581196903150020", "13903561234", "石末村二组"),
      P("郭建平", PartyRole.RESPONDENT, "140581197308220041", "13903562345", "石末村二组")],
     ["双方按1998年确权图恢复界桩", "郭建平于15日内拆除越界部分院墙"],
     [("med_land", "组织双方现场复核界桩")]),
    ("effective", "陈区村民间借贷纠纷", Category.DEBT_CONTRACT, "陈区村", 26,
     [P("赵志明", PartyRole.APPLICANT, "140581197512120018", "13903567890", "陈区村三组"),
      P("李红梅", PartyRole.RESPONDENT, "140581198204050026", "13903568901", "陈区村五组")],
     ["李红梅分三期归还借款6万元，每期2万元"],
     [("bureau_mediator", "督促首期还款"), ("police_wu", "回访双方当事人")]),
    ("closed", "团池村劳务费纠纷", Category.LABOUR_WAGES, "团池村", 70,
     [P("王永刚", PartyRole.APPLICANT, "140581198506110016", "13903563456", "团池村一组"),
      P("苏保国", PartyRole.RESPONDENT, "140581197001170051", "13903564567", "团池村三组")],
     ["苏保国于30日内一次性支付王永刚劳务费18000元"],
     [("med_labour", "核对用工记录及工资台账"), ("police_ma", "回访双方当事人")]),
    ("referred", "杜寨村交通事故赔偿纠纷", Category.TRAFFIC_ACCIDENT, "杜寨村", 20,
     [P("杜晓燕", PartyRole.APPLICANT, "14058119880926002X", "13903569012", "杜寨村四组"),
      P("杜建国", PartyRole.RESPONDENT, "140581196204030038", "13903560123", "杜寨村四组")],
     None,
     [("med_traffic", "向当事人出具事故责任认定复核意见")]),
]


def signed_copy_scan() -> bytes:
    """A small but real scanned page: lines of text, two signatures and a red seal."""
    page = Image.new("RGB", (420, 594), "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((150, 30, 270, 44), fill="black")
    for line in range(14):
        draw.line((50, 80 + line * 24, 370 - (line % 3) * 40, 80 + line * 24), fill="#444",
                  width=2)
    for y in (450, 490):
        draw.line((60, y, 200, y), fill="black")
        draw.arc((80, y - 22, 180, y + 4), 200, 340, fill="#1a1a80", width=3)
    draw.ellipse((260, 430, 360, 530), outline="#d00000", width=5)
    buffer = BytesIO()
    page.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _committee_mediator(village: Village, like: User) -> User:
    """The village committee's mediator (the committee is created by the demo's set-up)."""
    name = MEDIATORS[village.name]
    found = db.session.scalar(sa.select(User).where(User.full_name == name))
    if found is not None:
        return found
    committee = db.session.scalar(sa.select(Organisation).where(
        Organisation.name.startswith(village.name), Organisation.name.endswith("委会")))
    mediator = User(username=f"committee{village.id}", full_name=name, title="人民调解员",
                    organisation=committee, password_hash=like.password_hash,
                    session_token=new_session_token(),
                    email=f"committee{village.id}@nancheng.example.cn")
    db.session.add(mediator)
    db.session.flush()
    return mediator


def _performance(obligation: dict) -> None:
    method, parts = PERFORMANCE.get(obligation["content"], ("act", 0))
    obligation["method"] = method
    if parts:
        deadline = date.fromisoformat(obligation["deadline"])
        amount = "2万元"
        obligation["instalments"] = [
            {"due": (deadline - timedelta(days=10 * (parts - 1 - i))).isoformat(),
             "amount": amount} for i in range(parts)]


def seed() -> int:
    if db.session.scalar(sa.select(Dispute.id).where(Dispute.title == CASES[0][1])):
        return 0
    with current_app.test_request_context(base_url=current_app.config["PORTAL_BASE_URL"]):
        for slot, case in enumerate(CASES):
            _case(slot, *case)
    return len(CASES)


def _case(slot, stage, title, category, village_name, days, parties, terms, actions) -> None:
    convener, secretary = account("convener"), account("secretary")
    village = db.session.scalar(sa.select(Village).where(Village.name == village_name))
    dispute = disputes.create_dispute(village.grid_worker or account("grid_zhou"),
                                      disputes.DisputeInput(
        title=title, category=category, village_id=village.id, source=Source.GRID_REPORT,
        risk=Risk.MEDIUM, tier=2, description=f"{title}。双方多次协商未果。",
        claims="请求公平处理", parties=parties))
    disputes.assign(convener, dispute, convener)
    mediator = _committee_mediator(village, convener)
    conference = _hold(convener, secretary, dispute, title, terms, actions, slot)
    _backdate(dispute, conference, days)
    today = agreements.today()
    for party in dispute.parties:
        if stage != "signed":
            agreements.record_notice(convener, dispute, party, today - timedelta(days=days),
                                     "in_person")
    if stage == "signed":
        return
    if stage == "referred":
        _referred(convener, dispute, today)
        return
    agreement = agreements.generate(secretary, conference)
    data = agreements.content(agreement)
    data["mediators"] = [mediator.full_name]
    for row in data["parties"]:
        row["address"] = row["address"] or village_name
        row.update(ethnicity="汉族", occupation="农民")
    for obligation in data["obligations"]:
        _performance(obligation)
    data["responsibilities"] = [{"party": parties[1].name, "text": "未按约定履行，负主要责任"}]
    agreements.update(secretary, agreement, data)
    first, second = dispute.parties
    if stage == "signing":
        agreements.record_signatures(secretary, agreement, {first.id: today - timedelta(days=1)},
                                     signed_copy_scan(), "甲方签字本.png")
        return
    signed_on = today - timedelta(days=days - 2)
    agreements.record_signatures(secretary, agreement,
                                 {first.id: signed_on, second.id: signed_on}, signed_copy_scan(),
                                 "签字本.png")
    found = tasks.tasks_of(dispute)
    if stage == "effective":
        # The 30-day window for judicial confirmation closes in a few days, not yet filed.
        tasks.report(found[0].owner or convener, found[0], TaskState.DONE,
                     "首期2万元已于约定日归还")
        owner = found[1].owner or convener
        tasks.add_progress(owner, found[1], "已电话联系赵志明，约定下周上门")
        tasks.report(owner, found[1], TaskState.IN_PROGRESS, "首期已回访，后两期还款后再访")
        disputes.resolve(convener, dispute, "达成人民调解协议，正在履行")
        tasks.record_visit(convener, dispute, today - timedelta(days=3), "phone", "赵志明",
                           "首期款已收到，对履行情况满意", "satisfied")
        return
    agreements.record_filing(convener, agreement, signed_on + timedelta(days=5), "高平市人民法院")
    agreements.record_ruling(convener, agreement, Confirmation.CONFIRMED,
                             "（2026）晋0581民特31号", signed_on + timedelta(days=15))
    outcomes = {"核对用工记录及工资台账": (TaskState.DONE, "用工记录与工资台账已核对，金额无误"),
                "回访双方当事人": (TaskState.NOT_DONE_CHANGED, "款项已当场付清，双方表示无需回访")}
    for task in found:
        state, note = outcomes.get(task.title, (TaskState.DONE, "劳务费已全部付清"))
        tasks.report(task.owner or convener, task, state, note)
    tasks.record_visit(convener, dispute, today - timedelta(days=20), "visit", "王永刚",
                       "劳务费18000元已全部收到", "satisfied")
    disputes.resolve(convener, dispute, "达成人民调解协议并经司法确认")
    disputes.record_feedback(convener, dispute, "in_person", "当面告知双方履行完毕，案件办结",
                             "satisfied")
    disputes.close(convener, dispute, "协议履行完毕")


def _hold(convener, secretary, dispute, title, terms, actions, slot: int):
    """Escalate, invite, hold the conference and issue its signed minutes."""
    conference = disputes.escalate(convener, dispute, 3, "需“3+N”联席会商")
    conferences.send_invitations(convener, conference, secretary,
                                 utcnow() + timedelta(days=2), "请准时参加。")
    for invitation in conference.invitations:
        body = invitation.organisation
        if invitation.required and body is not None:
            member = next((u for u in sorted(body.members, key=lambda u: u.id)
                           if may_answer(u, invitation)), None)
            if member is not None:
                conferences.answer(member, invitation, Answer.ACCEPTED)
    # Booked clear of the demo conferences, each case on its own afternoon, then moved into
    # the past by _backdate.
    starts = (utcnow() + timedelta(days=10 + slot)).replace(hour=6, minute=30, second=0,
                                                             microsecond=0)
    room = db.session.scalar(sa.select(Room).order_by(Room.id.desc()).limit(1))
    conferences.schedule(convener, conference, starts, starts + timedelta(hours=2), room,
                         override_reason="演示数据")
    conferences.start(secretary, conference, now=starts)
    minutes.save_section(secretary, conference, "attendance",
                         minutes.section(conference, "attendance")[0], 0)
    minutes.save_section(secretary, conference, "outcome", {
        "outcome": "agreement" if terms else "none", "terms": terms or [],
        "next_steps": ["双方共同申请司法确认"] if terms else ["引导当事人向人民法院起诉"],
        "summary": f"{title}，经会商双方{'达成一致' if terms else '分歧较大，未能达成协议'}。",
        "referral": "" if terms else "诉讼"}, 0)
    due = (utcnow() + timedelta(days=10)).date().isoformat()
    rows = []
    for username, task in actions:
        person = account(username)
        rows.append({"owner_body": person.organisation.name, "owner": person.full_name,
                     "task": task, "due": due, "feedback": "书面报告"})
    minutes.save_section(secretary, conference, "actions", rows, 0)
    conferences.end_session(secretary, conference)
    version = minutes.generate_draft(secretary, conference)
    minutes.open_signing(secretary, version)
    for row in minutes.signers(conference):
        minutes.sign(db.session.get(User, row["user_id"]), version, DEMO_PASSWORD,
                     version.content_hash)
    minutes.issue(secretary, version)
    return conference


def _backdate(dispute, conference, days: int) -> None:
    """Move the dispute and its conference `days` into the past, so that the later steps
    (signatures, filings, visits) can carry the dates they would have had."""
    shift = timedelta(days=days + (conference.starts_at.date() - utcnow().date()).days)
    conference.starts_at -= shift
    conference.ends_at -= shift
    conference.started_at, conference.ended_at = conference.starts_at, conference.ends_at
    dispute.reported_at = conference.starts_at - timedelta(days=7)
    # Escalated between the report and the conference, as it happened.
    dispute.escalated_at = conference.starts_at - timedelta(days=3)
    for event in dispute.events:
        if event.kind is EventKind.ESCALATED:
            event.at = dispute.escalated_at
    for task in tasks.tasks_of(dispute):
        task.due_on = (conference.starts_at + timedelta(days=10)).date()
    db.session.flush()


def _referred(convener, dispute, today) -> None:
    disputes.refer(convener, dispute, Referral.LITIGATION, "高平市人民法院", "",
                   "双方对赔偿数额分歧较大，引导诉讼解决")
    for task in tasks.tasks_of(dispute):
        tasks.report(task.owner or convener, task, TaskState.DONE, "复核意见已送达双方")
    tasks.record_referral_receipt(convener, dispute, "高平市人民法院", "（2026）晋0581民初412号")
    disputes.record_feedback(convener, dispute, "phone", "已电话告知双方法院立案情况", "neutral")
    disputes.close(convener, dispute, "已移送人民法院并立案")

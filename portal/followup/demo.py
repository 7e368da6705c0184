"""Demo follow-up: one conference whose agreement is waiting to be drawn up, and one whose
agreement is in effect with tasks in every state."""

from __future__ import annotations

import threading
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from portal.conferences import services as conferences
from portal.conferences.models import Answer
from portal.conferences.policy import may_answer
from portal.demo_conferences import _user
from portal.disputes import services as disputes
from portal.disputes.models import Category, Dispute, PartyRole, Risk, Source
from portal.extensions import db
from portal.followup import agreements, tasks
from portal.followup.models import TaskState
from portal.minutes import services as minutes
from portal.orgs.models import Room, User, Village
from portal.timeutil import utcnow

PASSWORD = "Nancheng-2026"
P = disputes.PartyInput
CASES = [
    ("signed", "河西村相邻通行权纠纷", Category.NEIGHBOUR, "河西村", 5,
     [P("秦建设", PartyRole.APPLICANT, "140581197802140013", "13903565678", "河西村一组"),
      P("秦建军", PartyRole.RESPONDENT, "140581198006180035", "13903566789", "河西村一组")],
     ["秦建军于30日内拆除堵路围墙，恢复通行", "秦建设补偿秦建军围墙建造费用5000元"],
     [("med_traffic", "核查通道宽度是否满足车辆通行"), ("police_wu", "跟踪围墙拆除情况")]),
    ("effective", "陈区村民间借贷纠纷", Category.DEBT_CONTRACT, "陈区村", 6,
     [P("赵志明", PartyRole.APPLICANT, "140581197512120018", "13903567890", "陈区村三组"),
      P("李红梅", PartyRole.RESPONDENT, "140581198204050026", "13903568901", "陈区村五组")],
     ["李红梅分三期归还借款6万元，每期2万元"],
     [("bureau_mediator", "督促首期还款"), ("police_wu", "回访双方当事人")]),
]


def seed() -> int:
    if db.session.scalar(sa.select(Dispute.id).where(Dispute.title == CASES[0][1])):
        return 0
    # Issuing minutes seals them with pyHanko, which runs an asyncio event loop of its own;
    # a thread keeps it clear of any loop the caller runs (Playwright's in the browser tests).
    db.session.commit()  # the caller's transaction holds SQLite's write lock until it ends
    app, failures = current_app._get_current_object(), []

    def run():
        with app.test_request_context(base_url=app.config["PORTAL_BASE_URL"]):
            try:
                for case in CASES:
                    _case(*case)
            except BaseException as error:  # re-raised in the caller's thread
                failures.append(error)
            finally:
                db.session.remove()

    worker = threading.Thread(target=run, name="demo-followup")
    worker.start()
    worker.join()
    if failures:
        raise failures[0]
    return len(CASES)


def _case(stage, title, category, village_name, days, parties, terms, actions) -> None:
    convener, secretary = _user("convener"), _user("secretary")
    village = db.session.scalar(sa.select(Village).where(Village.name == village_name))
    dispute = disputes.create_dispute(village.grid_worker or _user("grid_zhou"),
                                      disputes.DisputeInput(
        title=title, category=category, village_id=village.id, source=Source.GRID_REPORT,
        risk=Risk.MEDIUM, tier=2, description=f"{title}。双方多次协商未果。",
        claims="请求公平处理", parties=parties))
    disputes.assign(convener, dispute, convener)
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
    starts = (utcnow() + timedelta(days=days)).replace(hour=1, minute=30, second=0,
                                                       microsecond=0)
    room = db.session.scalar(sa.select(Room).order_by(Room.id).limit(1))
    conferences.schedule(convener, conference, starts, starts + timedelta(hours=2), room,
                         override_reason="演示数据")
    conferences.start(secretary, conference)
    minutes.save_section(secretary, conference, "attendance",
                         minutes.section(conference, "attendance")[0], 0)
    minutes.save_section(secretary, conference, "outcome", {
        "outcome": "agreement", "terms": terms, "next_steps": ["双方共同申请司法确认"],
        "summary": f"{title}，经会商双方达成一致。", "referral": ""}, 0)
    due = (utcnow() + timedelta(days=10)).date().isoformat()
    rows = []
    for username, task in actions:
        person = _user(username)
        rows.append({"owner_body": person.organisation.name, "owner": person.full_name,
                     "task": task, "due": due, "feedback": "书面报告"})
    minutes.save_section(secretary, conference, "actions", rows, 0)
    conferences.end_session(secretary, conference)
    version = minutes.generate_draft(secretary, conference)
    minutes.open_signing(secretary, version)
    for row in minutes.signers(conference):
        minutes.sign(db.session.get(User, row["user_id"]), version, PASSWORD,
                     version.content_hash)
    minutes.issue(secretary, version)
    if stage == "signed":
        return
    agreement = agreements.generate(secretary, conference)
    data = agreements.content(agreement)
    for row in data["parties"]:
        row["address"] = row["address"] or village_name
    data["responsibilities"] = [{"party": parties[1].name, "text": "未按约定归还借款，负主要责任"}]
    agreements.update(secretary, agreement, data)
    today = agreements.today()
    agreements.record_signatures(secretary, agreement, {p.id: today for p in dispute.parties},
                                 b"%PDF-1.4\n% demo scan\n", "签字本.pdf")
    for party in dispute.parties:
        agreements.record_notice(convener, dispute, party, today, "in_person")
    first = tasks.tasks_of(dispute)[0]
    tasks.report(first.owner or convener, first, TaskState.DONE, "首期2万元已于约定日归还")

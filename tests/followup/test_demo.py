"""The demo shows the follow-up at every step after a conference."""

import sqlalchemy as sa

from portal.disputes.models import Dispute, Status
from portal.extensions import db
from portal.followup import agreements, tasks
from portal.followup.models import Agreement, AgreementState, Confirmation, TaskState


def _dispute(title: str) -> Dispute:
    return db.session.scalar(sa.select(Dispute).where(Dispute.title == title))


def test_demo_follow_up_in_realistic_states(app, demo, ctx):
    states = {a.dispute.title: a.state for a in db.session.scalars(sa.select(Agreement))}
    assert states == {"石末村宅基地边界纠纷": AgreementState.SIGNING,
                      "陈区村民间借贷纠纷": AgreementState.EFFECTIVE,
                      "团池村劳务费纠纷": AgreementState.EFFECTIVE}
    waiting = _dispute("河西村相邻通行权纠纷")
    assert not agreements.agreements_of(waiting) and tasks.tasks_of(waiting)

    running = _dispute("陈区村民间借贷纠纷")
    agreement = agreements.agreements_of(running)[0]
    assert agreement.confirmation is None
    assert agreements.confirmation_deadline(agreement) > agreements.today()
    assert {t.state for t in tasks.tasks_of(running)} == {
        TaskState.DONE, TaskState.IN_PROGRESS, TaskState.OPEN}
    assert tasks.visits_of(running) and tasks.closing_problems(running)

    closed = _dispute("团池村劳务费纠纷")
    assert closed.status is Status.CLOSED
    assert agreements.agreements_of(closed)[0].confirmation is Confirmation.CONFIRMED
    assert TaskState.NOT_DONE_CHANGED in {t.state for t in tasks.tasks_of(closed)}
    assert len(agreements.notices_of(closed)) == len(closed.parties)

    referred = _dispute("杜寨村交通事故赔偿纠纷")
    assert referred.status is Status.CLOSED and referred.referral_ref

    page = app.test_client().get(f"/verify/{agreement.content_hash}").get_data(as_text=True)
    assert "这是正式生效的人民调解协议书" in page

    again = app.test_cli_runner().invoke(args=["seed-demo"])
    assert again.exit_code == 0
    assert db.session.scalar(sa.select(sa.func.count(Agreement.id))) == 3

import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def _labour_case(app):
    """A labour-wages dispute escalated to tier 3: a draft conference, as the convener left it."""
    from portal.disputes import services
    from portal.disputes.models import Category, PartyRole, Source
    from portal.extensions import db
    from portal.orgs.models import User, Village

    with app.app_context():
        convener = db.session.scalar(sa.select(User).filter_by(username="convener"))
        grid = db.session.scalar(sa.select(User).filter_by(username="grid_zhou"))
        village = db.session.scalar(sa.select(Village).filter_by(name="马村"))
        dispute = services.create_dispute(grid, services.DisputeInput(
            title="马村砖厂拖欠工资纠纷", category=Category.LABOUR_WAGES, village_id=village.id,
            source=Source.GRID_REPORT, description="砖厂拖欠8名工人工资",
            parties=[services.PartyInput("牛二", PartyRole.APPLICANT)]))
        services.assign(convener, dispute, convener)
        with app.test_request_context():
            conference = services.escalate(convener, dispute, 3, "需劳动仲裁参与")
        ident = conference.id
        db.session.commit()
        db.session.remove()
    return ident


def _mail_link(app, username):
    from portal.extensions import db
    from portal.notifications.models import OutboxMessage
    from portal.orgs.models import User

    with app.app_context():
        address = db.session.scalar(sa.select(User.email).filter_by(username=username))
        text = db.session.scalars(sa.select(OutboxMessage.text_body).where(
            OutboxMessage.to_address == address).order_by(OutboxMessage.id.desc())).first()
        db.session.remove()
    return re.search(r"https?://\S+/conferences/invitations/\d+", text).group(0)


def _sign_out(page):
    page.get_by_role("button", name="退出").click()


def test_convener_invites_court_accepts_from_mail_labour_declines(page, demo, app,
                                                                  live_server):
    app.config["PORTAL_BASE_URL"] = live_server
    ident = _labour_case(app)

    page.goto(f"/conferences/{ident}")
    sign_in(page, "convener")
    expect(page.get_by_test_id("conference-state")).to_have_text("草稿")
    send = page.locator("form[data-action=send]")
    send.get_by_label("记录员").select_option(label="王晓梅")
    deadline = datetime.now() + timedelta(days=2)
    send.get_by_label("答复截止时间").fill(deadline.strftime("%Y-%m-%dT17:00"))
    send.get_by_label("给参会方的留言").fill("请各单位负责同志参加")
    send.get_by_role("button", name="发出邀请").click()
    expect(page.get_by_text("邀请已发出")).to_be_visible()
    expect(page.get_by_test_id("conference-state")).to_have_text("邀请中")
    expect(page.get_by_test_id("quorum")).to_have_text("三方及必须参会单位未全部确认参会")
    missing = page.get_by_test_id("quorum-missing")
    expect(missing).to_contain_text("法院（人民法庭）")
    _sign_out(page)

    page.goto(_mail_link(app, "court_head"))
    expect(page).to_have_url(re.compile(r"/login"))
    sign_in(page, "court_head")
    expect(page.get_by_role("heading", name="联席会商邀请")).to_be_visible()
    page.get_by_label("您的答复").select_option(label="参加")
    page.get_by_role("button", name="提交答复").click()
    expect(page.get_by_text("已记录您的答复：已接受")).to_be_visible()
    expect(page.get_by_test_id("quorum-missing")).not_to_contain_text("法院（人民法庭）")
    _sign_out(page)

    sign_in(page, "med_labour")
    page.get_by_test_id("card-invitations").get_by_role("link", name="马村砖厂拖欠工资纠纷").click()
    page.get_by_label("您的答复").select_option(label="不能参加")
    page.get_by_role("button", name="提交答复").click()
    expect(page.get_by_role("alert")).to_contain_text("请填写不能参加的理由")
    page.get_by_label("说明（不能参加时必填）").fill("当天有仲裁开庭，建议改期")
    page.get_by_role("button", name="提交答复").click()
    expect(page.get_by_text("已记录您的答复：不能参加")).to_be_visible()
    # The answer can be revisited from the room and stays on the dashboard until the meeting.
    page.get_by_test_id("my-answer").get_by_role("link", name="修改答复").click()
    expect(page.get_by_role("heading", name="修改答复")).to_be_visible()
    expect(page.get_by_label("说明（不能参加时必填）")).to_have_value("当天有仲裁开庭，建议改期")
    page.goto("/")
    item = page.get_by_test_id("card-invitations").locator("li", has_text="马村砖厂拖欠工资纠纷")
    expect(item).to_contain_text("已答复：不能参加")
    expect(item.get_by_role("link", name="修改答复")).to_be_visible()
    _sign_out(page)

    sign_in(page, "convener")
    page.goto(f"/conferences/{ident}")
    sector = page.get_by_test_id("invitees-sector")
    expect(sector).to_contain_text("不能参加")
    expect(sector).to_contain_text("当天有仲裁开庭，建议改期")
    expect(page.get_by_test_id("invitees-head")).to_contain_text("已接受")
    expect(page.get_by_test_id("quorum-missing")).to_contain_text("劳动人事争议仲裁委员会")
    expect(page.get_by_test_id("quorum")).to_have_text("三方及必须参会单位未全部确认参会")

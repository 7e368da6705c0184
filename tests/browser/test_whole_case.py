"""One new tier-3 case walked through the pages only, from registration to the case file,
by each role in turn: what a first real walk of the portal does."""

import re
import subprocess
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in, working_days
from tests.samples import PNG

# The station's day: between 16:00 and 24:00 UTC it is already tomorrow in Beijing.
TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()

pytestmark = pytest.mark.browser

TITLE = "河西村工地拖欠十二名农民工工资"
APPLICANT_ID = "140581199001011236"
APPLICANT_PHONE = "13903561234"


def _as(page, username):
    page.goto("/login")
    sign_in(page, username)
    expect(page.get_by_role("heading", name=re.compile("欢迎"))).to_be_visible()


def _out(page):
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_label("用户名")).to_be_visible()


def _answer(page, username, label, note=""):
    _as(page, username)
    page.get_by_test_id("card-invitations").get_by_role("link", name=TITLE).click()
    page.get_by_label("您的答复").select_option(label=label)
    if note:
        page.get_by_label("说明（不能参加时必填）").fill(note)
    page.get_by_role("button", name="提交答复").click()
    expect(page.get_by_text(re.compile("已记录您的答复"))).to_be_visible()


def _sign(page, username, minutes_url):
    _as(page, username)
    card = page.get_by_test_id("card-to-sign")
    expect(card).to_contain_text(TITLE)
    page.goto(minutes_url)
    # What is signed is on the page: the four accounts, the opinions and the tasks.
    expect(page.get_by_text("拖欠工资让他家里过不了年")).to_be_visible()
    expect(page.get_by_text("建议先行垫付部分工资")).to_be_visible()
    sign = page.locator("form[data-action=sign]")
    sign.get_by_label(re.compile("重新输入密码")).fill("Nancheng-2026")
    sign.get_by_role("button", name="签署").click()
    expect(page.get_by_text("您已签署纪要")).to_be_visible()
    _out(page)


def test_a_new_wage_case_from_registration_to_its_case_file(page, demo, app, tmp_path,
                                                            monkeypatch):
    # A dozen people sign in from one test machine within minutes, as from one office.
    monkeypatch.setitem(app.config, "PORTAL_LOGIN_LIMIT", "100 per minute")
    # A grid worker registers the case from what the workers told her.
    _as(page, "grid_zhou")
    page.goto("/disputes/new")
    page.get_by_label("标题").fill(TITLE)
    page.get_by_label("类别").select_option(label="劳资欠薪")
    page.get_by_label("细类").select_option(label="工程建设领域欠薪")
    page.get_by_label("村（社区）").select_option(label="河西村")
    page.get_by_label("风险等级").select_option(label="高")
    page.get_by_label("简要情况").fill("某工地拖欠12名村民工资共计35万元，总包与分包互相推诿。")
    first, second = page.locator("fieldset").nth(0), page.locator("fieldset").nth(1)
    first.get_by_label("名称").fill("郭建军")
    first.get_by_label("身份证号").fill(APPLICANT_ID)
    first.get_by_label("电话").fill(APPLICANT_PHONE)
    # The labour contractor who took the wages on: a person, as an agreement's party is.
    second.get_by_label("名称").fill("王建设")
    second.get_by_label("角色").select_option(label="被申请人")
    second.get_by_label("身份证号").fill("140581198503151234")
    second.get_by_label("电话").fill("13835601234")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text(re.compile(r"纠纷 南城矛〔\d{4}〕\d+号 已登记"))).to_be_visible()
    dispute_url = page.url
    expect(page.get_by_test_id("parties")).not_to_contain_text(APPLICANT_ID)
    _out(page)

    # The convener escalates it to a tier-3 conference; the deadline's move is on record.
    _as(page, "convener")
    page.goto(dispute_url)
    escalate = page.locator("form[data-action=escalate]")
    escalate.get_by_label("升级至").select_option(label="三级 — 疑难")
    escalate.get_by_label("理由").fill("涉及人数多、金额大，需法院、司法所、住建和劳动部门联合会商")
    escalate.get_by_role("button", name="升级").click()
    expect(page.get_by_test_id("conference-state")).to_have_text("草稿")
    room_url = page.url
    expect(page.get_by_test_id("invitees-sector")).to_contain_text("住建")
    send = page.locator("form[data-action=send]")
    send.get_by_label("记录员").select_option(label="王晓梅")
    deadline = TODAY + timedelta(days=1)
    send.get_by_label("答复截止时间").fill(f"{deadline:%Y-%m-%d}T17:00")
    send.get_by_role("button", name="发出邀请").click()
    expect(page.get_by_text("邀请已发出")).to_be_visible()
    page.goto(dispute_url)
    expect(page.get_by_test_id("timeline")).to_contain_text("办理期限变更")
    _out(page)

    # The court's head delegates to a judge, who accepts; the police head first declines,
    # then changes his answer from the room; the others accept.
    _as(page, "court_head")
    page.get_by_test_id("card-invitations").get_by_role("link", name=TITLE).click()
    colleague = page.get_by_label("同事", exact=True)
    colleague.select_option(colleague.locator("option", has_text="冯敏").get_attribute("value"))
    page.get_by_role("button", name="委托").click()
    expect(page.get_by_role("alert")).to_contain_text("已委托 冯敏")
    _out(page)
    _answer(page, "court_judge", "参加")
    _out(page)
    _answer(page, "police_head", "不能参加", "当天有警务安排")
    page.goto(room_url)
    page.get_by_test_id("my-answer").get_by_role("link", name="修改答复").click()
    page.get_by_label("您的答复").select_option(label="参加")
    page.get_by_label("说明（不能参加时必填）").fill("已调整警务安排")
    page.get_by_role("button", name="提交答复").click()
    expect(page.get_by_text("已记录您的答复：已接受")).to_be_visible()
    _out(page)
    for username in ("bureau_head", "med_labour", "med_housing"):
        _answer(page, username, "参加")
        _out(page)

    # The secretary proposes two times; the convener confirms the first.
    days = working_days(2)
    _as(page, "secretary")
    page.goto(room_url)
    propose = page.locator("form[data-action=propose]")
    for day in days:
        propose.get_by_label("日期", exact=True).fill(day.isoformat())
        propose.get_by_label("开始时间").fill("09:00")
        propose.get_by_label("结束时间").fill("11:00")
        propose.get_by_role("button", name="提出时段").click()
        expect(page.get_by_text("时段已提出。")).to_be_visible()
    _out(page)
    _as(page, "convener")
    page.goto(room_url)
    confirm = page.locator("form[data-action=confirm-slot]")
    confirm.get_by_label("时段").select_option(index=0)
    reason = confirm.locator("textarea[name=confirm-quorum_reason]")
    if reason.count():
        reason.fill("其余单位书面提交意见")
    confirm.get_by_role("button", name="确认时段").click()
    expect(page.get_by_test_id("conference-state")).to_have_text("已排期")
    expect(page.get_by_test_id("schedule")).to_contain_text("09:00–11:00（北京时间）")
    _out(page)

    # The secretary opens the session early: she is asked first and the meeting moves.
    _as(page, "secretary")
    page.goto(room_url)
    early = page.get_by_test_id("start-elsewhen")
    early.get_by_label("现在开启，并把会商时间改为实际举行的时间").check()
    early.get_by_role("button", name="开始会商").click()
    expect(page.get_by_test_id("conference-state")).to_have_text("会商中")

    # The record: attendance from the invitees' accounts, the four accounts, opinions, the
    # outcome with each term's obligor and deadline, an action item.
    page.get_by_role("link", name="会商记录").first.click()
    attendance = page.locator("[data-section=attendance]")
    present = {"冯敏", "陈志强", "王晓梅"}
    for select in attendance.locator("select[aria-label^='状态 ']").all():
        name = select.get_attribute("aria-label").removeprefix("状态 ")
        if name and not name.isdigit() and name not in present:
            select.select_option(label="请假")
    for name in present:
        attendance.get_by_label(f"已确认保密承诺 {name}").check()
    accounts = page.locator("[data-section=accounts]")
    accounts.locator("textarea").first.fill("拖欠工资让他家里过不了年")
    opinions = page.locator("[data-section=opinions]")
    opinions.locator("textarea").first.fill("建议先行垫付部分工资，再向分包追偿")
    outcome = page.locator("[data-section=outcome]")
    outcome.get_by_label("结果", exact=True).select_option(label="达成调解协议")
    outcome.get_by_label("条款 1", exact=True).fill(
        "王建设于2027年1月20日前支付工资35万元")
    outcome.get_by_label("履行人 1").select_option(label="王建设")
    outcome.get_by_label("履行期限 1").fill("2027-01-20")
    outcome.get_by_label("条款 2", exact=True).fill("工人不再到工地阻挠施工")
    outcome.get_by_label("履行人 2").select_option(label="郭建军")
    outcome.get_by_label(re.compile("后续工作")).fill("双方共同申请司法确认")
    actions = page.locator("[data-section=actions]")
    owner_body = actions.get_by_label("责任单位 1")
    owner_body.select_option(owner_body.locator("option", has_text="派出所").first.inner_text())
    actions.get_by_label("责任人 1").fill("吴刚")
    actions.get_by_label("任务 1").fill("跟踪工资支付情况")
    actions.get_by_label("完成期限 1").fill(f"{TODAY + timedelta(days=10):%Y-%m-%d}")
    outcome.get_by_role("button", name="保存记录").click()
    expect(page.get_by_text(re.compile("已保存"))).to_be_visible()
    expect(page.get_by_label("条款 2", exact=True)).to_have_value("工人不再到工地阻挠施工")

    page.goto(room_url)
    page.get_by_role("button", name="结束会商").click()
    page.get_by_role("link", name="会商纪要").first.click()
    page.get_by_role("button", name="根据记录生成").click()
    page.get_by_role("button", name="发起签署").click()
    expect(page.get_by_test_id("version-status")).to_have_text("签署中")
    minutes_url = page.url
    sign = page.locator("form[data-action=sign]")
    sign.get_by_label(re.compile("重新输入密码")).fill("Nancheng-2026")
    sign.get_by_role("button", name="签署").click()
    expect(page.get_by_text("您已签署纪要")).to_be_visible()
    _out(page)

    # The judge signs; the police head refuses with his reason.
    _sign(page, "court_judge", minutes_url)
    _as(page, "police_head")
    page.goto(minutes_url)
    refuse = page.locator("form[data-action=refuse]")
    refuse.get_by_label("或说明理由拒签").fill("对第二条的表述有保留意见")
    refuse.get_by_role("button", name="拒签").click()
    expect(page.get_by_text("已记录您的拒签")).to_be_visible()
    _out(page)

    # The secretary issues the minutes; the sealed PDF is made in the background.
    _as(page, "secretary")
    expect(page.get_by_test_id("card-to-issue")).to_contain_text(TITLE)
    page.goto(minutes_url)
    page.get_by_role("button", name="印发纪要").click()
    expect(page.get_by_test_id("version-status")).to_have_text("已印发")
    with page.expect_download(timeout=90_000) as download:
        page.get_by_test_id("pdf-link").click()
    minutes_pdf = tmp_path / "minutes.pdf"
    download.value.save_as(minutes_pdf)
    text = _pdf_text(minutes_pdf)
    assert "对第二条的表述有保留意见" in text and "冯敏" in text

    # The agreement, drawn from the record, signed by the parties.
    page.goto(minutes_url)
    page.get_by_role("link", name="协议与后续跟踪").click()
    page.get_by_role("button", name=re.compile("调解协议书")).click()
    agreement = page.locator("form[data-form=agreement]")
    # Each obligation has its own obligor and deadline, from the record.
    expect(agreement.locator("#ob-0-obligor")).to_have_value("王建设")
    expect(agreement.locator("#ob-0-deadline")).to_have_value("2027-01-20")
    expect(agreement.locator("#ob-1-obligor")).to_have_value("郭建军")
    for field in agreement.locator("input[name$='-ethnicity']").all():
        field.fill("汉族")
    for field in agreement.locator("input[name$='-occupation']").all():
        field.fill("务工")
    for field in agreement.locator("input[name$='-address']").all():
        field.fill("高平市南城街道河西村")
    for field in agreement.locator("input[name$='-phone']").all():
        if not field.input_value():
            field.fill("03565221234")
    mediators = agreement.locator("input[type=checkbox][name=mediator]")
    if mediators.count():
        mediators.first.check()
    for index in range(2):
        agreement.locator(f"#ob-{index}-method").select_option(index=1)
    agreement.locator("button").first.click()
    expect(page.locator(".alert-success")).to_be_visible()
    signatures = page.locator("form[data-form=signatures]")
    for field in signatures.locator("input[type=date]").all():
        field.fill(f"{TODAY:%Y-%m-%d}")
    signatures.locator("input[type=file]").set_input_files(
        {"name": "signed.png", "mimeType": "image/png", "buffer": PNG})
    signatures.locator("button").click()
    expect(page.get_by_test_id("effective-on")).to_be_visible()
    _out(page)

    # The task's owner reports it done.
    _as(page, "police_wu")
    page.get_by_role("link", name="跟踪工资支付情况").first.click()
    report = page.locator("form[data-form=report]")
    report.locator("select").select_option("DONE")
    report.locator("textarea").fill("工资已于本月全部支付到位")
    report.locator("button").click()
    expect(page.get_by_test_id("task-state")).to_have_text(re.compile("完成"))
    _out(page)

    # The convener records the feedback to the parties, closes the case and builds its file.
    _as(page, "convener")
    page.goto(dispute_url)
    page.locator("form[data-action=resolve] textarea, form[data-action=resolve] "
                 "input[type=text]").first.fill("达成调解协议，工资已支付")
    page.locator("form[data-action=resolve] button").click()
    feedback = page.locator("form[data-action=feedback]")
    feedback.locator("textarea").fill("电话告知双方协议内容及履行情况")
    feedback.locator("button").click()
    page.locator("form[data-action=close] button").click()
    # Not before the parties' obligations are reported performed: the page says which.
    expect(page.get_by_role("alert")).to_contain_text("尚有 2 项任务未反馈")
    _out(page)
    for username in ("convener", "grid_zhou"):
        _as(page, username)
        _report_open_tasks(page, dispute_url, "已按协议履行")
        _out(page)
    _as(page, "convener")
    page.goto(dispute_url)
    page.locator("form[data-action=close] button").click()
    expect(page.get_by_test_id("status")).to_have_text("已办结")
    timeline = page.get_by_test_id("timeline").inner_text()
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", timeline), timeline
    page.get_by_test_id("followup-link").click()
    page.get_by_role("button", name="生成卷宗").click()
    with page.expect_download(timeout=120_000) as download:
        page.get_by_test_id("casefile-link").click()
    casefile = tmp_path / "casefile.pdf"
    download.value.save_as(casefile)
    text = _pdf_text(casefile)
    assert TITLE in text and "电话告知双方协议内容及履行情况" in text


def _report_open_tasks(page, dispute_url, note):
    """Report every task of the case this account owns as done, from the follow-up page."""
    page.goto(dispute_url)
    page.get_by_test_id("followup-link").click()
    links = [a.get_attribute("href") for a in page.get_by_test_id("tasks").locator("a").all()]
    for href in links:
        page.goto(href)
        report = page.locator("form[data-form=report]")
        if report.count():
            report.locator("select").select_option("DONE")
            report.locator("textarea").fill(note)
            report.locator("button").click()
            expect(page.get_by_test_id("task-state")).to_have_text(re.compile("完成"))


def _pdf_text(path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return "".join(out.stdout.decode().split())

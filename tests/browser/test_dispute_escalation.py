import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def _sign_in(page, username):
    page.goto("/login")
    sign_in(page, username)
    expect(page.get_by_role("heading", name=re.compile("欢迎"))).to_be_visible()


def test_grid_worker_registers_and_convener_escalates_to_a_draft_conference(page, demo):
    _sign_in(page, "grid_zhou")
    page.get_by_role("link", name="登记纠纷").first.click()
    page.get_by_label("标题").fill("米山村工地拖欠农民工工资")
    page.get_by_label("类别").select_option(label="劳资欠薪")
    page.get_by_label("村（社区）").select_option(label="米山村")
    page.get_by_label("风险等级").select_option(label="高")
    page.get_by_label("简要情况").fill("某工地拖欠12名村民工资共计35万元，多次讨要未果。")
    page.get_by_label("争议金额（元）").fill("350000")
    first = page.locator("fieldset").nth(0)
    first.get_by_label("名称").fill("郭建军")
    first.get_by_label("身份证号").fill("140581199001011236")
    first.get_by_label("电话").fill("13903561234")
    second = page.locator("fieldset").nth(1)
    second.get_by_label("名称").fill("高平市某建筑公司")
    second.get_by_label("角色").select_option(label="被申请人")
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_text(re.compile(r"纠纷 南城矛〔\d{4}〕\d{4}号 已登记"))).to_be_visible()
    expect(page.get_by_test_id("status")).to_have_text("已上报")
    expect(page.get_by_test_id("parties")).to_contain_text("1405**********1236")
    reference = page.locator("h1 + p").inner_text().split(" ")[0]
    page.get_by_role("button", name="退出").click()

    _sign_in(page, "convener")
    page.get_by_role("link", name="矛盾纠纷").click()
    page.get_by_role("searchbox").fill("拖欠农民工")
    page.get_by_role("button", name="筛选").click()
    page.get_by_role("link", name=reference).click()

    escalate = page.locator("form[data-action=escalate]")
    escalate.get_by_label("升级至").select_option(label="三级 — 疑难")
    escalate.get_by_label("理由").fill("涉及人数多、金额大，需法院、司法所、劳动仲裁联合会商")
    escalate.get_by_role("button", name="升级").click()

    expect(page.get_by_test_id("conference-state")).to_have_text("草稿")
    expect(page.get_by_role("heading", name=re.compile("联席会商"))).to_be_visible()
    heads = page.get_by_test_id("invitees-head")
    expect(heads).to_contain_text("南城人民法庭")
    expect(heads).to_contain_text("南城司法所")
    expect(heads).to_contain_text("南城派出所")
    expect(page.get_by_test_id("invitees-sector")).to_contain_text("劳动人事争议仲裁委员会")
    village_people = page.get_by_test_id("invitees-village")
    expect(village_people).to_contain_text("专职网格员")
    expect(village_people).to_contain_text("社区民警")

    page.get_by_role("link", name=reference).click()
    expect(page.get_by_test_id("status")).to_have_text("已升级三级")
    expect(page.get_by_test_id("timeline")).to_contain_text("需法院、司法所、劳动仲裁联合会商")

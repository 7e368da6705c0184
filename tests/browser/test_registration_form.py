import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def _sign_in(page, username):
    page.goto("/login")
    sign_in(page, username)
    expect(page.get_by_role("heading", name=re.compile("欢迎"))).to_be_visible()


def test_a_grid_worker_registers_a_construction_site_wage_case_with_four_parties(page, demo):
    _sign_in(page, "grid_zhou")
    page.goto("/disputes/new")
    expect(page.get_by_label("村（社区）")).to_have_value("")  # nothing chosen for them
    page.get_by_label("标题").fill("米山村工地拖欠四名农民工工资")
    page.get_by_label("简要情况").fill("某工地拖欠村民工资，总包与分包互相推诿。")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("请选择类别。")).to_be_visible()
    expect(page.get_by_text("请选择村（社区）。")).to_be_visible()

    page.get_by_label("类别").select_option(label="劳资欠薪")
    page.get_by_label("细类").select_option(label="工程建设领域欠薪")
    page.get_by_label("村（社区）").select_option(label="米山村")
    page.get_by_role("button", name="添加当事人").click()
    names = ["郭建军", "郭建民", "高平市某建筑公司", "某劳务分包公司"]
    roles = ["申请人", "申请人", "被申请人", "被申请人"]
    for index, (name, role) in enumerate(zip(names, roles, strict=True)):
        row = page.locator("fieldset").nth(index)
        row.get_by_label("名称").fill(name)
        row.get_by_label("角色").select_option(label=role)
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_text(re.compile(r"纠纷 南城矛〔\d{4}〕\d{4}号 已登记"))).to_be_visible()
    expect(page.get_by_text("劳资欠薪 · 工程建设领域欠薪")).to_be_visible()
    for name in names:
        expect(page.get_by_test_id("parties")).to_contain_text(name)


def test_the_convener_finds_a_body_to_invite_by_typing(page, demo):
    _sign_in(page, "convener")
    page.goto("/conferences/1")
    page.get_by_placeholder("输入名称查找单位").fill("妇联")
    body = page.get_by_label("单位", exact=True)
    expect(body.locator("option:checked")).to_contain_text("妇")

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_secretary_signs_in_sees_chinese_switches_to_english_and_signs_out(page, demo):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("heading", name="登录")).to_be_visible()

    sign_in(page, "secretary")

    expect(page.get_by_role("heading", name="欢迎，王晓梅")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_text("记录员").first).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Welcome, 王晓梅")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Dashboard")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))


def test_wrong_password_shows_the_message_in_the_page(page, demo):
    page.goto("/login")
    sign_in(page, "secretary", "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")

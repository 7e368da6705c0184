import re
import subprocess

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def _in_session_conference(app) -> int:
    from portal.conferences.models import Conference, ConferenceState
    from portal.extensions import db

    with app.app_context():
        ident = db.session.scalar(sa.select(Conference.id).where(
            Conference.state == ConferenceState.IN_SESSION))
        db.session.remove()
    return ident


def _sign_out(page):
    page.get_by_role("button", name="退出").click()


def _sign(page, ident, username):
    sign_in(page, username)
    page.goto(f"/conferences/{ident}/minutes")
    sign = page.locator("form[data-action=sign]")
    sign.get_by_label(re.compile("重新输入密码")).fill("Nancheng-2026")
    sign.get_by_role("button", name="签署").click()
    expect(page.get_by_text("您已签署纪要")).to_be_visible()
    _sign_out(page)


def test_secretary_records_two_sign_one_refuses_secretary_issues_pdf(page, demo, app,
                                                                     tmp_path):
    ident = _in_session_conference(app)
    page.goto(f"/conferences/{ident}/record")
    sign_in(page, "secretary")
    attendance = page.locator("[data-section=attendance]")
    attendance.get_by_label("状态 刘芳").select_option(label="缺席")
    attendance.get_by_label("状态 李建国").select_option(label="请假")
    attendance.get_by_label("状态 秦素琴").select_option(label="请假")
    attendance.get_by_label("已确认保密承诺 张明").check()
    # The record is one form: the outcome typed below is saved with the attendance.

    outcome = page.locator("[data-section=outcome]")
    outcome.get_by_label("结果", exact=True).select_option(label="达成调解协议")
    outcome.get_by_label("条款 1", exact=True).fill("男方于30日内支付女方财产折价款8万元")
    outcome.get_by_label("条款 2", exact=True).fill("子女由女方抚养")
    outcome.get_by_label(re.compile("后续工作")).fill("双方共同申请司法确认")
    outcome.get_by_role("button", name="保存记录").click()
    expect(page.get_by_text("已保存：出席情况、结果")).to_be_visible()
    # The button pressed was sent although the form disabled its buttons while saving.
    expect(page).to_have_url(re.compile(r"/record#part-outcome$"))

    page.goto(f"/conferences/{ident}")
    page.get_by_role("button", name="结束会商").click()
    page.get_by_role("link", name="会商纪要").first.click()
    page.get_by_role("button", name="根据记录生成").click()
    expect(page.get_by_test_id("version-status")).to_have_text("草稿")
    page.get_by_role("button", name="发起签署").click()
    expect(page.get_by_test_id("version-status")).to_have_text("签署中")
    sign = page.locator("form[data-action=sign]")
    sign.get_by_label(re.compile("重新输入密码")).fill("Nancheng-2026")
    sign.get_by_role("button", name="签署").click()
    expect(page.get_by_text("您已签署纪要")).to_be_visible()
    _sign_out(page)

    _sign(page, ident, "court_head")

    sign_in(page, "police_head")
    page.goto(f"/conferences/{ident}/minutes")
    refuse = page.locator("form[data-action=refuse]")
    refuse.get_by_label("或说明理由拒签").fill("对第一条付款期限有保留意见")
    refuse.get_by_role("button", name="拒签").click()
    expect(page.get_by_text("已记录您的拒签")).to_be_visible()
    _sign_out(page)

    sign_in(page, "secretary")
    page.goto(f"/conferences/{ident}/minutes")
    signatures = page.get_by_test_id("signatures")
    expect(signatures).to_contain_text("张明")
    expect(signatures).to_contain_text("拒签：对第一条付款期限有保留意见")
    page.get_by_role("button", name="印发纪要").click()
    expect(page.get_by_test_id("version-status")).to_have_text("已印发")
    content_hash = page.get_by_test_id("content-hash").inner_text()
    # The sealed PDF is made in the background: the waiting page fetches it when ready.
    with page.expect_download(timeout=90_000) as download:
        page.get_by_test_id("pdf-link").click()
    path = tmp_path / "minutes.pdf"
    download.value.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    text = "".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                                  check=True).stdout.decode().split())
    assert content_hash in text and "张明" in text and "对第一条付款期限有保留意见" in text

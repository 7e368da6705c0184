import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.samples import PNG

pytestmark = pytest.mark.browser


def _signed_conference(app) -> int:
    from portal.conferences.models import Conference
    from portal.disputes.models import Dispute
    from portal.extensions import db

    with app.app_context():
        ident = db.session.scalar(sa.select(Conference.id).join(Dispute).where(
            Dispute.title == "河西村相邻通行权纠纷"))
        db.session.remove()
    return ident


def _sign_out(page):
    page.get_by_role("button", name="退出").click()


def test_agreement_signed_task_reported_feedback_and_close(page, demo, app):
    ident = _signed_conference(app)
    page.goto(f"/conferences/{ident}/minutes")
    sign_in(page, "secretary")
    page.get_by_role("link", name=re.compile("协议|Agreement and follow-up")).first.click()
    page.get_by_role("button", name=re.compile("调解协议书|mediation agreement")).click()
    expect(page.get_by_test_id("agreement-state")).to_be_visible()
    agreement = page.locator("form[data-form=agreement]")
    # What the record cannot know: the parties' ethnic group and occupation, the committee's
    # mediator who signs, and how each obligation is performed.
    for field in agreement.locator("input[name$='-ethnicity']").all():
        field.fill("汉族")
    for field in agreement.locator("input[name$='-occupation']").all():
        field.fill("农民")
    agreement.get_by_label("秦玉芳").check()
    for select in agreement.locator("select[name$='-method']").all():
        select.select_option("cash")
    agreement.locator("button").click()
    expect(page.locator(".alert-success")).to_be_visible()
    form = page.locator("form[data-form=signatures]")
    for field in form.locator("input[type=date]").all():
        field.fill(page.evaluate("new Date().toLocaleDateString('sv-SE')"))
    form.locator("input[type=file]").set_input_files(
        {"name": "signed.png", "mimeType": "image/png", "buffer": PNG})
    form.locator("button").click()
    expect(page.get_by_test_id("effective-on")).to_be_visible()
    page.get_by_test_id("verify-link").click()  # where the QR code of the sealed PDF leads
    expect(page.get_by_test_id("verdict")).to_contain_text("这是正式生效的人民调解协议书")
    page.go_back()
    _sign_out(page)

    sign_in(page, "med_traffic")
    page.get_by_role("link", name="核查通道宽度是否满足车辆通行").first.click()
    report = page.locator("form[data-form=report]")
    report.locator("select").select_option("DONE")
    report.locator("textarea").fill("通道宽度4米，满足通行")
    report.locator("button").click()
    expect(page.get_by_test_id("task-state")).to_have_text(re.compile("完成|Done"))
    _sign_out(page)

    sign_in(page, "convener")
    from portal.extensions import db
    from portal.followup.models import Task, TaskState

    with app.app_context():  # the other tasks were reported by their owners meanwhile
        for task in db.session.scalars(sa.select(Task).where(Task.state == TaskState.OPEN,
                                                             Task.conference_id == ident)):
            task.state = TaskState.DONE
        db.session.commit()
        from portal.conferences.models import Conference

        dispute_id = db.session.get(Conference, ident).dispute_id
        db.session.remove()
    page.goto(f"/disputes/{dispute_id}")
    page.locator("form[data-action=resolve] textarea, form[data-action=resolve] input[type=text]"
                 ).first.fill("达成调解协议")
    page.locator("form[data-action=resolve] button").click()
    feedback = page.locator("form[data-action=feedback]")
    feedback.locator("textarea").fill("电话告知双方协议内容及履行情况")
    feedback.locator("button").click()
    page.locator("form[data-action=close] button").click()
    expect(page.get_by_test_id("status")).to_have_text(re.compile("已办结|Closed"))

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import sign_in, working_days

pytestmark = pytest.mark.browser


def _inviting_case(app):
    """The demo's conference that is still collecting answers."""
    from portal.conferences.models import Conference, ConferenceState
    from portal.extensions import db

    with app.app_context():
        ident = db.session.scalar(sa.select(Conference.id).where(
            Conference.state == ConferenceState.INVITING).order_by(Conference.id).limit(1))
        db.session.remove()
    return ident


def _sign_out(page):
    page.get_by_role("button", name="退出").click()


def test_secretary_proposes_three_invitees_vote_convener_confirms(page, demo, app):
    ident = _inviting_case(app)
    days = working_days(3)
    page.goto(f"/conferences/{ident}")
    sign_in(page, "secretary")
    propose = page.locator("form[data-action=propose]")
    for day in days:
        propose.get_by_label("日期", exact=True).fill(day.isoformat())
        propose.get_by_label("开始时间").fill("09:00")
        propose.get_by_label("结束时间").fill("11:00")
        propose.get_by_role("button", name="提出时段").click()
        expect(page.get_by_text("时段已提出。")).to_be_visible()
    expect(page.get_by_test_id("poll-table").locator("thead th")).to_have_count(4)
    _sign_out(page)

    for username, answers in (("court_head", ["NO", "YES", "YES"]),
                              ("bureau_head", ["YES", "IF_NEED_BE", "YES"]),
                              ("police_head", ["YES", "NO", "YES"])):
        sign_in(page, username)
        page.goto(f"/conferences/{ident}")
        form = page.get_by_test_id("vote-form").first
        for select, answer in zip(form.locator("select").all(), answers, strict=True):
            select.select_option(answer)
        form.get_by_role("button", name="保存我的时间安排").click()
        expect(page.get_by_text("已记录您的时间安排")).to_be_visible()
        _sign_out(page)

    sign_in(page, "convener")
    page.goto(f"/conferences/{ident}")
    expect(page.get_by_test_id("slot-3")).to_contain_text("最佳")
    confirm = page.locator("form[data-action=confirm-slot]")
    confirm.get_by_label("时段").select_option(index=2)
    if confirm.locator("textarea[name=confirm-quorum_reason]").count():
        confirm.locator("textarea[name=confirm-quorum_reason]").fill("劳动仲裁委书面提交意见")
    confirm.get_by_role("button", name="确认时段").click()
    expect(page.get_by_test_id("conference-state")).to_have_text("已排期")
    expect(page.get_by_test_id("schedule")).to_contain_text(days[2].strftime("%-d"))
    with page.expect_download() as download:
        page.get_by_test_id("ics-download").click()
    with open(download.value.path(), encoding="utf-8") as handle:
        text = handle.read()
    assert "BEGIN:VEVENT" in text
    assert re.search(rf"DTSTART;TZID=Asia/Shanghai:{days[2]:%Y%m%d}T090000", text)

import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def _coming_meeting(app) -> int:
    from portal.extensions import db
    from portal.reviews.models import ReviewMeeting, ReviewSeries
    from portal.timeutil import utcnow

    with app.app_context():
        ident = db.session.scalar(sa.select(ReviewMeeting.id).join(ReviewSeries).where(
            ReviewSeries.title == "建宁村、米山村警网融合例会",
            ReviewMeeting.starts_at > utcnow()).order_by(ReviewMeeting.starts_at).limit(1))
        db.session.remove()
    return ident


def _sealed_pdf(app, ident: int) -> bool:
    from portal.extensions import db
    from portal.reviews.models import ReviewMeeting

    with app.app_context():
        found = db.session.scalar(sa.select(ReviewMeeting.pdf.is_not(None)).where(
            ReviewMeeting.id == ident))
        db.session.remove()
    return bool(found)


def _sign(page, username: str, url: str) -> None:
    page.get_by_role("button", name="退出").click()
    page.goto(url)
    sign_in(page, username)
    form = page.locator("form[data-form=sign]")
    form.get_by_label("输入本人密码以签署").fill("Nancheng-2026")
    form.get_by_role("button", name="签署纪要").click()
    expect(page.locator(".alert-success")).to_be_visible()


def test_one_meeting_from_agenda_to_issued_minutes(page, demo, app):
    ident = _coming_meeting(app)
    url = f"/reviews/meetings/{ident}"
    page.goto(url)
    sign_in(page, "convener")
    carried = page.get_by_test_id("agenda-carried").locator("li").filter(has_text="小作坊")
    expect(carried).to_contain_text("第2次上会")
    expect(page.get_by_test_id("agenda-overdue")).to_contain_text("界桩")

    # A grid worker's item reported during the meeting, refused first without its text.
    item_form = page.locator("form[data-form=item]")
    item_form.get_by_label("村（社区）").select_option(label="建宁村")
    item_form.get_by_label("线索来源").select_option(label="网格走访")
    item_form.get_by_label("具体位置（无标准地址时填写）").fill("建宁村五组")
    item_form.get_by_role("button", name="上报").click()
    expect(page.get_by_test_id("error-text")).to_have_text("请说明隐患的已知情况。")
    item_form = page.locator("form[data-form=item]")
    expect(item_form.get_by_label("具体位置（无标准地址时填写）")).to_have_value("建宁村五组")
    item_form.get_by_label("已知情况").fill("五组两户因修建围墙争执，已有推搡")
    item_form.get_by_role("button", name="上报").click()
    expect(page.get_by_test_id("agenda-new")).to_contain_text("修建围墙")

    attendance = page.locator("form[data-form=attendance]")
    attendance.get_by_label("李建国").check()
    attendance.get_by_label("陈志强").check()
    attendance.get_by_role("button", name="记录出席情况").click()
    expect(page.locator(".alert-success")).to_contain_text("出席情况已记录")

    carried = page.get_by_test_id("agenda-carried").locator("li").filter(has_text="小作坊")
    hand_over = carried.locator("form[data-decision=hand_over]")
    hand_over.get_by_label("责任人", exact=True).select_option(label="周海燕")
    hand_over.get_by_label("责任人需办理的事项").fill("会同环保所夜间检查，督促整改")
    hand_over.get_by_role("button", name="移交跟进").click()
    expect(page.get_by_test_id("error-due_on")).to_have_text("请填写跟进的完成期限。")
    carried = page.get_by_test_id("agenda-carried").locator("li").filter(has_text="小作坊")
    hand_over = carried.locator("form[data-decision=hand_over]")
    expect(hand_over.get_by_label("责任人需办理的事项")).to_have_value("会同环保所夜间检查，督促整改")
    hand_over.get_by_label("完成期限").fill((date.today() + timedelta(days=7)).isoformat())
    hand_over.get_by_role("button", name="移交跟进").click()
    expect(carried).to_contain_text("已移交跟进")

    new = page.get_by_test_id("agenda-new").locator("li").filter(has_text="修建围墙")
    close = new.locator("form[data-decision=close]")
    close.get_by_label("销号理由").fill("经村委会调解，双方当场达成一致")
    close.get_by_role("button", name="销号").click()
    expect(new).to_contain_text("已办结")

    page.get_by_role("button", name="形成纪要").click()
    rows = page.get_by_test_id("minutes-items")
    expect(rows).to_contain_text("周海燕")
    expect(rows).to_contain_text("经村委会调解，双方当场达成一致")
    form = page.locator("form[data-form=sign]")
    form.get_by_label("输入本人密码以签署").fill("Nancheng-2026")
    form.get_by_role("button", name="签署纪要").click()
    expect(page.get_by_test_id("waiting-for")).to_have_text("陈志强")

    _sign(page, "police_head", url)
    expect(page.get_by_test_id("signed-by")).to_contain_text("陈志强")
    page.get_by_role("button", name="退出").click()
    page.goto(url)
    sign_in(page, "convener")
    page.get_by_role("button", name="印发纪要").click()
    expect(page.get_by_test_id("minutes-state")).to_contain_text("已印发")
    expect(page.locator("form[data-form=item]")).to_have_count(0)

    deadline = time.monotonic() + 90
    while not _sealed_pdf(app, ident) and time.monotonic() < deadline:
        time.sleep(0.5)
    response = page.request.get(f"{url}/minutes.pdf")
    assert response.status == 200 and response.body().startswith(b"%PDF")

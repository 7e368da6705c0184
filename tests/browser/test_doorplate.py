import re

import pytest
from playwright.sync_api import expect

from tests import samples

pytestmark = pytest.mark.browser

PNG = samples.image()


def _plate_token(app) -> str:
    from portal.extensions import db
    from portal.orgs.models import Role
    from portal.residents import addresses
    from tests.factories import Factory

    with app.app_context():
        make = Factory()
        admin = make.user(Role.ADMIN)
        grid_worker = make.user(Role.GRID_WORKER, full_name="周海燕", phone="13900001111")
        village = make.village(name="米山村", grid_worker_id=grid_worker.id)
        addresses.save_address(admin, addresses.AddressInput(village.id, "一组", "12"))
        token = addresses.issue_plates(admin, village)[0].token
        db.session.commit()
        db.session.remove()
    return token


def test_a_resident_reports_a_problem_from_the_doorplate_on_a_phone(browser, live_server, app):
    token = _plate_token(app)
    context = browser.new_context(base_url=live_server, locale="zh-CN",
                                  viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    scripts = []
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    page.goto(f"/d/{token}")
    expect(page.get_by_test_id("address")).to_have_text("米山村一组12号")
    expect(page.get_by_role("link", name=re.compile("13900001111"))).to_have_attribute(
        "href", "tel:13900001111")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    page.get_by_label("是什么方面的问题").select_option(label="邻里纠纷（噪音、通行、用水）")
    page.get_by_label("发生了什么").fill("邻居家夜里装修，噪音很大")
    page.get_by_label("您的姓名").fill("张阿姨")
    page.get_by_label("您的手机号码").fill("1381234")
    page.get_by_label(re.compile("照片")).set_input_files(
        {"name": "noise.png", "mimeType": "image/png", "buffer": PNG})
    question = page.get_by_text(re.compile(r"\d \+ \d")).inner_text()
    a, b = map(int, re.search(r"(\d) \+ (\d)", question).groups())
    page.get_by_label(re.compile(r"\d \+ \d")).fill(str(a + b))
    page.get_by_role("button", name="提交反映").click()
    expect(page.get_by_test_id("error-contact_phone")).to_be_visible()
    expect(page.get_by_label("发生了什么")).to_have_value("邻居家夜里装修，噪音很大")
    page.get_by_label("您的手机号码").fill("13812345678")
    page.get_by_label(re.compile(r"照片")).set_input_files(
        {"name": "noise.png", "mimeType": "image/png", "buffer": PNG})
    question = page.get_by_text(re.compile(r"\d \+ \d")).inner_text()
    a, b = map(int, re.search(r"(\d) \+ (\d)", question).groups())
    page.get_by_label(re.compile(r"\d \+ \d")).fill(str(a + b))
    page.get_by_role("button", name="提交反映").click()
    expect(page.get_by_test_id("receipt")).to_be_visible()
    code = page.get_by_test_id("case-code").inner_text()
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", code)
    assert scripts == []
    context.close()

    from portal.extensions import db
    from portal.residents.models import ResidentRequest

    with app.app_context():
        request = db.session.scalars(db.select(ResidentRequest)).one()
        assert request.case_code.display == code and len(request.photos) == 1
        db.session.remove()

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def register(app, demo):
    """A year of generated disputes on the demo villages."""
    from portal.demo.generator import generate_disputes
    from portal.extensions import db

    with app.app_context():
        generate_disputes(300, seed=7)
        db.session.remove()


def test_leader_filters_the_dashboard_by_village_and_downloads_the_csv(page, register):
    page.goto("/login")
    sign_in(page, "leader")

    page.get_by_role("link", name="统计分析").click()
    expect(page.get_by_role("heading", name="统计分析")).to_be_visible()
    expect(page.locator("#def-closure_rate")).to_contain_text("办结率 = 期间内登记")
    page.get_by_label("起始日期", exact=True).fill("2000-01-01")
    page.get_by_label("村（社区）", exact=True).select_option(label="米山村")
    page.get_by_role("button", name="显示").click()
    expect(page).to_have_url(re.compile(r"village=\d+"))
    villages = page.get_by_role("table", name="按村（社区）")
    expect(villages.locator("tbody tr")).to_have_count(1)
    expect(villages).to_contain_text("米山村")
    expect(page.locator("svg[role=img]").first).to_be_visible()

    with page.expect_download() as download:
        page.locator("[data-export=villages-csv]").click()
    body = Path(download.value.path()).read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0] == "村（社区）"
    assert len(rows) == 2 and rows[1][0] == "米山村" and int(rows[1][1]) > 0

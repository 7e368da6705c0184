"""The dashboard page, its exports and who may see them."""

import csv
import io

import pytest
from openpyxl import load_workbook

from portal.orgs.models import Role

MARCH = "from=2026-03-01&to=2026-03-31"


@pytest.fixture
def leader(make):
    return make.user(Role.OBSERVER, language="en")


def test_observer_sees_the_dashboard_with_the_definitions(world, leader, login):
    page = login(leader).get(f"/statistics/?{MARCH}").get_data(as_text=True)
    assert "Closure rate" in page and "66.67%" in page
    assert "÷ disputes registered in the period" in page
    assert page.count("<svg") >= 4 and "<title" in page


def test_admin_sees_the_dashboard_and_the_nav_link(world, make, login):
    admin = make.user(Role.ADMIN, language="en")
    page = login(admin).get("/statistics/").get_data(as_text=True)
    assert 'href="/statistics/"' in page


@pytest.mark.parametrize("url", ["/statistics/", "/statistics/export/tiers.csv",
                                 "/statistics/export/all.xlsx", "/statistics/reports/2026-03.pdf"])
def test_mediator_is_refused(make, login, url):
    mediator = make.user(Role.MEDIATOR)
    assert login(mediator).get(url).status_code == 403


def test_mediator_has_no_statistics_link(make, login):
    page = login(make.user(Role.MEDIATOR)).get("/").get_data(as_text=True)
    assert "/statistics/" not in page


def test_observer_may_not_generate_reports(leader, login):
    response = login(leader).post("/statistics/reports", data={"month": "2026-03"})
    assert response.status_code == 403


def test_csv_has_a_bom_and_chinese_survives_the_round_trip(world, leader, login):
    response = login(leader).get(f"/statistics/export/villages.csv?{MARCH}")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0] == "Village or community"
    assert rows[1:] == [["北关社区", "3", "2", "66.67", "1", "1"],
                        ["米山村", "3", "2", "66.67", "1", "2"]]


def test_every_table_exports_as_csv(world, leader, login):
    client = login(leader)
    for key in ("summary", "tiers", "categories", "durations", "responses", "actions",
                "villages", "trend", "reviews"):
        response = client.get(f"/statistics/export/{key}.csv?{MARCH}")
        assert response.status_code == 200, key
    assert client.get("/statistics/export/nothing.csv").status_code == 404


def test_xlsx_reads_back_with_numbers_as_numbers(world, leader, login):
    body = login(leader).get(f"/statistics/export/all.xlsx?{MARCH}").get_data()
    workbook = load_workbook(io.BytesIO(body))
    assert len(workbook.sheetnames) == 9
    villages = workbook["By village or community"]
    assert [c.value for c in villages[2]] == ["北关社区", 3, 2, 66.67, 1, 1]
    trend = workbook["Monthly trend (last 12 months)"]
    assert [c.value for c in trend[13]] == ["2026-03", 6, 4, 66.67, 3]


def test_filter_by_village_in_the_query_string(world, leader, login):
    village = world.villages[1]
    body = login(leader).get(
        f"/statistics/export/summary.csv?{MARCH}&village={village.id}").get_data()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[1][:2] == ["Disputes registered", "3"]
    assert rows[7][:2] == ["Tier-3 conferences held", "1"]


def test_the_key_figures_sheet_holds_numbers_as_numbers(world, leader, login):
    body = login(leader).get(f"/statistics/export/summary.xlsx?{MARCH}").get_data()
    sheet = load_workbook(io.BytesIO(body)).active
    rows = {row[0].value: (row[1].value, row[2].value) for row in sheet.iter_rows(min_row=2)}
    registered, unit = rows["Disputes registered"]
    assert isinstance(registered, int) and unit in (None, "")
    closure, unit = rows["Closure rate"]
    assert isinstance(closure, int | float) and unit == "%"


def test_charts_are_drawn_to_fill_their_card(world, leader, login):
    page = login(leader).get(f"/statistics/?{MARCH}").get_data(as_text=True)
    assert page.count('class="bg-white border rounded p-2 mt-3 chart-figure"') == 4
    assert 'width="960"' in page and 'width="640"' not in page

import re
from datetime import timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from portal.extensions import db
from portal.orgs.models import Role
from portal.reviews import figures, items, meetings, minutes
from portal.reviews.models import ItemSource
from portal.timeutil import local_zone


def test_figures_count_items_per_village_and_source_and_what_became_of_them(world):
    first = world.meetings()[0]
    jianning, mishan = world.villages
    registered = world.item(text="甲")
    closed = world.item(village=mishan, source=ItemSource.GRID_VISIT, text="乙")
    late = world.item(village=mishan, text="丙")
    world.item(village=mishan, text="丁")  # left open: carried over
    meetings.record_attendance(world.convener, first, {world.convener.id})
    items.register_dispute(world.convener, registered, "纠纷", "王大")
    items.close_item(world.convener, closed, "已和解")
    today = world.now.astimezone(local_zone()).date()  # the station's day
    items.hand_over(world.convener, late, world.grid.id, today, "走访")
    minutes.draw_up(world.convener, first)
    minutes.sign(world.convener, first, "Correct-horse-42", first.content_hash)
    minutes.issue(world.convener, first)
    db.session.commit()
    found = figures.compute(today + timedelta(days=1))
    by_village = {row.village: row for row in found.villages}
    assert by_village["建宁村"].sources[ItemSource.POLICE_CALL] == 1
    assert by_village["米山村"].sources == {ItemSource.POLICE_CALL: 2, ItemSource.GRID_VISIT: 1}
    assert by_village["建宁村"].disputes == 1 and by_village["建宁村"].settled_share == 100.0
    assert by_village["米山村"].settled_first_time == 2 and by_village["米山村"].overdue == 1
    assert found.total.reported == 4 and found.total.settled_share == 75.0


@pytest.fixture
def seeded(world):
    """Today: a police call in 建宁村 registered as a dispute, a grid visit in 米山村 closed, a
    police call in 米山村 handed over to be done today, one left open."""
    first = world.meetings()[0]
    jianning, mishan = world.villages
    registered = world.item(text="甲")
    closed = world.item(village=mishan, source=ItemSource.GRID_VISIT, text="乙")
    late = world.item(village=mishan, text="丙")
    world.item(village=mishan, text="丁")
    meetings.record_attendance(world.convener, first, {world.convener.id})
    items.register_dispute(world.convener, registered, "纠纷", "王大")
    items.close_item(world.convener, closed, "已和解")
    today = world.now.astimezone(local_zone()).date()
    items.hand_over(world.convener, late, world.grid.id, today, "走访")
    db.session.commit()
    return today


def _let_the_follow_up_pass():
    from portal.followup.models import Task

    task = db.session.scalar(sa.select(Task).where(Task.review_item_id.is_not(None)))
    task.due_on -= timedelta(days=1)
    db.session.commit()


def _cells(page: str, label: str) -> list[str]:
    """The cells of the row headed ``label`` in the dashboard's review table."""
    table = page[page.index('id="table-reviews"'):]
    table = table[:table.index("</table>")]
    row = table[table.index(f'<th scope="row" class="fw-normal">{label}</th>'):]
    return re.findall(r"<td>([^<]*)</td>", row[:row.index("</tr>")])


def test_the_dashboard_shows_the_review_figures_per_village(world, seeded, make, login):
    _let_the_follow_up_pass()
    client = login(make.user(Role.OBSERVER))
    page = client.get(f"/statistics/?from={seeded - timedelta(days=2)}&to={seeded}"
                      ).get_data(as_text=True)
    assert "警网融合例会隐患线索" in page
    # 110 警情, 网格走访, reported, settled within one cycle (%), disputes, overdue
    assert _cells(page, "建宁村") == ["1", "0", "1", "100.00", "1", "0"]
    assert _cells(page, "米山村") == ["2", "1", "3", "66.67", "0", "1"]
    assert _cells(page, "合计") == ["3", "1", "4", "75.00", "1", "1"]


def test_the_dashboard_counts_the_items_of_the_village_chosen(world, seeded, make, login):
    client = login(make.user(Role.OBSERVER))
    page = client.get(f"/statistics/?from={seeded - timedelta(days=2)}&to={seeded}"
                      f"&village={world.villages[0].id}").get_data(as_text=True)
    assert _cells(page, "建宁村") == ["1", "0", "1", "100.00", "1", "0"]
    assert "米山村</th>" not in page[page.index('id="table-reviews"'):]


def test_the_dashboard_says_when_no_item_was_reported_in_the_period(world, seeded, make,
                                                                  login):
    client = login(make.user(Role.OBSERVER))
    before = seeded - timedelta(days=40)
    page = client.get(f"/statistics/?from={before - timedelta(days=5)}&to={before}"
                      ).get_data(as_text=True)
    assert "本统计期内没有向警网融合例会上报的隐患线索。" in page


def test_the_review_figures_export_as_csv(world, seeded, make, login):
    _let_the_follow_up_pass()
    client = login(make.user(Role.OBSERVER))
    body = client.get(f"/statistics/export/reviews.csv?from={seeded - timedelta(days=2)}"
                      f"&to={seeded}").get_data(as_text=True)
    assert "米山村,2,1,3,66.67,0,1" in body


def test_the_monthly_report_carries_the_review_figures(world, seeded):
    from portal.statistics import services

    # Made the next morning, when the follow-up due today is overdue.
    report = services.generate_monthly_report(f"{seeded:%Y-%m}",
                                              world.now + timedelta(days=1))
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(report.pdf)).pages)
    flat = re.sub(r"\s+", "", text)
    assert "十一、警网融合例会隐患线索" in flat
    assert "米山村21366.6701" in flat and "合计31475.0011" in flat
    assert "一个例会周期内研判完毕占比" in flat


def test_an_item_reported_shows_on_the_dashboard_at_once(world, make, login):
    client = login(make.user(Role.OBSERVER))
    assert "本统计期内没有向警网融合例会上报的隐患线索。" in client.get("/statistics/").get_data(
        as_text=True)
    world.item()
    assert _cells(client.get("/statistics/").get_data(as_text=True), "建宁村")[:3] == [
        "1", "0", "1"]

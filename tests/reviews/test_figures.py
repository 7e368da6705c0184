from datetime import timedelta

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


def test_the_figures_page_is_for_those_who_read_statistics(world, login, make):
    assert login(world.grid).get("/reviews/figures").status_code == 403


def test_leaders_read_the_figures_page(world, make, app):
    leader = make.user(Role.OBSERVER)
    client = app.test_client()
    client.post("/login", data={"username": leader.username, "password": "Correct-horse-42"})
    world.item()
    page = client.get("/reviews/figures").get_data(as_text=True)
    assert "建宁村" in page and 'data-testid="review-figures"' in page

"""The suggestions page: a spread of slots to offer, found only once the secretary asks."""

from datetime import timedelta

from portal.calendar import services
from tests.calendar.conftest import slot


def test_page_opens_with_the_search_form_and_no_verdict(world, login):
    conference, _, secretary, _, _ = world
    page = login(secretary).get(f"/calendar/conferences/{conference.id}/suggestions")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-testid="suggestions"' not in text and "未找到" not in text
    assert "alert-danger" not in text and "invalid-feedback" not in text
    assert "选择时长和会议室" in text


def test_search_lists_slots_on_different_days_in_the_one_format(world, login):
    conference, _, secretary, _, room = world
    page = login(secretary).get(f"/calendar/conferences/{conference.id}/suggestions",
                                query_string={"minutes": 120, "room_id": room.id})
    text = page.get_data(as_text=True)
    assert 'data-testid="suggestions"' in text and "alert-danger" not in text
    rows = text.split('data-testid="suggestions"', 1)[1].split("</tbody>", 1)[0]
    days = [row.split("<td>", 1)[1].split("）", 1)[0] for row in rows.split("<tr>")[2:]]
    assert len(days) == 5 and len(set(days)) == 5
    assert "（北京时间）" in rows and "Asia/Shanghai" not in rows


def test_suggestions_leave_out_what_is_already_proposed_and_never_overlap(world):
    conference, _, secretary, _, room = world
    proposed = services.propose(secretary, conference, slot(0))
    found = services.suggest(conference, room, timedelta(hours=2),
                             now=slot(0).start_utc - timedelta(days=1))
    intervals = [c.slot.interval for c in found]
    assert intervals and not any(i.overlaps(proposed.slot.interval) for i in intervals)
    assert not any(a.overlaps(b) for n, a in enumerate(intervals) for b in intervals[n + 1:])


def test_a_suggestion_can_be_proposed_next_to_the_others(world, login):
    conference, _, secretary, _, room = world
    client = login(secretary)
    for candidate in services.suggest(conference, room, timedelta(hours=2))[:3]:
        response = client.post(f"/calendar/conferences/{conference.id}/suggestions", data={
            "start": candidate.slot.start_utc.isoformat(),
            "end": candidate.slot.end_utc.isoformat()})
        assert response.status_code == 302
    assert len(services.slots_of(conference)) == 3

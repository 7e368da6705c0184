from datetime import timedelta

from portal.extensions import db
from portal.orgs.models import Role
from portal.reviews.models import HazardItem, ItemState


def test_members_see_the_series_and_its_meetings(world, login):
    client = login(world.grid)
    meeting = world.meetings()[0]
    assert "建宁村、米山村警网融合例会" in client.get("/reviews/").get_data(as_text=True)
    assert client.get(f"/reviews/{world.series.id}").status_code == 200
    assert client.get(f"/reviews/meetings/{meeting.id}").status_code == 200


def test_non_members_get_not_found(world, login, make):
    item = world.item()
    meeting = world.meetings()[0]
    client = login(world.outsider)
    for url in (f"/reviews/{world.series.id}", f"/reviews/{world.series.id}.ics",
                f"/reviews/meetings/{meeting.id}", f"/reviews/meetings/{meeting.id}/minutes.pdf"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/reviews/items/{item.id}/decision",
                       data={"decision": "close", "reason": "x"}).status_code == 404
    assert "建宁村、米山村警网融合例会" not in client.get("/reviews/").get_data(as_text=True)


def test_an_admin_sees_every_series(world, login, make):
    client = login(make.user(Role.ADMIN))
    assert client.get(f"/reviews/{world.series.id}").status_code == 200


def test_an_item_without_text_is_refused_keeping_what_was_typed(world, login):
    client = login(world.police)
    response = client.post(f"/reviews/{world.series.id}/items", data={
        "village_id": str(world.villages[1].id), "source": "GRID_VISIT", "kind": "LAND_FOREST",
        "risk": "HIGH", "address": "米山村二组18号", "text": " "})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请说明隐患的已知情况" in page and 'value="米山村二组18号"' in page
    assert db.session.query(HazardItem).count() == 0


def test_an_item_without_village_is_refused(world, login):
    client = login(world.police)
    response = client.post(f"/reviews/{world.series.id}/items", data={
        "source": "POLICE_CALL", "kind": "NEIGHBOUR", "text": "夜间噪音多次报警"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "请选择事项所在的村社区" in page and "夜间噪音多次报警" in page


def test_a_hand_over_without_due_date_is_refused_keeping_the_owner(world, login):
    item = world.item()
    client = login(world.convener)
    response = client.post(f"/reviews/items/{item.id}/decision", data={
        "decision": "hand_over", "owner_id": str(world.grid.id), "note": "入户走访"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "请填写跟进的完成期限" in page
    assert f'<option value="{world.grid.id}" selected>' in page
    db.session.expire_all()
    assert db.session.get(HazardItem, item.id).state is ItemState.OPEN


def test_a_member_who_does_not_run_the_review_cannot_decide(world, login):
    item = world.item()
    client = login(world.police)
    response = client.post(f"/reviews/items/{item.id}/decision", data={
        "decision": "close", "reason": "已和解"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(HazardItem, item.id).state is ItemState.OPEN


def test_the_convener_sets_up_a_series_through_the_form(world, login):
    client = login(world.convener)
    start = (world.now + timedelta(days=3)).strftime("%Y-%m-%dT09:00")
    response = client.post("/reviews/", data={
        "title": "全街道月度研判会", "rule": "monthly", "first_start": start,
        "minutes_long": "120", "place": "街道三楼", "village_ids": [str(world.villages[0].id)],
        f"member_{world.head.id}": "HEAD", f"member_{world.grid.id}": "GRID_WORKER"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "全街道月度研判会" in page and "赵书记" in page


def test_a_series_without_a_head_is_refused_keeping_the_input(world, login):
    client = login(world.convener)
    response = client.post("/reviews/", data={
        "title": "全街道月度研判会", "rule": "monthly", "first_start": "2027-01-05T09:00",
        "minutes_long": "120", "village_ids": [str(world.villages[0].id)],
        f"member_{world.grid.id}": "GRID_WORKER"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "全街道月度研判会" in page
    assert "请在成员中指定领导小组的两位组长" in page


def test_the_owner_reports_a_handed_over_item_on_the_task_page(world, login, app):
    from portal.followup.models import TaskState
    from portal.reviews import items

    item = world.item()
    task = items.hand_over(world.convener, item, world.grid.id,
                           world.now.date() + timedelta(days=5), "入户走访")
    db.session.commit()
    client = login(world.grid)
    assert "建宁村、米山村警网融合例会" in client.get("/followup/tasks").get_data(as_text=True)
    assert "入户走访" in client.get(f"/followup/tasks/{task.id}").get_data(as_text=True)
    response = client.post(f"/followup/tasks/{task.id}/report",
                           data={"state": "DONE", "note": "已走访，双方和解"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(task), task.id).state is TaskState.DONE
    other = app.test_client()
    other.post("/login", data={"username": world.outsider.username,
                               "password": "Correct-horse-42"})
    assert other.get(f"/followup/tasks/{task.id}").status_code == 404


def test_issued_minutes_download_as_a_pdf(world, login):
    from portal.reviews import meetings, minutes
    from tests.factories import download

    meeting = world.meetings()[0]
    meetings.record_attendance(world.convener, meeting, {world.convener.id})
    minutes.draw_up(world.convener, meeting)
    db.session.commit()
    minutes.sign(world.convener, meeting, "Correct-horse-42", meeting.content_hash)
    minutes.issue(world.convener, meeting)
    db.session.commit()
    response = download(login(world.head), f"/reviews/meetings/{meeting.id}/minutes.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def _drawn_up(world):
    from portal.reviews import meetings, minutes

    meeting = world.meetings()[0]
    meetings.record_attendance(world.convener, meeting, {world.convener.id, world.police.id})
    minutes.draw_up(world.convener, meeting)
    db.session.commit()
    return meeting


def test_a_signer_refuses_on_the_page_only_with_a_reason(world, login):
    meeting = _drawn_up(world)
    client = login(world.police)
    url = f"/reviews/meetings/{meeting.id}"
    response = client.post(f"{url}/refuse", data={"reason": " ",
                                                  "seen_hash": meeting.content_hash})
    assert response.status_code == 400 and "请填写拒签理由。" in response.get_data(as_text=True)
    response = client.post(f"{url}/refuse", data={"reason": "出席情况记错了",
                                                  "seen_hash": meeting.content_hash})
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "李民警 拒签，理由：出席情况记错了" in page and 'data-form="refuse"' not in page


def test_the_convener_takes_the_minutes_back_on_the_page(world, login):
    from portal.reviews import minutes

    meeting = _drawn_up(world)
    minutes.sign(world.police, meeting, "Correct-horse-42", meeting.content_hash)
    db.session.commit()
    client = login(world.convener)
    url = f"/reviews/meetings/{meeting.id}"
    assert client.post(f"{url}/amend").status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "第 1 版的签字已作废" in page and 'data-form="attendance"' in page
    assert 'data-form="minutes"' in page and 'data-testid="signed-by"' not in page


def test_a_refused_move_shows_the_stored_time_and_keeps_what_was_typed(world, login, app):
    from portal.timeutil import format_moment

    meeting = world.meetings()[0]
    stored = meeting.starts_at
    client = login(world.convener)
    response = client.post(f"/reviews/meetings/{meeting.id}/move", data={
        "starts_at": "2026-01-05T10:00", "reason": "派出所临时有任务"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "新的时间必须晚于现在。" in page
    assert 'value="2026-01-05T10:00"' in page and 'value="派出所临时有任务"' in page
    with app.test_request_context():
        assert format_moment(stored) in page
    db.session.expire_all()
    assert db.session.get(type(meeting), meeting.id).starts_at == stored


def test_an_item_reported_with_a_standard_address_shows_it_on_the_agenda(world, login, make):
    from portal.orgs.models import Role
    from portal.residents import addresses

    address = addresses.save_address(make.user(Role.ADMIN), addresses.AddressInput(
        world.villages[1].id, "二组", "18"))
    db.session.commit()
    client = login(world.police)
    form = client.get(f"/reviews/{world.series.id}").get_data(as_text=True)
    assert f'<option value="{address.id}"' in form and "米山村二组18号" in form
    response = client.post(f"/reviews/{world.series.id}/items", data={
        "village_id": str(world.villages[0].id), "source": "POLICE_CALL", "kind": "NEIGHBOUR",
        "address_id": str(address.id), "text": "夜间噪音多次报警"})
    assert response.status_code == 400  # the address is in the other village
    page = response.get_data(as_text=True)
    assert "请选择该事项所在村（社区）的标准地址" in page and "夜间噪音多次报警" in page
    response = client.post(f"/reviews/{world.series.id}/items", data={
        "village_id": str(world.villages[1].id), "source": "POLICE_CALL", "kind": "NEIGHBOUR",
        "address_id": str(address.id), "text": "夜间噪音多次报警"}, follow_redirects=True)
    assert "（米山村二组18号）" in response.get_data(as_text=True)

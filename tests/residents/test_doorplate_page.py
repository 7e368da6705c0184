import re

from tests.residents.conftest import PNG


def _form(page: str, **values) -> dict:
    question = re.search(r"(\d) \+ (\d)", page)
    token = re.search(r'name="challenge_token" value="([^"]+)"', page).group(1)
    form = {"topic": "NEIGHBOURS", "description": "邻居家夜里装修，噪音很大",
            "contact_name": "张阿姨", "contact_phone": "13812345678",
            "challenge": str(int(question.group(1)) + int(question.group(2))),
            "challenge_token": token}
    form.update(values)
    return form


def test_the_page_shows_the_address_and_its_people_and_no_script(world, client):
    page = client.get(f"/d/{world.plate.token}").get_data(as_text=True)
    assert "米山村一组12号" in page and "周海燕" in page and "吴刚" in page
    assert 'href="tel:13900002222"' in page
    assert "<script" not in page


def test_unknown_tokens_get_a_friendly_page(client, ctx):
    response = client.get("/d/not-a-real-token")
    assert response.status_code == 404 and "110" in response.get_data(as_text=True)


def test_a_wrong_sum_is_refused_by_its_field_and_keeps_the_text(world, client):
    page = client.get(f"/d/{world.plate.token}").get_data(as_text=True)
    response = client.post(f"/d/{world.plate.token}", data=_form(page, challenge="99"))
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and 'data-testid="error-challenge"' in text
    assert "邻居家夜里装修，噪音很大" in text


def test_a_photo_is_accepted_and_the_receipt_shows_the_code(world, client):
    import io

    page = client.get(f"/d/{world.plate.token}").get_data(as_text=True)
    data = _form(page)
    data["photos"] = (io.BytesIO(PNG), "a.png")
    response = client.post(f"/d/{world.plate.token}", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert 'data-testid="case-code"' in response.get_data(as_text=True)


def test_each_plate_takes_only_a_few_reports_an_hour(world, client, app):
    page = client.get(f"/d/{world.plate.token}").get_data(as_text=True)
    limit = int(app.config["PORTAL_DOORPLATE_LIMIT"].split()[0])
    for _ in range(limit):
        assert client.post(f"/d/{world.plate.token}",
                           data=_form(page, challenge="99")).status_code == 422
    assert client.post(f"/d/{world.plate.token}", data=_form(page)).status_code == 429


def test_the_page_shows_the_usual_hours_until_an_admin_sets_the_villages_own(world, client,
                                                                             login):
    page = client.get(f"/d/{world.plate.token}").get_data(as_text=True)
    assert page.count("工作时间：周一至周五 8:30–12:00，14:30–18:00") == 2
    login(world.admin)
    form = client.get(f"/admin/villages/{world.village.id}").get_data(as_text=True)
    assert "社区民警工作时间" in form
    response = client.post(f"/admin/villages/{world.village.id}", data={
        "name": "米山村", "police_grid": world.village.police_grid,
        "community_grid": world.village.community_grid,
        "grid_worker_id": world.grid_worker.id, "community_police_id": world.police.id,
        "resident_lawyer_id": 0, "active": "y",
        "police_hours": "每周二、周四 9:00–17:00 在村委会警务室",
        "grid_worker_hours": "每天 8:00–20:00"})
    assert response.status_code == 302
    page = client.get(f"/d/{world.plate.token}").get_data(as_text=True)
    assert "工作时间：每周二、周四 9:00–17:00 在村委会警务室" in page
    assert "工作时间：每天 8:00–20:00" in page
    assert "8:30–12:00" not in page

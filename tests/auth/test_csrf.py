def test_form_without_csrf_token_is_refused(client, make, app, monkeypatch):
    user = make.user()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/login", data={"username": user.username,
                                           "password": make.PASSWORD})
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_form_with_csrf_token_is_accepted(client, make, app, monkeypatch):
    user = make.user()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    response = client.post("/login", data={"username": user.username,
                                           "password": make.PASSWORD, "csrf_token": token})
    assert response.status_code == 302

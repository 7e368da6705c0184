from portal.orgs.models import Role


def _change(client, current, new, confirm=None):
    return client.post("/account/password", data={
        "current": current, "new": new, "confirm": confirm if confirm is not None else new})


def test_password_change_then_old_password_fails(client, make, login):
    user = make.user()
    login(user)
    response = _change(client, make.PASSWORD, "Brand-new-pass-7")
    assert response.status_code == 302
    assert "密码已修改" in client.get("/").get_data(as_text=True)
    client.post("/logout")
    old = client.post("/login", data={"username": user.username, "password": make.PASSWORD})
    assert "用户名或密码错误" in old.get_data(as_text=True)
    new = client.post("/login", data={"username": user.username, "password": "Brand-new-pass-7"})
    assert new.status_code == 302


def test_wrong_current_password_is_shown_next_to_the_field(client, make, login):
    login(make.user())
    page = _change(client, "not-my-password-1", "Brand-new-pass-7").get_data(as_text=True)
    assert "当前密码不正确" in page


def test_weak_and_mismatched_passwords_are_refused(client, make, login):
    login(make.user())
    assert "至少需要 10 个字符" in _change(client, make.PASSWORD, "short1").get_data(as_text=True)
    assert "字母与数字或符号" in _change(client, make.PASSWORD, "abcdefghijkl").get_data(
        as_text=True)
    assert "两次输入不一致" in _change(client, make.PASSWORD, "Brand-new-pass-7",
                                   "Brand-new-pass-8").get_data(as_text=True)


def test_password_change_signs_out_other_sessions(app, make, login, client):
    user = make.user(Role.SECRETARY)
    login(user)
    other = app.test_client()
    other.post("/login", data={"username": user.username, "password": make.PASSWORD})
    assert other.get("/").status_code == 200
    _change(client, make.PASSWORD, "Brand-new-pass-7")
    assert other.get("/").status_code == 302
    assert client.get("/").status_code == 200


def test_reset_password_forces_a_change_at_next_login(client, make, login):
    admin = make.user(Role.ADMIN)
    user = make.user()
    login(admin)
    page = client.post(f"/admin/users/{user.id}/reset-password", follow_redirects=True)
    text = page.get_data(as_text=True)
    marker = "的临时密码："
    temporary = text.split(marker, 1)[1].split(" ", 1)[0].strip()
    client.post("/logout")
    response = client.post("/login", data={"username": user.username, "password": temporary})
    assert response.location.endswith("/account/password")
    assert client.get("/").location.endswith("/account/password")
    _change(client, temporary, "Brand-new-pass-7")
    assert client.get("/").status_code == 200

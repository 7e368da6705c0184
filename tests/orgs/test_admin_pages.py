import pytest

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.orgs.models import Organisation, OrgKind, Role, Room, User, Village

ADMIN_PAGES = [
    "/admin/", "/admin/organisations", "/admin/organisations/new", "/admin/villages",
    "/admin/villages/new", "/admin/rooms", "/admin/rooms/new", "/admin/users",
    "/admin/users/new", "/admin/audit/",
]


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_every_other_role_is_refused_the_admin_pages(client, make, login, role):
    login(make.user(role))
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 403, url
    response = client.post("/admin/organisations/new",
                           data={"name": "越权单位", "kind": "COURT", "active": "y"})
    assert response.status_code == 403
    assert db.session.scalar(db.select(Organisation).filter_by(name="越权单位")) is None


def test_admin_pages_need_sign_in(client):
    for url in ADMIN_PAGES:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location


def test_admin_sees_every_admin_page(client, make, login):
    login(make.user(Role.ADMIN))
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 200, url


def test_create_organisation_is_saved_and_audited(client, make, login):
    admin = make.user(Role.ADMIN)
    login(admin)
    response = client.post("/admin/organisations/new", data={
        "name": "高平市劳动人事争议仲裁委员会", "kind": "LABOUR_ARBITRATION",
        "phone": "0356-5221234", "active": "y"})
    assert response.status_code == 302
    org = db.session.scalar(db.select(Organisation).filter_by(name="高平市劳动人事争议仲裁委员会"))
    assert org.kind is OrgKind.LABOUR_ARBITRATION and org.active
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="organisation.created"))
    assert event.actor_id == admin.id and event.object_id == str(org.id)
    assert "已保存" in client.get("/admin/organisations").get_data(as_text=True)


@pytest.mark.parametrize("data, message", [
    ({"name": "", "kind": "COURT"}, "该字段是必填字段"),
    ({"name": "x" * 121, "kind": "COURT"}, "最多 120 个字符"),
    ({"name": "某单位", "kind": "NOT_A_KIND"}, "不是有效的选择"),
    ({"name": "某单位", "kind": "COURT", "phone": "12345"}, "请输入11位手机号码"),
])
def test_bad_organisation_input_is_refused_next_to_the_field(client, make, login, data,
                                                              message):
    login(make.user(Role.ADMIN))
    response = client.post("/admin/organisations/new", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "invalid-feedback" in page
    assert message in page
    assert db.session.scalar(
        db.select(db.func.count(Organisation.id)).filter_by(name=data["name"])) == 0


def test_duplicate_organisation_name_is_refused(client, make, login):
    login(make.user(Role.ADMIN))
    make.organisation(OrgKind.COURT, name="南城人民法庭")
    before = db.session.scalar(db.select(db.func.count(Organisation.id)))
    page = client.post("/admin/organisations/new", data={
        "name": "南城人民法庭", "kind": "COURT", "active": "y"}).get_data(as_text=True)
    assert "已存在同名单位" in page
    assert db.session.scalar(db.select(db.func.count(Organisation.id))) == before


def test_edit_organisation_records_before_and_after(client, make, login):
    login(make.user(Role.ADMIN))
    org = make.organisation(OrgKind.COURT, name="旧名称")
    client.post(f"/admin/organisations/{org.id}", data={"name": "新名称", "kind": "COURT",
                                                        "active": "y"})
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="organisation.updated"))
    assert '"name": ["旧名称", "新名称"]' in event.changes


def test_unknown_ids_are_404(client, make, login):
    login(make.user(Role.ADMIN))
    for url in ["/admin/organisations/999999", "/admin/villages/999999",
                "/admin/rooms/999999", "/admin/users/999999"]:
        assert client.get(url).status_code == 404


def test_create_village_with_its_people(client, make, login):
    login(make.user(Role.ADMIN))
    grid = make.user(Role.GRID_WORKER)
    police = make.user(Role.COMMUNITY_POLICE)
    response = client.post("/admin/villages/new", data={
        "name": "米山村", "police_grid": "南城警格01", "community_grid": "南城网格07",
        "grid_worker_id": grid.id, "community_police_id": police.id,
        "resident_lawyer_id": 0, "active": "y"})
    assert response.status_code == 302
    village = db.session.scalar(db.select(Village).filter_by(name="米山村"))
    assert village.grid_worker_id == grid.id and village.resident_lawyer_id is None


def test_village_people_must_have_the_role(client, make, login):
    login(make.user(Role.ADMIN))
    not_a_grid_worker = make.user(Role.MEDIATOR)
    response = client.post("/admin/villages/new", data={
        "name": "米山村", "police_grid": "警格", "community_grid": "网格",
        "grid_worker_id": not_a_grid_worker.id, "active": "y"})
    assert response.status_code == 200
    assert db.session.scalar(db.select(Village).filter_by(name="米山村")) is None


def test_room_with_unknown_time_zone_is_refused(client, make, login):
    login(make.user(Role.ADMIN))
    page = client.post("/admin/rooms/new", data={
        "name": "致和调解室", "location": "二楼", "capacity": 12,
        "timezone": "Mars/Olympus", "active": "y"}).get_data(as_text=True)
    assert "无法识别的时区" in page
    assert db.session.scalar(db.select(Room).filter_by(name="致和调解室")) is None


def test_room_capacity_must_be_a_number(client, make, login):
    login(make.user(Role.ADMIN))
    response = client.post("/admin/rooms/new", data={
        "name": "致和调解室", "location": "二楼", "capacity": "many",
        "timezone": "Asia/Shanghai", "active": "y"})
    assert response.status_code == 200
    assert db.session.scalar(db.select(Room).filter_by(name="致和调解室")) is None


def _user_form(org, **overrides):
    data = {"username": "sunli", "full_name": "孙丽", "organisation_id": org.id,
            "roles": ["MEDIATOR"], "phone": "13903561234", "email": "sunli@example.cn",
            "language": "zh_CN", "timezone": "Asia/Shanghai", "password": "Initial-pass-99",
            "active": "y"}
    data.update(overrides)
    return data


def test_create_user_must_change_password_at_first_login(client, make, login):
    login(make.user(Role.ADMIN))
    org = make.organisation(OrgKind.LABOUR_ARBITRATION)
    assert client.post("/admin/users/new", data=_user_form(org)).status_code == 302
    user = db.session.scalar(db.select(User).filter_by(username="sunli"))
    assert user.roles == {Role.MEDIATOR} and user.must_change_password
    client.post("/logout")
    response = client.post("/login", data={"username": "sunli",
                                           "password": "Initial-pass-99"})
    assert response.location.endswith("/account/password")


@pytest.mark.parametrize("overrides, message", [
    ({"email": "not-an-email"}, "无效的 Email 地址"),
    ({"phone": "1390356"}, "请输入11位手机号码"),
    ({"username": ""}, "该字段是必填字段"),
    ({"roles": []}, "请为账号至少选择一个角色"),
    ({"password": ""}, "请为新账号设置初始密码"),
    ({"password": "short"}, "至少需要 10 个字符"),
    ({"organisation_id": "abc"}, "该字段是必填字段"),
])
def test_bad_user_input_is_refused(client, make, login, overrides, message):
    login(make.user(Role.ADMIN))
    org = make.organisation(OrgKind.LABOUR_ARBITRATION)
    page = client.post("/admin/users/new", data=_user_form(org, **overrides)).get_data(
        as_text=True)
    assert message in page
    assert db.session.scalar(db.select(User).filter_by(username="sunli")) is None


def test_duplicate_username_is_refused(client, make, login):
    login(make.user(Role.ADMIN))
    make.user(username="sunli")
    org = make.organisation(OrgKind.LABOUR_ARBITRATION)
    page = client.post("/admin/users/new", data=_user_form(org)).get_data(as_text=True)
    assert "该用户名已被使用" in page


def test_deactivating_a_user_ends_their_sessions(app, client, make, login):
    admin = make.user(Role.ADMIN)
    user = make.user(Role.MEDIATOR)
    theirs = app.test_client()
    theirs.post("/login", data={"username": user.username, "password": make.PASSWORD})
    assert theirs.get("/").status_code == 200
    login(admin)
    data = _user_form(user.organisation, username=user.username, full_name=user.full_name,
                      password="")
    del data["active"]
    assert client.post(f"/admin/users/{user.id}", data=data).status_code == 302
    assert theirs.get("/").status_code == 302
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="user.updated"))
    assert '"active": [true, false]' in event.changes


def test_admin_cannot_deactivate_themselves(client, make, login):
    admin = make.user(Role.ADMIN)
    login(admin)
    data = _user_form(admin.organisation, username=admin.username, roles=["ADMIN"],
                      password="")
    del data["active"]
    page = client.post(f"/admin/users/{admin.id}", data=data).get_data(as_text=True)
    assert "不能停用自己的账号" in page


def test_user_list_filters_by_role_and_text(client, make, login):
    login(make.user(Role.ADMIN, full_name="管理员甲"))
    make.user(Role.MEDIATOR, full_name="孙丽")
    make.user(Role.LAWYER, full_name="陈律")
    page = client.get("/admin/users?role=LAWYER").get_data(as_text=True)
    assert "陈律" in page and "孙丽" not in page
    page = client.get("/admin/users?q=孙").get_data(as_text=True)
    assert "孙丽" in page and "陈律" not in page


def test_lists_paginate(client, make, login, app, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_PAGE_SIZE", 2)
    login(make.user(Role.ADMIN))
    for name in ["甲室", "乙室", "丙室"]:
        make.room(name=name)
    first = client.get("/admin/rooms").get_data(as_text=True)
    second = client.get("/admin/rooms?page=2").get_data(as_text=True)
    assert "共 3 条" in first
    assert sum(name in first for name in ["甲室", "乙室", "丙室"]) == 2
    assert sum(name in second for name in ["甲室", "乙室", "丙室"]) == 1

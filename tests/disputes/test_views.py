import re

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.disputes import services
from portal.disputes.models import Category, Dispute, Status
from portal.extensions import db
from portal.orgs.models import OrgKind, Role

FULL_ID, MASKED_ID = "11010519491231002X", "1101**********002X"
FULL_PHONE, MASKED_PHONE = "13812345678", "138****5678"


def _form(village, **overrides):
    data = {"title": "拖欠工资纠纷", "category": "LABOUR_WAGES", "tier": "1",
            "village_id": village.id, "source": "GRID_REPORT", "risk": "MEDIUM",
            "occurred_on": "2026-01-10", "description": "工地拖欠12名工人工资",
            "claims": "支付工资", "amount": "35000.50",
            "parties-0-name": "张三", "parties-0-role": "APPLICANT",
            "parties-0-id_number": FULL_ID, "parties-0-phone": FULL_PHONE,
            "parties-1-name": "某建筑公司", "parties-1-role": "RESPONDENT"}
    data.update(overrides)
    return data


def test_grid_worker_registers_a_dispute(client, make, login):
    grid = make.user(Role.GRID_WORKER)
    village = make.village()
    login(grid)
    response = client.post("/disputes/new", data=_form(village))
    assert response.status_code == 302
    dispute = db.session.scalar(sa.select(Dispute))
    assert response.location == f"/disputes/{dispute.id}"
    assert dispute.amount == pytest.approx(35000.50)
    assert [p.name for p in dispute.parties] == ["张三", "某建筑公司"]
    page = client.get(response.location).get_data(as_text=True)
    assert "已登记" in page and dispute.reference in page


@pytest.mark.parametrize("overrides, message", [
    ({"parties-0-id_number": "110105194912310021"}, "校验位"),
    ({"parties-0-id_number": "12345"}, "17 位数字"),
    ({"parties-0-phone": "123"}, "11位手机号码"),
    ({"amount": "abc"}, "不是有效的小数"),
    ({"amount": "-1"}, "0"),
    ({"occurred_on": "2999-01-01"}, "不能晚于今天"),
    ({"category": "WITCHCRAFT"}, "不是有效的选择"),
    ({"village_id": "999999"}, "不是有效的选择"),
    ({"parties-0-name": "", "parties-0-id_number": "", "parties-0-phone": "",
      "parties-1-name": ""}, "请至少填写一名当事人"),
    ({"parties-1-name": "", "parties-1-phone": "13912345678"}, "请填写当事人姓名"),
    ({"title": ""}, "该字段是必填字段"),
])
def test_bad_input_is_refused_with_a_precise_message(client, make, login, overrides, message):
    login(make.user(Role.GRID_WORKER))
    village = make.village()
    response = client.post("/disputes/new", data=_form(village, **overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Dispute.id))) == 0


def test_masking_depends_on_who_looks(app, client, make, login):
    grid = make.user(Role.GRID_WORKER)
    handler = make.user(Role.COMMUNITY_POLICE)
    admin = make.user(Role.ADMIN)
    secretary = make.user(Role.SECRETARY)
    convener = make.user(Role.CONVENER)
    dispute = make.dispute(reporter=grid)
    services.assign(convener, dispute, handler)
    for user, may_reveal in [(grid, False), (secretary, False), (handler, True), (admin, True)]:
        viewer = app.test_client()
        viewer.post("/login", data={"username": user.username, "password": make.PASSWORD})
        page = viewer.get(f"/disputes/{dispute.id}").get_data(as_text=True)
        assert MASKED_ID in page and MASKED_PHONE in page and FULL_ID not in page
        revealed = viewer.post(f"/disputes/{dispute.id}/personal-data")
        if may_reveal:
            text = revealed.get_data(as_text=True)
            assert revealed.status_code == 200 and FULL_ID in text and FULL_PHONE in text
        else:
            assert revealed.status_code == 403
            assert FULL_ID not in revealed.get_data(as_text=True)
    viewed = db.session.scalars(sa.select(AuditEvent.actor_id).filter_by(
        action="dispute.personal_data_viewed")).all()
    assert sorted(viewed) == sorted([handler.id, admin.id])


def test_unrelated_mediator_gets_404(client, make, login):
    dispute = make.dispute()
    login(make.user(Role.MEDIATOR))
    assert client.get(f"/disputes/{dispute.id}").status_code == 404
    assert client.post(f"/disputes/{dispute.id}/handle",
                       data={"handle-note": "x"}).status_code == 404
    assert dispute.reference not in client.get("/disputes/").get_data(as_text=True)


def test_village_grid_worker_sees_disputes_of_their_village_only(client, make, login):
    grid = make.user(Role.GRID_WORKER)
    mine = make.dispute(village=make.village(grid_worker=grid), title="本村纠纷")
    make.dispute(title="外村纠纷")
    login(grid)
    page = client.get("/disputes/").get_data(as_text=True)
    assert "本村纠纷" in page and "外村纠纷" not in page
    assert client.get(f"/disputes/{mine.id}").status_code == 200


def test_list_filters(client, make, login):
    login(make.user(Role.CONVENER))
    village = make.village(name="米山村")
    make.dispute(title="欠薪A", category=Category.LABOUR_WAGES, village=village, tier=2)
    make.dispute(title="边界B", category=Category.LAND_FOREST)
    make.dispute(title="噪音C", category=Category.NEIGHBOUR, description="楼上装修噪音",
                 parties=[services.PartyInput("赵六", services.PartyRole.APPLICANT)])

    def titles(query):
        page = client.get("/disputes/?" + query).get_data(as_text=True)
        return {t for t in ("欠薪A", "边界B", "噪音C") if t in page}

    assert titles("") == {"欠薪A", "边界B", "噪音C"}
    assert titles("category=LABOUR_WAGES") == {"欠薪A"}
    assert titles("tier=2") == {"欠薪A"}
    assert titles(f"village={village.id}") == {"欠薪A"}
    assert titles("q=装修") == {"噪音C"}
    assert titles("q=赵六") == {"噪音C"}
    assert titles("status=CLOSED") == set()
    assert titles("from=2000-01-01&to=2999-12-31") == {"欠薪A", "边界B", "噪音C"}
    assert titles("from=2999-01-01") == set()
    assert titles("tier=x&status=NOPE&village=abc&from=garbage&sort=evil") == {
        "欠薪A", "边界B", "噪音C"}


def test_list_sorts_and_paginates(client, make, login, app, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_PAGE_SIZE", 2)
    login(make.user(Role.CONVENER))
    disputes = [make.dispute(title=f"纠纷{i}") for i in range(3)]
    first = client.get("/disputes/?sort=reference").get_data(as_text=True)
    assert disputes[0].reference in first and disputes[2].reference not in first
    second = client.get("/disputes/?sort=reference&page=2").get_data(as_text=True)
    assert disputes[2].reference in second
    assert "sort=reference" in first  # the pager keeps the filters


def test_workflow_through_the_pages_and_timeline(client, make, login):
    make.bodies()
    convener = make.user(Role.CONVENER, full_name="李建国")
    dispute = make.dispute()
    login(convener)
    base = f"/disputes/{dispute.id}"
    assert client.post(f"{base}/take_over", data={}).status_code == 302
    assert client.post(f"{base}/escalate", data={"escalate-tier": "3",
                                                 "escalate-reason": ""}).status_code == 400
    response = client.post(f"{base}/escalate", data={"escalate-tier": "3",
                                                     "escalate-reason": "涉及土地权属"})
    assert response.location.startswith("/conferences/")
    room = client.get(response.location).get_data(as_text=True)
    assert "草稿" in room and "必须参加" in room
    page = client.get(base).get_data(as_text=True)
    assert "涉及土地权属" in page and "李建国" in page
    assert db.session.get(Dispute, dispute.id).status is Status.ESCALATED


def test_refused_transition_says_why(client, make, login):
    convener = make.user(Role.CONVENER)
    dispute = make.dispute()
    login(convener)
    response = client.post(f"/disputes/{dispute.id}/close", data={}, follow_redirects=True)
    assert "不能" in response.get_data(as_text=True) or "无权" in response.get_data(
        as_text=True)
    assert db.session.get(Dispute, dispute.id).status is Status.REPORTED


def test_unknown_action_is_404(client, make, login):
    login(make.user(Role.ADMIN))
    dispute = make.dispute()
    assert client.post(f"/disputes/{dispute.id}/explode").status_code == 404


def test_my_disputes_on_the_dashboard_with_overdue(client, make, login):
    from datetime import timedelta

    convener = make.user(Role.CONVENER)
    handler = make.user(Role.COMMUNITY_POLICE)
    dispute = make.dispute(title="我的纠纷")
    services.assign(convener, dispute, handler)
    dispute.due_on = services.local_today() - timedelta(days=1)
    db.session.commit()
    login(handler)
    page = client.get("/").get_data(as_text=True)
    assert "我的纠纷" in page and "已超期" in page
    assert re.search(r"1\s*件已超期", page)


def test_edit_keeps_parties_and_logs_changes(client, make, login):
    convener = make.user(Role.CONVENER)
    dispute = make.dispute()
    login(convener)
    form = client.get(f"/disputes/{dispute.id}/edit").get_data(as_text=True)
    assert 'value="张三"' in form
    data = _form(dispute.village, title="新标题", category="LAND_FOREST")
    assert client.post(f"/disputes/{dispute.id}/edit", data=data).status_code == 302
    assert db.session.get(Dispute, dispute.id).title == "新标题"
    assert "编辑" in client.get(f"/disputes/{dispute.id}").get_data(as_text=True)


def test_sector_table_is_admin_only_and_saves(client, make, login):
    login(make.user(Role.CONVENER))
    assert client.get("/disputes/sectors").status_code == 403
    client.post("/logout")
    login(make.user(Role.ADMIN))
    assert client.get("/disputes/sectors").status_code == 200
    client.post("/disputes/sectors", data={"NEIGHBOUR:HOUSING_CONSTRUCTION": "on"})
    assert services.current_sectors() == {Category.NEIGHBOUR: {OrgKind.HOUSING_CONSTRUCTION}}


def test_a_resubmitted_registration_form_registers_once(client, make, login):
    grid = make.user(Role.GRID_WORKER)
    village = make.village()
    login(grid)
    form = _form(village, form_token="3f2a9c0d1e4b5a6f7081920a3b4c5d6e")
    first = client.post("/disputes/new", data=form)
    again = client.post("/disputes/new", data=form)  # the browser sends the form again
    assert first.status_code == again.status_code == 302
    assert first.location == again.location
    assert db.session.scalar(sa.select(sa.func.count(Dispute.id))) == 1
    other = client.post("/disputes/new", data=_form(village, form_token="9" * 32))
    assert other.location != first.location


def test_a_connection_lost_after_the_commit_is_a_try_again_page(client, make, login,
                                                               monkeypatch):
    from sqlalchemy.orm import Session

    grid = make.user(Role.GRID_WORKER)
    village = make.village()
    login(grid)
    commit = Session.commit

    def commit_then_lose_the_connection(self):
        commit(self)
        monkeypatch.setattr(Session, "execute", _gone)

    def _gone(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection"))

    form = _form(village, form_token="0123456789abcdef0123456789abcdef")
    monkeypatch.setattr(Session, "commit", commit_then_lose_the_connection)
    response = client.post("/disputes/new", data=form)
    monkeypatch.undo()
    assert response.status_code == 503 and "请稍后重试" in response.get_data(as_text=True)
    retried = client.post("/disputes/new", data=form)
    assert retried.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Dispute.id))) == 1


def test_deep_pages_stop_at_the_bound_and_say_so(client, make, login, app, monkeypatch):
    from portal.disputes import listing

    monkeypatch.setattr(listing, "DEEPEST", 4)
    monkeypatch.setitem(app.config, "PORTAL_PAGE_SIZE", 2)
    login(make.user(Role.CONVENER))
    disputes = [make.dispute(title=f"纠纷{i}") for i in range(6)]
    page = client.get("/disputes/?sort=reference&page=2").get_data(as_text=True)
    assert disputes[3].reference in page and "超过 4 条" in page
    deep = client.get("/disputes/?sort=reference&page=500").get_data(as_text=True)
    assert disputes[3].reference in deep and disputes[5].reference not in deep
    assert "仅可逐页浏览前 4 条纠纷" in deep
    narrowed = client.get("/disputes/?q=纠纷1").get_data(as_text=True)
    assert "超过" not in narrowed and "仅可逐页浏览" not in narrowed


def test_who_may_not_escalate_is_told_why(client, make, login):
    police = make.user(Role.COMMUNITY_POLICE)
    make.village(community_police=police)
    dispute = make.dispute(village=make.village(), reporter=police)
    login(police)
    page = client.get(f"/disputes/{dispute.id}").get_data(as_text=True)
    assert 'data-testid="escalate-why"' in page and "接手" in page
    assert 'data-action="escalate"' not in page


def test_the_list_links_titles_labels_its_date_filters_and_sorts_villages_by_pinyin(
        client, make, login):
    for name in ("米山村", "东关社区", "北街社区"):
        make.village(name=name)
    dispute = make.dispute()
    login(make.user(Role.CONVENER))
    page = client.get("/disputes/").get_data(as_text=True)
    assert f'<a href="/disputes/{dispute.id}" data-testid="dispute-title">' in page
    assert '<label class="input-group-text" for="filter-from">' in page
    filter_ = page[page.index('name="village"'):page.index('name="risk"')]
    assert filter_.index("北街社区") < filter_.index("东关社区") < filter_.index("米山村")


def test_the_registration_form_adds_a_party_row_and_keeps_what_was_typed(
        client, make, login):
    login(make.user(Role.GRID_WORKER))
    village = make.village()
    response = client.post("/disputes/new", data=_form(village, add_party="1"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'name="parties-3-name"' in page
    assert 'value="张三"' in page and db.session.scalar(sa.select(Dispute)) is None


def test_the_sector_table_saves_what_a_sub_category_adds(client, make, login):
    from portal.disputes.models import Subcategory

    login(make.user(Role.ADMIN))
    page = client.get("/disputes/sectors").get_data(as_text=True)
    assert page.count('data-testid="subcategory-row"') == len(Subcategory)
    client.post("/disputes/sectors", data={"LABOUR_WAGES:LABOUR_ARBITRATION": "on",
                                           "CONSTRUCTION_SITE_WAGES:HOUSING_CONSTRUCTION": "on"})
    assert services.current_sectors() == {
        Category.LABOUR_WAGES: {OrgKind.LABOUR_ARBITRATION},
        Subcategory.CONSTRUCTION_SITE_WAGES: {OrgKind.HOUSING_CONSTRUCTION}}

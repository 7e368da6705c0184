import pytest
import sqlalchemy as sa

from portal.csvfiles import ImportRejected
from portal.errors import NotAllowed
from portal.extensions import db
from portal.residents import addresses
from portal.residents.models import StandardAddress
from tests.transactions import refused

GOOD = ("村社区,道路或村组,门牌号,楼栋,单元,户室,警格,网格\n"
        "米山村,二组,3,,,,,\n"
        "米山村,幸福路,8,2,1,301,米山警格二,米山网格二\n")


def _count():
    return db.session.scalar(sa.select(sa.func.count(StandardAddress.id)))


def test_import_utf8_file_adds_every_address_with_the_village_grids(world):
    created = addresses.import_csv(world.admin, GOOD.encode("utf-8-sig"))
    assert [a.label for a in created] == ["米山村二组3号", "米山村幸福路8号2栋1单元301室"]
    assert created[0].police_grid == world.village.police_grid
    assert created[1].community_grid == "米山网格二"


def test_import_reads_gbk(world):
    created = addresses.import_csv(world.admin, GOOD.encode("gbk"))
    assert len(created) == 2


def test_bad_file_imports_nothing_and_names_each_line(world):
    before = _count()
    bad = ("村社区,道路或村组,门牌号\n"
           "米山村,二组,3\n"
           "不存在村,二组,4\n"
           "米山村,,5\n"
           "米山村,二组,3\n"
           "米山村,一组,12\n")
    with refused(ImportRejected) as refusal:
        addresses.import_csv(world.admin, bad.encode())
    assert [e.line for e in refusal.value.errors] == [3, 4, 5, 6]
    assert "不存在村" in refusal.value.errors[0].message
    assert _count() == before


def test_only_admins_import(world):
    with pytest.raises(NotAllowed):
        addresses.import_csv(world.grid_worker, GOOD.encode())


def test_import_page_lists_problems(world, login):
    client = login(world.admin)
    response = client.post("/residents/addresses/import", data={
        "file": (__import__("io").BytesIO("村社区,门牌号\n米山村,3\n".encode()), "a.csv")})
    assert response.status_code == 422
    assert "道路或村组" in response.get_data(as_text=True)


def test_reprinting_a_lost_plate_revokes_the_old_token(world, client):
    old = world.plate.token
    assert client.get(f"/d/{old}").status_code == 200
    plates = addresses.issue_plates(world.admin, world.village, reprint=[world.address.id])
    assert plates[0].token != old
    response = client.get(f"/d/{old}")
    assert response.status_code == 404
    assert "此页面不可用" in response.get_data(as_text=True) or "not available" in \
        response.get_data(as_text=True)
    assert client.get(f"/d/{plates[0].token}").status_code == 200


def test_address_form_refuses_a_duplicate_and_keeps_the_input(world, login):
    client = login(world.admin)
    response = client.post("/residents/addresses/new", data={
        "village_id": world.village.id, "road": "一组", "number": "12", "room": ""})
    assert response.status_code == 422
    assert 'value="一组"' in response.get_data(as_text=True)


def test_address_pages_are_for_admins_only(world, login):
    assert login(world.grid_worker).get("/residents/addresses").status_code == 403

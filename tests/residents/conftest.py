"""A village with its grid worker and community police officer, an address and its plate."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from portal.orgs.models import Role, User, Village
from portal.residents.models import Doorplate, StandardAddress, Topic
from portal.residents.services import RequestInput
from tests import samples

PNG = samples.image()  # a real picture: photos are decoded in full


@dataclass
class World:
    village: Village
    grid_worker: User
    police: User
    admin: User
    address: StandardAddress
    plate: Doorplate


@pytest.fixture
def world(make) -> World:
    from portal.residents import addresses

    grid_worker = make.user(Role.GRID_WORKER, full_name="周海燕", phone="13900001111")
    police = make.user(Role.COMMUNITY_POLICE, full_name="吴刚", phone="13900002222")
    admin = make.user(Role.ADMIN)
    village = make.village(name="米山村", grid_worker_id=grid_worker.id,
                           community_police_id=police.id)
    address = addresses.save_address(admin, addresses.AddressInput(village.id, "一组", "12"))
    plate = addresses.issue_plates(admin, village)[0]
    return World(village, grid_worker, police, admin, address, plate)


def request_input(**values) -> RequestInput:
    fields = dict(topic=Topic.NEIGHBOURS, description="邻居家夜里装修，噪音很大",
                  contact_name="张阿姨", contact_phone="13812345678")
    fields.update(values)
    return RequestInput(**fields)

"""The conference list page, the API's conference list and the calendar feed show each
person the same conferences: one scope, `conferences.policy.visible_to` (the feed, a
personal calendar, keeps to the conferences one takes part in)."""

import re

import icalendar
import pytest
import sqlalchemy as sa

from portal.api import tokens
from portal.api.models import SCOPES
from portal.calendar import feeds
from portal.calendar import services as calendar
from portal.conferences.models import Conference
from portal.disputes.models import Category
from portal.extensions import db
from portal.orgs.models import OrgKind, Role
from tests.calendar.conftest import slot


def _scheduled(make, n: int, convener, category: Category) -> Conference:
    secretary = make.user(Role.SECRETARY)
    conference = make.conference(convener=convener, secretary=secretary, category=category)
    proposed = calendar.propose(secretary, conference, slot(n))
    calendar.confirm(convener, conference, proposed, make.room(name=f"调解室{n}"),
                     quorum_reason="先定")
    db.session.commit()
    return conference


@pytest.fixture
def scene(make, nancheng):
    """A labour case and a land case with their bodies invited, and one an administrator
    convenes; all three have a confirmed time and room, so all can be in a feed."""
    _, people = nancheng
    admin = make.user(Role.ADMIN)
    labour = _scheduled(make, 0, make.user(Role.CONVENER), Category.LABOUR_WAGES)
    land = _scheduled(make, 1, make.user(Role.CONVENER), Category.LAND_FOREST)
    own = _scheduled(make, 2, admin, Category.LAND_FOREST)
    return people, admin, labour, land, own


def _room_list(app, make, user) -> set[int]:
    client = app.test_client()
    client.post("/login", data={"username": user.username, "password": make.PASSWORD})
    page = client.get("/conferences/").get_data(as_text=True)
    return {int(ident) for ident in re.findall(r'href="/conferences/(\d+)"', page)}


def _api_list(app, user) -> set[int]:
    _token, raw = tokens.create_personal_token(user, "测试", SCOPES, None)
    response = app.test_client().get("/api/v1/conferences",
                                     headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200, response.json
    return {item["id"] for item in response.json["items"]}


def _feed(app, user) -> set[int]:
    path = f"/calendar/feed/{user.id}/{feeds.feed_token(user)}.ics"
    response = app.test_client().get(path)
    assert response.status_code == 200
    uids = {str(e["UID"]) for e in icalendar.Calendar.from_ical(response.data).walk("VEVENT")}
    return set(db.session.scalars(sa.select(Conference.id).where(Conference.ical_uid.in_(uids))))


def test_an_invited_member_sees_only_the_conference_their_body_is_invited_to(app, make, scene):
    people, _admin, labour, _land, _own = scene
    member = people[OrgKind.LABOUR_ARBITRATION]
    assert _room_list(app, make, member) == _api_list(app, member) == _feed(app, member) == {
        labour.id}


def test_a_member_of_another_agency_does_not_see_a_conference_it_is_not_invited_to(
        app, make, scene):
    people, _admin, labour, land, own = scene
    other = people[OrgKind.NATURAL_RESOURCES]
    assert _room_list(app, make, other) == _api_list(app, other) == _feed(app, other) == {
        land.id, own.id}
    assert labour.id not in _feed(app, other)


def test_an_administrator_lists_every_conference_and_feeds_only_their_own(app, make, scene):
    _people, admin, labour, land, own = scene
    assert _room_list(app, make, admin) == _api_list(app, admin) == {labour.id, land.id, own.id}
    assert _feed(app, admin) == {own.id}

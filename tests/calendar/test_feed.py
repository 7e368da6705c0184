import re

import icalendar
import pytest
import vobject

from portal.calendar import events, services
from portal.extensions import db
from portal.orgs.models import OrgKind
from tests.calendar.conftest import slot


def _feed_links(client) -> tuple[str, str]:
    page = client.get("/calendar/").data.decode()
    return tuple(re.search(rf'value="([^"]+)" data-testid="feed-{kind}"', page).group(1)
                 for kind in ("link", "webcal"))


def _feed_url(client):
    link, webcal = _feed_links(client)
    assert webcal == "webcal://" + link.split("://", 1)[1]
    return link.split("://", 1)[1].split("/", 1)[1]


def _scheduled(world, n=0):
    conference, convener, secretary, _, room = world
    proposed = services.propose(secretary, conference, slot(n))
    services.confirm(convener, conference, proposed, room, quorum_reason="先定")
    return conference


def test_feed_lists_only_my_conferences_without_party_details(world, make, app, login):
    mine = _scheduled(world)
    stranger = make.user()
    court = world[3][OrgKind.COURT]
    client = login(court)
    path = "/" + _feed_url(client)
    client.post("/logout")
    response = app.test_client().get(path)
    assert response.status_code == 200
    text = response.data.decode()
    uids = [str(e["UID"]) for e in icalendar.Calendar.from_ical(response.data).walk("VEVENT")]
    assert uids == [mine.ical_uid]
    assert vobject.readOne(text).vevent.uid.value == mine.ical_uid
    for secret in ("张三", "李四", "11010519491231002X", "13812345678", "ATTENDEE"):
        assert secret not in text
    assert events.feed_events(stranger) == []


def test_rotating_the_secret_revokes_the_old_link(world, app, login):
    _scheduled(world)
    client = login(world[3][OrgKind.COURT])
    old = "/" + _feed_url(client)
    client.post("/calendar/feed/rotate")
    new = "/" + _feed_url(client)
    anonymous = app.test_client()
    revoked = anonymous.get(old)
    assert revoked.status_code == 404 and "我的日程" in revoked.get_data(as_text=True)
    assert anonymous.get(new).status_code == 200
    assert anonymous.get(new.replace(new.rsplit("/", 1)[1], "0" * 40 + ".ics")).status_code \
        == 404


def test_unchanged_feed_answers_not_modified(world, app, login):
    conference = _scheduled(world)
    path = "/" + _feed_url(login(world[3][OrgKind.COURT]))
    anonymous = app.test_client()
    first = anonymous.get(path)
    etag = first.headers["ETag"]
    again = anonymous.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    services.reopen(world[1], conference)
    later = services.propose(world[2], conference, slot(1))
    services.confirm(world[1], conference, later, world[4], quorum_reason="先定")
    changed = anonymous.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


@pytest.mark.parametrize("base", ["http://10.20.1.5:8000", "https://tiaojie.example.gov.cn/"])
def test_feed_links_follow_the_portals_public_address(world, app, login, monkeypatch, base):
    monkeypatch.setitem(app.config, "PORTAL_BASE_URL", base)
    link, webcal = _feed_links(login(world[3][OrgKind.COURT]))
    assert link.startswith(base.rstrip("/") + "/calendar/feed/") and link.endswith(".ics")
    assert webcal == "webcal://" + link.split("://", 1)[1]
    assert app.test_client().get("/" + link.split("/", 3)[3]).status_code == 200


@pytest.mark.parametrize(("language", "name"), [("zh_CN", "联席会商"), ("en", "Joint conferences")])
def test_the_calendar_is_named_in_its_owners_language(world, app, login, language, name):
    _scheduled(world)
    court = world[3][OrgKind.COURT]
    court.language = language
    db.session.commit()
    feed = app.test_client().get("/" + _feed_url(login(court)))
    assert icalendar.Calendar.from_ical(feed.data)["X-WR-CALNAME"] == name

"""Webhooks to a real HTTP receiver on loopback: signatures, retries, order per conference."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from portal.api.models import ApiClient, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from portal.conferences import services as conferences
from portal.disputes import services as disputes
from portal.extensions import db
from portal.orgs.models import Role
from portal.timeutil import utcnow
from tests.transactions import refused

SECRET = "whsec_test"


class Receiver:
    """Records verified events; answers 500 while `failures` is above zero."""

    def __init__(self):
        self.events, self.bad_signatures, self.failures = [], 0, 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                stamp = self.headers["X-Portal-Timestamp"]
                expected = "sha256=" + hmac.new(SECRET.encode(), stamp.encode() + b"." + body,
                                                hashlib.sha256).hexdigest()
                if not hmac.compare_digest(expected, self.headers["X-Portal-Signature"]):
                    receiver.bad_signatures += 1
                    self.send_response(401)
                elif receiver.failures > 0:
                    receiver.failures -= 1
                    self.send_response(500)
                else:
                    receiver.events.append(json.loads(body))
                    self.send_response(204)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(b"")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def types(self) -> list[str]:
        return [e["type"] for e in self.events]


@pytest.fixture
def receiver(app, monkeypatch):
    # The receiver runs on loopback, which an administrator has to allow on purpose.
    monkeypatch.setitem(app.config, "PORTAL_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1/32")
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def subscribed(make, receiver):
    """A client acting as the convener, with an endpoint at the receiver."""
    convener = make.user(Role.CONVENER)
    client = ApiClient(name="平台", scopes="conferences:read", acting_user=convener,
                       created_by_id=convener.id)
    db.session.add(WebhookEndpoint(client=client, url=receiver.url, secret=SECRET))
    db.session.add(client)
    db.session.commit()
    return convener


def _send(**kwargs):
    from portal.api.webhooks import send_due

    return send_due(**kwargs)


def _escalated_conference(make, convener):
    return make.conference(convener=convener)


def test_events_are_signed_and_delivered(make, subscribed, receiver):
    conference = _escalated_conference(make, subscribed)
    report = _send()
    assert report.delivered == 1 and receiver.bad_signatures == 0
    event = receiver.events[0]
    assert event["type"] == "dispute.escalated"
    assert event["data"]["conference_id"] == conference.id
    delivery = db.session.scalar(sa.select(WebhookDelivery))
    assert delivery.status is DeliveryStatus.DELIVERED and delivery.last_status == 204


def test_a_wrong_secret_fails_verification(make, subscribed, receiver):
    db.session.scalar(sa.select(WebhookEndpoint)).secret = "another"
    db.session.commit()
    _escalated_conference(make, subscribed)
    report = _send()
    assert receiver.bad_signatures == 1 and report.retrying == 1
    assert db.session.scalar(sa.select(WebhookDelivery)).last_status == 401


def test_a_failed_delivery_is_retried_after_the_back_off(make, subscribed, receiver):
    _escalated_conference(make, subscribed)
    receiver.failures = 1
    first = _send()
    assert first.retrying == 1 and receiver.events == []
    delivery = db.session.scalar(sa.select(WebhookDelivery))
    assert delivery.last_status == 500 and delivery.next_attempt_at > utcnow()
    assert _send().claimed == 0  # not yet due
    again = _send(now=utcnow() + timedelta(minutes=2))
    assert again.delivered == 1 and receiver.types() == ["dispute.escalated"]


def test_events_of_a_conference_go_out_in_order(make, nancheng, subscribed, receiver):
    conference = _escalated_conference(make, subscribed)
    starts = utcnow() + timedelta(days=2)
    conferences.schedule(subscribed, conference, starts, starts + timedelta(hours=2),
                         make.room(), override_reason="紧急")
    conferences.cancel(subscribed, conference, "当事人已和解")
    receiver.failures = 1  # the first event fails: the later ones must wait for it
    blocked = _send()
    assert blocked.claimed == 1 and receiver.events == []
    later = _send(now=utcnow() + timedelta(minutes=2))
    assert later.delivered == 3
    assert receiver.types() == ["dispute.escalated", "conference.scheduled",
                                "conference.cancelled"]


def test_clients_hear_only_of_what_their_account_may_see(make, receiver):
    outsider = make.user(Role.MEDIATOR)
    client = ApiClient(name="别人", scopes="conferences:read", acting_user=outsider,
                       created_by_id=outsider.id)
    db.session.add_all([client, WebhookEndpoint(client=client, url=receiver.url,
                                                secret=SECRET)])
    db.session.commit()
    make.conference()
    assert db.session.scalar(sa.select(sa.func.count(WebhookDelivery.id))) == 0


def test_a_rolled_back_change_sends_nothing(make, subscribed):
    dispute = make.dispute()
    disputes.assign(subscribed, dispute, subscribed)
    with refused(Exception):  # noqa: B017 - any refusal
        disputes.escalate(subscribed, dispute, 1, "")
    assert db.session.scalar(sa.select(sa.func.count(WebhookDelivery.id))) == 0


def test_the_command_delivers_once(app, make, subscribed, receiver):
    _escalated_conference(make, subscribed)
    result = app.test_cli_runner().invoke(args=["webhooks", "send", "--once"])
    assert "1 delivered" in result.output, result.output
    assert receiver.types() == ["dispute.escalated"]


def test_an_overdue_action_item_is_queued_without_the_parties_data(make, subscribed):
    from datetime import date

    from portal import signals
    from portal.followup.models import Task, TaskKind

    conference = _escalated_conference(make, subscribed)
    task = Task(dispute_id=conference.dispute_id, conference_id=conference.id,
                kind=TaskKind.ACTION, position=1, owner_body="自然资源所", title="现场复核界址",
                due_on=date(2026, 3, 15))
    db.session.add(task)
    db.session.flush()
    signals.task_overdue.send(task, at=utcnow())  # as the scheduler sends it
    db.session.commit()
    delivery = db.session.scalar(sa.select(WebhookDelivery)
                                 .where(WebhookDelivery.event_type == "action_item.overdue"))
    assert delivery.ordering_key == f"conference:{conference.id}"
    data = json.loads(delivery.payload)["data"]
    assert data["task_id"] == task.id and data["due_on"] == "2026-03-15"
    assert data["title"] == "现场复核界址" and data["owner_body"] == "自然资源所"
    party_names = {p.name for p in conference.dispute.parties}
    assert party_names and not any(name in delivery.payload for name in party_names)


def test_the_development_server_delivers_in_process(app, make, subscribed, receiver):
    import threading

    from portal.api.webhooks import start_in_process

    _escalated_conference(make, subscribed)
    stop = threading.Event()
    thread = start_in_process(app, interval=0.05, stop=stop)
    try:
        for _ in range(200):
            if receiver.events:
                break
            stop.wait(0.05)
    finally:
        stop.set()
        thread.join()
        app.extensions.pop("portal_webhooks")
    assert receiver.types() == ["dispute.escalated"]

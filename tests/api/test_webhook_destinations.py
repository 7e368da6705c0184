"""Webhook endpoints cannot reach inside the portal's network: every spelling of an internal
address is refused, names are resolved (through a stub here) and pinned at delivery,
redirects are not followed and the log keeps only a short, escaped excerpt."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from portal.api import outbound
from portal.api.models import ApiClient, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from portal.api.webhooks import send_due
from portal.extensions import db
from portal.orgs.models import Role

INTERNAL = ["http://127.0.0.1:6379/", "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/", "http://localhost:5432/", "http://[::1]:5199/x",
            "http://0x7f000001:5199/", "http://2130706433/", "http://0177.0.0.1/",
            "http://[::ffff:127.0.0.1]/", "http://192.168.1.1/", "http://224.0.0.1/",
            "http://100.64.0.1/", "http://[fe80::1]/", "http://0.0.0.0/", "http://127.1/"]


class Local:
    """A loopback server whose answer the test chooses; it records each request."""

    def __init__(self, status=204, body=b"", headers=()):
        self.requests = []
        local = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                local.requests.append((self.path, self.headers["Host"]))
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def local():
    servers = []

    def start(**kwargs):
        servers.append(Local(**kwargs))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def no_connections(monkeypatch):
    """Any connection attempt is recorded and fails, so nothing leaves the machine."""
    attempts = []

    def refuse(address, *args, **kwargs):
        attempts.append(address)
        raise ConnectionRefusedError("test: no connections")

    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


def _endpoint(make, url) -> WebhookEndpoint:
    convener = make.user(Role.CONVENER)
    client = ApiClient(name="平台", scopes="conferences:read", acting_user=convener,
                       created_by_id=convener.id)
    endpoint = WebhookEndpoint(client=client, url=url, secret="whsec_test")
    db.session.add_all([client, endpoint])
    db.session.commit()
    make.conference(convener=convener)
    return endpoint


def _delivery() -> WebhookDelivery:
    db.session.expire_all()
    return db.session.scalar(sa.select(WebhookDelivery))


@pytest.mark.parametrize("url", INTERNAL)
def test_internal_addresses_are_refused_at_delivery(make, url, no_connections):
    _endpoint(make, url)
    report = send_due()
    assert report.delivered == 0 and no_connections == []
    assert "internal address" in _delivery().last_error


def test_internal_addresses_are_refused_when_the_endpoint_is_added(make, login, client):
    admin = make.user(Role.ADMIN)
    registered = ApiClient(name="平台", scopes="conferences:read", acting_user=admin,
                           created_by_id=admin.id)
    db.session.add(registered)
    db.session.commit()
    login(admin)
    for url in ("http://127.0.0.1:6379/", "http://169.254.169.254/latest/meta-data/",
                "http://localhost:5432/", "http://[::1]:5199/x", "http://10.0.0.1/"):
        page = client.post(f"/api-tokens/clients/{registered.id}", data={"url": url})
        assert "内部网络" in page.get_data(as_text=True), url
    assert db.session.scalar(sa.select(sa.func.count(WebhookEndpoint.id))) == 0


def test_a_name_that_resolves_inside_is_refused(make, monkeypatch, no_connections):
    monkeypatch.setattr(outbound, "system_resolver", lambda host, port: ["8.8.8.8", "10.1.2.3"])
    _endpoint(make, "https://hooks.platform.example/in")
    send_due()
    assert no_connections == [] and "10.1.2.3" in _delivery().last_error


def test_an_allowed_internal_network_is_called_at_the_address_checked(
        make, app, monkeypatch, local):
    server = local()
    answers = iter([["127.0.0.1"], ["10.9.9.9"]])  # a second lookup would rebind the name
    lookups = []

    def resolver(host, port):
        lookups.append(host)
        return next(answers)

    monkeypatch.setattr(outbound, "system_resolver", resolver)
    monkeypatch.setitem(app.config, "PORTAL_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8")
    _endpoint(make, f"http://hooks.platform.example:{server.port}/in")
    assert send_due().delivered == 1
    assert lookups == ["hooks.platform.example"]
    assert server.requests == [("/in", f"hooks.platform.example:{server.port}")]


def test_internal_networks_are_closed_by_default(app):
    assert app.config["PORTAL_WEBHOOK_ALLOWED_NETWORKS"] == ""


def test_redirects_are_not_followed(make, app, monkeypatch, local):
    target = local()
    server = local(status=302, headers=[("Location", f"http://127.0.0.1:{target.port}/healthz")])
    monkeypatch.setitem(app.config, "PORTAL_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1/32")
    _endpoint(make, f"http://127.0.0.1:{server.port}/in")
    send_due()
    delivery = _delivery()
    assert delivery.status is not DeliveryStatus.DELIVERED and delivery.last_status == 302
    assert target.requests == []


def test_the_log_keeps_only_a_short_escaped_excerpt(make, app, monkeypatch, local, login,
                                                     client):
    body = b"<script>alert(1)</script>" + b"secret-config " * 400
    server = local(status=500, body=body)
    monkeypatch.setitem(app.config, "PORTAL_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1/32")
    endpoint = _endpoint(make, f"http://127.0.0.1:{server.port}/in")
    send_due()
    kept = _delivery().last_response
    assert kept.startswith("<script>") and len(kept) <= 200
    admin = make.user(Role.ADMIN)
    login(admin)
    page = client.get(f"/api-tokens/clients/{endpoint.client_id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)" in page and "<script>alert(1)" not in page

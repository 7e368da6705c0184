"""The pages behind the API: links, webhook endpoints with a secret shown once, the delivery
log with the last response, retries, and confirmations before anything stops."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.api.models import ApiClient, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.orgs.models import Role

SECRET = re.compile(r"whsec_[A-Za-z0-9_-]{20,}")


def _client(make) -> ApiClient:
    admin = make.user(Role.ADMIN)
    client = ApiClient(name="平安高平", scopes="conferences:read", acting_user=admin,
                       created_by_id=admin.id)
    db.session.add(client)
    db.session.commit()
    return client


def _audited(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_token_holders_find_their_tokens_once_and_admins_the_clients(make, login, client):
    login(make.user(Role.MEDIATOR))
    page = client.get("/disputes/").get_data(as_text=True)
    assert page.count('href="/api-tokens/"') == 1
    assert "/api-tokens/clients" not in client.get("/api-tokens/").get_data(as_text=True)
    client.post("/logout")
    login(make.user(Role.ADMIN))
    assert "/api-tokens/clients" in client.get("/admin/").get_data(as_text=True)


def test_an_endpoint_secret_is_shown_once_and_audited(make, login, client):
    registered = _client(make)
    login(registered.acting_user)
    page = client.post(f"/api-tokens/clients/{registered.id}",
                       data={"url": "https://platform.gaoping.gov.cn/hooks"})
    secret = SECRET.search(page.get_data(as_text=True)).group(0)
    assert db.session.scalar(sa.select(WebhookEndpoint)).secret == secret
    again = client.get(f"/api-tokens/clients/{registered.id}").get_data(as_text=True)
    assert secret not in again and "platform.gaoping.gov.cn/hooks" in again
    assert _audited("webhook_endpoint.created")[0].summary == "https://platform.gaoping.gov.cn/hooks"


def test_only_web_addresses_are_accepted(make, login, client):
    registered = _client(make)
    login(registered.acting_user)
    for url in ("file:///etc/passwd", "ftp://example.org/hooks", "not a url"):
        page = client.post(f"/api-tokens/clients/{registered.id}", data={"url": url})
        assert page.status_code == 200 and SECRET.search(page.get_data(as_text=True)) is None
    assert db.session.scalar(sa.select(sa.func.count(WebhookEndpoint.id))) == 0


def test_disabling_an_endpoint_needs_the_confirmation(make, login, client):
    registered = _client(make)
    endpoint = WebhookEndpoint(client=registered, url="http://127.0.0.1:9/hooks", secret="s")
    db.session.add(endpoint)
    db.session.commit()
    login(registered.acting_user)
    client.post(f"/api-tokens/endpoints/{endpoint.id}/remove")
    db.session.refresh(endpoint)
    assert endpoint.active and _audited("webhook_endpoint.disabled") == []
    client.post(f"/api-tokens/endpoints/{endpoint.id}/remove", data={"confirm": "yes"})
    db.session.refresh(endpoint)
    assert not endpoint.active and len(_audited("webhook_endpoint.disabled")) == 1


def test_delivery_log_shows_the_last_response_pages_and_retries(make, login, client, app):
    registered = _client(make)
    endpoint = WebhookEndpoint(client=registered, url="http://127.0.0.1:9/hooks", secret="s")
    db.session.add(endpoint)
    db.session.commit()
    login(registered.acting_user)
    empty = client.get(f"/api-tokens/clients/{registered.id}").get_data(as_text=True)
    assert 'data-testid="deliveries"' not in empty

    for n in range(app.config["PORTAL_PAGE_SIZE"] + 1):
        db.session.add(WebhookDelivery(
            endpoint_id=endpoint.id, event_id=f"e{n}", event_type="conference.scheduled",
            ordering_key=f"conference:{n}", payload="{}", status=DeliveryStatus.FAILED,
            attempts=10, last_status=503, last_response=f"维护中 {n}"))
    db.session.commit()
    first = client.get(f"/api-tokens/clients/{registered.id}").get_data(as_text=True)
    newest = app.config["PORTAL_PAGE_SIZE"]
    assert f"维护中 {newest}" in first and "维护中 0<" not in first and "503" in first
    second = client.get(f"/api-tokens/clients/{registered.id}?page=2").get_data(as_text=True)
    assert "维护中 0" in second

    failed = db.session.scalar(sa.select(WebhookDelivery).where(WebhookDelivery.event_id == "e0"))
    client.post(f"/api-tokens/deliveries/{failed.id}/retry")
    db.session.refresh(failed)
    assert failed.status is DeliveryStatus.PENDING and failed.attempts == 0
    assert len(_audited("webhook_delivery.retried")) == 1
    client.post(f"/api-tokens/deliveries/{failed.id}/retry")  # pending: not again
    assert len(_audited("webhook_delivery.retried")) == 1


def test_rotating_needs_the_confirmation(make, login, client):
    from portal.api import tokens

    admin = make.user(Role.ADMIN)
    registered, _raw = tokens.create_client(admin, "网格平台", ["disputes:read"], admin)
    login(admin)
    client.post(f"/api-tokens/clients/{registered.id}/rotate")
    assert len(registered.tokens) == 1 and _audited("api_client.rotated") == []

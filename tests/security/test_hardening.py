"""HSTS over https, forwarded addresses believed only from configured proxies, and
`portal doctor` naming weak production settings."""

from __future__ import annotations

from portal.config import networks
from portal.proxies import TrustedProxies


def _login(client, n, **headers):
    return client.post("/login", data={"username": "nobody", "password": f"guess-{n}-123"},
                       headers=headers)


def test_hsts_is_sent_over_https_only(client, app, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    secure = client.get("/healthz", base_url="https://portal.example")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    monkeypatch.setitem(app.config, "PORTAL_HSTS_SECONDS", 0)
    secure = client.get("/healthz", base_url="https://portal.example")
    assert "Strict-Transport-Security" not in secure.headers


def test_a_forged_forwarded_for_does_not_escape_the_sign_in_limit(client):
    statuses = [_login(client, n, **{"X-Forwarded-For": f"203.0.113.{n}"}).status_code
                for n in range(11)]
    assert statuses[-1] == 429


def test_a_trusted_proxy_passes_on_the_client_address(app, client, monkeypatch):
    monkeypatch.setattr(app, "wsgi_app", TrustedProxies(app.wsgi_app, networks("127.0.0.1")))
    statuses = [_login(client, n, **{"X-Forwarded-For": f"198.51.100.{n}"}).status_code
                for n in range(11)]
    assert 429 not in statuses


def test_only_the_hops_after_the_trusted_proxies_count():
    seen = {}

    def inner(environ, start_response):
        seen.update(addr=environ["REMOTE_ADDR"], scheme=environ["wsgi.url_scheme"])
        return []

    middleware = TrustedProxies(inner, networks("10.0.0.0/24"))
    forged = "6.6.6.6, 198.51.100.7, 10.0.0.9"
    middleware({"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": forged,
                "HTTP_X_FORWARDED_PROTO": "https", "wsgi.url_scheme": "http"}, None)
    assert seen == {"addr": "198.51.100.7", "scheme": "https"}
    middleware({"REMOTE_ADDR": "198.51.100.8", "HTTP_X_FORWARDED_FOR": "10.0.0.1",
                "HTTP_X_FORWARDED_PROTO": "https", "wsgi.url_scheme": "http"}, None)
    assert seen == {"addr": "198.51.100.8", "scheme": "http"}


def test_doctor_names_weak_production_settings(app, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", False)
    monkeypatch.setitem(app.config, "PORTAL_WEBHOOK_ALLOWED_NETWORKS", "0.0.0.0/0")
    output = app.test_cli_runner().invoke(args=["doctor"]).output
    for setting in ("SESSION_COOKIE_SECURE", "PORTAL_BASE_URL", "RATELIMIT_STORAGE_URI",
                    "PORTAL_WEBHOOK_ALLOWED_NETWORKS"):
        assert f"[FAIL] setting {setting}" in output, output

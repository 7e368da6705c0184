"""The JSON API under /api/v1, its bearer tokens, webhooks and their admin pages."""

from __future__ import annotations


def init_app(app) -> None:
    """Register the API; call after the portal's own error pages are registered."""
    from portal.api import conferences, disputes, webhooks  # noqa: F401 - routes, listener
    from portal.api.admin import bp as admin_bp
    from portal.api.blueprint import PREFIX, api, bp, rate_key, rate_limit
    from portal.api.docs import bp as docs_bp
    from portal.api.errors import register, wrap_app_handlers
    from portal.extensions import csrf, limiter

    app.config.setdefault("API_TITLE", "Case-conference portal API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    api.init_app(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer",
                       "description": "A token from the portal's API tokens page."})
    if not getattr(bp, "_portal_ready", False):  # a blueprint is set up once, for any app
        register(bp)
        csrf.exempt(bp)
        limiter.limit(rate_limit, key_func=rate_key)(bp)
        bp._portal_ready = True
    api.register_blueprint(bp)
    app.register_blueprint(docs_bp)
    app.register_blueprint(admin_bp)
    wrap_app_handlers(app, PREFIX)
    _deliver_with_dev_server(app)


def _deliver_with_dev_server(app) -> None:
    """Like the reminder scheduler (portal.web), the development server sends webhooks
    in-process, from its first request on, so the reloader's watcher never does."""
    if not app.debug or app.testing or app.config["PORTAL_SCHEDULER"] == "off":
        return

    @app.before_request
    def start_webhook_delivery():
        from portal.api.webhooks import start_in_process

        start_in_process(app)

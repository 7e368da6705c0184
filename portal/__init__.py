"""The case-conference portal: `create_app` builds the Flask application."""

import os

from flask import Flask

from portal.config import CONFIGS, INSTANCE_DIR, STATIC_DIR, TEMPLATES_DIR, check


def create_app(config_name: str | None = None, *, pages: bool = True, **overrides) -> Flask:
    """``pages=False`` defers the pages to their first use (see ``web.PortalApp``)."""
    from portal import web

    config_name = config_name or os.environ.get("PORTAL_ENV", "development")
    app = web.PortalApp(
        __name__,
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(STATIC_DIR),
        instance_path=str(INSTANCE_DIR),
    )
    app.config.from_object(CONFIGS[config_name])
    app.config["ENV_NAME"] = config_name
    app.config.update(overrides)
    check(app.config)

    web.init_app(app, pages=pages)
    return app

"""The case-conference portal: `create_app` builds the Flask application."""

import os

from flask import Flask

from portal.config import CONFIGS, INSTANCE_DIR, STATIC_DIR, TEMPLATES_DIR, check


def create_app(config_name: str | None = None, **overrides) -> Flask:
    config_name = config_name or os.environ.get("PORTAL_ENV", "development")
    app = Flask(
        __name__,
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(STATIC_DIR),
        instance_path=str(INSTANCE_DIR),
    )
    app.config.from_object(CONFIGS[config_name])
    app.config["ENV_NAME"] = config_name
    app.config.update(overrides)
    check(app.config)

    from portal import web

    web.init_app(app)
    return app

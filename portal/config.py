"""Configuration classes, read from the environment."""

import os
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSECURE_SECRET_KEY = "dev-insecure-change-me"


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", INSECURE_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'portal.sqlite3'}"
    )
    PORTAL_TIMEZONE = os.environ.get("PORTAL_TIMEZONE", "Asia/Shanghai")
    PORTAL_DEMO = _env_bool("PORTAL_DEMO")
    PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000")
    PORTAL_IDLE_MINUTES = int(os.environ.get("PORTAL_IDLE_MINUTES", "30"))
    PORTAL_LOCKOUT_ATTEMPTS = int(os.environ.get("PORTAL_LOCKOUT_ATTEMPTS", "5"))
    PORTAL_LOCKOUT_MINUTES = int(os.environ.get("PORTAL_LOCKOUT_MINUTES", "15"))
    PORTAL_PAGE_SIZE = int(os.environ.get("PORTAL_PAGE_SIZE", "25"))
    PORTAL_REFERENCE_PREFIX = os.environ.get("PORTAL_REFERENCE_PREFIX", "南城矛")
    PORTAL_REFERENCE_DIGITS = int(os.environ.get("PORTAL_REFERENCE_DIGITS", "4"))
    PORTAL_IMPORT_MAX_MB = int(os.environ.get("PORTAL_IMPORT_MAX_MB", "200"))
    PORTAL_DOCUMENT_MAX_MB = int(os.environ.get("PORTAL_DOCUMENT_MAX_MB", "10"))
    PORTAL_MINUTES_ISSUER = os.environ.get("PORTAL_MINUTES_ISSUER", "南城矛盾纠纷联席会商办公室")
    PORTAL_SEAL_LOCATION = os.environ.get("PORTAL_SEAL_LOCATION", "山西省高平市")
    PORTAL_KEYS_DIR = os.environ.get("PORTAL_KEYS_DIR")
    PORTAL_SEAL_KEY = os.environ.get("PORTAL_SEAL_KEY")
    PORTAL_SEAL_CERT = os.environ.get("PORTAL_SEAL_CERT")
    PORTAL_SEAL_CHAIN = os.environ.get("PORTAL_SEAL_CHAIN", "")
    PORTAL_TRUST_ROOT = os.environ.get("PORTAL_TRUST_ROOT")

    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = PORTAL_TIMEZONE
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "portal" / "translations")
    LANGUAGES = ("zh_CN", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

    WTF_CSRF_TIME_LIMIT = None  # the session's idle timeout already bounds a token's life
    BOOTSTRAP_SERVE_LOCAL = True
    BOOTSTRAP_BOOTSWATCH_THEME = None

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    PORTAL_LOGIN_LIMIT = os.environ.get("PORTAL_LOGIN_LIMIT", "10 per minute")

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "portal@localhost")

    MAX_CONTENT_LENGTH = int(os.environ.get("PORTAL_MAX_UPLOAD_MB", "20")) * 1024 * 1024


class DevelopmentConfig(Config):
    DEBUG = True


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "sqlite://")
    RATELIMIT_STORAGE_URI = "memory://"
    PORTAL_DEMO = True


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


class ConfigError(RuntimeError):
    """The configuration cannot be used to start the portal."""


def check(config: dict) -> None:
    """Refuse settings that would be unsafe in production."""
    if config.get("ENV_NAME") == "production":
        key = config.get("SECRET_KEY")
        if not key or key == INSECURE_SECRET_KEY or len(key) < 16:
            raise ConfigError(
                "SECRET_KEY must be set to a long random value in production "
                "(for example: python -c 'import secrets; print(secrets.token_hex(32))')."
            )

"""Configuration classes, read from the environment."""

import ipaddress
import os
import sys
from datetime import timedelta
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
# A checkout keeps templates/, migrations/ and examples/ at its top; a built wheel carries
# them inside the package (setup.py), so an installed portal finds them there.
INSTALLED = (PACKAGE / "templates").is_dir()
_DATA = PACKAGE if INSTALLED else ROOT
TEMPLATES_DIR = _DATA / "templates"
MIGRATIONS_DIR = _DATA / "migrations"
EXAMPLES_DIR = _DATA / "examples"
STATIC_DIR = PACKAGE / "static"
TRANSLATIONS_DIR = PACKAGE / "translations"
# Flask's own choice for an installed application: <venv>/var/portal-instance.
INSTANCE_DIR = Path(os.environ.get("PORTAL_INSTANCE_DIR") or (
    Path(sys.prefix) / "var" / "portal-instance" if INSTALLED else ROOT / "instance"))
INSECURE_SECRET_KEY = "dev-insecure-change-me"


# Every environment variable the portal reads, with the reason when its value could not be
# used (the default stands in); `portal doctor` reports both.
ENVIRONMENT: set[str] = {"PORTAL_ENV", "PORTAL_INSTANCE_DIR"}
PROBLEMS: dict[str, str] = {}


def _env(name: str, default: str | None = None) -> str | None:
    ENVIRONMENT.add(name)
    return os.environ.get(name, default)


def _env_bool(name: str, default: bool = False) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_number(name: str, default: int | float, kind=int, minimum: float = 1):
    value = _env(name)
    if value is None:
        return default
    try:
        number = kind(value.strip())
    except ValueError:
        number = None
    if number is None or number < minimum:
        PROBLEMS[name] = f"{value!r} is not a number of at least {minimum:g}; using {default}"
        return default
    return number
def networks(text: str | None) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """A setting such as "10.20.0.0/16, fd00::/8, 10.0.0.5" as networks."""
    return [ipaddress.ip_network(item.strip(), strict=False)
            for item in (text or "").split(",") if item.strip()]


class Config:
    SECRET_KEY = _env("SECRET_KEY", INSECURE_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = _env(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'portal.sqlite3'}"
    )
    # A connection the database dropped (a restart) is replaced before use, not failed on.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    PORTAL_TIMEZONE = _env("PORTAL_TIMEZONE", "Asia/Shanghai")
    PORTAL_DEMO = _env_bool("PORTAL_DEMO")
    PORTAL_BASE_URL = _env("PORTAL_BASE_URL", "http://127.0.0.1:5000")
    PORTAL_IDLE_MINUTES = _env_number("PORTAL_IDLE_MINUTES", 30)
    PORTAL_LOCKOUT_ATTEMPTS = _env_number("PORTAL_LOCKOUT_ATTEMPTS", 5)
    PORTAL_LOCKOUT_MINUTES = _env_number("PORTAL_LOCKOUT_MINUTES", 15)
    PORTAL_PAGE_SIZE = _env_number("PORTAL_PAGE_SIZE", 25)
    PORTAL_REFERENCE_PREFIX = _env("PORTAL_REFERENCE_PREFIX", "南城矛")
    PORTAL_REFERENCE_DIGITS = _env_number("PORTAL_REFERENCE_DIGITS", 4)
    PORTAL_IMPORT_MAX_MB = _env_number("PORTAL_IMPORT_MAX_MB", 200)
    PORTAL_DOCUMENT_MAX_MB = _env_number("PORTAL_DOCUMENT_MAX_MB", 10)
    # The one issuing body named in the header of every document the portal issues.
    PORTAL_ISSUER = _env("PORTAL_ISSUER",
                         _env("PORTAL_MINUTES_ISSUER", "南城矛盾纠纷联席会商办公室"))
    PORTAL_MINUTES_ISSUER = PORTAL_ISSUER
    # Minutes carry their own number per year: 南城会纪〔2026〕9号.
    PORTAL_MINUTES_PREFIX = _env("PORTAL_MINUTES_PREFIX", "南城会纪")
    # Printed on the case file's cover (保管期限).
    PORTAL_CASEFILE_KEEPING = _env("PORTAL_CASEFILE_KEEPING", "长期")
    # The basic-level court where the committees are, addressed by applications for
    # judicial confirmation.
    PORTAL_CONFIRMATION_COURT = _env("PORTAL_CONFIRMATION_COURT", "高平市人民法院")
    PORTAL_SEAL_LOCATION = _env("PORTAL_SEAL_LOCATION", "山西省高平市")
    PORTAL_KEYS_DIR = _env("PORTAL_KEYS_DIR")
    PORTAL_SEAL_KEY = _env("PORTAL_SEAL_KEY")
    PORTAL_SEAL_CERT = _env("PORTAL_SEAL_CERT")
    PORTAL_SEAL_CHAIN = _env("PORTAL_SEAL_CHAIN", "")
    PORTAL_TRUST_ROOT = _env("PORTAL_TRUST_ROOT")
    # An RFC 3161 time-stamping authority: seals then carry its timestamp (PAdES B-T).
    # Operator-given like DATABASE_URL, so it may be internal (no webhook address rules).
    PORTAL_TSA_URL = _env("PORTAL_TSA_URL", "")
    PORTAL_TSA_TIMEOUT = _env_number("PORTAL_TSA_TIMEOUT", 10.0, float, 0.1)
    # The authority's root certificate, for checking the timestamps of uploaded documents.
    PORTAL_TSA_TRUST_ROOT = _env("PORTAL_TSA_TRUST_ROOT")
    # "off" keeps the development server from running the scheduler and webhook sender.
    PORTAL_SCHEDULER = _env("PORTAL_SCHEDULER", "on")
    PORTAL_SCHEDULER_NOW = _env("PORTAL_SCHEDULER_NOW")

    PORTAL_API_MAX_BODY_BYTES = _env_number("PORTAL_API_MAX_BODY_BYTES", 1024 * 1024)
    PORTAL_API_RATE_LIMIT = _env("PORTAL_API_RATE_LIMIT", "600 per minute")
    PORTAL_WEBHOOK_MAX_ATTEMPTS = _env_number("PORTAL_WEBHOOK_MAX_ATTEMPTS", 10)
    PORTAL_WEBHOOK_TIMEOUT = _env_number("PORTAL_WEBHOOK_TIMEOUT", 10.0, float, 0.1)

    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = PORTAL_TIMEZONE
    BABEL_TRANSLATION_DIRECTORIES = str(TRANSLATIONS_DIR)
    LANGUAGES = ("zh_CN", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

    WTF_CSRF_TIME_LIMIT = None  # the session's idle timeout already bounds a token's life
    BOOTSTRAP_SERVE_LOCAL = True
    BOOTSTRAP_BOOTSWATCH_THEME = None

    # Reverse proxies whose X-Forwarded-For/-Proto are believed, e.g. "10.0.0.5, 10.0.1.0/24".
    PORTAL_TRUSTED_PROXIES = _env("PORTAL_TRUSTED_PROXIES", "")
    # Strict-Transport-Security on https responses; 0 turns it off.
    PORTAL_HSTS_SECONDS = _env_number("PORTAL_HSTS_SECONDS", 365 * 24 * 3600, minimum=0)

    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    PORTAL_LOGIN_LIMIT = _env("PORTAL_LOGIN_LIMIT", "10 per minute")
    PORTAL_LOGIN_ADDRESS_LIMIT = _env("PORTAL_LOGIN_ADDRESS_LIMIT", "60 per minute")

    MAIL_SERVER = _env("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = _env_number("MAIL_PORT", 25)
    MAIL_USERNAME = _env("MAIL_USERNAME")
    MAIL_PASSWORD = _env("MAIL_PASSWORD")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS")
    MAIL_SENDER = _env("MAIL_SENDER", "portal@localhost")
    MAIL_TIMEOUT = _env_number("MAIL_TIMEOUT", 30.0, float, 0.1)
    OUTBOX_MAX_ATTEMPTS = _env_number("OUTBOX_MAX_ATTEMPTS", 12)
    OUTBOX_LEASE_SECONDS = _env_number("OUTBOX_LEASE_SECONDS", 300)
    # "module:function" rendering every PDF instead of WeasyPrint; empty: WeasyPrint.
    PORTAL_PDF_ENGINE = _env("PORTAL_PDF_ENGINE", "")

    PORTAL_FIRST_CONTACT_HOURS = _env_number("PORTAL_FIRST_CONTACT_HOURS", 24)
    PORTAL_RESIDENT_PHOTO_MAX_MB = _env_number("PORTAL_RESIDENT_PHOTO_MAX_MB", 5)
    PORTAL_RESIDENT_REQUESTS_PER_ADDRESS_DAY = _env_number(
        "PORTAL_RESIDENT_REQUESTS_PER_ADDRESS_DAY", 5)
    PORTAL_DOORPLATE_LIMIT = _env("PORTAL_DOORPLATE_LIMIT", "5 per hour")
    PORTAL_CASE_PAGE_LIMIT = _env("PORTAL_CASE_PAGE_LIMIT", "20 per 10 minutes")
    PORTAL_SMS_PROVIDER = _env("PORTAL_SMS_PROVIDER", "log")
    PORTAL_SMS_ALIYUN_KEY_ID = _env("PORTAL_SMS_ALIYUN_KEY_ID")
    PORTAL_SMS_ALIYUN_KEY_SECRET = _env("PORTAL_SMS_ALIYUN_KEY_SECRET")
    PORTAL_SMS_ALIYUN_SIGN_NAME = _env("PORTAL_SMS_ALIYUN_SIGN_NAME")
    PORTAL_SMS_ALIYUN_TEMPLATE = _env("PORTAL_SMS_ALIYUN_TEMPLATE")
    # Internal networks webhook endpoints may be in, e.g. "10.20.0.0/16" (none by default).
    PORTAL_WEBHOOK_ALLOWED_NETWORKS = _env("PORTAL_WEBHOOK_ALLOWED_NETWORKS", "")

    MAX_CONTENT_LENGTH = _env_number("PORTAL_MAX_UPLOAD_MB", 20) * 1024 * 1024


class DevelopmentConfig(Config):
    DEBUG = True


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", "sqlite://")
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

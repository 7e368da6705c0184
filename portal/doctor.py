"""`portal doctor`: checks a deployment's moving parts and says what to fix."""

from __future__ import annotations

import os
import shutil
import smtplib
import subprocess
from dataclasses import dataclass

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from portal.config import INSECURE_SECRET_KEY, networks
from portal.extensions import db


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def run_checks() -> list[Check]:
    return [_database(), _migrations(), _fonts(), _mail(), _secret_key(), _statistics(),
            _settings(), _holidays(), _timestamping(), *_production_settings()]


def _database() -> Check:
    url = db.engine.url.render_as_string(hide_password=True)
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure is the finding
        return Check("database", False, f"{url}: {error.__class__.__name__}: {error}",
                     "Check DATABASE_URL and that the database server is running.")
    return Check("database", True, url)


def _migrations() -> Check:
    script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    heads = set(script.get_heads())
    try:
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except Exception as error:  # noqa: BLE001
        return Check("migrations", False, str(error), "Fix the database connection first.")
    if current == heads:
        return Check("migrations", True, f"at head {', '.join(sorted(heads))}")
    return Check("migrations", False,
                 f"database at {', '.join(sorted(current)) or 'nothing'}, code at "
                 f"{', '.join(sorted(heads))}", "Run: portal db upgrade")


def _fonts() -> Check:
    if not shutil.which("fc-list"):
        return Check("CJK fonts", False, "fontconfig is not installed",
                     "apt-get install fontconfig fonts-noto-cjk")
    found = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True,
                           check=False).stdout
    if "Noto" in found:
        return Check("CJK fonts", True, "Noto CJK found")
    return Check("CJK fonts", False, "no Noto CJK font; PDFs would show empty boxes",
                 "apt-get install fonts-noto-cjk")


def _mail() -> Check:
    host, port = current_app.config["MAIL_SERVER"], current_app.config["MAIL_PORT"]
    try:
        with smtplib.SMTP(host, port, timeout=3) as smtp:
            smtp.noop()
    except (TimeoutError, OSError, smtplib.SMTPException) as error:
        return Check("mail", False, f"{host}:{port} unreachable ({error})",
                     "Set MAIL_SERVER/MAIL_PORT (and MAIL_USERNAME, MAIL_PASSWORD, "
                     "MAIL_USE_TLS) to your SMTP relay; mail waits in the outbox meanwhile.")
    return Check("mail", True, f"{host}:{port} answers")


def _secret_key() -> Check:
    key = current_app.config.get("SECRET_KEY")
    if not key or key == INSECURE_SECRET_KEY:
        return Check("secret key", False, "the development default is in use",
                     "Set SECRET_KEY to a long random value (required in production).")
    return Check("secret key", True, "set")


def _statistics() -> Check:
    from portal.statistics.upkeep import current

    name = "statistics summaries"
    try:
        kept = current(db.session.connection())
    except Exception as error:  # noqa: BLE001
        db.session.rollback()
        return Check(name, False, str(error), "Fix the database and migrations first.")
    if kept:
        return Check(name, True, "current, by UTC hour, day and month (regrouped for "
                                 "every viewer's zone)")
    return Check(name, False, "not current: the dashboard counts in the registers (slower)",
                 "Run: portal statistics rebuild (the scheduler's next tick does the same)")


def _settings() -> Check:
    from zoneinfo import ZoneInfo

    from limits import parse_many

    from portal.config import ENVIRONMENT, PROBLEMS

    config = current_app.config
    problems = [f"{name}: {problem}" for name, problem in sorted(PROBLEMS.items())]
    try:
        ZoneInfo(config["PORTAL_TIMEZONE"])
    except (ValueError, KeyError):
        problems.append(f"PORTAL_TIMEZONE: {config['PORTAL_TIMEZONE']!r} is no IANA time zone")
    for name in ("PORTAL_LOGIN_LIMIT", "PORTAL_LOGIN_ADDRESS_LIMIT", "PORTAL_API_RATE_LIMIT"):
        try:
            parse_many(config[name])
        except ValueError:
            problems.append(f"{name}: {config[name]!r} is no rate such as '10 per minute'")
    if config.get("ENV_NAME") == "production" and not config["PORTAL_BASE_URL"].startswith(
            "https://"):
        problems.append("PORTAL_BASE_URL: links in mail and QR codes should use https://")
    unknown = sorted(name for name in os.environ
                     if name.startswith("PORTAL_") and not name.startswith("PORTAL_TEST_")
                     and name not in ENVIRONMENT)
    problems += [f"{name}: the portal reads no such setting (a typing error?)"
                 for name in unknown]
    if problems:
        return Check("settings", False, "; ".join(problems),
                     "Correct these environment variables (README, Configuration).")
    given = sorted(name for name in ENVIRONMENT if name in os.environ)
    return Check("settings", True, f"{len(given)} set in the environment, all valid")


def _holidays() -> Check:
    from portal.holidays.services import missing_years

    name = "holiday calendar"
    try:
        missing = missing_years()
    except Exception as error:  # noqa: BLE001
        db.session.rollback()
        return Check(name, False, str(error), "Fix the database and migrations first.")
    if missing:
        years = ", ".join(str(year) for year in missing)
        base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
        return Check(name, False,
                     f"no public holidays or make-up working days known for {years}: Monday "
                     "to Friday count as working days",
                     f"Enter them from the State Council's notice at "
                     f"{base}/admin/holidays/{missing[0]} (or upgrade chinesecalendar)")
    return Check(name, True, "this year's holidays are known (and next year's from November)")
def _timestamping() -> Check:
    from urllib.parse import urlsplit

    from reports.signing import TimestampUnavailable, request_timestamp

    name, url = "time-stamping authority", current_app.config["PORTAL_TSA_URL"]
    if not url:
        return Check(name, True, "none configured: seals are PAdES B-B, their signing time is "
                                 "the portal's own claim (set PORTAL_TSA_URL for B-T)")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Check(name, False, f"PORTAL_TSA_URL {url!r} is not an http(s) address",
                     "Set PORTAL_TSA_URL to the authority's RFC 3161 address, e.g. "
                     "http://tsa.example.gov.cn/tsa")
    try:
        at = request_timestamp(url, current_app.config["PORTAL_TSA_TIMEOUT"])
    except TimestampUnavailable as error:
        return Check(name, False, f"{url} gave no timestamp ({error}); seal jobs wait and "
                                  "are tried again every minute, nothing is issued unstamped",
                     "Check the address and the network path to the authority, or unset "
                     "PORTAL_TSA_URL to issue PAdES B-B seals without a timestamp.")
    return Check(name, True, f"{url} answers ({at.isoformat()}): seals are PAdES B-T")


def _weak_settings(config) -> list[tuple[str, str, str]]:
    """(setting, what is weak, the fix) for each production setting that is weak."""
    found = []
    if not config.get("SESSION_COOKIE_SECURE"):
        found.append(("SESSION_COOKIE_SECURE", "session cookies are also sent over plain http",
                      "Serve over https and set SESSION_COOKIE_SECURE=1."))
    if not str(config.get("PORTAL_BASE_URL", "")).startswith("https://"):
        found.append(("PORTAL_BASE_URL", "links in mail and calendars use plain http",
                      "Set PORTAL_BASE_URL to the https:// address of the portal."))
    if not config.get("PORTAL_HSTS_SECONDS"):
        found.append(("PORTAL_HSTS_SECONDS", "browsers are not told to insist on https",
                      "Leave PORTAL_HSTS_SECONDS at its default (one year)."))
    if str(config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://"):
        found.append(("RATELIMIT_STORAGE_URI", "each worker counts sign-in attempts apart",
                      "Point RATELIMIT_STORAGE_URI at Redis (redis://...)."))
    if config.get("PORTAL_DEMO") or config.get("DEBUG"):
        found.append(("PORTAL_DEMO/DEBUG", "demo accounts or the debugger are switched on",
                      "Unset PORTAL_DEMO and run with the production configuration."))
    if config.get("PORTAL_LOCKOUT_ATTEMPTS", 5) > 10:
        found.append(("PORTAL_LOCKOUT_ATTEMPTS", "more than 10 guesses before a lock",
                      "Keep PORTAL_LOCKOUT_ATTEMPTS at 10 or fewer (default 5)."))
    allowed = networks(config.get("PORTAL_WEBHOOK_ALLOWED_NETWORKS"))
    if any(net.prefixlen < 8 for net in allowed):
        found.append(("PORTAL_WEBHOOK_ALLOWED_NETWORKS",
                      "webhooks may reach far more than one internal network",
                      "List only the platform's own network, e.g. 10.20.0.0/16."))
    proxies = networks(config.get("PORTAL_TRUSTED_PROXIES"))
    if any(net.prefixlen == 0 for net in proxies):
        found.append(("PORTAL_TRUSTED_PROXIES", "every client may claim any address",
                      "List only the reverse proxies' own addresses."))
    return found


def _production_settings() -> list[Check]:
    config = current_app.config
    weak = _weak_settings(config)
    if config.get("ENV_NAME") != "production":
        detail = (f"{len(weak)} would be weak in production" if weak
                  else "strong enough for production")
        return [Check("production settings", True, f"not checked ({config.get('ENV_NAME')}): "
                      f"{detail}")]
    if not weak:
        return [Check("production settings", True, "https, HSTS, shared rate limits")]
    return [Check(f"setting {name}", False, problem, fix) for name, problem, fix in weak]

"""Wiring: extensions, blueprints, request hooks, template helpers."""

import os
import threading
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask, has_request_context, request, session
from flask.templating import DispatchingJinjaLoader
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from portal.bounds import BoundedIntConverter
from portal.config import MIGRATIONS_DIR, networks
from portal.extensions import babel, db, login_manager, migrate
from portal.permissions import can
from portal.proxies import TrustedProxies
from portal.timeutil import utcnow

MIGRATIONS = str(MIGRATIONS_DIR)


class PortalApp(Flask):
    """The portal's Flask application. A command may build it without its pages: they
    (views, API, forms, error pages) are added the first time anything builds a URL or
    loads a template, so a command with nothing to show or send never imports them."""

    _add_pages: Callable[[Flask], None] | None = None
    _pages_lock = threading.Lock()

    def defer_pages(self, add: Callable[[Flask], None]) -> None:
        self._add_pages = add

    def ensure_pages(self) -> None:
        if self._add_pages is None:
            return
        with self._pages_lock:
            add, self._add_pages = self._add_pages, None
            if add is not None:
                add(self)

    def create_url_adapter(self, request):
        if request is not None:  # every app context makes one; only a request needs pages
            self.ensure_pages()
        return super().create_url_adapter(request)

    def url_for(self, *args, **kwargs) -> str:
        self.ensure_pages()
        return super().url_for(*args, **kwargs)

    def create_global_jinja_loader(self):
        return _PagesFirstLoader(self)


class _PagesFirstLoader(DispatchingJinjaLoader):
    """Adds the deferred pages before the first template is read: their template filters
    must be known when Jinja compiles it."""

    def get_source(self, environment, template):
        self.app.ensure_pages()
        return super().get_source(environment, template)


def init_app(app: PortalApp, pages: bool = True) -> None:
    """Everything any use of the app needs (database, translations, every domain's rules,
    listeners and job kinds, the commands); the pages now, or when first needed."""
    os.makedirs(app.instance_path, exist_ok=True)
    from portal import wiring

    wiring.connect()

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _tune_sqlite(db.engine)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True, compare_type=True)
    babel.init_app(app, locale_selector=_locale, timezone_selector=_timezone)
    app.url_map.converters["int"] = BoundedIntConverter  # before any route is added
    _start_scheduler_with_dev_server(app)
    _use_pdf_engine(app)

    from portal.cli import register_commands

    register_commands(app)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        hsts = app.config["PORTAL_HSTS_SECONDS"]
        if hsts and request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts}")
        return response

    from portal import transaction
    from portal.disputes import search
    from portal.jobs import wakeup
    from portal.residents import codes

    transaction.init_app(app)
    wakeup.init_app(app)
    search.init_app(app)
    codes.init_app(app)
    proxies = networks(app.config["PORTAL_TRUSTED_PROXIES"])
    if proxies:
        app.wsgi_app = TrustedProxies(app.wsgi_app, proxies)
    if pages:
        add_pages(app)
    else:
        app.defer_pages(add_pages)


def add_pages(app: Flask) -> None:
    """Sign-in, forms, the blueprints with their views, the error pages and the API."""
    from portal.extensions import bootstrap, csrf, limiter

    csrf.init_app(app)
    bootstrap.init_app(app)
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)
    _init_login(app)
    _register_blueprints(app)
    _register_template_helpers(app)

    from portal.main.views import register_error_pages

    register_error_pages(app)
    from portal.api import init_app as init_api  # after the error pages: it wraps 404/405

    init_api(app)  # the JSON API: its blueprints, CSRF exemption (bearer tokens), rate limit
    from portal import transaction

    transaction.init_pages(app)  # last: its hook must run before the others (see there)


def _tune_sqlite(engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, record):
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        if engine.url.database and engine.url.database != ":memory:":
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection):
        # Taking the write lock up front means concurrent requests queue instead of
        # failing with "database is locked" when a reader later tries to write.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _start_scheduler_with_dev_server(app: Flask) -> None:
    """The development server runs the reminder scheduler and one job worker in-process
    (production runs `portal scheduler` and `portal worker`). They start with the first
    request, so commands that build the app (db upgrade, seed-demo) and the reloader's
    watcher process never start them."""
    if not app.debug or app.testing or app.config["PORTAL_SCHEDULER"] == "off":
        return

    @app.before_request
    def start_scheduler():
        from portal.jobs import worker
        from portal.scheduler.tick import start_in_process

        start_in_process(app)
        worker.start_in_process(app)


def _use_pdf_engine(app: Flask) -> None:
    """PORTAL_PDF_ENGINE names another renderer ("module:function") for every document."""
    name = app.config.get("PORTAL_PDF_ENGINE")
    if name:
        from werkzeug.utils import import_string

        from reports import pdf

        pdf.use_engine(import_string(name.replace(":", ".")))


def _locale() -> str:
    languages = ("zh_CN", "en")
    if not has_request_context():
        return "zh_CN"
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    if session.get("lang") in languages:
        return session["lang"]
    return "zh_CN"


def _timezone() -> str | None:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.timezone
    return None


def _init_login(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from portal.auth.views import enforce_session_rules
    from portal.orgs.models import User

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(token: str):
        ident, _, session_token = token.partition(":")
        if not ident.isdigit():
            return None
        user = db.session.get(User, int(ident))
        if user is None or user.session_token != session_token:
            return None
        return user

    app.before_request(enforce_session_rules)


def _register_blueprints(app: Flask) -> None:
    from portal.audit.views import bp as audit_bp
    from portal.auth.views import bp as auth_bp
    from portal.calendar.views import bp as calendar_bp
    from portal.conferences.views import bp as conferences_bp
    from portal.disputes.views import bp as disputes_bp
    from portal.followup.views import bp as followup_bp
    from portal.holidays.views import bp as holidays_bp
    from portal.jobs.views import bp as jobs_bp
    from portal.main.verification import bp as verification_bp
    from portal.main.views import bp as main_bp
    from portal.minutes.views import bp as minutes_bp
    from portal.notifications.views import bp as notifications_bp
    from portal.orgs.views import bp as admin_bp
    from portal.residents.public import bp as resident_public_bp
    from portal.residents.views import bp as residents_bp
    from portal.reviews.views import bp as reviews_bp
    from portal.statistics.views import bp as statistics_bp

    for blueprint in (main_bp, auth_bp, admin_bp, audit_bp, disputes_bp, conferences_bp,
                      notifications_bp, minutes_bp, statistics_bp, followup_bp, calendar_bp,
                      holidays_bp, jobs_bp, residents_bp, resident_public_bp, reviews_bp,
                      verification_bp):
        app.register_blueprint(blueprint)


def _csrf_field() -> Markup:
    """The hidden CSRF input of a hand-written form (``{{ csrf_field() }}``)."""
    from flask_wtf.csrf import generate_csrf

    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(generate_csrf())


def _register_template_helpers(app: Flask) -> None:
    from portal.timeutil import register_filters

    register_filters(app)
    app.jinja_env.globals["csrf_field"] = _csrf_field  # also inside imported macros

    @app.context_processor
    def helpers():
        return {
            "can": lambda action, obj=None: can(current_user, action, obj),
            "now_utc": utcnow,
            "get_locale": get_locale,
        }

"""Flask extensions, created unbound and initialised by the app factory."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names let Alembic diff and drop constraints on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class LazyMigrate:
    """Flask-Migrate, registered without importing it: its module imports Alembic (with
    Mako and Pygments), which only the commands and tests that migrate use. The first
    look at ``app.extensions["migrate"]`` makes the real one."""

    def init_app(self, app, db, **options) -> None:
        app.extensions["migrate"] = _MigrateOnFirstUse(app, db, options)


class _MigrateOnFirstUse:
    def __init__(self, app, db, options: dict) -> None:
        self._app, self._db, self._options = app, db, options

    def __getattr__(self, name: str):
        from flask_migrate import Migrate

        Migrate(self._app, self._db, **self._options)  # replaces this stand-in
        return getattr(self._app.extensions["migrate"], name)


db = SQLAlchemy(model_class=Base)
migrate = LazyMigrate()


def on_session(name: str, listener) -> None:
    """Have ``listener`` hear the ``name`` event of the application's session, once however
    many applications a process builds (SQLAlchemy would call it once per listen)."""
    if not event.contains(db.session, name, listener):
        event.listen(db.session, name, listener)
login_manager = LoginManager()
babel = Babel()


def _pages_only(name: str):
    """The extensions only pages use (forms, Bootstrap, the rate limiter) are made on first
    import, so that commands which show no page never load them (``web.PortalApp``)."""
    if name == "csrf":
        from flask_wtf import CSRFProtect

        return CSRFProtect()
    if name == "bootstrap":
        from flask_bootstrap import Bootstrap5

        return Bootstrap5()
    if name == "limiter":
        from flask_limiter import Limiter
        from flask_limiter.util import get_remote_address

        return Limiter(key_func=get_remote_address)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __getattr__(name: str):
    extension = globals()[name] = _pages_only(name)
    return extension

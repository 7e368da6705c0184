"""The test world: one migrated database per test worker, emptied after every test.

PORTAL_TEST_DB selects the backend: "sqlite" (default) or "postgres"; for PostgreSQL a
fresh database is created per worker on the server at PORTAL_TEST_DATABASE_URL.
"""

from __future__ import annotations

import functools
import os
import re

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from portal.orgs.models import OrgKind, Role
from tests.factories import Factory

BACKEND = os.environ.get("PORTAL_TEST_DB", "sqlite")
SERVER_URL = os.environ.get(
    "PORTAL_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _worker() -> str:
    return re.sub(r"\W", "", os.environ.get("PYTEST_XDIST_WORKER", "main"))


def fresh_postgres_database(suffix: str | None = None) -> str:
    """The URL of a new, empty database on the test server, named for this worker (or
    ``suffix``)."""
    # A prefix of one's own keeps simultaneous suites on one server apart.
    prefix = re.sub(r"\W", "", os.environ.get("PORTAL_TEST_DB_PREFIX", "portal_test"))
    name = f"{prefix}_{suffix or _worker()}"
    server = make_url(SERVER_URL)
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


class FreshRequestClient(FlaskClient):
    """A test client whose every request starts like a request in production.

    Tests keep an application context open to call services, and Flask lets requests reuse
    it; without this, `g` (the signed-in user, the chosen locale) and the objects loaded by
    one request would leak into the next. What the test did through services before is
    committed first, as the request that did it would have: a request refused later rolls
    back only its own work.
    """

    def open(self, *args, **kwargs):
        from flask import g

        from portal.extensions import db

        if has_app_context():
            g.__dict__.clear()
            db.session.commit()
            db.session.expire_all()
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if BACKEND == "postgres":
        return fresh_postgres_database()
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.sqlite3'}"


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    from flask_migrate import upgrade

    from portal import create_app

    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=database_url,
        WTF_CSRF_ENABLED=False,
        PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
        SERVER_NAME=None,
        PORTAL_KEYS_DIR=str(tmp_path_factory.mktemp("keys")),
    )
    app.test_client_class = FreshRequestClient
    with app.app_context():
        upgrade(revision="heads")
        from portal.minutes.sealing import init_local

        init_local("测试调解办公室")
    return app


def _world_tables() -> list[sa.Table]:
    """Every table of the world, parents first, but the audit head (kept, then reset)."""
    from portal.extensions import db

    return [t for t in db.metadata.sorted_tables if t.name != "audit_head"]


@functools.cache
def _written_tables_query(names: tuple[str, ...]) -> sa.TextClause:
    return sa.text(" UNION ALL ".join(
        f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {name})" for name in names))


def _empty(connection, tables: list[sa.Table]) -> None:
    """Delete the rows of these tables, children first."""
    # One question finds the few tables a test wrote to; a DELETE per empty table
    # would cost a round trip each, sixty times per test.
    written = set(connection.execute(
        _written_tables_query(tuple(table.name for table in tables))).scalars())
    for table in reversed(tables):
        if table.name in written:
            connection.execute(table.delete())


@pytest.fixture(autouse=True)
def _clean_world(request):
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    from portal.disputes.models import (
        DEFAULT_SECTORS,
        DEFAULT_SUBCATEGORY_SECTORS,
        CategorySector,
        SubcategorySector,
    )
    from portal.extensions import db, limiter

    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            _empty(connection, _world_tables())
            connection.execute(sa.text(
                "UPDATE audit_head SET seq = 0, last_hash = :genesis"), {"genesis": "0" * 64})
            # Reference data that the migrations insert is part of the empty world too.
            connection.execute(CategorySector.__table__.insert(), [
                {"category": c, "sector": k} for c, k in DEFAULT_SECTORS.items()])
            connection.execute(SubcategorySector.__table__.insert(), [
                {"subcategory": s, "sector": k}
                for s, kinds in DEFAULT_SUBCATEGORY_SECTORS.items() for k in kinds])
        limiter.reset()


# The demo world as the first seeding in this worker left it: {table: rows} and the audit
# head. Seeding takes seconds (it signs, seals and renders); copying rows back takes less
# than one, and the rows are the very ones `seed-demo` wrote.
_demo_rows: dict = {}


@pytest.fixture
def demo(app):
    """The Nancheng demo data of `portal seed-demo`, committed so a live server sees it."""
    from portal.extensions import db

    with app.app_context():
        tables = _world_tables()
        if not _demo_rows:
            result = app.test_cli_runner().invoke(args=["seed-demo"])
            assert result.exit_code == 0, result.output
            db.session.remove()
            with db.engine.connect() as connection:
                _demo_rows.update({t.name: [dict(row) for row in
                                            connection.execute(t.select()).mappings()]
                                   for t in tables})
                _demo_rows["audit_head"] = connection.execute(
                    sa.text("SELECT seq, last_hash FROM audit_head")).one()
        else:
            with db.engine.begin() as connection:
                _empty(connection, tables)
                for table in tables:
                    if _demo_rows[table.name]:
                        connection.execute(table.insert(), _demo_rows[table.name])
                seq, last_hash = _demo_rows["audit_head"]
                connection.execute(sa.text(
                    "UPDATE audit_head SET seq = :seq, last_hash = :hash"),
                    {"seq": seq, "hash": last_hash})
        db.session.remove()


@pytest.fixture
def ctx(app):
    """An application context for calling services directly."""
    with app.app_context():
        yield
        from portal.extensions import db

        db.session.remove()


@pytest.fixture
def make(app, ctx) -> Factory:
    return Factory()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login(client):
    """Sign a user in through the real login form."""

    def sign_in(user, password: str = Factory.PASSWORD):
        response = client.post("/login", data={"username": user.username,
                                               "password": password})
        assert response.status_code == 302, response.data.decode()[:500]
        return client

    return sign_in


@pytest.fixture
def nancheng(make):
    """The bodies, and one answering member of each: a head for the three heads' bodies and
    a mediator for the sector bodies; plus a second head at the court for delegation."""
    bodies = make.bodies()
    people = {}
    for kind, org in bodies.items():
        role = Role.HEAD if kind.is_head else Role.MEDIATOR
        people[kind] = make.user(role, organisation=org, full_name=f"{kind.value}-负责人")
    people["court_deputy"] = make.user(Role.HEAD, organisation=bodies[OrgKind.COURT],
                                       full_name="副庭长")
    people["court_clerk"] = make.user(Role.SECRETARY, organisation=bodies[OrgKind.COURT],
                                      full_name="法庭书记员")
    return bodies, people

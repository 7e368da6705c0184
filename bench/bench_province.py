"""Benchmark a province-sized register on PostgreSQL, every page beside /healthz.

Run: python bench/bench_province.py [--disputes 1000000] [--rounds 30]
         [--database postgresql+psycopg://postgres@127.0.0.1:5432/portal_province]
Builds the named database afresh (it is dropped first, and again afterwards unless
--keep): migrations, the Nancheng demo, then a bulk load with COPY of generated disputes
(their parties, timelines and search rows), one conference per ten disputes with fifteen
invitations each, and the dashboard summaries (rebuilt in short batches). It prints how
long each part of the load took, then times each page through the Flask test client
(server-side: median and p95 of --rounds requests, and both as multiples of /healthz
measured in the same run), counts the SQL statements of each page at 1,000 disputes and
at the full size (they must be equal), and prints PostgreSQL's plan for the search and the
deepest list page. Targets at 1,000,000: every page at most 50 ms median and 150 ms p95,
the fresh dashboard at most 300 ms.
"""

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

SMALL = 1_000
CHUNK = 20_000
POOL = 50_000
LOADED = ("disputes", "parties", "dispute_events", "dispute_search", "conferences",
          "invitations")
INVITEES = 15
TARGET_MS, TARGET_P95_MS, DASHBOARD_MS = 50.0, 150.0, 300.0


def build_app(url: str, keys: Path):
    from flask_migrate import upgrade

    from portal import create_app

    target = make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False,
                     PORTAL_DEMO=True, RATELIMIT_ENABLED=False, PORTAL_KEYS_DIR=str(keys),
                     PORTAL_REFERENCE_DIGITS=7)
    with app.app_context():
        upgrade()
        from portal import demo
        from portal.minutes.sealing import init_local

        init_local("南城街道综治中心")
        demo.seed()
        from portal.extensions import db

        db.session.commit()
    return app


def drop(url: str) -> None:
    target = make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def _copy(cursor, table: sa.Table, rows: list[dict]) -> None:
    """COPY rows into table; a column a row leaves out takes its model default."""
    columns = [c for c in table.c if any(c.name in row for row in rows[:1]) or (
        c.default is not None and not c.primary_key)]
    defaults = {c.name: c.default for c in columns if c.default is not None}
    names = ", ".join(f'"{c.name}"' for c in columns)
    with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            values = []
            for column in columns:
                if column.name in row:
                    value = row[column.name]
                else:
                    default = defaults[column.name]
                    value = default.arg(None) if default.is_callable else default.arg
                if isinstance(value, dict | list):  # a JSON column's facts
                    value = json.dumps(value, ensure_ascii=False)
                values.append(value.name if hasattr(value, "name") and hasattr(value, "value")
                              else value)
            copy.write_row(values)


def load(app, count: int, seed: int, summarise: bool = True) -> dict[str, float]:
    """Load `count` generated disputes with parties, timelines, search rows, conferences and
    invitations, build the dashboard summaries (unless not `summarise`) and ANALYZE; returns
    the seconds each part took.

    Python generates a pool of at most `POOL` cases and COPYs it; the database then copies
    the pool onto itself (INSERT … SELECT) until `count`, each copy's ids shifted past the
    last and its serials past the last copy's, with the references renumbered to match.
    Foreign keys are not checked while loading (the rows are made consistent) and the big
    tables' secondary indexes are built once afterwards, not kept up row by row."""
    from portal.extensions import db
    from portal.statistics import upkeep

    seconds = {}
    began = time.perf_counter()
    pool = min(count, POOL)
    with app.app_context():
        connection = db.session.connection()
        connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
        indexes = _drop_indexes(connection)
        first, last, per_year, digits = _generate(connection, pool, -(-count // pool), seed)
        seconds["generate and COPY the pool"] = time.perf_counter() - began
        began = time.perf_counter()
        _replicate(connection, first, last, per_year, digits, pool, count)
        for name in first:
            connection.execute(sa.text(
                f"SELECT setval('{name}_id_seq', (SELECT max(id) FROM {name}))"))
        db.session.commit()
        seconds["copy the pool in the database"] = time.perf_counter() - began
        began = time.perf_counter()
        connection = db.session.connection()
        connection.execute(sa.text("SET LOCAL maintenance_work_mem = '512MB'"))
        for definition in indexes:
            connection.execute(sa.text(definition))
        db.session.commit()
        seconds["build the indexes"] = time.perf_counter() - began
        began = time.perf_counter()
        # In batches of short transactions, as the scheduler's tick does it.
        if summarise:
            upkeep.rebuild()
            seconds["rebuild the summaries"] = time.perf_counter() - began
        began = time.perf_counter()
        engine = db.engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))
    seconds["VACUUM ANALYZE"] = time.perf_counter() - began
    return seconds


def _drop_indexes(connection) -> list[str]:
    """Drop the loaded tables' indexes that no constraint owns; returns their definitions."""
    rows = connection.execute(sa.text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        "AND tablename = ANY(:tables) AND indexname NOT IN (SELECT conname FROM pg_constraint)"),
        {"tables": list(LOADED)}).all()
    for name, _definition in rows:
        connection.execute(sa.text(f'DROP INDEX "{name}"'))
    return [definition for _name, definition in rows]


def _generate(connection, count: int, copies: int, seed: int):
    """COPY `count` generated cases, their serials reserved for `copies` copies; returns
    the first and the next free id of each loaded table, the cases per year and the
    references' width."""
    from portal.conferences.models import (
        Answer,
        Conference,
        ConferenceState,
        Invitation,
        InviteeGroup,
    )
    from portal.demo.generator import _Builder, _World
    from portal.disputes import references, search
    from portal.disputes.models import Dispute, DisputeEvent, DisputeSearch, Party
    from portal.extensions import db
    from portal.orgs.models import Organisation
    from portal.timeutil import local_zone, utcnow

    rng = random.Random(seed)
    now, zone = utcnow(), local_zone()
    world = _World.load()
    builder = _Builder(rng, world, now, zone)
    bodies = list(db.session.scalars(sa.select(Organisation.id).order_by(Organisation.id)))
    convener = world.users["convener"]
    times = sorted(now - timedelta(seconds=rng.uniform(0, 365 * 86_400)) for _ in range(count))
    years: dict[int, int] = {}
    for moment in times:
        years[moment.astimezone(zone).year] = years.get(moment.astimezone(zone).year, 0) + 1
    blocks = {year: references.reserve(year, n * copies) for year, n in years.items()}
    serial = {year: block.first for year, block in blocks.items()}
    first = {name: (connection.execute(sa.text(f"SELECT coalesce(max(id), 0) FROM {name}"))
                    .scalar() + 1) for name in ("disputes", "parties", "dispute_events",
                                                "conferences", "invitations")}
    next_id = dict(first)
    cursor = connection.connection.cursor()
    for start in range(0, count, CHUNK):
        disputes, parties, events, documents, conferences, invitations = ([] for _ in range(6))
        for moment in times[start:start + CHUNK]:
            year = moment.astimezone(zone).year
            reference = blocks[year].reference(serial[year])
            case = builder.case(moment, year, serial[year], reference)
            serial[year] += 1
            ident = next_id["disputes"]
            next_id["disputes"] += 1
            disputes.append({"id": ident, **case.dispute})
            for party in case.parties:
                parties.append({"id": next_id["parties"], "dispute_id": ident, **party})
                next_id["parties"] += 1
            for step in case.events:
                events.append({"id": next_id["dispute_events"], "dispute_id": ident, **step})
                next_id["dispute_events"] += 1
            documents.append({"dispute_id": ident, **search.document(
                case.dispute["title"], case.dispute["reference"],
                case.dispute["external_ref"], case.dispute["description"],
                [p["name"] for p in case.parties])})
            if ident % 10 == 0:
                conference = next_id["conferences"]
                next_id["conferences"] += 1
                sent = moment + timedelta(days=2)
                conferences.append({
                    "id": conference, "dispute_id": ident, "state": ConferenceState.SIGNED,
                    "created_by_id": convener, "convener_id": convener,
                    "created_at": sent, "invited_at": sent,
                    "starts_at": sent + timedelta(days=5),
                    "ends_at": sent + timedelta(days=5, hours=2),
                    "started_at": sent + timedelta(days=5),
                    "ended_at": sent + timedelta(days=5, hours=2),
                    "ical_uid": f"{uuid.uuid4()}@conference-portal", "updated_at": sent})
                for body in rng.sample(bodies, min(INVITEES, len(bodies))):
                    invitations.append({
                        "id": next_id["invitations"], "conference_id": conference,
                        "group": InviteeGroup.SECTOR, "organisation_id": body,
                        "required": True, "answer": Answer.ACCEPTED,
                        "answered_at": sent + timedelta(hours=rng.uniform(1, 48)),
                        "answered_by_id": convener})
                    next_id["invitations"] += 1
        for model, rows in ((Dispute, disputes), (Party, parties), (DisputeEvent, events),
                            (DisputeSearch, documents), (Conference, conferences),
                            (Invitation, invitations)):
            if rows:
                _copy(cursor, model.__table__, rows)
    digits = next(iter(blocks.values())).digits
    return first, next_id, years, digits


def _replicate(connection, first: dict, last: dict, per_year: dict, digits: int, pool: int,
               count: int) -> None:
    """Copies 1, 2, … of the pool's rows until there are `count` disputes."""
    from portal.extensions import db

    tables = db.metadata.tables
    years = ", ".join(f"({year}, {n})" for year, n in per_year.items())

    def reference(row: str) -> str:  # the copy's reference, of the `row` it copies
        return (f"regexp_replace({row}.reference, '〕[0-9]+号$', '〕' || "
                f"lpad(({row}.serial + :k * n.count)::text, {digits}, '0') || '号')")

    span = {name: last[name] - first[name] for name in first}
    # Per table: the pool's dispute a row belongs to (ids :lo to :hi are copied), the joins
    # that reach it, and the columns a copy changes.
    statements = {
        "disputes": ("t.id", f"JOIN (VALUES {years}) AS n(year, count) ON n.year = t.year", {
            "id": "t.id + :disputes", "serial": "t.serial + :k * n.count",
            "reference": reference("t"),
            "external_ref": "t.external_ref || '-' || :k",
            "form_token": "left(md5(t.form_token || :k), 32)"}),
        "parties": ("t.dispute_id", "", {"id": "t.id + :parties",
                                         "dispute_id": "t.dispute_id + :disputes"}),
        "dispute_events": ("t.dispute_id", "", {"id": "t.id + :dispute_events",
                                                "dispute_id": "t.dispute_id + :disputes"}),
        "dispute_search": ("t.dispute_id", f"JOIN disputes d ON d.id = t.dispute_id "
                           f"JOIN (VALUES {years}) AS n(year, count) ON n.year = d.year", {
            "dispute_id": "t.dispute_id + :disputes",
            "head": reference("d") + " || substr(t.head, length(d.reference) + 1)"}),
        "conferences": ("t.dispute_id", "", {
            "id": "t.id + :conferences", "dispute_id": "t.dispute_id + :disputes",
            "ical_uid": ":k || '-' || t.ical_uid"}),
        "invitations": ("c.dispute_id", "JOIN conferences c ON c.id = t.conference_id", {
            "id": "t.id + :invitations", "conference_id": "t.conference_id + :conferences"}),
    }
    for k in range(1, -(-count // pool)):
        take = min(pool, count - k * pool)
        values = {"k": k, "lo": first["disputes"], "hi": first["disputes"] + take,
                  **{name: k * span[name] for name in span}}
        for name, (dispute, join, changed) in statements.items():
            columns = [c.name for c in tables[name].c]
            named = ", ".join(f'"{c}"' for c in columns)
            selected = ", ".join(changed.get(c, f't."{c}"') for c in columns)
            connection.execute(sa.text(
                f"INSERT INTO {name} ({named}) SELECT {selected} FROM {name} t {join} "
                f"WHERE {dispute} >= :lo AND {dispute} < :hi"), values)


def pages(app) -> tuple[dict[str, str], str]:
    from portal.api.tokens import create_personal_token
    from portal.conferences.models import Conference
    from portal.disputes.models import Dispute, Party
    from portal.extensions import db
    from portal.orgs.models import User, Village

    with app.app_context():
        village = db.session.scalar(sa.select(Village.id).where(Village.name == "北关社区"))
        dispute = db.session.scalar(sa.select(Dispute.id).where(Dispute.tier == 3)
                                    .order_by(Dispute.id.desc()).limit(1))
        conference = db.session.scalar(sa.select(Conference.id).order_by(Conference.id.desc())
                                       .limit(1))
        rare = db.session.scalar(sa.select(Party.name).where(sa.func.length(Party.name) == 3)
                                 .order_by(Party.id.desc()).limit(1))
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        _token, raw = create_personal_token(admin, "bench", ["disputes:read"], None)
        # A viewer whose zone is not the portal's (whole hours away).
        db.session.execute(sa.update(User).where(User.username == "leader")
                           .values(timezone="Asia/Tokyo"))
        db.session.commit()
        from portal.api import cursors

        # A cursor half-way down the register, newest first.
        middle = db.session.scalar(sa.select(sa.func.max(Dispute.id))) // 2
        deep = cursors.encode("disputes", middle)
    return {
        "healthz": ("admin", "/healthz"),
        "list page 1": ("admin", "/disputes/"),
        "list page 500": ("admin", "/disputes/?page=500"),
        "list filtered": ("admin", f"/disputes/?village={village}&tier=2&status=HANDLING"),
        "search common (工资)": ("admin", "/disputes/?q=工资"),
        "search rare (a full name)": ("admin", f"/disputes/?q={rare}"),
        "search 2 chars (欠薪)": ("admin", "/disputes/?q=欠薪"),
        "search as grid worker": ("grid_zhou", "/disputes/?q=工资"),
        "detail": ("admin", f"/disputes/{dispute}"),
        "conference room": ("admin", f"/conferences/{conference}"),
        "dashboard (cached)": ("admin", "/statistics/"),
        "dashboard (fresh)": ("admin", "/statistics/?fresh"),
        "dashboard (other zone)": ("leader", "/statistics/?fresh"),
        "dashboard (other, cached)": ("leader", "/statistics/"),
        "api list, deep cursor": ("api", f"/api/v1/disputes?limit=25&cursor={deep}"),
    }, raw


def signed_in(app) -> dict:
    clients = {"api": app.test_client()}
    for username in ("admin", "grid_zhou", "leader"):
        client = clients[username] = app.test_client()
        response = client.post("/login", data={"username": username,
                                               "password": "Nancheng-2026"})
        assert response.status_code == 302, response.status_code
    return clients


def _get(app, clients, page: tuple[str, str], token: str):
    who, url = page
    client = clients[who]
    if url.endswith("?fresh"):
        from portal.statistics import cache

        cache.clear()
        url = url.removesuffix("?fresh")
    headers = {"Authorization": f"Bearer {token}"} if url.startswith("/api/") else {}
    return client.get(url, headers=headers)


def statements(app, client, urls: dict[str, str], token: str) -> dict[str, int]:
    from portal.extensions import db

    with app.app_context():
        engine = db.engine
    seen = []

    def count(*args):
        seen.append(1)

    sa.event.listen(engine, "before_cursor_execute", count)
    counts = {}
    for name, url in urls.items():
        _get(app, client, url, token)
        seen.clear()
        _get(app, client, url, token)
        counts[name] = len(seen)
    sa.event.remove(engine, "before_cursor_execute", count)
    return counts


def timings(app, client, urls: dict[str, str], token: str, rounds: int) -> dict:
    results = {}
    for name, url in urls.items():
        _get(app, client, url, token)
        samples = []
        for _ in range(rounds):
            began = time.perf_counter()
            response = _get(app, client, url, token)
            samples.append((time.perf_counter() - began) * 1000)
        results[name] = (statistics.median(samples),
                         statistics.quantiles(samples, n=20)[-1], response.status_code)
    return results


def plans(app, client, urls: dict[str, str]) -> None:
    """PostgreSQL's plan of the main statement of the search and the deepest page."""
    from portal.extensions import db

    with app.app_context():
        engine = db.engine
    captured = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith("SELECT disputes.id") and "OFFSET" in statement:
            captured.append((statement, parameters))

    for name in ("search common (工资)", "search rare (a full name)", "list page 500"):
        captured.clear()
        sa.event.listen(engine, "before_cursor_execute", keep)
        _get(app, client, urls[name], "")
        sa.event.remove(engine, "before_cursor_execute", keep)
        if not captured:
            continue
        statement, parameters = captured[-1]
        with engine.connect() as connection:
            raw = connection.connection.cursor()
            raw.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            print(f"\nEXPLAIN {name}:")
            for (line,) in raw.fetchall():
                print("  " + line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--disputes", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--database",
                        default="postgresql+psycopg://postgres@127.0.0.1:5432/portal_province")
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        app = build_app(args.database, Path(scratch) / "keys")
        load(app, SMALL, seed=1)
        urls, token = pages(app)
        client = signed_in(app)
        small = statements(app, client, urls, token)
        parts = load(app, args.disputes - SMALL, seed=2)
        print(f"load of {args.disputes - SMALL:,} disputes, "
              f"{(args.disputes - SMALL) // 10:,} conferences and "
              f"{(args.disputes - SMALL) // 10 * INVITEES:,} invitations (pool of "
              f"{min(POOL, args.disputes - SMALL):,}): {sum(parts.values()):.0f} s; "
              + "; ".join(f"{part} {took:.0f} s" for part, took in parts.items()))
        urls, token = pages(app)
        large = statements(app, client, urls, token)
        results = timings(app, client, urls, token, args.rounds)
        base = results["healthz"][0]
        print(f"\n{'page':<28} {'median':>7} {'p95':>7} {'x hz':>6} {'p95 x hz':>8} "
              f"{'SQL@1k':>6} {'SQL@N':>6} status")
        failed = False
        for name, (median, p95, status) in results.items():
            limit = DASHBOARD_MS if name == "dashboard (fresh)" else TARGET_MS
            ok = name == "healthz" or (median <= limit and p95 <= max(limit, TARGET_P95_MS))
            same = small[name] == large[name]
            failed |= not (ok and same and status == 200)
            print(f"{name:<28} {median:>7.1f} {p95:>7.1f} {median / base:>6.0f} "
                  f"{p95 / base:>8.0f} {small[name]:>6} {large[name]:>6} {status}"
                  f"{'' if ok else '  SLOW'}{'' if same else '  GROWS'}")
        plans(app, client, urls)
        with app.app_context():
            from portal.extensions import db
            from portal.statistics import services

            began = time.perf_counter()
            month = (datetime.now(UTC).replace(day=1) - timedelta(days=75)).strftime("%Y-%m")
            services.generate_monthly_report(month)
            print(f"\nmonthly report {month} (figures and PDF, once): "
                  f"{time.perf_counter() - began:.1f} s")
            db.session.remove()
            db.engine.dispose()
        if not args.keep:
            drop(args.database)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

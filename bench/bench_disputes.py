"""Benchmark the dispute list and detail pages on a register of 100,000 disputes.

Run: python bench/bench_disputes.py [--disputes 100000] [--rounds 50] [--keep PATH]
Builds a fresh SQLite database (migrations, the Nancheng demo, generated disputes), signs
in as the demo convener through the Flask test client and times each page server-side
(median of --rounds requests) beside the minimal /healthz route measured in the same run.
It also counts the SQL statements each page issues at 1,000 disputes and again at the full
size: the count must not grow with the data.
Targets: each page under 50 ms median on SQLite, a search under 30 ms; equal statement
counts at both sizes.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

TARGET_MS, SEARCH_MS = 50.0, 30.0
SMALL = 1_000


class StatementCounter:
    def __init__(self, engine):
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args):
        self.count += 1


def build_app(path: Path):
    from flask_migrate import upgrade

    from portal import create_app

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}",
                     WTF_CSRF_ENABLED=False, PORTAL_DEMO=True, SERVER_NAME=None,
                     RATELIMIT_ENABLED=False, PORTAL_KEYS_DIR=str(path.parent / "keys"),
                     PORTAL_REFERENCE_DIGITS=6)
    with app.app_context():
        upgrade()
        from portal import demo
        from portal.minutes.sealing import init_local

        init_local("南城街道综治中心")

        demo.seed()
        from portal.extensions import db

        db.session.commit()
    return app


def add_disputes(app, count: int, seed: int) -> float:
    from portal.demo.generator import generate_disputes
    from portal.extensions import db

    with app.app_context():
        started = time.perf_counter()
        generate_disputes(count, seed=seed)
        db.session.commit()
        return time.perf_counter() - started


def pages(app) -> dict[str, str]:
    """The URLs to measure; the detail page shows a closed tier-3 dispute (a long timeline)."""
    from portal.disputes.models import Dispute, Status
    from portal.extensions import db
    from portal.orgs.models import Village

    with app.app_context():
        village = db.session.scalar(sa.select(Village.id).where(Village.name == "北关社区"))
        dispute = db.session.scalar(
            sa.select(Dispute.id).where(Dispute.tier == 3, Dispute.status == Status.CLOSED)
            .order_by(Dispute.id).limit(1))
    return {
        "healthz": "/healthz",
        "list (filtered)": (f"/disputes/?status=HANDLING&category=LABOUR_WAGES&village={village}"
                            "&q=王&sort=-reported_at&page=2"),
        "list (all, page 2)": "/disputes/?sort=-reported_at&page=2",
        "list (q only)": "/disputes/?q=王&sort=-reported_at",
        "list page 500": "/disputes/?page=500",
        "search 2 chars, ranked": "/disputes/?q=工资",
        "search 1 char (王)": "/disputes/?q=王",
        "search 2 chars, page 3": "/disputes/?q=工资&page=3",
        "search 4 chars, ranked": "/disputes/?q=拖欠工资",
        "search as grid worker": "grid_zhou:/disputes/?q=工资",
        "detail": f"/disputes/{dispute}",
    }


def signed_in_client(app):
    """A GET for the pages: as the convener, or as the account named before a colon."""
    clients = {}
    for username in ("convener", "grid_zhou"):
        client = clients[username] = app.test_client()
        response = client.post("/login", data={"username": username,
                                               "password": "Nancheng-2026"})
        assert response.status_code == 302, response.status_code

    def get(url: str):
        who, named, path = url.partition(":")
        return clients[who].get(path) if named else clients["convener"].get(url)

    return get


def statements(app, client, urls: dict[str, str]) -> dict[str, int]:
    from portal.extensions import db

    with app.app_context():
        engine = db.engine
    counter = StatementCounter(engine)
    counts = {}
    for name, url in urls.items():
        client(url)  # warm caches (templates, translations, the user's session row)
        counter.count = 0
        response = client(url)
        assert response.status_code == 200, (url, response.status_code)
        counts[name] = counter.count
    sa.event.remove(engine, "before_cursor_execute", counter._seen)
    return counts


def timings(client, urls: dict[str, str], rounds: int) -> dict[str, float]:
    medians = {}
    for name, url in urls.items():
        for _ in range(3):
            client(url)
        samples = []
        for _ in range(rounds):
            started = time.perf_counter()
            response = client(url)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        medians[name] = statistics.median(samples)
    return medians


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--disputes", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--keep", type=Path, help="build the database here and keep it")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        path = args.keep or Path(scratch) / "bench.sqlite3"
        path.unlink(missing_ok=True)
        app = build_app(path)
        add_disputes(app, SMALL, seed=1)
        urls = pages(app)
        client = signed_in_client(app)
        small_counts = statements(app, client, urls)

        seconds = add_disputes(app, args.disputes - SMALL, seed=2)
        print(f"generated {args.disputes - SMALL:,} more disputes in {seconds:.1f} s "
              f"({path.stat().st_size / 2**20:.0f} MiB)")
        large_counts = statements(app, client, urls)
        medians = timings(client, urls, args.rounds)

    base = medians["healthz"]
    print(f"\n{'page':<20} {'median ms':>10} {'x healthz':>10} "
          f"{'SQL @' + format(SMALL, ','):>10} {'SQL @' + format(args.disputes, ','):>12}")
    failed = False
    for name in urls:
        ok = name == "healthz" or medians[name] < (
            SEARCH_MS if name.startswith("search") else TARGET_MS)
        same = small_counts[name] == large_counts[name]
        failed |= not (ok and same)
        print(f"{name:<20} {medians[name]:>10.1f} {medians[name] / base:>10.1f} "
              f"{small_counts[name]:>10} {large_counts[name]:>12}"
              f"{'' if ok else '  SLOW'}{'' if same else '  GROWS'}")
    print(f"\ntargets: pages under {TARGET_MS:.0f} ms median, searches under {SEARCH_MS:.0f} ms, "
          f"SQL statements independent of size -> {'FAIL' if failed else 'ok'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Where a sign-in's time goes: the password hash, the database, and waiting for each other.

On a fresh SQLite file with accounts hashed the way production hashes them (werkzeug's
scrypt), this measures, median of ROUNDS unless said otherwise:

- hash: one ``verify_password`` alone, the floor of any sign-in;
- sign-in: one ``POST /login`` through the app, and within it the longest transaction
  (on SQLite every transaction takes the write lock at BEGIN, see ``portal.web``);
- under load: PROCESSES processes (like gunicorn workers) signing in at once, each
  SIGNINS times, p50 / p95 per sign-in, while one more process opens the dashboard of an
  already signed-in user, whose p95 shows what a sign-in's lock costs everyone else.

Target: the longest transaction of a sign-in under 50 ms, so that hashing never holds
the lock (the hash itself is a deliberate cost: werkzeug's scrypt, n=2**15, r=8).

Run: python bench/bench_signin.py [--processes 4] [--signins 6]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROUNDS = 7
TARGET_TRANSACTION_MS = 50.0
PASSWORD = "Correct-horse-42"


def _app(database: str):
    from portal import create_app

    return create_app("testing", SQLALCHEMY_DATABASE_URI=database, WTF_CSRF_ENABLED=False,
                      RATELIMIT_ENABLED=False, SERVER_NAME=None)


def _prepare(database: str, accounts: int) -> None:
    from flask_migrate import upgrade

    from portal.auth.services import new_session_token
    from portal.extensions import db
    from portal.orgs.models import Organisation, OrgKind, Role, User
    from portal.orgs.passwords import hash_password

    app = _app(database)
    with app.app_context():
        upgrade(revision="heads")
        station = Organisation(name="南城派出所", kind=OrgKind.POLICE_STATION)
        db.session.add(station)
        hashed = hash_password(PASSWORD)  # scrypt: the setting's default, not the tests'
        for n in range(accounts):
            user = User(username=f"user{n}", full_name=f"用户{n}", organisation=station,
                        password_hash=hashed, session_token=new_session_token(),
                        email=f"user{n}@example.org")
            user.set_roles([Role.SECRETARY])
            db.session.add(user)
        db.session.commit()


def _sign_in(client, username: str) -> float:
    started = time.perf_counter()
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    elapsed = time.perf_counter() - started
    assert response.status_code == 302, response.status_code
    return elapsed


def _signer(database: str, username: str, count: int, start, results) -> None:
    app = _app(database)
    start.wait()
    times = []
    for _ in range(count):
        client = app.test_client()
        times.append(_sign_in(client, username))
    results.put(("signin", times))


def _reader(database: str, username: str, start, stop, results) -> None:
    app = _app(database)
    client = app.test_client()
    _sign_in(client, username)
    start.wait()
    times = []
    while not stop.is_set():
        started = time.perf_counter()
        assert client.get("/").status_code == 200
        times.append(time.perf_counter() - started)
    results.put(("dashboard", times))


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--signins", type=int, default=6)
    args = parser.parse_args()
    database = f"sqlite:///{tempfile.mkdtemp(prefix='bench-signin-')}/bench.sqlite3"
    _prepare(database, args.processes + 1)

    import sqlalchemy as sa

    from portal.extensions import db
    from portal.orgs.passwords import verify_password

    app = _app(database)
    with app.app_context():
        from portal.orgs.models import User

        hashed = db.session.scalar(db.select(User.password_hash).limit(1))
        db.session.remove()
        hashing = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            verify_password(hashed, PASSWORD)
            hashing.append(time.perf_counter() - started)

        # From BEGIN to COMMIT, or to the connection's return to the pool (which rolls
        # back): while it lasts, no other request can start a transaction on SQLite.
        open_since: list[float] = []
        held: list[float] = []

        def began(*_):
            open_since.append(time.perf_counter())

        def ended(*_):
            if open_since:
                held.append(time.perf_counter() - open_since.pop())

        sa.event.listen(db.engine, "begin", began)
        for name in ("commit", "rollback"):
            sa.event.listen(db.engine, name, ended)
        sa.event.listen(db.engine.pool, "checkin", ended)

    # Outside the app context, so each request has its own session, as in production.
    signing, longest = [], []
    for _ in range(ROUNDS):
        held.clear()
        signing.append(_sign_in(app.test_client(), "user0"))
        longest.append(max(held))

    context = multiprocessing.get_context("fork")
    start, stop, results = context.Barrier(args.processes + 1), context.Event(), context.Queue()
    workers = [context.Process(target=_signer, args=(database, f"user{n}", args.signins,
                                                     start, results))
               for n in range(args.processes)]
    reader = context.Process(target=_reader, args=(database, f"user{args.processes}", start,
                                                   stop, results))
    for process in (*workers, reader):
        process.start()
    under_load, dashboard = [], []
    for _ in workers:
        under_load.extend(results.get()[1])
    stop.set()
    dashboard = results.get()[1]
    for process in (*workers, reader):
        process.join()

    print(f"password hash (scrypt, werkzeug default): {statistics.median(hashing) * 1000:7.1f} ms")
    print(f"one sign-in, nothing else running:        {statistics.median(signing) * 1000:7.1f} ms"
          f"   longest transaction in it: {statistics.median(longest) * 1000:6.1f} ms")
    print(f"{args.processes} processes signing in at once:        "
          f"p50 {_p(under_load, 0.5):7.1f} ms   p95 {_p(under_load, 0.95):7.1f} ms")
    print(f"dashboard meanwhile ({len(dashboard)} loads):          "
          f"p50 {_p(dashboard, 0.5):7.1f} ms   p95 {_p(dashboard, 0.95):7.1f} ms")
    print("PASS" if statistics.median(longest) * 1000 < TARGET_TRANSACTION_MS else "MISS")


if __name__ == "__main__":
    main()

"""Benchmark the statistics dashboard for a full year on SQLite and PostgreSQL.

Run: python bench/bench_statistics.py [--db sqlite|postgres|both] [--disputes 100000]
                                      [--conferences 10000] [--invitations 150000] [--rounds 20]
                                      [--cold-rounds 7]
Builds a fresh database per backend (migrations, the Nancheng demo, generated disputes, then
conferences, invitations, answers, issued minutes and follow-up tasks with bulk Core
inserts), signs in as the demo leader through the Flask test client and times the dashboard
for the last 365 days beside the minimal /healthz route measured in the same run:
cold (the kept dashboards dropped before every request, so every figure is computed by
the database from the summaries the writers keep; median of --cold-rounds), warm
(unchanged data, so the dashboard computed at the current data version is reused after one
primary-key lookup; median of --rounds), cold with a village and with a tier filter, and,
for comparison, registers (cold, with the summaries marked unknown, so every figure is
counted in the registers themselves). Also the cost the summaries add to a write: a
dispute's status changed plus an invitation answered again, committed, with the summaries
kept and with them marked unknown (hooks idle).
PostgreSQL uses a fresh database on PORTAL_TEST_DATABASE_URL's
server (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres).
Target: the dashboard computed afresh (cold) under 300 ms median on each backend; the exit
status follows it.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

TARGET_MS = 300.0
SERVER = os.environ.get("PORTAL_TEST_DATABASE_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def database_url(backend: str, scratch: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{scratch / 'bench.sqlite3'}"
    server = make_url(SERVER)
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text('DROP DATABASE IF EXISTS "bench_statistics" WITH (FORCE)'))
        connection.execute(sa.text('CREATE DATABASE "bench_statistics"'))
    admin.dispose()
    return server.set(database="bench_statistics").render_as_string(hide_password=False)


def build_app(url: str):
    from flask_migrate import upgrade

    from portal import create_app

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False,
                     PORTAL_DEMO=True, SERVER_NAME=None, RATELIMIT_ENABLED=False)
    with app.app_context():
        upgrade(revision="heads")
        from portal import demo
        from portal.extensions import db

        # The demo's bodies, accounts and villages; its hand-made conferences add nothing here.
        orgs = demo._organisations()
        demo._villages(orgs, demo._users(orgs))
        db.session.commit()
    return app


def add_conferences(conferences: int, invitations: int, seed: int) -> dict[str, int]:
    """Conferences on tier-3 disputes at every stage, with invitations to the bodies,
    their answers (a few delegated), issued minutes and action items."""
    from portal.conferences.models import (
        Answer,
        AnswerChange,
        Conference,
        ConferenceState,
        Invitation,
        InviteeGroup,
    )
    from portal.disputes.models import Dispute
    from portal.extensions import db
    from portal.followup.models import Task, TaskKind, TaskState
    from portal.minutes.models import MinutesVersion, VersionStatus
    from portal.orgs.models import Organisation, User
    from portal.timeutil import utcnow

    rng = random.Random(seed)
    now = utcnow()
    S = ConferenceState
    disputes = db.session.execute(
        sa.select(Dispute.id, Dispute.escalated_at).where(Dispute.escalated_at.is_not(None))
        .order_by(Dispute.id)).all()
    orgs = db.session.execute(sa.select(Organisation.id, Organisation.kind)).all()
    heads = [o.id for o in orgs if o.kind.is_head]
    others = [o.id for o in orgs if not o.kind.is_head]
    people = dict(db.session.execute(sa.select(User.organisation_id, User.id)).all())
    convener = db.session.scalar(sa.select(User.id).where(User.username == "convener"))
    per_conference = max(invitations // conferences, 4)
    states = [(S.SIGNED, 55), (S.MINUTES_SIGNING, 5), (S.MINUTES_DRAFTING, 5),
              (S.IN_SESSION, 2), (S.SCHEDULED, 10), (S.INVITING, 13), (S.CANCELLED, 10)]
    before = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(Conference.id), 0)))
    conference_rows = []
    for index in range(conferences):
        dispute_id, escalated = disputes[index % len(disputes)]
        state = rng.choices([s for s, _w in states], [w for _s, w in states])[0]
        invited = min(escalated + timedelta(hours=rng.uniform(2, 48)), now)
        started = min(invited + timedelta(days=rng.uniform(2, 20)), now)
        held = state in (S.SIGNED, S.MINUTES_SIGNING, S.MINUTES_DRAFTING, S.IN_SESSION)
        conference_rows.append(dict(
            dispute_id=dispute_id, state=state, created_by_id=convener, convener_id=convener,
            created_at=escalated, message="", invited_at=invited,
            starts_at=started if held or state is S.SCHEDULED else None,
            started_at=started if held or (state is S.CANCELLED and rng.random() < 0.3)
            else None,
            cancelled_at=started if state is S.CANCELLED else None))
    db.session.execute(sa.insert(Conference.__table__), conference_rows)
    ids = db.session.execute(sa.select(Conference.id, Conference.dispute_id, Conference.state,
                                       Conference.invited_at, Conference.started_at)
                             .where(Conference.id > before).order_by(Conference.id)).all()
    invitation_rows, plan = [], []
    for conference in ids:
        bodies = heads + rng.sample(others, per_conference - len(heads))
        for body in bodies:
            answer = rng.choices(list(Answer), (7, 75, 5, 8, 5))[0]
            answered = conference.invited_at + timedelta(hours=rng.expovariate(1 / 20))
            invitation_rows.append(dict(
                conference_id=conference.id, organisation_id=body,
                group=InviteeGroup.HEAD if body in heads else InviteeGroup.SECTOR,
                required=body in heads, answer=answer,
                answered_at=None if answer is Answer.PENDING else answered))
            plan.append((conference, body, answer, answered))
    first = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(Invitation.id), 0)))
    db.session.execute(sa.insert(Invitation.__table__), invitation_rows)
    invitation_ids = db.session.scalars(sa.select(Invitation.id).where(Invitation.id > first)
                                        .order_by(Invitation.id)).all()
    changes, delegates = [], []
    for ident, (conference, body, answer, answered) in zip(invitation_ids, plan, strict=True):
        if answer is Answer.PENDING:
            continue
        by = people.get(body, convener)
        changes.append(dict(invitation_id=ident, answer=answer, note="", by_id=by, at=answered))
        if answer is Answer.DELEGATED:
            delegates.append(dict(conference_id=conference.id, user_id=by,
                                  group=InviteeGroup.HEAD, required=True,
                                  answer=Answer.ACCEPTED, answered_at=answered,
                                  delegated_from_id=ident))
    if delegates:
        db.session.execute(sa.insert(Invitation.__table__), delegates)
    db.session.execute(sa.insert(AnswerChange.__table__), changes)
    minutes, tasks = [], []
    for conference in ids:
        if conference.state is not S.SIGNED:
            continue
        issued = min(conference.started_at + timedelta(days=rng.uniform(0.5, 12)), now)
        minutes.append(dict(conference_id=conference.id, number=1,
                            status=VersionStatus.ISSUED, snapshot="{}",
                            content_hash="0" * 64, created_at=issued,
                            created_by_id=convener, issued_at=issued))
        for position in range(rng.randint(1, 3)):
            body = rng.choice(heads + others)
            tasks.append(dict(
                dispute_id=conference.dispute_id, conference_id=conference.id,
                kind=TaskKind.ACTION, position=position, owner_body=str(body),
                organisation_id=body, owner_name="", title="回访", expected_feedback="",
                due_on=(issued + timedelta(days=rng.randint(5, 60))).date(),
                state=rng.choices(list(TaskState), (30, 10, 50, 5, 5))[0], created_at=issued))
    db.session.execute(sa.insert(MinutesVersion.__table__), minutes)
    db.session.execute(sa.insert(Task.__table__), tasks)
    db.session.commit()
    return {"conferences": len(ids), "invitations": len(invitation_rows) + len(delegates),
            "answers": len(changes), "minutes": len(minutes), "tasks": len(tasks)}


def measure(client, url: str, rounds: int, before=None) -> float:
    for _ in range(2):
        assert client.get(url).status_code == 200, url
    samples = []
    for _ in range(rounds):
        if before:
            before()
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(samples)


def measure_writes(rounds: int) -> float:
    """Median ms of one typical write: a dispute's status changed and an invitation answered
    again (with its answer history), each through the ORM and committed."""
    from portal.conferences.models import Answer, AnswerChange, Invitation
    from portal.disputes.models import Dispute, Status
    from portal.extensions import db

    dispute_id = db.session.scalar(sa.select(Dispute.id).where(Dispute.tier == 3).limit(1))
    invitation = db.session.scalars(sa.select(Invitation).where(
        Invitation.answer == Answer.ACCEPTED).limit(1)).one()
    samples = []
    for index in range(rounds):
        started = time.perf_counter()
        dispute = db.session.get(Dispute, dispute_id)
        dispute.status = (Status.ESCALATED, Status.RESOLVED)[index % 2]
        db.session.commit()
        answer = (Answer.TENTATIVE, Answer.ACCEPTED)[index % 2]
        invitation.answer = answer
        db.session.add(AnswerChange(invitation_id=invitation.id, answer=answer,
                                    by_id=invitation.answered_by_id or 1))
        db.session.commit()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def statements(engine, client, url: str, before=None) -> int:
    seen = []

    def count(*args):
        seen.append(1)

    if before:
        before()
    sa.event.listen(engine, "before_cursor_execute", count)
    client.get(url)
    sa.event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def run(backend: str, args) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as scratch:
        app = build_app(database_url(backend, Path(scratch)))
        with app.app_context():
            from portal.demo.generator import generate_disputes
            from portal.extensions import db
            from portal.statistics import upkeep

            started = time.perf_counter()
            generate_disputes(args.disputes, seed=1)
            counts = add_conferences(args.conferences, args.invitations, seed=2)
            print(f"[{backend}] {args.disputes:,} disputes, {counts} "
                  f"in {time.perf_counter() - started:.0f} s")
            # The bulk inserts above bypass the session, so the summaries are rebuilt,
            # as the scheduler's next tick would do.
            started = time.perf_counter()
            upkeep.ensure_built()
            print(f"[{backend}] summaries rebuilt in {time.perf_counter() - started:.1f} s")
            with db.engine.connect() as connection:
                if backend == "postgres":
                    # What autovacuum does soon after a bulk load: index-only scans need
                    # the visibility map.
                    connection.execution_options(isolation_level="AUTOCOMMIT")
                    connection.execute(sa.text("VACUUM"))
                connection.execute(sa.text("ANALYZE"))
                connection.commit()
            engine = db.engine
        from portal.statistics.cache import clear

        client = app.test_client()
        response = client.post("/login", data={"username": "leader",
                                               "password": "Nancheng-2026"})
        assert response.status_code == 302
        today = date.today()
        url = f"/statistics/?from={today - timedelta(days=364)}&to={today}"
        result = {
            "cold statements": statements(engine, client, url, before=clear),
            "warm statements": statements(engine, client, url),
            "healthz": measure(client, "/healthz", args.rounds),
            "cold": measure(client, url, args.cold_rounds, before=clear),
            "cold village": measure(client, f"{url}&village=1", args.cold_rounds, before=clear),
            "cold tier 3": measure(client, f"{url}&tier=3", args.cold_rounds, before=clear),
            "warm": measure(client, url, args.rounds),
        }
        with app.app_context():
            result["write kept"] = measure_writes(args.rounds)
            # For comparison: the same page and writes while the summaries are not trusted.
            upkeep.mark_unknown(db.session.connection())
            db.session.commit()
            result["write plain"] = measure_writes(args.rounds)
        result["registers"] = measure(client, url, args.cold_rounds, before=clear)
        engine.dispose()
        return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--disputes", type=int, default=100_000)
    parser.add_argument("--conferences", type=int, default=10_000)
    parser.add_argument("--invitations", type=int, default=150_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--cold-rounds", type=int, default=7)
    args = parser.parse_args()
    backends = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    results = {backend: run(backend, args) for backend in backends}
    print(f"\n{'backend':<10} {'healthz ms':>11} {'cold ms':>9} {'ratio':>7} {'stmts':>6} "
          f"{'warm ms':>9} {'ratio':>7} {'stmts':>6} {'registers ms':>13} {'ratio':>7}")
    failed = False
    for backend, r in results.items():
        failed |= r["cold"] >= TARGET_MS
        print(f"{backend:<10} {r['healthz']:>11.2f} {r['cold']:>9.1f} "
              f"{r['cold'] / r['healthz']:>7.0f} {r['cold statements']:>6} "
              f"{r['warm']:>9.1f} {r['warm'] / r['healthz']:>7.0f} {r['warm statements']:>6} "
              f"{r['registers']:>13.1f} {r['registers'] / r['healthz']:>7.0f}"
              f"{'' if r['cold'] < TARGET_MS else '  SLOW'}")
    print(f"\n{'backend':<10} {'cold, one village ms':>21} {'ratio':>7} {'cold, tier 3 ms':>16} "
          f"{'ratio':>7}")
    for backend, r in results.items():
        print(f"{backend:<10} {r['cold village']:>21.1f} {r['cold village'] / r['healthz']:>7.0f} "
              f"{r['cold tier 3']:>16.1f} {r['cold tier 3'] / r['healthz']:>7.0f}")
    print(f"\n{'backend':<10} {'write, summaries kept ms':>24} {'write, not kept ms':>19}")
    for backend, r in results.items():
        print(f"{backend:<10} {r['write kept']:>24.1f} {r['write plain']:>19.1f}")
    print(f"\ntarget: dashboard (one year) computed afresh under {TARGET_MS:.0f} ms median -> "
          f"{'FAIL' if failed else 'ok'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

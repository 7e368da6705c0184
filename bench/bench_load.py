"""A bounded load test: gunicorn with 4 workers, 32 signed-in sessions of mixed roles.

Run: python bench/bench_load.py --database postgresql+psycopg://postgres@127.0.0.1:5432/portal_province
         [--sessions 32] [--seconds 60] [--workers 4] [--port 8765]
Use a database built by bench/bench_province.py (or any with the Nancheng demo). The script
starts gunicorn on 127.0.0.1 only, signs each session in through the login form, and for
--seconds (at most 600) every session loops over lists, searches, detail pages, conference
rooms, the dashboard (observers and administrators), answering an invitation and
registering a dispute (both through the API, each with the session's own token). It then
stops the server, prints throughput and p50/p95/p99 per page (client-side, so a little
above the server's own time), the errors, and runs `portal audit verify`.
Targets: p95 at most 300 ms per page, no errors, the audit chain intact.
"""

import argparse
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ROLES = ("admin", "convener", "secretary", "grid_zhou", "police_wu", "bureau_mediator",
         "leader", "court_head", "bureau_head", "police_head")
READS_STATISTICS = {"admin", "leader"}
STAFF = {"admin", "convener", "secretary"}  # see every dispute; run the loaded conferences
REPORTERS = STAFF | {"grid_zhou", "police_wu", "bureau_mediator"}
TARGET_P95_MS = 300.0


def environment(database: str) -> dict:
    return {**os.environ, "PORTAL_ENV": "production", "DATABASE_URL": database,
            "SECRET_KEY": "load-test-" + "x" * 40, "SESSION_COOKIE_SECURE": "0",
            "PORTAL_LOGIN_LIMIT": "10000 per minute", "PORTAL_API_RATE_LIMIT":
            "100000 per minute", "PYTHONPATH": str(ROOT)}


def prepare(database: str) -> dict:
    """API tokens per account, and for each answering account an invitation it may answer."""
    from portal import create_app
    from portal.api.tokens import create_client, create_personal_token
    from portal.conferences.models import Conference, ConferenceState, Invitation
    from portal.conferences.policy import may_answer
    from portal.disputes.models import Dispute
    from portal.extensions import db
    from portal.orgs.models import User, Village
    from portal.permissions import can

    app = create_app("production", SQLALCHEMY_DATABASE_URI=database,
                     SECRET_KEY=environment(database)["SECRET_KEY"])
    with app.app_context():
        users = {u.username: u for u in db.session.scalars(
            sa.select(User).where(User.username.in_(ROLES)))}
        open_invitations = list(db.session.scalars(
            sa.select(Invitation).join(Conference)
            .where(Conference.state == ConferenceState.INVITING)))
        plan = {"village": db.session.scalar(sa.select(Village.id).limit(1)),
                "conferences": list(db.session.scalars(
                    sa.select(Conference.id).order_by(Conference.id.desc()).limit(200))),
                "disputes": list(db.session.scalars(
                    sa.select(Dispute.id).order_by(Dispute.id.desc()).limit(500))),
                "tokens": {}, "answer": {}}
        scopes = ["disputes:read", "disputes:write", "invitations:answer"]
        for name, user in users.items():
            # Grid workers, community police and observers hold no personal token: they call
            # through an integration client that acts as them, as the city platform does.
            if can(user, "api.personal_token"):
                _token, raw = create_personal_token(user, "load test", scopes, None)
            else:
                _client, raw = create_client(users["admin"], f"load test {name}", scopes, user)
            plan["tokens"][name] = raw
            mine = [i.id for i in open_invitations if may_answer(user, i)]
            if mine:
                plan["answer"][name] = mine[0]
    return plan


def sign_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    response = session.post(f"{base}/login", allow_redirects=False, timeout=30, data={
        "username": username, "password": "Nancheng-2026", "csrf_token": token.group(1)})
    assert response.status_code == 302, (username, response.status_code)
    return session


def run_session(base: str, username: str, plan: dict, deadline: float, seed: int,
                samples: dict, errors: list, lock: threading.Lock) -> None:
    rng = random.Random(seed)
    session = sign_in(base, username)
    api = {"Authorization": f"Bearer {plan['tokens'][username]}"}
    choices = ["list", "list", "search", "search", "detail", "detail"]
    if username in ("admin", "convener"):
        choices.append("room")
    if username in REPORTERS:
        choices.append("register")
    if username in READS_STATISTICS:
        choices.append("dashboard")
    if username in plan["answer"]:
        choices.append("answer")
    # Others open only disputes their own list showed them.
    seen = plan["disputes"] if username in STAFF else []
    while time.monotonic() < deadline:
        kind = rng.choice(choices)
        if kind == "detail" and not seen:
            kind = "list"
        if kind == "list":
            method, url, body = "GET", f"/disputes/?page={rng.randint(1, 20)}", None
        elif kind == "search":
            method, url, body = "GET", "/disputes/?q=" + rng.choice(
                ("工资", "欠薪", "王", "边界纠纷", "交通事故", "李")), None
        elif kind == "detail":
            method, url, body = "GET", f"/disputes/{rng.choice(seen)}", None
        elif kind == "room":
            method, url, body = "GET", f"/conferences/{rng.choice(plan['conferences'])}", None
        elif kind == "dashboard":
            method, url, body = "GET", "/statistics/", None
        elif kind == "answer":
            method, url = "POST", f"/api/v1/invitations/{plan['answer'][username]}/answer"
            body = {"answer": rng.choice(("accepted", "tentative")), "note": ""}
        else:
            method, url = "POST", "/api/v1/disputes"
            body = {"title": "压力测试纠纷", "category": "neighbour",
                    "village_id": plan["village"], "description": "负载测试登记",
                    "parties": [{"name": "王测试", "role": "applicant"}]}
        began = time.perf_counter()
        try:
            if method == "GET":
                response = session.get(base + url, timeout=30, allow_redirects=False)
            else:
                response = requests.post(base + url, json=body, headers=api, timeout=30)
            status = response.status_code
        except requests.RequestException as error:
            status = repr(error)
        took = (time.perf_counter() - began) * 1000
        with lock:
            samples[kind].append(took)
            if status not in (200, 201):
                errors.append((kind, url, status))
        if kind == "list" and status == 200 and username not in STAFF:
            found = re.findall(r'href="/disputes/(\d+)"', response.text)
            if found:
                seen = [int(n) for n in found]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--sessions", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    seconds = min(args.seconds, 600)
    plan = prepare(args.database)
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(args.workers),
         "--bind", f"127.0.0.1:{args.port}", "--timeout", "60", "portal:create_app()"],
        env=environment(args.database), cwd=ROOT, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        for _ in range(60):
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(1)
        samples, errors, lock = defaultdict(list), [], threading.Lock()
        deadline = time.monotonic() + seconds
        threads = [threading.Thread(target=run_session, args=(
            base, ROLES[n % len(ROLES)], plan, deadline, n, samples, errors, lock))
            for n in range(args.sessions)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 120)
        elapsed = time.monotonic() - began
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    total = sum(len(v) for v in samples.values())
    print(f"{args.sessions} sessions, {args.workers} workers, {elapsed:.0f} s: {total} requests, "
          f"{total / elapsed:.1f} per second, {len(errors)} errors")
    print(f"{'page':<10} {'count':>6} {'p50':>7} {'p95':>7} {'p99':>7}")
    slow = False
    for kind, values in sorted(samples.items()):
        cuts = statistics.quantiles(values, n=100) if len(values) > 1 else values * 99
        slow |= cuts[94] > TARGET_P95_MS
        print(f"{kind:<10} {len(values):>6} {cuts[49]:>7.0f} {cuts[94]:>7.0f} {cuts[98]:>7.0f}")
    for error in errors[:10]:
        print("error:", error)
    verify = subprocess.run([str(Path(sys.executable).parent / "portal"), "audit", "verify"],
                            env=environment(args.database), cwd=ROOT, capture_output=True,
                            text=True)
    print("portal audit verify:", (verify.stdout or verify.stderr).strip().splitlines()[-1])
    return 1 if errors or slow or verify.returncode else 0


if __name__ == "__main__":
    sys.exit(main())

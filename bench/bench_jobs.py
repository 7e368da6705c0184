"""The portal under a secretary's ordinary day, on the real development server.

Starts `portal run` exactly as the README's run command does (development server with its
in-process scheduler and job worker) on a fresh SQLite demo — or, with DATABASE_URL set to
PostgreSQL, on that database; with BENCH_SERVER=gunicorn, the production layout instead: four
gunicorn workers, one `portal worker` and one `portal scheduler` — then:

1. times /healthz and each page idle (the floor and the baseline);
2. runs USERS signed-in sessions for SECONDS, browsing and registering disputes, while
   three documents (draft minutes, rights notices) render and the case file of a dispute
   with twenty attachments builds;
3. reports errors of any kind, p50/p95 per page against its idle p95, the server time of
   every click that asks for a document, and the time from the click to the downloadable
   PDF, against rendering a minutes document with bare WeasyPrint in the same run.

A user reads a page before the next click: each session waits THINK seconds on average
(uniformly between half and one and a half times it; default 3) between requests.
THINK=0 makes the sessions robots that click as fast as the server answers.

Run: python bench/bench_jobs.py [USERS] [SECONDS]
     DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/bench_jobs BENCH_SERVER=gunicorn \
     python bench/bench_jobs.py   (the database must exist and be empty)
"""

from __future__ import annotations

import hashlib
import http.cookiejar
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
PORTAL = str(ROOT / ".venv" / "bin" / "portal")
PORT = 5391
BASE = f"http://127.0.0.1:{PORT}"
PASSWORD = "Nancheng-2026"
THINK = float(os.environ.get("THINK", "3"))


class Session:
    def __init__(self, username: str):
        self.last_location = None
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)
        page = self.get("/login")[1]
        self.post("/login", {"username": username, "password": PASSWORD,
                             "csrf_token": _csrf(page)})

    def get(self, path: str):
        return self._open(urllib.request.Request(BASE + path))

    def post(self, path: str, data: dict):
        body = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(BASE + path, data=body))

    def think(self, rng: random.Random) -> None:
        if THINK:
            time.sleep(rng.uniform(0.5, 1.5) * THINK)

    def _open(self, request):
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=120) as response:
                body = response.read().decode("utf-8", "replace")
                status = response.status
                self.last_location = response.headers.get("Location")
        except urllib.error.HTTPError as error:
            body, status = error.read().decode("utf-8", "replace"), error.code
        return status, body, time.perf_counter() - started


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

    def http_error_302(self, request, response, code, message, headers):
        return response

    http_error_301 = http_error_303 = http_error_307 = http_error_302


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def _serve(folder: Path) -> list[subprocess.Popen]:
    env = dict(os.environ, PORTAL_ENV="development", PORTAL_DEMO="1",
               PORTAL_KEYS_DIR=str(folder / "keys"), PYTHONPATH=str(ROOT))
    env.setdefault("DATABASE_URL", f"sqlite:///{folder / 'portal.sqlite3'}")
    os.environ["BENCH_DATABASE_URL"] = env["DATABASE_URL"]
    for command in (["db", "upgrade"], ["keys", "init"], ["seed-demo"]):
        subprocess.run([PORTAL, *command], env=env, cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run([sys.executable, __file__, "--attach"], env=env, cwd=ROOT, check=True)
    log = (folder / "server.log").open("w")  # noqa: SIM115 - closed with the process
    if os.environ.get("BENCH_SERVER") == "gunicorn":
        env.update(PORTAL_ENV="production", SECRET_KEY="bench-" + "x" * 40,
                   PORTAL_BASE_URL=BASE, SESSION_COOKIE_SECURE="0")
        gunicorn = str(Path(PORTAL).with_name("gunicorn"))
        commands = [[gunicorn, "--workers", "4", "--bind", f"127.0.0.1:{PORT}",
                     "portal:create_app()"], [PORTAL, "worker"], [PORTAL, "scheduler"]]
    else:
        commands = [[PORTAL, "run", "--host", "127.0.0.1", "--port", str(PORT), "--no-reload"]]
    servers = [subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=log) for command in commands]
    for _ in range(150):
        try:
            urllib.request.urlopen(BASE + "/healthz", timeout=2).read()
            return servers
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start: " + (folder / "server.log").read_text()[-2000:])


def _attach() -> None:
    """Give the demo's settled dispute twenty attachments (1–5 pages each), so its case file
    binds as many documents as a real one."""
    sys.path.insert(0, str(ROOT / "bench"))
    import sqlalchemy as sa
    from bench_casefile import attachment

    from portal import create_app
    from portal.conferences.models import Conference, ConferenceState, Document
    from portal.extensions import db
    from portal.followup.models import Agreement

    app = create_app()
    with app.app_context():
        conference = db.session.scalar(
            sa.select(Conference).join(Agreement, Agreement.conference_id == Conference.id)
            .where(Conference.state == ConferenceState.SIGNED).order_by(Conference.id))
        for number in range(1, 21):
            data = attachment(number)
            db.session.add(Document(
                conference_id=conference.id, uploader_id=conference.secretary_id,
                filename=f"证据材料{number}.pdf", content_type="application/pdf",
                size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data))
        db.session.commit()
        print(f"20 attachments for dispute {conference.dispute_id}")
        (Path(os.environ["PORTAL_KEYS_DIR"]).parent / "casefile").write_text(
            str(conference.dispute_id))


def last_month() -> str:
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().replace(day=1)
    return f"{today - timedelta(days=1):%Y-%m}"


def _p(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def _pages(session: Session) -> dict[str, str]:
    listing = session.get("/disputes/")[1]
    dispute = re.search(r'href="(/disputes/\d+)"', listing).group(1)
    rooms = session.get("/conferences/")[1]
    room = re.search(r'href="(/conferences/\d+)"', rooms).group(1)
    return {"dashboard": "/", "disputes": "/disputes/", "dispute": dispute, "room": room,
            "calendar": "/calendar/"}


def _register(session: Session, number: int):
    status, form, took = session.get("/disputes/new")
    if status != 200:
        return status, form, took
    village = re.search(r'name="village_id"[^>]*>\s*<option value="(\d+)"', form)
    data = {"csrf_token": _csrf(form), "title": f"压测纠纷{number}", "category": "NEIGHBOUR",
            "tier": "1", "village_id": village.group(1) if village else "1",
            "source": "GRID_REPORT", "risk": "LOW", "description": "邻里噪音纠纷",
            "parties-0-name": "张三", "parties-0-role": "APPLICANT"}
    token = re.search(r'name="form_token"[^>]*value="([^"]+)"', form)
    if token:
        data["form_token"] = token.group(1)
    return session.post("/disputes/new", data)


def _documents(secretary: Session) -> list[str]:
    """Links to the demo's minutes and the parties' rights notices (rendered on demand)."""
    links = []
    for path in re.findall(r'href="(/conferences/\d+)"', secretary.get("/conferences/")[1]):
        page = secretary.get(path + "/minutes")[1]
        links += re.findall(r'href="(/conferences/\d+/minutes/\d+\.pdf)"', page)
    for path in re.findall(r'href="/disputes/(\d+)"', secretary.get("/disputes/")[1]):
        page = secretary.get(f"/followup/disputes/{path}")[1]
        links += re.findall(r'href="(/followup/disputes/\d+/notices/\d+\.pdf)"', page)
    return list(dict.fromkeys(links))


def main(users: int = 12, seconds: float = 60) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    servers = _serve(folder)
    try:
        _run(folder, users, seconds)
    finally:
        for server in servers:
            server.terminate()
            server.wait()
        if os.environ.get("KEEP"):
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def _settled(limit: float = 180) -> None:
    """Wait until the worker has done the jobs seeding left (the demo's PDFs), so that the
    idle figures are idle."""
    import sqlalchemy as sa

    engine = sa.create_engine(os.environ["BENCH_DATABASE_URL"])
    until = time.monotonic() + limit
    with engine.connect() as connection:
        while time.monotonic() < until and connection.scalar(sa.text(
                "SELECT count(*) FROM jobs WHERE state IN ('QUEUED', 'RUNNING')")):
            connection.rollback()
            time.sleep(1)
    engine.dispose()


def _run(folder: Path, users: int, seconds: float) -> None:
    _settled()
    secretary = Session("secretary")
    pages = _pages(secretary)
    idle = {name: [] for name in ["healthz", *pages]}
    for _ in range(20):
        idle["healthz"].append(secretary.get("/healthz")[2])
        for name, path in pages.items():
            idle[name].append(secretary.get(path)[2])
    floor = statistics.median(idle["healthz"]) * 1000
    print(f"/healthz idle median {floor:.1f} ms")

    # The baseline: the portal's minutes renderer on a long minutes document, in this process.
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_minutes_pdf import long_minutes

    from reports.minutes import render_minutes_pdf
    started = time.perf_counter()
    render_minutes_pdf(long_minutes())
    bare = time.perf_counter() - started

    documents = _documents(secretary)
    print(f"{len(documents)} document links")
    loads: dict[str, list[float]] = {name: [] for name in [*pages, "register"]}
    errors: list[str] = []
    clicks: list[float] = []
    ready: list[float] = []
    built: list[float] = []
    stop = time.monotonic() + seconds
    names = ["convener", "secretary", "court_head", "bureau_head", "police_head", "med_labour",
             "med_land", "grid_zhou", "grid_li", "police_wu", "police_ma", "leader"]
    # Wait for the in-process scheduler's first tick, which brings the summaries up to date.
    time.sleep(5)

    def browse(username: str, index: int):
        session = Session(username)
        rng = random.Random(index)
        count = 0
        while time.monotonic() < stop:
            for name, path in pages.items():
                session.think(rng)
                status, body, took = session.get(path)
                if status >= 500 or status == 0:
                    errors.append(f"{name} {status}")
                loads[name].append(took)
            if username in ("grid_zhou", "grid_li", "police_wu", "convener", "secretary"):
                session.think(rng)
                status, _, took = _register(session, index * 1000 + count)
                if status != 302:
                    errors.append(f"register {status}")
                loads["register"].append(took)
            count += 1

    def build_casefile():
        session = Session("convener")
        dispute = (folder / "casefile").read_text()
        page = session.get(f"/followup/disputes/{dispute}")[1]
        status, _, took = session.post(f"/followup/disputes/{dispute}/casefile",
                                       {"csrf_token": _csrf(page)})
        clicks.append(took)
        began = time.perf_counter() - took
        if status != 302:
            errors.append(f"casefile {status}")
            return
        job = session.get(f"/followup/disputes/{dispute}")[1]
        link = re.search(r'href="(/followup/casefiles/\d+)"', job).group(1)
        while time.monotonic() < stop + 300:
            status, body, _ = session.get(link + ".pdf")
            if status == 200 and body.startswith("%PDF"):
                built.append(time.perf_counter() - began)
                return
            time.sleep(1)
        errors.append("casefile not built")

    def ask_for_documents():
        """Three new editions of last month's report, each a render; between them the
        secretary downloads minutes and notices already stored."""
        admin, secretary = Session("admin"), Session("secretary")
        rng = random.Random(-1)
        month = last_month()
        stored = iter(documents)
        for _ in range(3):
            page = admin.get("/statistics/")[1]
            status, _, took = admin.post("/statistics/reports",
                                         {"csrf_token": _csrf(page), "month": month})
            clicks.append(took)
            began = time.perf_counter() - took
            job = re.search(r"/jobs/(\d+)(\?.*)?$", admin.last_location or "")
            if status != 302 or job is None:
                errors.append(f"report {status}")
                continue
            while time.monotonic() < stop + 120:
                state = json.loads(admin.get(f"/jobs/{job.group(1)}.json{job.group(2) or ''}")[1])
                if state["next"]:
                    status, body, _ = admin.get(state["next"])
                    if status == 200 and body.startswith("%PDF"):
                        ready.append(time.perf_counter() - began)
                    else:
                        errors.append(f"report download {status}")
                    break
                if state["failed"]:
                    errors.append("report failed")
                    break
                time.sleep(0.5)
            link = next(stored, None)
            if link:
                status, _, took = secretary.get(link)
                clicks.append(took)
                if status != 200:
                    errors.append(f"stored document {status}")
            secretary.think(rng)

    threads = [threading.Thread(target=browse, args=(names[i % len(names)], i))
               for i in range(users)]
    threads.append(threading.Thread(target=ask_for_documents))
    threads.append(threading.Thread(target=build_casefile))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    total = sum(len(v) for v in loads.values())
    print(f"{users} sessions for {seconds:g} s (think {THINK:g} s): {total} requests, "
          f"{len(errors)} errors {sorted(set(errors))[:5]}")
    print(f"{'page':<10} {'idle p95':>9} {'load p50':>9} {'load p95':>9} {'ratio':>6}")
    for name, values in loads.items():
        if not values:
            continue
        base = _p(idle.get(name) or values, 0.95)
        print(f"{name:<10} {base:8.1f}  {_p(values, 0.5):8.1f}  {_p(values, 0.95):8.1f}  "
              f"{_p(values, 0.95) / base:5.1f}x")
    if clicks:
        print(f"document clicks answered in {max(clicks) * 1000:.0f} ms at most "
              f"({max(clicks) * 1000 / floor:.0f}x /healthz)")
    if ready:
        print(f"{len(ready)} monthly reports rendered under load; click to downloaded PDF: "
              f"median {statistics.median(ready):.2f} s; "
              f"a long minutes document rendered alone {bare:.2f} s "
              f"({statistics.median(ready) / bare:.1f}x)")
    if built:
        print(f"case file of 20 attachments: click to download {built[0]:.1f} s")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--attach"]:
        sys.exit(_attach())
    main(*(float(a) if i else int(a) for i, a in enumerate(sys.argv[1:3])))

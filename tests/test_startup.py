"""`portal --help` and `portal scheduler --once` start without the libraries that only
rendering, sealing, calendar files, reading uploads, spreadsheets or migrating need
(bench/bench_cli.py measures how long they take)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Each costs a noticeable share of a start; the code that needs one imports it there.
HEAVY = ("weasyprint", "pyhanko", "pyhanko_certvalidator", "aiohttp", "pypdf", "PIL",
         "openpyxl", "segno", "alembic", "apscheduler", "fontTools", "pypinyin", "icalendar",
         "dateutil")
# The documents' layouts and what renders them: only a job that makes a document needs one.
DOCUMENTS = ("reports.agreement", "reports.casefile", "reports.charts", "reports.doorplates",
             "reports.minutes", "reports.monthly", "reports.pdf", "reports.pdf_record",
             "reports.review_minutes", "reports.signing", "reports.verify")
PROBE = """
import sys
from portal.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(" ".join(sorted(sys.modules)), file=sys.stderr)
"""


def _loaded(tmp_path, *command) -> set[str]:
    """The top-level packages the command imported, and every module by its full name."""
    env = {key: value for key, value in os.environ.items() if key != "PORTAL_ENV"}
    env.update(PYTHONPATH=str(ROOT), DATABASE_URL=f"sqlite:///{tmp_path / 'p.sqlite3'}",
               PORTAL_ENV="testing")
    done = subprocess.run([sys.executable, "-c", PROBE, *command], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    modules = set(done.stderr.strip().splitlines()[-1].split())
    return modules | {name.split(".")[0] for name in modules}


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    directory = tmp_path_factory.mktemp("startup")
    assert "alembic" in _loaded(directory, "db", "upgrade")
    return directory


def test_help_loads_no_heavy_library(tmp_path):
    loaded = _loaded(tmp_path, "--help")
    assert "flask" in loaded
    assert not loaded & set(HEAVY)


def test_scheduler_tick_loads_no_heavy_library(migrated):
    loaded = _loaded(migrated, "scheduler", "--once")
    assert "sqlalchemy" in loaded
    assert not loaded & set(HEAVY)


def test_scheduler_tick_with_nothing_due_loads_no_document(migrated):
    loaded = _loaded(migrated, "scheduler", "--once")
    assert "portal.statistics.services" in loaded  # it looked whether a report is due
    assert not loaded & set(DOCUMENTS)


# Libraries only pages use: a command that shows no page must not pay for them.
PAGES_ONLY = ("flask_wtf", "flask_limiter", "flask_bootstrap", "flask_smorest", "marshmallow",
              "wtforms", "limits")


def test_scheduler_tick_builds_no_page(migrated):
    loaded = _loaded(migrated, "scheduler", "--once")
    assert not loaded & set(PAGES_ONLY)


WIRING = """
import json, sys
import sqlalchemy as sa
from sqlalchemy.orm import Session
from portal import create_app
from portal.jobs.queue import KINDS
from portal.permissions import _RULES

def seen():
    hooks = {name: sum(map(len, getattr(Session.dispatch, name)._clslevel.values()))
             for name in ("before_flush", "after_flush", "after_flush_postexec", "before_commit",
                          "after_commit", "after_rollback", "after_transaction_end",
                          "do_orm_execute")}
    return {"rules": sorted(_RULES), "jobs": sorted(KINDS), "hooks": hooks}

app = create_app("testing", pages=False)
before = seen()
with app.test_request_context():
    link = app.url_for("auth.login")
print(json.dumps({"before": before, "after": seen(), "link": link}))
"""


def test_a_command_has_every_rule_job_and_listener_before_any_page(tmp_path):
    """Whatever a command does without pages is checked and recorded as a page would do it:
    the pages, added on first use, bring no rule, job kind or database hook of their own."""
    env = {key: value for key, value in os.environ.items() if key != "PORTAL_ENV"}
    env.update(PYTHONPATH=str(ROOT), DATABASE_URL=f"sqlite:///{tmp_path / 'p.sqlite3'}")
    done = subprocess.run([sys.executable, "-c", WIRING], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, check=True)
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["link"] == "/login"  # the first request adds the pages
    assert "statistics.read" in seen["before"]["rules"]
    assert {"agreement.seal", "minutes.seal", "statistics.report"} <= set(seen["before"]["jobs"])
    assert seen["before"] == seen["after"]


def test_another_application_in_the_process_gives_a_dispute_one_case_code(database_url, make):
    from portal import create_app
    from portal.extensions import db
    from portal.residents.models import CaseCode

    create_app("testing", pages=False, SQLALCHEMY_DATABASE_URI=database_url)
    dispute = make.dispute()
    db.session.commit()
    assert db.session.query(CaseCode).filter_by(dispute_id=dispute.id).count() == 1


NAMED = """
import json
from portal import create_app
from portal.calendar.feeds import SERIES_SOURCES
from portal.jobs.queue import KINDS
from portal.jobs.renders import BUILDERS

create_app("testing", pages=False)
registries = (KINDS, BUILDERS, SERIES_SOURCES)
waiting = {name: not registry.is_loaded(name) for registry in registries for name in registry}
for registry in registries:
    for name in registry:
        registry[name]  # imports the module the wiring names; LookupError if it has no such
print(json.dumps(waiting))
"""


def test_every_job_kind_builder_and_feed_source_the_wiring_names_is_in_its_module(tmp_path):
    """The wiring names the modules that render or seal without importing them; each one,
    imported, registers what the wiring said it would."""
    env = {key: value for key, value in os.environ.items() if key != "PORTAL_ENV"}
    env.update(PYTHONPATH=str(ROOT), DATABASE_URL=f"sqlite:///{tmp_path / 'p.sqlite3'}")
    done = subprocess.run([sys.executable, "-c", NAMED], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, check=True)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["agreement.seal"] and found["minutes.draft"] and found["reviews"]
    assert not found["pdf.render"]  # light enough to be registered at once
    assert {"casefile.build", "reviews.minutes", "statistics.report", "doorplates"} <= set(found)


CLAIM = """
import json
from datetime import timedelta
from portal import create_app
from portal.extensions import db
from portal.jobs import queue
from portal.jobs.models import Job

app = create_app("testing", pages=False)
with app.app_context():
    db.create_all()
    waiting = not queue.KINDS.is_loaded("casefile.build")
    queue.enqueue("casefile.build", "casefile:1", {"casefile": 1})
    db.session.commit()
    run = queue.claim()
    job = db.session.get(Job, run.job_id)
    lease = (job.lease_until - job.started_at) / timedelta(seconds=1)
    print(json.dumps({"waiting": waiting, "state": job.state.name, "lease": lease,
                      "loaded": queue.KINDS.is_loaded("casefile.build")}))
"""


def test_a_worker_claims_a_job_whose_module_is_not_loaded_yet(tmp_path):
    """A kind's module loads at the first claim (the lock let go meanwhile), and the job is
    leased for as long as its handler says."""
    env = {key: value for key, value in os.environ.items() if key != "PORTAL_ENV"}
    env.update(PYTHONPATH=str(ROOT), DATABASE_URL=f"sqlite:///{tmp_path / 'p.sqlite3'}")
    done = subprocess.run([sys.executable, "-c", CLAIM], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, check=True)
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"waiting": True, "state": "RUNNING", "lease": 1800.0, "loaded": True}

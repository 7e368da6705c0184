"""`portal --help` and `portal scheduler --once` start without the libraries that only
rendering, sealing, reading uploads, spreadsheets or migrating need (bench/bench_cli.py
measures how long they take)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Each costs a noticeable share of a start; the code that needs one imports it there.
HEAVY = ("weasyprint", "pyhanko", "pyhanko_certvalidator", "aiohttp", "pypdf", "PIL",
         "openpyxl", "segno", "alembic", "apscheduler", "fontTools", "pypinyin")
PROBE = """
import sys
from portal.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(" ".join(sorted({name.split(".")[0] for name in sys.modules})), file=sys.stderr)
"""


def _loaded(tmp_path, *command) -> set[str]:
    env = {key: value for key, value in os.environ.items() if key != "PORTAL_ENV"}
    env.update(PYTHONPATH=str(ROOT), DATABASE_URL=f"sqlite:///{tmp_path / 'p.sqlite3'}",
               PORTAL_ENV="testing")
    done = subprocess.run([sys.executable, "-c", PROBE, *command], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    return set(done.stderr.strip().splitlines()[-1].split())


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
             for name in ("before_flush", "after_flush", "after_commit", "after_rollback")}
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
    assert seen["before"] == seen["after"]


def test_another_application_in_the_process_gives_a_dispute_one_case_code(database_url, make):
    from portal import create_app
    from portal.extensions import db
    from portal.residents.models import CaseCode

    create_app("testing", pages=False, SQLALCHEMY_DATABASE_URI=database_url)
    dispute = make.dispute()
    db.session.commit()
    assert db.session.query(CaseCode).filter_by(dispute_id=dispute.id).count() == 1

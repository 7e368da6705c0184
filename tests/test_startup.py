"""`portal --help` and `portal scheduler --once` start without the libraries that only
rendering, sealing, reading uploads, spreadsheets or migrating need (bench/bench_cli.py
measures how long they take)."""

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

"""The built wheel deploys as the README's production section says: installed into a fresh
virtual environment, run from another directory, it migrates, creates the first
administrator, checks itself and serves the Chinese sign-in page through gunicorn."""

import os
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import BACKEND, fresh_postgres_database

ROOT = Path(__file__).resolve().parent.parent


def _database(tmp_path: Path) -> str:
    if BACKEND != "postgres":
        return f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    return fresh_postgres_database("wheel")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _outside_the_checkout() -> dict:
    """The environment without anything that would put this checkout on the path."""
    return {key: value for key, value in os.environ.items()
            if key not in {"PYTHONPATH", "PORTAL_ENV", "FLASK_APP"}}


def _run(*command, env, cwd, input=None) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=env, cwd=cwd, input=input, capture_output=True,
                          text=True, timeout=300, check=False)


@pytest.fixture
def installed(tmp_path):
    """(venv directory, wheel): the wheel built from this checkout, installed into a fresh
    virtual environment that borrows the already installed dependencies."""
    wheels = tmp_path / "wheels"
    built = _run(sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q",
                 "-w", str(wheels), env=_outside_the_checkout(), cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    wheel = next(wheels.glob("*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    # A plain path line: the dependencies become importable, but not this checkout (the
    # shared environment's own .pth files, an editable install among them, are not read).
    site = next((venv / "lib").glob("python*/site-packages"))
    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    python = venv / "bin" / "python"
    done = _run(sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                "--no-index", "-q", str(wheel), env=_outside_the_checkout(), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return venv, wheel


@pytest.mark.slow
def test_the_wheel_deploys_as_the_readme_says(installed, tmp_path):
    venv, wheel = installed
    with __import__("zipfile").ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {"portal/templates/auth/login.html", "portal/migrations/env.py",
            "portal/static/portal.css",
            "portal/translations/zh_Hans_CN/LC_MESSAGES/messages.mo"} <= names

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = _outside_the_checkout()
    env.update(PORTAL_ENV="production", DATABASE_URL=_database(tmp_path),
               SECRET_KEY="0123456789abcdef0123456789abcdef",
               PORTAL_BASE_URL="https://tiaojie.example.gov.cn")
    portal = str(venv / "bin" / "portal")

    upgraded = _run(portal, "db", "upgrade", env=env, cwd=elsewhere)
    assert upgraded.returncode == 0, upgraded.stderr
    created = _run(portal, "create-admin", env=env, cwd=elsewhere,
                   input="chief\n站长\n南城街道综治中心\nWheel-Check-2026\nWheel-Check-2026\n")
    assert created.returncode == 0, created.stderr
    assert "Administrator chief created" in created.stdout
    doctor = _run(portal, "doctor", env=env, cwd=elsewhere)
    for line in ("[ok  ] database", "[ok  ] migrations", "[ok  ] secret key",
                 "[ok  ] settings"):
        assert line in doctor.stdout, doctor.stdout + doctor.stderr

    port = _free_port()
    server = subprocess.Popen(
        [str(venv / "bin" / "python"), "-m", "gunicorn", "--workers", "1", "--bind",
         f"127.0.0.1:{port}", "portal:create_app()"],
        env=env, cwd=elsewhere, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        page = _fetch(f"http://127.0.0.1:{port}/login", server)
    finally:
        server.terminate()
        log = server.communicate(timeout=30)[0]
    assert page is not None, log
    assert "<h1 class=\"h3 my-4\">登录</h1>" in page


def _fetch(url: str, server: subprocess.Popen) -> str | None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            time.sleep(0.2)
    return None

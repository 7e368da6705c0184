"""Long commands tell a person at a terminal what they are doing and how long it has taken,
and say only the result to cron and pipes."""

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from portal.extensions import db

PORTAL = str(Path(sys.executable).with_name("portal"))
STAGE = re.compile(r"^  \[ *\d+\.\d s\] ", re.MULTILINE)


def _on_a_terminal(app, *args: str) -> str:
    leader, follower = pty.openpty()
    env = dict(os.environ, PORTAL_ENV="testing",
               DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"])
    process = subprocess.Popen([PORTAL, *args], env=env, stdin=subprocess.DEVNULL,
                               stdout=follower, stderr=subprocess.STDOUT)
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closes when the command ends
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    assert process.wait(timeout=120) == 0, output.decode()
    return output.decode().replace("\r\n", "\n")


@pytest.mark.slow
def test_statistics_rebuild_shows_its_stages_on_a_terminal_only(app, ctx, make):
    make.dispute()
    db.session.commit()  # the command runs in another process
    shown = _on_a_terminal(app, "statistics", "rebuild")
    assert len(STAGE.findall(shown)) >= 4, shown
    assert "1 of 1 disputes summarised" in shown and "Statistics summaries rebuilt" in shown

    piped = app.test_cli_runner().invoke(args=["statistics", "rebuild"])
    assert piped.exit_code == 0 and not STAGE.search(piped.output)
    assert "Statistics summaries rebuilt" in piped.output


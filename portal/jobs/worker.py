"""The worker loop: `portal worker` in production, a thread beside the development server."""

from __future__ import annotations

import logging
import threading

import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import queue

log = logging.getLogger(__name__)


def run_forever(app, interval: float = 2.0, echo=print, stop: threading.Event | None = None):
    """Claim and run jobs until ``stop`` is set; sleep ``interval`` when nothing is due."""
    stop = stop or threading.Event()
    while not stop.is_set():
        with app.app_context():
            try:
                ran = queue.work_due(limit=20)
            except sa.exc.SQLAlchemyError as error:  # the database may be back next time
                db.session.rollback()
                echo(f"database error, retrying in {interval:g} s: {error}")
                ran = 0
            finally:
                db.session.remove()
        if ran:
            echo(f"{ran} job(s) run")
        else:
            stop.wait(interval)


_started = False


def start_in_process(app) -> None:
    """Run one worker thread inside this (development server) process, once."""
    global _started
    if _started:
        return
    _started = True
    thread = threading.Thread(target=run_forever, args=(app, 1.0, log.info),
                              name="portal-worker", daemon=True)
    thread.start()



"""The worker loop: `portal worker` in production, a thread beside the development server."""

from __future__ import annotations

import logging
import threading

import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import queue, wakeup

log = logging.getLogger(__name__)


def run_forever(app, interval: float = 2.0, echo=print, stop: threading.Event | None = None):
    """Claim and run jobs until ``stop`` is set; when nothing is due, sleep ``interval`` or
    until a job is written."""
    stop = stop or threading.Event()
    with app.app_context():
        waiter = wakeup.Waiter(db.engine, stop)
    try:
        _loop(app, interval, echo, stop, waiter)
    finally:
        waiter.close()


def _loop(app, interval: float, echo, stop: threading.Event, waiter: wakeup.Waiter) -> None:
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
            waiter.wait(interval)


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



"""Waking idle workers when a job is written, instead of at their next poll.

A page that asks for a document waits for the worker; a worker that sleeps out its poll
interval first adds up to that interval to every document. Writing a job therefore
announces it once the transaction commits: to a worker thread in this process (the
development server's) through an event, and on PostgreSQL to every `portal worker` that
listens, with ``NOTIFY``, which the server delivers on commit and drops on rollback. A
worker that misses an announcement still finds the job at its next poll.
"""

from __future__ import annotations

import logging
import threading
import time

import sqlalchemy as sa

from portal.extensions import db

log = logging.getLogger(__name__)
CHANNEL = "portal_jobs"
_written = threading.Event()


def announce() -> None:
    """Mark the current transaction as having written a job."""
    session = db.session()
    session.info["job_written"] = True
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text(f"NOTIFY {CHANNEL}"))


def _after_commit(session) -> None:
    if session.info.pop("job_written", False):
        _written.set()


def _after_rollback(session) -> None:
    session.info.pop("job_written", None)


def init_app(app) -> None:
    sa.event.listen(db.session, "after_commit", _after_commit)
    sa.event.listen(db.session, "after_rollback", _after_rollback)


class Waiter:
    """Sleeps up to a poll interval, or less when a job is announced or ``stop`` is set."""

    def __init__(self, engine: sa.Engine, stop: threading.Event):
        self.stop, self._connection = stop, None
        if engine.dialect.name == "postgresql":
            self._url = engine.url.set(drivername="postgresql").render_as_string(
                hide_password=False)
        else:
            self._url = None

    def wait(self, interval: float) -> None:
        if self._url is not None and self._listen():
            import psycopg

            try:
                for _ in self._connection.notifies(timeout=interval, stop_after=1):
                    pass
                return
            except psycopg.Error as error:  # the database went away; poll until it is back
                log.warning("no longer listening for jobs: %s", error)
                self.close()
        until = time.monotonic() + interval
        while not self.stop.is_set() and time.monotonic() < until:
            if _written.wait(min(0.2, max(0.0, until - time.monotonic()))):
                _written.clear()
                return

    def _listen(self) -> bool:
        if self._connection is not None:
            return True
        import psycopg

        try:
            self._connection = psycopg.connect(self._url, autocommit=True, connect_timeout=5)
            self._connection.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as error:
            log.warning("cannot listen for jobs: %s", error)
            self._connection = None
        return self._connection is not None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()  # psycopg closes a broken connection without raising
            self._connection = None

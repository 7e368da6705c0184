"""A waiting page's document is rendered as soon as it is asked for, not at the worker's
next poll: writing a job wakes idle workers once it commits, and only then."""

import threading
import time

import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import renders, wakeup
from portal.jobs.models import Job, JobState
from portal.jobs.worker import run_forever

POLL = 60  # far longer than any of these tests may take


def _ask(key="note:wake"):
    renders.request_pdf("test.note", key, "n.pdf", {"text": "醒"})


def _state():
    state = db.session.scalar(sa.select(Job.state))
    db.session.rollback()  # on SQLite an open transaction holds the write lock
    return state


def test_a_sleeping_worker_renders_a_document_as_soon_as_it_is_asked_for(app, ctx, engine):
    stop = threading.Event()
    worker = threading.Thread(target=run_forever, args=(app, POLL, lambda line: None, stop))
    worker.start()
    try:
        time.sleep(0.5)  # the worker found nothing and sleeps
        _ask()
        db.session.commit()
        deadline = time.monotonic() + 20
        while _state() is not JobState.DONE and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _state() is JobState.DONE
    finally:
        stop.set()
        worker.join(timeout=POLL + 5)
    assert engine == ["<p>醒</p>"]


def test_a_job_rolled_back_wakes_no_worker(app, ctx, engine):
    waiter = wakeup.Waiter(db.engine, threading.Event())
    try:
        waiter.wait(0.3)  # takes any announcement an earlier test left
        _ask("note:rolled-back")
        db.session.rollback()
        started = time.monotonic()
        waiter.wait(1.5)
        assert time.monotonic() - started >= 1.4
        _ask("note:kept")
        db.session.commit()
        started = time.monotonic()
        waiter.wait(POLL)
        assert time.monotonic() - started < 10
    finally:
        waiter.close()

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import queue, renders
from portal.jobs.models import Job, JobState, RenderedPdf
from portal.timeutil import utcnow
from reports import pdf
from tests import fakes

ROOT = Path(__file__).resolve().parents[2]


def test_writers_are_not_held_up_by_a_slow_render(app, make, monkeypatch):
    monkeypatch.setenv("PORTAL_FAKE_RENDER_SECONDS", "2")
    pdf.use_engine(fakes.slow_pdf)
    try:
        renders.request_pdf("test.note", "note:slow", "n.pdf", {"text": "慢"})
        db.session.commit()
        worker = threading.Thread(target=lambda: _work(app))
        worker.start()
        while db.session.scalar(sa.select(Job.state)) is not JobState.RUNNING:
            db.session.rollback()
            time.sleep(0.05)
        written = []
        for number in range(5):  # each write commits while the render is still running
            written.append(make.user(full_name=f"用户{number}").id)
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(sa.select(Job.state)) is JobState.RUNNING
        db.session.rollback()
        worker.join()
    finally:
        pdf.use_engine(None)
    assert len(written) == 5
    db.session.rollback()
    job = db.session.scalar(sa.select(Job))
    assert job.state is JobState.DONE, job.error
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RenderedPdf)) == 1


def _work(app):
    with app.app_context():
        queue.work_due()
        db.session.remove()


def test_a_killed_worker_process_leaves_its_job_to_the_next_worker(app, ctx, database_url):
    renders.request_pdf("test.note", "note:killed", "n.pdf", {"text": "杀"})
    db.session.commit()
    env = dict(os.environ, DATABASE_URL=database_url, PORTAL_ENV="testing",
               PORTAL_PDF_ENGINE="tests.fakes:slow_pdf", PORTAL_FAKE_RENDER_SECONDS="60",
               PYTHONPATH=str(ROOT))
    process = subprocess.Popen(
        [sys.executable, "-c", "from portal.cli import run; run()", "worker",
         "--interval", "0.2"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while db.session.scalar(sa.select(Job.state)) is not JobState.RUNNING:
            db.session.rollback()
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.1)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    db.session.rollback()
    job = db.session.scalar(sa.select(Job))
    assert job.state is JobState.RUNNING and job.attempts == 1
    assert queue.work_due() == 0  # its lease still runs
    pdf.use_engine(fakes.fast_pdf)
    try:
        assert queue.work_due(now=utcnow() + timedelta(minutes=6)) == 1
    finally:
        pdf.use_engine(None)
    db.session.refresh(job)
    assert job.state is JobState.DONE and job.attempts == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RenderedPdf)) == 1

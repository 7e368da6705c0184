from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import queue, renders
from portal.jobs.models import Job, JobState, RenderedPdf
from portal.timeutil import utcnow
from reports import pdf
from tests.factories import run_jobs


def _ask(text="调解笔录", user=None):
    found = renders.request_pdf("test.note", f"note:{text}", "note.pdf", {"text": text},
                                requested_by=user)
    db.session.commit()
    return found


def test_asking_twice_for_one_document_renders_it_once(ctx, engine):
    first, second = _ask(), _ask()
    assert isinstance(first, Job) and first.id == second.id
    assert run_jobs() == 1
    stored = _ask()
    assert isinstance(stored, RenderedPdf) and stored.pdf.startswith(b"%PDF")
    assert engine == ["<p>调解笔录</p>"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 1


def test_a_failing_job_is_retried_later_then_marked_failed(ctx, monkeypatch):
    def broken(job):
        raise RuntimeError("font cache unreadable")
    pdf.use_engine(broken)
    try:
        job = _ask()
        assert run_jobs() == 1
        db.session.refresh(job)
        assert job.state is JobState.QUEUED and "font cache" in job.error
        assert job.run_after > utcnow() + timedelta(seconds=20)  # backed off
        for _ in range(3):
            queue.work_due(now=utcnow() + timedelta(hours=2))
        db.session.refresh(job)
        assert job.state is JobState.FAILED and job.attempts == 3
    finally:
        pdf.use_engine(None)


def test_a_job_whose_worker_died_is_taken_again_when_its_lease_ends(ctx, engine):
    job = _ask()
    run = queue.claim()  # a worker that then dies
    assert run is not None and queue.claim() is None
    assert run_jobs() == 0  # still leased
    later = utcnow() + timedelta(minutes=6)
    again = queue.claim(now=later)
    assert again is not None and again.job_id == job.id and again.attempt == 2
    assert queue.execute(again) is JobState.DONE
    # The dead worker's late finish changes nothing: its claim is gone.
    assert queue.execute(run) is JobState.DONE
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RenderedPdf)) == 1
    assert engine == ["<p>调解笔录</p>"]  # the late run found the document made


def test_waiting_page_polls_then_sends_to_the_download(client, login, make, engine):
    user = make.user()
    login(user)
    job = _ask(user=user)
    page = client.get(f"/jobs/{job.id}?next=/somewhere")
    assert page.status_code == 202
    body = page.get_data(as_text=True)
    assert "正在准备" in body and "jobs.js" in body
    status = client.get(f"/jobs/{job.id}.json?next=/somewhere").get_json()
    assert status["state"] == "queued" and status["next"] is None
    run_jobs()
    status = client.get(f"/jobs/{job.id}.json?next=/somewhere").get_json()
    assert status == {"state": "done", "label": "已就绪", "progress": 100, "step": "",
                      "failed": False, "error": None, "next": "/somewhere"}
    assert client.get(f"/jobs/{job.id}?next=/somewhere").headers["Location"] == "/somewhere"


def test_waiting_page_never_sends_to_another_site(client, login, make, engine):
    user = make.user()
    login(user)
    job = _ask(user=user)
    run_jobs()
    for target in ("//evil.example/x", "https://evil.example/", "javascript:alert(1)"):
        response = client.get(f"/jobs/{job.id}", query_string={"next": target})
        assert response.headers["Location"] == "/"


def test_a_failed_job_shows_a_clear_message_and_a_retry_button(client, login, make):
    def broken(job):
        raise RuntimeError("boom")
    pdf.use_engine(broken)
    try:
        user = make.user()
        login(user)
        job = _ask(user=user)
        for _ in range(3):
            queue.work_due(now=utcnow() + timedelta(hours=2))
    finally:
        pdf.use_engine(None)
    body = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "文档未能生成" in body and "重试" in body
    assert "boom" not in body  # the detail is for administrators
    assert client.get(f"/jobs/{job.id}.json").get_json()["failed"] is True
    response = client.post(f"/jobs/{job.id}/retry")
    assert response.status_code == 302
    db.session.refresh(job)
    assert job.state is JobState.QUEUED and job.attempts == 0


def test_admins_see_failed_jobs(client, login, make):
    from portal.orgs.models import Role

    db.session.add(Job(kind="pdf.render", key="k", payload="{}", state=JobState.FAILED,
                       error="RenderTimeout: took longer than 60 s"))
    db.session.commit()
    admin = make.user(Role.ADMIN)
    login(admin)
    assert "1 个失败" in client.get("/admin/").get_data(as_text=True)
    listing = client.get("/admin/jobs?state=FAILED").get_data(as_text=True)
    assert "RenderTimeout" in listing and "重试" in listing
    other = make.user()
    client.post("/logout")
    login(other)
    assert client.get("/admin/jobs").status_code == 404


@pytest.mark.parametrize("attempts, wait", [(1, 30), (2, 60), (3, 120), (12, 3600)])
def test_backoff_grows_to_an_hour(attempts, wait):
    assert queue.backoff(attempts) == timedelta(seconds=wait)

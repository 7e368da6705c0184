"""Issued minutes sealed with a trusted timestamp when a time-stamping authority is
configured (PAdES B-T), with the portal's own claim of the time otherwise (B-B)."""

import socket

import pytest

from portal.extensions import db
from portal.jobs import queue
from portal.jobs.models import JobState
from portal.minutes import sealing, services
from portal.timeutil import utcnow
from reports.signing import validate_sealed_pdf
from tests.factories import download, run_jobs
from tests.minutes.test_pages import issued  # noqa: F401 - the fixture
from tests.timestamping import tsa  # noqa: F401 - the fixture


def _sealed(client, login, conference) -> bytes:
    login(conference.secretary)
    response = download(client, f"/conferences/{conference.id}/minutes/1.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return response.data


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/tsa"


@pytest.fixture
def tsa_url(app):
    def use(url: str) -> None:
        app.config["PORTAL_TSA_URL"] = url
    yield use
    app.config["PORTAL_TSA_URL"] = ""


def test_without_an_authority_the_seal_is_pades_b_b(client, login, issued):  # noqa: F811
    conference, _, _ = issued
    check = validate_sealed_pdf(_sealed(client, login, conference), sealing.paths()["root"])
    assert check.ok and check.timestamped_at is None and check.level == "B-B"


def test_with_an_authority_the_seal_carries_its_trusted_timestamp(
        client, login, issued, tsa, tsa_url):  # noqa: F811
    tsa_url(tsa.url)
    conference, _, _ = issued
    check = validate_sealed_pdf(_sealed(client, login, conference), sealing.paths()["root"],
                                tsa_roots=[tsa.root_cert])
    assert check.ok and check.timestamp_trusted and check.level == "B-T"


def test_seal_waits_for_an_unreachable_authority_and_issues_once_it_answers(
        app, client, login, issued, tsa, tsa_url):  # noqa: F811
    conference, _, version = issued
    tsa_url(_closed_port_url())
    app.config["PORTAL_TSA_TIMEOUT"] = 2
    try:
        run_jobs()
    finally:
        app.config["PORTAL_TSA_TIMEOUT"] = 10.0
    job = queue.find(services.seal_key(version))
    assert job.state is JobState.QUEUED and job.attempts == 0
    assert "时间戳" in job.step
    db.session.refresh(version)
    assert version.pdf is None  # nothing issued without its timestamp

    tsa_url(tsa.url)
    job.run_after = utcnow()
    db.session.commit()
    run_jobs()
    data = _sealed(client, login, conference)
    check = validate_sealed_pdf(data, sealing.paths()["root"], tsa_roots=[tsa.root_cert])
    assert check.level == "B-T"


def _doctor_says():
    from portal.doctor import _timestamping  # the one check of `portal doctor` asked here

    return _timestamping()


def test_doctor_says_which_level_the_seals_reach(ctx, tsa, tsa_url):  # noqa: F811
    check = _doctor_says()
    assert check.ok and "PAdES B-B" in check.detail
    tsa_url(tsa.url)
    check = _doctor_says()
    assert check.ok and "PAdES B-T" in check.detail


def test_doctor_names_an_unreachable_authority_and_what_happens_meanwhile(ctx, tsa_url):
    tsa_url(_closed_port_url())
    check = _doctor_says()
    assert not check.ok and "tried again" in check.detail and "PORTAL_TSA_URL" in check.fix
    tsa_url("tsa.example.gov.cn/tsa")
    assert "not an http(s) address" in _doctor_says().detail

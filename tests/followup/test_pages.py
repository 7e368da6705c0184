"""Bad input on the follow-up pages gets a message and changes nothing."""

import io
from datetime import timedelta

import pytest

from portal.extensions import db
from portal.followup import agreements
from portal.followup.models import AgreementState, TaskState
from tests.followup.conftest import complete
from tests.samples import PDF


@pytest.fixture
def drafted(issued):
    conference, _ = issued
    agreement = agreements.generate(conference.secretary, conference)
    agreements.update(conference.secretary, agreement, complete(agreements.content(agreement)))
    return agreement


def _signatures(client, agreement, day, scan, name):
    data = {f"signed-{p.id}": day for p in agreement.dispute.parties}
    data["scan"] = (io.BytesIO(scan), name)
    return client.post(f"/followup/agreements/{agreement.id}/signatures", data=data,
                       content_type="multipart/form-data", follow_redirects=True)


def test_generating_an_agreement_without_an_agreed_outcome_is_explained(closed_session, client,
                                                                        login):
    from tests.followup.conftest import issue_minutes, record_agreement

    conference, people = closed_session
    record_agreement(conference, people, outcome="none")
    issue_minutes(conference)
    login(conference.secretary)
    page = client.post(f"/followup/conferences/{conference.id}/agreement",
                       follow_redirects=True)
    assert page.status_code == 200 and "alert-danger" in page.get_data(as_text=True)
    assert agreements.agreement_of(conference) is None


@pytest.mark.parametrize(("day", "scan", "name", "message"), [
    ("today", b"MZ\x90\x00 an executable", "signed.pdf", "PDF"),
    ("before", PDF, "signed.pdf", "会商"),
    ("not a date", PDF, "signed.pdf", "日期"),
])
def test_bad_signature_records_are_refused_on_the_page(drafted, client, login, day, scan, name,
                                                       message):
    agreement = drafted
    held = agreements.conference_day(agreement.conference)
    day = {"today": str(agreements.today()), "before": str(held - timedelta(days=1))}.get(day, day)
    login(agreement.conference.secretary)
    page = _signatures(client, agreement, day, scan, name)
    text = page.get_data(as_text=True)
    assert page.status_code == 400 and "alert-danger" in text and message in text
    db.session.refresh(agreement)
    assert agreement.state is AgreementState.DRAFT and not agreement.signatures


def test_a_signing_date_in_the_future_keeps_the_dates_and_says_so_by_the_field(
        drafted, client, login):
    agreement = drafted
    first, second = agreement.dispute.parties[:2]
    tomorrow = str(agreements.today() + timedelta(days=1))
    login(agreement.conference.secretary)
    page = client.post(f"/followup/agreements/{agreement.id}/signatures", data={
        f"signed-{first.id}": str(agreements.today()), f"signed-{second.id}": tomorrow,
        "scan": (io.BytesIO(PDF), "signed.pdf")}, content_type="multipart/form-data")
    text = page.get_data(as_text=True)
    assert page.status_code == 400
    assert f'name="signed-{first.id}" value="{agreements.today()}"' in text
    assert (f'name="signed-{second.id}" value="{tomorrow}" aria-invalid="true" '
            f'aria-describedby="error-signed-{second.id}"') in text
    assert f'id="error-signed-{second.id}">{second.name}' in text
    db.session.refresh(agreement)
    assert agreement.state is AgreementState.DRAFT and not agreement.signatures


def test_late_filing_on_the_page_asks_for_the_reason(drafted, client, login):
    agreement = drafted
    parties = agreement.dispute.parties
    agreements.record_signatures(agreement.conference.secretary, agreement,
                                 {p.id: agreements.today() - timedelta(days=35) for p in parties},
                                 PDF, "s.pdf")
    login(agreement.dispute.handler)
    url = f"/followup/agreements/{agreement.id}/confirmation"
    page = client.post(url, data={"filed_on": str(agreements.today()), "court": "高平市人民法院"},
                       follow_redirects=True)
    assert "30" in page.get_data(as_text=True) and "alert-danger" in page.get_data(as_text=True)
    db.session.refresh(agreement)
    assert agreement.confirmation_filed_on is None
    client.post(url, data={"filed_on": str(agreements.today()), "court": "高平市人民法院",
                           "late_reason": "当事人外出务工"})
    db.session.refresh(agreement)
    assert agreement.confirmation_late


def test_bad_task_report_and_notice_get_messages(issued, client, login):
    from portal.followup import tasks
    from portal.orgs.models import OrgKind

    conference, people = issued
    owner = people[OrgKind.NATURAL_RESOURCES]
    task = tasks.mine(owner)[0]
    login(owner)
    page = client.post(f"/followup/tasks/{task.id}/report", data={"state": "BOGUS", "note": "x"},
                       follow_redirects=True)
    assert page.status_code == 200 and "alert-danger" in page.get_data(as_text=True)
    db.session.refresh(task)
    assert task.state is TaskState.OPEN
    dispute = conference.dispute
    login(dispute.handler)
    page = client.post(f"/followup/disputes/{dispute.id}/notices",
                       data={"party_id": "999999", "given_on": "2026-01-01"},
                       follow_redirects=True)
    assert page.status_code == 200 and "alert-danger" in page.get_data(as_text=True)


def test_closing_with_open_tasks_is_refused_on_the_page(issued, client, login):
    from portal.disputes import services as disputes

    conference, _ = issued
    dispute = conference.dispute
    handler = dispute.handler
    disputes.resolve(handler, dispute, "达成调解协议")
    disputes.record_feedback(handler, dispute, "phone", "已告知双方", "satisfied")
    login(handler)
    page = client.post(f"/disputes/{dispute.id}/close", data={"close-note": ""},
                       follow_redirects=True)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "现场复核界桩位置" in text
    db.session.refresh(dispute)
    assert dispute.status.name == "RESOLVED"

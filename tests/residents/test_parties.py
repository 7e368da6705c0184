from datetime import timedelta

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.residents import codes, figures, services
from portal.residents.models import (
    CaseCode,
    Closure,
    NoticeAcknowledgement,
    Rating,
)
from tests.factories import download
from tests.residents.conftest import request_input


def _party_page(client, case, digits):
    client.post(f"/c/{case.code}", data={"digits": digits})
    return client


def test_a_party_acknowledges_the_notice_and_the_record_keeps_time_and_address(
        world, make, client):
    dispute = make.dispute(village=world.village)
    case = db.session.scalar(sa.select(CaseCode).where(CaseCode.dispute_id == dispute.id))
    client = _party_page(client, case, "5678")
    assert client.post(f"/c/{case.code}", data={"action": "acknowledge"}).status_code == 302
    ack = db.session.scalar(sa.select(NoticeAcknowledgement))
    assert ack.party_id == dispute.parties[0].id
    assert ack.acknowledged_at is not None and ack.ip == "127.0.0.1"
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "rights_notice.acknowledged")) == 1
    page = client.get(f"/c/{case.code}").get_data(as_text=True)
    assert 'data-testid="acknowledged"' in page


def test_rating_waits_for_the_outcome_and_is_counted_once(world, client):
    request = services.submit_from_doorplate(world.plate, request_input())
    case = request.case_code
    contact = codes.contact(case, "contact")
    client = _party_page(client, case, "5678")
    refused = client.post(f"/c/{case.code}", data={"action": "rate", "rating": "SATISFIED"})
    assert refused.status_code == 422
    services.close(world.grid_worker, request, Closure.ADVICE, "已上门调解，双方和好")
    assert client.post(f"/c/{case.code}", data={
        "action": "rate", "rating": "BASICALLY", "comment": "处理及时"}).status_code == 302
    again = client.post(f"/c/{case.code}", data={"action": "rate", "rating": "DISSATISFIED"})
    assert again.status_code == 422
    counted = figures.compute()
    assert counted.total.satisfaction.counts[Rating.BASICALLY] == 1
    assert counted.total.satisfaction.total == 1
    row = counted.villages[0]
    assert row.village == "米山村" and row.satisfaction.satisfied_share == 100.0
    assert counted.bodies[0][0] == world.grid_worker.organisation.name
    assert contact.who == "contact"


def test_figures_count_channels_disputes_and_first_contact(world):
    first = services.submit_from_doorplate(world.plate, request_input())
    second = services.submit_from_doorplate(world.plate, request_input())
    services.record_contact(world.grid_worker, first, "已联系",
                            now=first.received_at + timedelta(hours=2))
    services.register_dispute(world.grid_worker, second, services.draft_for(second))
    counted = figures.compute().total
    assert counted.received == 2
    assert counted.dispute_share == 50.0
    # registering contacts at once (0 h); nearest rank: median 0 h, 90th percentile 2 h
    assert (counted.median_hours, counted.p90_hours) == (0.0, 2.0)


def test_percentile_is_nearest_rank():
    assert figures.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9
    assert figures.percentile([5], 0.5) == 5
    assert figures.percentile([], 0.5) is None


def test_the_notice_pdf_is_for_a_party_who_opened_the_case(world, make, client, app):
    dispute = make.dispute(village=world.village)
    case = db.session.scalar(sa.select(CaseCode).where(CaseCode.dispute_id == dispute.id))
    assert client.get(f"/c/{case.code}/notice.pdf").status_code == 404
    _party_page(client, case, "5678")
    response = download(client, f"/c/{case.code}/notice.pdf")  # rendered in the background
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_the_figures_page_is_for_statistics_readers(world, make, login):
    from portal.orgs.models import Role

    services.submit_from_doorplate(world.plate, request_input())
    page = login(make.user(Role.OBSERVER)).get("/residents/figures")
    assert page.status_code == 200 and "米山村" in page.get_data(as_text=True)



def test_the_dispute_page_shows_the_case_code_and_the_acknowledgement(world, make, app):
    from tests.factories import Factory

    dispute = make.dispute(village=world.village)
    case = db.session.scalar(sa.select(CaseCode).where(CaseCode.dispute_id == dispute.id))
    party = _party_page(app.test_client(), case, "5678")
    party.post(f"/c/{case.code}", data={"action": "acknowledge"})
    staff = app.test_client()
    staff.post("/login", data={"username": world.grid_worker.username,
                               "password": Factory.PASSWORD})
    page = staff.get(f"/disputes/{dispute.id}").get_data(as_text=True)
    assert case.display in page and 'data-testid="dispute-case-code"' in page
    assert "张三" in page.split('data-testid="dispute-case-code"')[1].split("</div></div>")[0]


def test_a_partys_rating_of_a_concluded_dispute_is_its_feedback(world, make):
    from portal.disputes.models import Status
    from portal.residents import parties

    dispute = make.dispute(village=world.village)
    case = db.session.scalar(sa.select(CaseCode).where(CaseCode.dispute_id == dispute.id))
    party = next(p for p in dispute.parties if p.phone)
    dispute.status = Status.RESOLVED
    db.session.commit()
    parties.rate(case, codes.contact(case, f"party:{party.id}"), Rating.BASICALLY, "调解及时")
    assert dispute.feedback_method == "online" and dispute.satisfaction == "neutral"
    assert dispute.feedback_note == "调解及时" and dispute.feedback_at is not None
    assert dispute.events[-1].action == "feedback" and dispute.events[-1].actor_id is None
    assert db.session.scalar(sa.select(AuditEvent.id).where(
        AuditEvent.action == "dispute.feedback"))

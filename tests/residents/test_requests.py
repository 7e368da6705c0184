import pytest
import sqlalchemy as sa

from portal.disputes.models import Dispute, Source
from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal.notifications.models import Notification
from portal.orgs.models import Role
from portal.residents import services
from portal.residents.models import CaseCode, Closure, RequestStatus, SmsMessage
from tests.residents.conftest import PNG, request_input
from tests.transactions import refused


def test_a_doorplate_request_reaches_that_address_grid_worker_and_police(world, make):
    other = make.village(grid_worker_id=make.user(Role.GRID_WORKER).id)
    assert other.id != world.village.id
    request = services.submit_from_doorplate(world.plate, request_input(photos=[PNG]))
    recipients = set(db.session.scalars(sa.select(Notification.recipient_id).where(
        Notification.kind == "resident_request")))
    assert recipients == {world.grid_worker.id, world.police.id}
    assert request.address_id == world.address.id
    assert request.photos[0].content_type == "image/png"
    hours = (request.first_contact_due_at - request.received_at).total_seconds() / 3600
    assert hours == 24
    texts = db.session.scalars(sa.select(SmsMessage.text)).all()
    assert any(request.case_code.display in text for text in texts)


def test_the_queue_shows_a_request_only_to_those_responsible(world, make, login):
    request = services.submit_from_doorplate(world.plate, request_input())
    stranger = make.user(Role.GRID_WORKER)
    assert request in db.session.scalars(services.queue(world.grid_worker)).all()
    assert db.session.scalars(services.queue(stranger)).all() == []
    assert login(stranger).get(f"/residents/requests/{request.id}").status_code == 404
    with pytest.raises(NotAllowed):
        services.take_over(stranger, request)


@pytest.mark.parametrize(("values", "field"), [
    ({"contact_phone": "12345"}, "contact_phone"),
    ({"description": ""}, "description"),
    ({"description": "长" * 2001}, "description"),
    ({"photos": [b"%PDF-1.7 not a photo"]}, "photos"),
    ({"photos": [PNG + b"\x00" * (5 * 1024 * 1024)]}, "photos"),
])
def test_bad_input_is_refused_by_field_and_writes_nothing(world, values, field):
    with refused(DomainError) as refusal:
        services.submit_from_doorplate(world.plate, request_input(**values))
    assert field in refusal.value.problems
    assert db.session.scalar(sa.select(sa.func.count(CaseCode.id))) == 0


def test_one_address_may_send_only_a_few_requests_a_day(world, app):
    for _ in range(app.config["PORTAL_RESIDENT_REQUESTS_PER_ADDRESS_DAY"]):
        services.submit_from_doorplate(world.plate, request_input())
    with pytest.raises(DomainError):
        services.submit_from_doorplate(world.plate, request_input())


def test_registering_as_a_dispute_keeps_the_link_the_address_and_the_code(world):
    request = services.submit_from_doorplate(world.plate, request_input())
    code = request.case_code.code
    services.take_over(world.grid_worker, request)
    dispute = services.register_dispute(world.grid_worker, request,
                                        services.draft_for(request))
    db.session.expire_all()
    assert request.status is RequestStatus.REGISTERED
    assert request.dispute_id == dispute.id
    assert dispute.source is Source.DOORPLATE_QR
    assert dispute.parties[0].address == "米山村一组12号"
    assert dispute.parties[0].phone == "13812345678"
    case = db.session.scalar(sa.select(CaseCode).where(CaseCode.dispute_id == dispute.id))
    assert case.code == code and case.request_id == request.id


def test_a_refused_registration_changes_nothing(world):
    request = services.submit_from_doorplate(world.plate, request_input())
    draft = services.draft_for(request)
    draft.title = ""
    with refused():
        services.register_dispute(world.grid_worker, request, draft)
    db.session.expire_all()
    assert request.status is RequestStatus.NEW
    assert db.session.scalar(sa.select(sa.func.count(Dispute.id))) == 0


def test_a_dispute_registered_otherwise_gets_its_own_code(make):
    dispute = make.dispute()
    case = db.session.scalar(sa.select(CaseCode).where(CaseCode.dispute_id == dispute.id))
    assert len(case.code) == 8 and case.request_id is None


def test_closing_needs_what_was_done_and_ends_the_queue_entry(world):
    request = services.submit_from_doorplate(world.plate, request_input())
    with refused(DomainError):
        services.close(world.police, request, Closure.ADVICE, " ")
    services.close(world.police, request, Closure.ADVICE, "已电话劝导双方")
    assert request.status is RequestStatus.CLOSED and request.handler_id == world.police.id
    with pytest.raises(DomainError):
        services.mark_spam(world.police, request)


def test_staff_mark_spam_and_the_page_takes_over(world, login):
    request = services.submit_from_doorplate(world.plate, request_input())
    client = login(world.grid_worker)
    assert client.post(f"/residents/requests/{request.id}/take_over").status_code == 302
    assert client.post(f"/residents/requests/{request.id}/spam").status_code == 302
    db.session.expire_all()
    assert request.handler_id == world.grid_worker.id
    assert request.status is RequestStatus.SPAM


def test_register_page_links_the_new_dispute(world, login):
    request = services.submit_from_doorplate(world.plate, request_input())
    client = login(world.police)
    draft = services.draft_for(request)
    response = client.post(f"/residents/requests/{request.id}/register", data={
        **vars(draft), "tier": "1"})
    assert response.status_code == 302
    page = client.get(f"/residents/requests/{request.id}").get_data(as_text=True)
    assert 'data-testid="dispute-link"' in page


def test_the_dashboard_card_lists_the_waiting_requests(world, login):
    services.submit_from_doorplate(world.plate, request_input())
    page = login(world.police).get("/").get_data(as_text=True)
    assert 'data-testid="resident-requests"' in page and "米山村一组12号" in page


def test_the_contact_phone_is_masked_for_staff_outside_the_village(world, make, login):
    request = services.submit_from_doorplate(world.plate, request_input())
    page = login(make.user(Role.SECRETARY)).get(
        f"/residents/requests/{request.id}").get_data(as_text=True)
    assert "138****5678" in page and "13812345678" not in page


def test_a_police_call_is_recorded_in_the_queue_and_bad_phones_are_refused(world, login):
    from portal.residents.models import Channel, ResidentRequest

    client = login(world.police)
    form = {"village_id": world.village.id, "channel": "POLICE_CALL", "topic": "FAMILY",
            "description": "夫妻吵架，接警后到场劝解", "contact_name": "王女士",
            "contact_phone": "139"}
    refused = client.post("/residents/new", data=form)
    assert refused.status_code == 422 and 'data-testid="error-contact_phone"' in \
        refused.get_data(as_text=True)
    assert client.post("/residents/new", data={**form, "contact_phone": "13900003333"}) \
        .status_code == 302
    created = db.session.scalars(sa.select(ResidentRequest)).one()
    assert created.channel is Channel.POLICE_CALL and created.address_id is None

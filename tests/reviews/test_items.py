from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.disputes.models import Dispute, Source
from portal.errors import DomainError
from portal.extensions import db
from portal.followup.models import Task, TaskKind, TaskState
from portal.followup.tasks import report
from portal.orgs.models import Role
from portal.reviews import items, meetings, minutes, planning
from portal.reviews.models import ItemSource, ItemState


def _hold(world, meeting, decide=()):
    """Hold the meeting: attendance, the given decisions, minutes signed and issued."""
    meetings.record_attendance(world.convener, meeting, {world.convener.id, world.police.id})
    for decision in decide:
        decision()
    minutes.draw_up(world.convener, meeting)
    db.session.commit()
    for person in (world.convener, world.police):
        minutes.sign(person, meeting, "Correct-horse-42", meeting.content_hash)
    minutes.issue(world.convener, meeting)
    db.session.commit()


def test_an_item_goes_to_the_next_meeting(world):
    item = world.item()
    assert item.meeting == world.meetings()[0] and item.state is ItemState.OPEN


def test_an_item_needs_a_village_and_what_is_known(world):
    data = items.ItemInput(village_id=None, source=ItemSource.GRID_VISIT,
                           kind=items.Category.NEIGHBOUR, text="有矛盾")
    with pytest.raises(DomainError) as refused:
        items.report_item(world.grid, world.series, data)
    assert refused.value.field == "village_id"
    data.village_id, data.text = world.villages[1].id, "  "
    with pytest.raises(DomainError) as refused:
        items.report_item(world.grid, world.series, data)
    assert refused.value.field == "text"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(items.HazardItem)) == 0


def test_a_non_member_cannot_report(world):
    data = items.ItemInput(village_id=world.villages[0].id, source=ItemSource.GRID_VISIT,
                           kind=items.Category.NEIGHBOUR, text="有矛盾")
    with pytest.raises(DomainError):
        items.report_item(world.outsider, world.series, data)


def test_unsettled_items_are_carried_over_to_the_next_meeting(world):
    first, second, third = world.meetings()[:3]
    carried = world.item(text="邻里因宅基地边界争执")
    settled = world.item(text="醉酒滋事，已调解")
    _hold(world, first, [lambda: items.close_item(world.convener, settled, "当场化解")])
    assert carried.meeting == second and carried.carried_over == 1
    assert settled.meeting == first and settled.state is ItemState.CLOSED
    _hold(world, second)
    assert carried.meeting == third and carried.carried_over == 2
    assert carried in meetings.agenda(third).carried


def test_a_cancelled_meeting_passes_its_items_on(world):
    first, second = world.meetings()[:2]
    item = world.item()
    planning.cancel_meeting(world.convener, first, "防汛值班", now=world.now)
    db.session.commit()
    assert item.meeting == second and item.carried_over == 1
    assert world.item(text="新情况").meeting == second


def test_registering_creates_the_dispute_prefilled_and_linked(world):
    item = world.item(text="王家与刘家因排水沟堵塞多次争吵", address="建宁村三组")
    dispute = items.register_dispute(world.convener, item, "排水沟纠纷", "王大")
    db.session.commit()
    assert item.state is ItemState.REGISTERED and item.dispute == dispute
    assert dispute.village_id == world.villages[0].id and dispute.source is Source.POLICE_CALL
    assert "排水沟堵塞" in dispute.description and "建宁村三组" in dispute.description
    assert [p.name for p in dispute.parties] == ["王大"]


def test_registering_needs_a_party(world):
    item = world.item()
    with pytest.raises(DomainError) as refused:
        items.register_dispute(world.convener, item, "排水沟纠纷", " ")
    assert refused.value.field == "party_name"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Dispute)) == 0


def test_handing_over_makes_a_follow_up_task_of_the_owner(world):
    item = world.item()
    due = world.now.date() + timedelta(days=10)
    task = items.hand_over(world.convener, item, world.grid.id, due, "入户走访，劝导双方")
    db.session.commit()
    assert task.kind is TaskKind.REVIEW and task.owner == world.grid and task.due_on == due
    assert task.dispute_id is None and task.review_item == item
    assert item.state is ItemState.HANDED_OVER and item.owner == world.grid


def test_handing_over_needs_an_owner_and_a_due_date(world):
    item = world.item()
    with pytest.raises(DomainError) as refused:
        items.hand_over(world.convener, item, None, world.now.date(), "走访")
    assert refused.value.field == "owner_id"
    with pytest.raises(DomainError) as refused:
        items.hand_over(world.convener, item, world.grid.id, None, "走访")
    assert refused.value.field == "due_on"
    with pytest.raises(DomainError) as refused:
        items.hand_over(world.convener, item, world.outsider.id, world.now.date(), "走访")
    assert refused.value.field == "owner_id"
    assert item.state is ItemState.OPEN
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == 0


def test_merging_links_the_item_to_the_existing_dispute(world, make):
    dispute = make.dispute(village=world.villages[1])
    item = world.item(village=world.villages[1])
    with pytest.raises(DomainError) as refused:
        items.merge(world.convener, item, "不存在的编号")
    assert refused.value.field == "reference"
    items.merge(world.convener, item, dispute.reference)
    db.session.commit()
    assert item.state is ItemState.MERGED and item.dispute_id == dispute.id


def test_closing_needs_a_reason(world):
    item = world.item()
    with pytest.raises(DomainError) as refused:
        items.close_item(world.convener, item, "")
    assert refused.value.field == "reason"
    items.close_item(world.convener, item, "经核实已自行和解")
    assert item.state is ItemState.CLOSED and item.decision_note == "经核实已自行和解"


def test_an_item_is_decided_once(world):
    item = world.item()
    items.close_item(world.convener, item, "已和解")
    with pytest.raises(DomainError):
        items.close_item(world.convener, item, "再次")


def test_the_next_agenda_shows_follow_ups_done_and_overdue(world):
    first, second = world.meetings()[:2]
    done, late = world.item(text="甲"), world.item(text="乙")
    soon = world.now.date() + timedelta(days=1)
    _hold(world, first, [
        lambda: items.hand_over(world.convener, done, world.grid.id, soon, "走访甲"),
        lambda: items.hand_over(world.convener, late, world.police.id, soon, "走访乙")])
    report(world.grid, done.task, TaskState.DONE, "已走访，双方和解")
    agenda = meetings.agenda(second)
    assert agenda.done == [done.task] and agenda.overdue == [late.task]
    assert agenda.new == [] and agenda.carried == []


def _address_and_request(world, make):
    from portal.residents import addresses, services
    from portal.residents.models import Channel, Topic
    from portal.residents.services import RequestInput

    admin = make.user(Role.ADMIN)
    village = world.villages[0]
    address = addresses.save_address(admin, addresses.AddressInput(village.id, "一组", "12"))
    request = services.record_request(admin, village, Channel.POLICE_CALL, RequestInput(
        topic=Topic.NEIGHBOURS, description="邻居家夜里装修，噪音很大",
        contact_name="张阿姨", contact_phone="13812345678"), address)
    elsewhere = addresses.save_address(admin, addresses.AddressInput(
        world.villages[1].id, "二组", "3"))
    db.session.commit()
    return address, request, elsewhere


def test_an_item_names_its_standard_address_and_the_residents_request(world, make):
    address, request, _ = _address_and_request(world, make)
    item = items.report_item(world.police, world.series, items.ItemInput(
        village_id=world.villages[0].id, source=ItemSource.POLICE_CALL,
        kind=items.Category.NEIGHBOUR, text="夜间装修噪音，双方已争吵两次",
        request_id=request.id))
    assert item.request == request
    assert item.standard_address == address  # taken from the request
    dispute = items.register_dispute(world.convener, item, "装修噪音纠纷", "张阿姨")
    assert address.label in dispute.description


def test_an_address_or_request_of_another_village_is_refused(world, make):
    _, request, elsewhere = _address_and_request(world, make)
    data = items.ItemInput(village_id=world.villages[0].id, source=ItemSource.GRID_VISIT,
                           kind=items.Category.NEIGHBOUR, text="有矛盾", address_id=elsewhere.id)
    with pytest.raises(DomainError) as refused:
        items.report_item(world.grid, world.series, data)
    assert refused.value.field == "address_id"
    data.address_id, data.village_id, data.request_id = None, world.villages[1].id, request.id
    with pytest.raises(DomainError) as refused:
        items.report_item(world.grid, world.series, data)
    assert refused.value.field == "request_id"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(items.HazardItem)) == 0

from datetime import timedelta

import pytest
from pypdf import PdfReader

from portal.errors import DomainError
from portal.extensions import db
from portal.reviews import items, meetings, minutes, planning
from portal.reviews.models import MinutesState
from tests.factories import run_jobs

PASSWORD = "Correct-horse-42"


@pytest.fixture
def decided(world, make):
    """The first meeting with one item of each decision and one left open."""
    meeting = world.meetings()[0]
    dispute = make.dispute(village=world.villages[1])
    found = {name: world.item(text=f"{name}：情况说明") for name in
             ("register", "hand_over", "merge", "close", "open")}
    meetings.record_attendance(world.convener, meeting,
                               {world.convener.id, world.police.id, world.grid.id})
    items.register_dispute(world.convener, found["register"], "排水沟纠纷", "王大")
    items.hand_over(world.convener, found["hand_over"], world.grid.id,
                    world.now.date() + timedelta(days=7), "入户走访")
    items.merge(world.convener, found["merge"], dispute.reference)
    items.close_item(world.convener, found["close"], "已当场化解")
    db.session.commit()
    return meeting, found


def test_the_minutes_list_every_item_with_its_decision_and_owner(world, decided):
    meeting, found = decided
    document = minutes.draw_up(world.convener, meeting)
    db.session.commit()
    rows = {row.text.split("：")[0]: row for row in document.items}
    assert set(rows) == set(found)
    assert rows["register"].decision == "已登记为纠纷" and rows["register"].dispute
    assert rows["hand_over"].owner == "张网格" and rows["hand_over"].due_on
    assert rows["merge"].decision == "并入已有纠纷"
    assert rows["close"].note == "已当场化解"
    assert rows["open"].decision == "转下次例会研判"
    assert [a.name for a in document.attendees if a.present] == ["王召集", "李民警", "张网格"]


def test_every_attendee_present_signs_before_the_minutes_are_issued(world, decided):
    meeting, _found = decided
    minutes.draw_up(world.convener, meeting)
    db.session.commit()
    minutes.sign(world.convener, meeting, PASSWORD, meeting.content_hash)
    with pytest.raises(DomainError) as refused:
        minutes.sign(world.police, meeting, "wrong-password", meeting.content_hash)
    assert refused.value.field == "password"
    with pytest.raises(DomainError) as refused:
        minutes.issue(world.convener, meeting)
    assert "李民警" in refused.value.message and "张网格" in refused.value.message
    with pytest.raises(DomainError):
        minutes.sign(world.head, meeting, PASSWORD, meeting.content_hash)  # absent


def test_issued_minutes_become_a_sealed_pdf_and_refuse_changes(world, decided):
    meeting, found = decided
    minutes.draw_up(world.convener, meeting)
    db.session.commit()
    for person in (world.convener, world.police, world.grid):
        minutes.sign(person, meeting, PASSWORD, meeting.content_hash)
    minutes.issue(world.convener, meeting)
    db.session.commit()
    assert meeting.minutes_state is MinutesState.ISSUED
    assert found["open"].meeting == world.meetings()[1]  # carried over on issue
    run_jobs()
    from portal.jobs import queue
    job = queue.find(minutes.seal_key(meeting))
    assert job.error is None, job.error
    db.session.refresh(meeting)
    assert meeting.pdf.startswith(b"%PDF")
    from io import BytesIO

    text = "".join(page.extract_text() for page in PdfReader(BytesIO(meeting.pdf)).pages)
    assert "入户走访" in text and "张网格" in text and meeting.content_hash in text.replace(
        "\n", "")
    with pytest.raises(DomainError):
        meetings.record_attendance(world.convener, meeting, {world.convener.id})
    with pytest.raises(DomainError):
        items.close_item(world.convener, found["hand_over"], "改主意")
    with pytest.raises(DomainError):
        planning.cancel_meeting(world.convener, meeting, "取消", now=world.now)
    late = world.item(meeting=meeting, text="会后补报")
    assert late.meeting != meeting


def test_minutes_need_the_attendance_first(world):
    with pytest.raises(DomainError):
        minutes.draw_up(world.convener, world.meetings()[0])


def _audited(action: str) -> list:
    import sqlalchemy as sa

    from portal.audit.models import AuditEvent

    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def _drawn_up(world, decided):
    meeting, _found = decided
    minutes.draw_up(world.convener, meeting)
    db.session.commit()
    return meeting


def test_refusing_to_sign_needs_a_reason(world, decided):
    meeting = _drawn_up(world, decided)
    with pytest.raises(DomainError) as refused:
        minutes.refuse(world.police, meeting, "  ", meeting.content_hash)
    assert refused.value.field == "reason" and refused.value.message == "请填写拒签理由。"
    assert meeting.signatures == []
    minutes.refuse(world.police, meeting, "第二项的责任人记错了", meeting.content_hash)
    db.session.commit()
    assert [u.full_name for u in minutes.outstanding(meeting)] == ["王召集", "张网格"]
    assert [e.summary for e in _audited("review.minutes_refused")] == ["第二项的责任人记错了"]
    with pytest.raises(DomainError):
        minutes.sign(world.police, meeting, PASSWORD, meeting.content_hash)  # decided already


def test_issued_minutes_print_a_refusal_with_its_reason(world, decided):
    meeting = _drawn_up(world, decided)
    minutes.refuse(world.police, meeting, "第二项的责任人记错了", meeting.content_hash)
    for person in (world.convener, world.grid):
        minutes.sign(person, meeting, PASSWORD, meeting.content_hash)
    minutes.issue(world.convener, meeting)
    db.session.commit()
    from reports import review_minutes

    html = review_minutes.render_html(minutes.document_of(meeting))
    assert "拒绝签署，理由：第二项的责任人记错了" in html
    assert html.count("已签署，") == 2


def test_amending_voids_the_signatures_and_asks_the_attendees_again(world, decided):
    import sqlalchemy as sa

    from portal.notifications.models import Notification

    meeting = _drawn_up(world, decided)
    first_hash = meeting.content_hash
    minutes.sign(world.police, meeting, PASSWORD, meeting.content_hash)
    minutes.refuse(world.grid, meeting, "赵书记也在场", meeting.content_hash)
    db.session.commit()
    minutes.amend(world.convener, meeting)
    db.session.commit()
    assert meeting.minutes_state is MinutesState.NONE and meeting.signatures == []
    voided = _audited("review.minutes_amended")
    assert len(voided) == 1 and first_hash in voided[0].changes
    # The meeting can be corrected again, and its minutes are drawn up anew.
    meetings.record_attendance(world.convener, meeting, {world.convener.id, world.police.id,
                                                         world.grid.id, world.head.id})
    minutes.draw_up(world.convener, meeting)
    db.session.commit()
    assert meeting.content_hash != first_hash and meeting.minutes_version == 2
    assert {u.full_name for u in minutes.outstanding(meeting)} == {"王召集", "李民警", "张网格",
                                                                   "赵书记"}
    asked = db.session.scalars(sa.select(Notification).where(
        Notification.recipient_id == world.police.id, Notification.kind == "minutes_to_sign")
        .order_by(Notification.id)).all()
    assert len(asked) == 2 and "第 2 版" in asked[-1].body, asked[-1].body
    with pytest.raises(DomainError):  # the signature on the first version is void
        minutes.sign(world.police, meeting, PASSWORD, first_hash)


def test_only_the_convener_amends_the_minutes(world, decided):
    from portal.errors import NotAllowed

    meeting = _drawn_up(world, decided)
    with pytest.raises(NotAllowed):
        minutes.amend(world.police, meeting)


def test_issued_minutes_can_be_neither_refused_nor_amended(world, decided):
    meeting = _drawn_up(world, decided)
    for person in (world.convener, world.police, world.grid):
        minutes.sign(person, meeting, PASSWORD, meeting.content_hash)
    minutes.issue(world.convener, meeting)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        minutes.refuse(world.police, meeting, "改主意了", meeting.content_hash)
    assert refused.value.message == "该纪要现在不能签署。"
    with pytest.raises(DomainError) as refused:
        minutes.amend(world.convener, meeting)
    assert refused.value.message == "纪要已印发，不能再修改。"
    db.session.expire_all()
    assert meeting.minutes_state is MinutesState.ISSUED and len(meeting.signatures) == 3

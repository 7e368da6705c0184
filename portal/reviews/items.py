"""Hazard items (隐患/线索): reported to a series, carried from meeting to meeting while
unsettled, and settled by one decision: registered as a dispute, handed over as a follow-up
task, merged with an existing dispute, or closed with the reason. Services flush; the
request that calls them commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.audit.services import record
from portal.disputes.models import Category, Dispute, PartyRole, Risk, Source
from portal.errors import DomainError
from portal.extensions import db
from portal.followup.models import Task, TaskKind, TaskState
from portal.orgs.models import User
from portal.permissions import ensure
from portal.residents.models import RequestStatus, ResidentRequest, StandardAddress
from portal.reviews.models import (
    DECIDABLE,
    HazardItem,
    ItemSource,
    ItemState,
    ReviewMeeting,
    ReviewSeries,
)
from portal.reviews.planning import next_meeting
from portal.timeutil import local_zone, utcnow

# The register knows the source of a dispute by the channel it came through.
DISPUTE_SOURCE = {ItemSource.POLICE_CALL: Source.POLICE_CALL,
                  ItemSource.GRID_VISIT: Source.GRID_REPORT}


@dataclass
class ItemInput:
    village_id: int | None
    source: ItemSource | None
    kind: Category | None
    text: str
    risk: Risk = Risk.LOW
    address: str = ""
    dispute_reference: str = ""
    address_id: int | None = None
    request_id: int | None = None


def _dispute_by_reference(reference: str, field: str) -> Dispute:
    found = db.session.scalar(sa.select(Dispute).where(Dispute.reference == reference.strip()))
    if found is None:
        raise DomainError(_("No dispute has the reference “%(reference)s”.",
                            reference=reference.strip()), field)
    return found


def report_item(actor: User, series: ReviewSeries, data: ItemInput,
                meeting: ReviewMeeting | None = None, now: datetime | None = None) -> HazardItem:
    """Put an item on the agenda of ``meeting`` if it still takes items, else of the next."""
    ensure(actor, "review.report", series)
    now = now or utcnow()
    if data.village_id is None:
        raise DomainError(_("Choose the village or community of the item."), "village_id")
    if data.village_id not in {v.id for v in series.villages}:
        raise DomainError(_("This village is not one of the review's."), "village_id")
    if not data.text.strip():
        raise DomainError(_("Describe what is known of the hazard."), "text")
    if data.source is None:
        raise DomainError(_("Say whether it was found in a police call or a grid visit."),
                          "source")
    if data.kind is None:
        raise DomainError(_("Choose the kind of hazard."), "kind")
    dispute = (_dispute_by_reference(data.dispute_reference, "dispute_reference")
               if data.dispute_reference.strip() else None)
    resident_request = _of_village(
        ResidentRequest, data.request_id, data.village_id,
        _("Choose a resident's request from the village of the item."), "request_id")
    address = _of_village(
        StandardAddress, data.address_id, data.village_id,
        _("Choose a standard address of the village of the item."), "address_id") or (
        resident_request.address if resident_request is not None else None)
    if meeting is not None and meeting.series_id != series.id:
        raise DomainError(_("Unknown meeting."))
    if meeting is None or meeting.locked or meeting.cancelled:
        meeting = next_meeting(series, now)
    if meeting is None:
        raise DomainError(_("The review has no coming meeting to take the item."))
    item = HazardItem(series_id=series.id, meeting=meeting, first_meeting=meeting,
                      village_id=data.village_id, source=data.source, kind=data.kind,
                      risk=data.risk, address=data.address.strip()[:200],
                      standard_address=address, request=resident_request,
                      text=data.text.strip()[:4000], reported_by_id=actor.id, reported_at=now,
                      dispute=dispute)
    db.session.add(item)
    db.session.flush()
    record("review.item_reported", item, actor=actor, summary=item.text[:200],
           changes={"meeting": meeting.id, "village": data.village_id,
                    "source": data.source.name, "dispute": dispute.id if dispute else None,
                    "address": address.id if address else None,
                    "request": resident_request.id if resident_request else None})
    return item


def _of_village(model, ident: int | None, village_id: int, refusal: str, field: str):
    """The ``model`` row ``ident`` if it belongs to the item's village; None if none is
    named."""
    if ident is None:
        return None
    found = db.session.get(model, ident)
    if found is None or found.village_id != village_id:
        raise DomainError(refusal, field)
    return found


def linkable_requests(series: ReviewSeries) -> list[ResidentRequest]:
    """Residents' requests of the series' villages an item may be about: those still open."""
    return list(db.session.scalars(sa.select(ResidentRequest).where(
        ResidentRequest.village_id.in_([v.id for v in series.villages]),
        ResidentRequest.status.in_([RequestStatus.NEW, RequestStatus.CONTACTED,
                                    RequestStatus.REGISTERED]))
        .order_by(ResidentRequest.received_at.desc()).limit(200)))


def addresses(series: ReviewSeries) -> list[StandardAddress]:
    """The series' villages' standard addresses, in the order a clerk looks them up."""
    return list(db.session.scalars(sa.select(StandardAddress).where(
        StandardAddress.village_id.in_([v.id for v in series.villages]))
        .order_by(StandardAddress.village_id, StandardAddress.road, StandardAddress.number,
                  StandardAddress.building, StandardAddress.unit, StandardAddress.room)))


def carry_over(meeting: ReviewMeeting, now: datetime | None = None) -> list[HazardItem]:
    """Items left undecided at ``meeting`` go on the next meeting's agenda."""
    items = list(db.session.scalars(sa.select(HazardItem).where(
        HazardItem.meeting_id == meeting.id, HazardItem.state == ItemState.OPEN)
        .order_by(HazardItem.id)))
    if not items:
        return []
    target = next_meeting(meeting.series, max(meeting.starts_at, now or meeting.starts_at))
    if target is None:
        return []
    for item in items:
        item.meeting = target
        item.carried_over += 1
    record("review.items_carried_over", meeting, changes={
        "to": target.id, "items": [i.id for i in items]})
    db.session.flush()
    return items


# --- decisions ---------------------------------------------------------------------------

def _decidable(actor: User, item: HazardItem) -> ReviewMeeting:
    meeting = item.meeting
    ensure(actor, "review.run", item.series)
    if meeting.locked:
        raise DomainError(_("The minutes of this meeting are drawn up; its decisions cannot "
                            "change."))
    if meeting.cancelled:
        raise DomainError(_("This meeting is cancelled."))
    if item.state not in DECIDABLE:
        raise DomainError(_("This item is decided already: %(state)s.", state=item.state.label))
    return meeting


def _decided(actor: User, item: HazardItem, state: ItemState, note: str, **changes) -> None:
    item.state, item.decision_note, item.decided_at = state, note.strip()[:2000], utcnow()
    record("review.item_decided", item, actor=actor, summary=item.decision_note[:200],
           changes={"state": [ItemState.OPEN.name, state.name], **changes})
    db.session.flush()


def register_dispute(actor: User, item: HazardItem, title: str, party_name: str,
                     kind: Category | None = None) -> Dispute:
    """Register the item as a dispute, pre-filled from it and linked both ways."""
    from portal.disputes import services as disputes

    _decidable(actor, item)
    if not title.strip():
        raise DomainError(_("Give the dispute a title."), "title")
    if not party_name.strip():
        raise DomainError(_("Name at least one party."), "party_name")
    dispute = disputes.create_dispute(actor, disputes.DisputeInput(
        title=title.strip(), category=kind or item.kind, village_id=item.village_id,
        source=DISPUTE_SOURCE[item.source], risk=item.risk,
        description="\n".join(part for part in (
            item.text, item.standard_address.label if item.standard_address else "",
            item.address) if part),
        parties=[disputes.PartyInput(party_name.strip(), PartyRole.APPLICANT)]))
    item.dispute = dispute
    _decided(actor, item, ItemState.REGISTERED, _("Registered as dispute %(reference)s.",
                                                  reference=dispute.reference),
             dispute=dispute.id)
    return dispute


def hand_over(actor: User, item: HazardItem, owner_id: int | None, due_on: date | None,
              note: str) -> Task:
    """A follow-up task of the grid worker or the officer who follows the item."""
    _decidable(actor, item)
    owner = db.session.get(User, owner_id) if owner_id else None
    if owner is None or owner.id not in item.series.member_ids():
        raise DomainError(_("Choose the member who follows the item up."), "owner_id")
    today = utcnow().astimezone(local_zone()).date()
    if due_on is None:
        raise DomainError(_("Give the date by which the follow-up is due."), "due_on")
    if due_on < today:
        raise DomainError(_("The due date cannot be in the past."), "due_on")
    if not note.strip():
        raise DomainError(_("Say what the owner is to do."), "note")
    position = (db.session.scalar(sa.select(sa.func.max(Task.position)).where(
        Task.review_item_id == item.id)) or 0) + 1
    task = Task(dispute_id=item.dispute_id, review_item=item, kind=TaskKind.REVIEW,
                position=position, owner_body=owner.organisation.name,
                organisation=owner.organisation, owner_name=owner.full_name, owner=owner,
                title=f"{item.village.name}：{note.strip()}"[:2000],
                expected_feedback=_("Report at the next joint review."), due_on=due_on,
                state=TaskState.OPEN)
    db.session.add(task)
    item.owner, item.due_on = owner, due_on
    _decided(actor, item, ItemState.HANDED_OVER, note, owner=owner.id,
             due_on=due_on.isoformat())
    return task


def merge(actor: User, item: HazardItem, reference: str, note: str = "") -> Dispute:
    """The hazard is part of a dispute already on the register."""
    _decidable(actor, item)
    if not reference.strip():
        raise DomainError(_("Give the reference of the dispute it joins."), "reference")
    dispute = _dispute_by_reference(reference, "reference")
    item.dispute = dispute
    _decided(actor, item, ItemState.MERGED, note or _("Merged with dispute %(reference)s.",
                                                      reference=dispute.reference),
             dispute=dispute.id)
    return dispute


def close_item(actor: User, item: HazardItem, reason: str) -> HazardItem:
    _decidable(actor, item)
    if not reason.strip():
        raise DomainError(_("Give the reason for closing the item."), "reason")
    _decided(actor, item, ItemState.CLOSED, reason)
    return item

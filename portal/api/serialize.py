"""Domain objects as the plain dicts the response schemas describe."""

from __future__ import annotations

import sqlalchemy as sa

from portal.conferences.models import Conference, Invitation
from portal.conferences.policy import may_answer
from portal.conferences.quorum import quorum_status
from portal.disputes.identity import mask_id, mask_phone
from portal.disputes.models import Dispute
from portal.extensions import db


def person(user) -> dict | None:
    return {"id": user.id, "name": user.full_name} if user is not None else None


def named(obj) -> dict | None:
    return {"id": obj.id, "name": obj.name} if obj is not None else None


def _value(member) -> str | None:
    return member.value if member is not None else None


def dispute(item: Dispute, reveal: bool = False) -> dict:
    conference_ids = db.session.scalars(
        sa.select(Conference.id).where(Conference.dispute_id == item.id)
        .order_by(Conference.id)).all()
    return {
        "id": item.id, "reference": item.reference, "title": item.title,
        "category": item.category.value, "tier": item.tier, "status": item.status.value,
        "village": named(item.village), "source": item.source.value, "risk": item.risk.value,
        "description": item.description, "claims": item.claims,
        "amount": str(item.amount) if item.amount is not None else None,
        "occurred_on": item.occurred_on, "reported_at": item.reported_at,
        "due_on": item.due_on, "reporter": person(item.reporter),
        "handler": person(item.handler), "external_ref": item.external_ref,
        "outcome": item.outcome, "referral": _value(item.referral),
        "referral_body": item.referral_body, "referral_ref": item.referral_ref,
        "closed_at": item.closed_at, "updated_at": item.updated_at,
        "personal_data_masked": not reveal,
        "parties": [{
            "name": p.name, "role": p.role.value,
            "id_number": p.id_number if reveal else (mask_id(p.id_number) or None),
            "phone": p.phone if reveal else (mask_phone(p.phone) or None),
            "address": p.address if reveal else None,
        } for p in item.parties],
        "conference_ids": list(conference_ids),
    }


def conference(item: Conference) -> dict:
    quorum = quorum_status(item)
    return {
        "id": item.id, "dispute_id": item.dispute_id,
        "dispute_reference": item.dispute.reference, "state": item.state.value,
        "convener": person(item.convener), "secretary": person(item.secretary),
        "response_deadline": item.response_deadline, "starts_at": item.starts_at,
        "ends_at": item.ends_at, "room": named(item.room), "cancel_reason": item.cancel_reason,
        "quorum": {"met": quorum.met, "missing": [str(m) for m in quorum.missing]},
    }


def invitation(item: Invitation, viewer) -> dict:
    return {
        "id": item.id, "conference_id": item.conference_id, "group": item.group.value,
        "invitee": item.invitee_name, "organisation": named(item.organisation),
        "user": person(item.user), "required": item.required, "answer": item.answer.value,
        "answer_note": item.answer_note, "answered_at": item.answered_at,
        "answered_by": person(item.answered_by), "delegated_from_id": item.delegated_from_id,
        "delegate": person(item.delegate), "may_answer": may_answer(viewer, item),
        "history": [{"answer": h.answer.value, "note": h.note or "", "by": person(h.by),
                     "at": h.at} for h in item.history],
    }

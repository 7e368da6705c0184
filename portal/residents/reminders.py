"""The first-contact reminder, sent by the scheduler's tick (``portal.scheduler.tick``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.followup.reminders import send_once
from portal.orgs.models import Role, User, UserRole
from portal.residents.models import RequestStatus, ResidentRequest


def first_contact_overdue(now: datetime) -> int:
    """Requests nobody has contacted in time: once to the village's grid worker and
    community police officer, and to the conveners as an escalation. Claimed per recipient
    like the follow-up reminders, so each goes out exactly once; commits."""
    conveners = db.session.scalars(sa.select(User).join(UserRole).where(
        UserRole.role == Role.CONVENER, User.active).order_by(User.id)).all()
    overdue = db.session.scalars(sa.select(ResidentRequest).where(
        ResidentRequest.status == RequestStatus.NEW,
        ResidentRequest.first_contact_due_at <= now).order_by(ResidentRequest.id))
    sent = 0
    for request in overdue:
        village = request.village
        recipients = [village.grid_worker, village.community_police, *conveners]
        sent += send_once(
            ("resident_request", request.id), recipients, "resident_request_overdue",
            f"/residents/requests/{request.id}", now, village=village.name,
            address=request.address.label if request.address else village.name,
            topic=request.topic.label, due=request.first_contact_due_at,
            code=request.case_code.display if request.case_code else "")
    db.session.flush()
    return sent

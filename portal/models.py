"""Imports every model so that metadata (and Alembic) sees the whole schema."""

from portal.audit.models import AuditEvent, AuditHead
from portal.conferences.models import Conference, Invitee
from portal.disputes.models import (
    CategorySector,
    Dispute,
    DisputeEvent,
    Party,
    ReferenceCounter,
)
from portal.orgs.models import Organisation, Room, User, UserRole, Village

__all__ = [
    "AuditEvent", "AuditHead", "CategorySector", "Conference", "Dispute", "DisputeEvent",
    "Invitee", "Organisation", "Party", "ReferenceCounter", "Room", "User", "UserRole",
    "Village",
]

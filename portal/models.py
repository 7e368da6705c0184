"""Imports every model so that metadata (and Alembic) sees the whole schema."""

from portal.audit.models import AuditEvent, AuditHead
from portal.conferences.models import (
    AnswerChange,
    Brief,
    Conference,
    Document,
    Invitation,
)
from portal.disputes.models import (
    CategorySector,
    Dispute,
    DisputeEvent,
    Party,
    ReferenceCounter,
)
from portal.minutes.models import Comment, MinutesVersion, RecordSection, Signature
from portal.notifications.models import Notification, OutboxMessage, OutboxPart
from portal.orgs.models import Organisation, Room, User, UserRole, Village

__all__ = [
    "Comment", "MinutesVersion", "RecordSection", "Signature",
    "AnswerChange", "AuditEvent", "AuditHead", "Brief", "CategorySector", "Conference",
    "Dispute", "DisputeEvent", "Document", "Invitation", "Notification", "Organisation",
    "OutboxMessage", "OutboxPart", "Party", "ReferenceCounter", "Room", "User", "UserRole",
    "Village",
]

"""Imports every model so that metadata (and Alembic) sees the whole schema."""

from portal.api.models import (
    ApiClient,
    ApiToken,
    IdempotencyRecord,
    WebhookDelivery,
    WebhookEndpoint,
)
from portal.audit.models import AuditEvent, AuditHead
from portal.calendar.models import (
    FeedSecret,
    Poll,
    ProposedSlot,
    ReminderRow,
    RoomBooking,
    SlotVote,
)
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
    SubcategorySector,
)
from portal.followup.models import (
    Agreement,
    Casefile,
    PartySignature,
    ProgressEntry,
    ReturnVisit,
    RightsNotice,
    Task,
)
from portal.holidays.models import HolidayEntry
from portal.jobs.models import Heartbeat
from portal.minutes.models import Comment, MinutesVersion, RecordSection, Signature
from portal.notifications.models import Notification, OutboxMessage, OutboxPart
from portal.orgs.models import Organisation, Room, User, UserRole, Village
from portal.residents.models import (
    CaseCode,
    CaseRating,
    Doorplate,
    NoticeAcknowledgement,
    RequestPhoto,
    ResidentRequest,
    SmsMessage,
    StandardAddress,
)
from portal.reviews.models import (
    HazardItem,
    ReviewAttendance,
    ReviewMeeting,
    ReviewMember,
    ReviewSeries,
    ReviewSignature,
)
from portal.statistics.models import MonthlyReport

__all__ = [
    "ApiClient", "ApiToken", "IdempotencyRecord", "WebhookDelivery", "WebhookEndpoint",
    "FeedSecret", "Poll", "ProposedSlot", "ReminderRow", "RoomBooking", "SlotVote",
    "Agreement", "Casefile", "PartySignature", "ProgressEntry",
    "ReturnVisit", "RightsNotice", "Task",
    "HolidayEntry", "Heartbeat",
    "Comment", "MinutesVersion", "RecordSection", "Signature",
    "AnswerChange", "AuditEvent", "AuditHead", "Brief", "CategorySector", "Conference",
    "Dispute", "DisputeEvent", "Document", "Invitation", "MonthlyReport", "Notification",
    "Organisation",
    "OutboxMessage", "OutboxPart", "Party", "ReferenceCounter", "Room", "User", "UserRole",
    "SubcategorySector",
    "Village",
    "CaseCode", "CaseRating", "Doorplate", "NoticeAcknowledgement", "RequestPhoto",
    "ResidentRequest", "SmsMessage", "StandardAddress",
    "HazardItem", "ReviewAttendance", "ReviewMeeting", "ReviewMember", "ReviewSeries",
    "ReviewSignature",
]

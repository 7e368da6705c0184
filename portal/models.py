"""Imports every model so that metadata (and Alembic) sees the whole schema."""

from portal.audit.models import AuditEvent, AuditHead
from portal.orgs.models import Organisation, Room, User, UserRole, Village

__all__ = ["AuditEvent", "AuditHead", "Organisation", "Room", "User", "UserRole", "Village"]

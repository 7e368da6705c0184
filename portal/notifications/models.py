"""Notifications in the portal's inbox and the outbox of mail waiting for the SMTP relay."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.labels import Labelled
from portal.orgs.models import User
from portal.timeutil import UTCDateTime, utcnow


class Notification(db.Model):
    """A message in a person's inbox (站内通知), written in their language when it was sent."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_recipient_read", "recipient_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    link: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    recipient: Mapped[User] = relationship()

    @property
    def unread(self) -> bool:
        return self.read_at is None


class OutboxStatus(Labelled):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


LABELS = {
    OutboxStatus.PENDING: _l("Waiting"),
    OutboxStatus.SENDING: _l("Sending"),
    OutboxStatus.SENT: _l("Sent"),
    OutboxStatus.FAILED: _l("Failed"),
}


class OutboxMessage(db.Model):
    """One e-mail to one address, kept until the SMTP relay has accepted it."""

    __tablename__ = "outbox_messages"
    __table_args__ = (sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable across retries, so a receiver can drop a copy it has already seen.
    message_id: Mapped[str] = mapped_column(sa.String(200), unique=True)
    notification_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("notifications.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(sa.String(254))
    to_name: Mapped[str] = mapped_column(sa.String(80), default="")
    subject: Mapped[str] = mapped_column(sa.String(200))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[OutboxStatus] = mapped_column(
        sa.Enum(OutboxStatus, native_enum=False, length=16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(sa.String(32))
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    notification: Mapped[Notification | None] = relationship()
    parts: Mapped[list[OutboxPart]] = relationship(
        cascade="all, delete-orphan", order_by="OutboxPart.position", lazy="selectin")


class PartRole(enum.Enum):
    ALTERNATIVE = "alternative"  # another rendering of the body, e.g. text/calendar
    ATTACHMENT = "attachment"


class OutboxPart(db.Model):
    """An extra MIME part of an outbox message: an alternative body or an attachment."""

    __tablename__ = "outbox_parts"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    role: Mapped[PartRole] = mapped_column(sa.Enum(PartRole, native_enum=False, length=16))
    mimetype: Mapped[str] = mapped_column(sa.String(120))
    filename: Mapped[str | None] = mapped_column(sa.String(200))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)

"""Notifying people: the inbox, and mail through the outbox, in the caller's transaction.

`notify()` is what other domains call; it adds rows but never commits, so a notification
exists exactly when the change it announces does.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from email.utils import parseaddr
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from portal.audit.services import record
from portal.errors import DomainError
from portal.extensions import db
from portal.notifications.mail import render
from portal.notifications.models import (
    Notification,
    OutboxMessage,
    OutboxPart,
    OutboxStatus,
    PartRole,
)
from portal.orgs.models import User
from portal.timeutil import utcnow

# (mimetype, content), e.g. ("text/calendar; method=REQUEST", ics_text)
Alternative = tuple[str, bytes | str]
# (filename, mimetype, content), e.g. ("invite.ics", "application/ics", ics_bytes)
Attachment = tuple[str, str, bytes | str]


def _local_path(link: str) -> str:
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or not link.startswith("/") or link.startswith("//"):
        raise ValueError(f"a notification links to a path in the portal, not {link!r}")
    return link


def _message_id() -> str:
    domain = parseaddr(current_app.config["MAIL_SENDER"])[1].rpartition("@")[2]
    domain = domain or urlsplit(current_app.config["PORTAL_BASE_URL"]).hostname or "localhost"
    return f"<outbox.{uuid.uuid4().hex}@{domain}>"


def _bytes(content: bytes | str) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content


def notify(recipient: User, kind: str, link: str, *,
           alternatives: Iterable[Alternative] = (), attachments: Iterable[Attachment] = (),
           **context) -> Notification:
    """Put a notification in the recipient's inbox and, if they have an e-mail address, a
    mail in the outbox, both written in the recipient's language. Does not commit.

    `context` holds what the text states (conference_title, reference, when, room, deadline,
    who, body, answer, reason, note, message, ...); datetimes are shown in the recipient's
    time zone, and anything missing reads as "not yet fixed" or is left out.
    """
    rendered = render(recipient, kind, _local_path(link), context)
    notification = Notification(recipient=recipient, kind=kind, subject=rendered.subject,
                                body=rendered.body, link=link, created_at=utcnow())
    db.session.add(notification)
    if recipient.email:
        parts = [OutboxPart(role=PartRole.ALTERNATIVE, mimetype=mimetype,
                            content=_bytes(content)) for mimetype, content in alternatives]
        parts += [OutboxPart(role=PartRole.ATTACHMENT, filename=filename, mimetype=mimetype,
                             content=_bytes(content))
                  for filename, mimetype, content in attachments]
        for position, part in enumerate(parts):
            part.position = position
        db.session.add(OutboxMessage(
            message_id=_message_id(), notification=notification, to_address=recipient.email,
            to_name=recipient.full_name, subject=rendered.subject, text_body=rendered.text,
            html_body=rendered.html, status=OutboxStatus.PENDING, attempts=0,
            next_attempt_at=utcnow(), parts=parts))
    return notification


# --- the inbox -----------------------------------------------------------------------------

def unread_count(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.recipient_id == user.id, Notification.read_at.is_(None))) or 0


def inbox(user: User) -> sa.Select:
    """The user's notifications, unread first, newest first within each."""
    unread_first = sa.case((Notification.read_at.is_(None), 0), else_=1)
    return (sa.select(Notification).where(Notification.recipient_id == user.id)
            .order_by(unread_first, Notification.created_at.desc(), Notification.id.desc()))


def open_notification(user: User, notification: Notification) -> str:
    """Mark it read and return where it points to."""
    if notification.recipient_id != user.id:
        raise DomainError(_("This notification is not addressed to you."))
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
    return notification.link


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()))
    db.session.flush()
    return result.rowcount


# --- the outbox, for administrators --------------------------------------------------------

def outbox(status: OutboxStatus | None = None) -> sa.Select:
    statement = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status is not None:
        statement = statement.where(OutboxMessage.status == status)
    return statement


def retry(actor: User, message: OutboxMessage) -> None:
    """Send a waiting or failed message at the next run, with a fresh set of attempts."""
    if message.status not in (OutboxStatus.PENDING, OutboxStatus.FAILED):
        raise DomainError(_("Only waiting or failed messages can be retried."))
    record("outbox.retry", message, actor=actor, summary=message.to_address,
           changes={"status": [message.status.name, OutboxStatus.PENDING.name],
                    "attempts": [message.attempts, 0]})
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = utcnow()
    db.session.flush()

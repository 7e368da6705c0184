"""Delivering the outbox to the SMTP relay.

`send_due()` works in two steps. First it *claims* the due rows in one short transaction
(status `sending`, a lease `claimed_until` and a fresh `claim_token`) and commits; on
PostgreSQL the rows are selected `FOR UPDATE SKIP LOCKED`, so concurrent senders take
disjoint rows, and on SQLite every transaction begins with `BEGIN IMMEDIATE`, so claims
are serialised. Then it sends each claimed row and records the outcome, a commit per row,
under its own claim token only.

Delivery is at-least-once with a lease. A row is marked sent only after the relay has
accepted it. If the process dies between the relay's acceptance and that commit, the row
stays `sending`; once its lease has expired it is due again and will be sent a second time.
That is the price of never losing a message; the Message-ID header is fixed per row, so
receivers (and most mail stores) can recognise the duplicate. Just before each message is
handed to the relay its lease is renewed under the sender's claim token (and skipped if
another sender has taken the row over), so a long batch cannot outlive its lease; keep
OUTBOX_LEASE_SECONDS (default 300) well above MAIL_TIMEOUT (default 30).

A failed attempt is retried after 1, 2, 4, ... minutes (at most an hour); after
OUTBOX_MAX_ATTEMPTS attempts the row is marked failed and stays visible on /admin/outbox,
where an administrator can retry it.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.jobs import heartbeat
from portal.notifications.mail import build_mime
from portal.notifications.models import OutboxMessage, OutboxStatus
from portal.timeutil import utcnow

if TYPE_CHECKING:
    import smtplib

DEFAULT_MAX_ATTEMPTS = 12
DEFAULT_LEASE_SECONDS = 300
DEFAULT_SMTP_TIMEOUT = 30
MAX_BACKOFF = timedelta(hours=1)
SENDER = "outbox"


@dataclass
class SendReport:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0  # failed this time, tried again later
    failed: int = 0  # gave up: marked failed
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"{self.claimed} due: {self.sent} sent, {self.retrying} to retry, "
                f"{self.failed} failed")


def backoff(attempts: int) -> timedelta:
    """The wait after the n-th failed attempt: 1, 2, 4, ... minutes, at most an hour."""
    return min(timedelta(minutes=2 ** max(0, min(attempts - 1, 10))), MAX_BACKOFF)


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def _claim(now: datetime, limit: int, lease: timedelta,
           report: SendReport) -> tuple[str, list[int]]:
    token = uuid.uuid4().hex
    max_attempts = _setting("OUTBOX_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)
    due = sa.or_(
        sa.and_(OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.next_attempt_at <= now),
        # A sender that died mid-delivery leaves its rows "sending"; the lease frees them.
        sa.and_(OutboxMessage.status == OutboxStatus.SENDING,
                OutboxMessage.claimed_until <= now),
    )
    rows = db.session.execute(
        sa.select(OutboxMessage.id, OutboxMessage.attempts).where(due)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
        .with_for_update(skip_locked=True)).all()
    claimed, exhausted = [], []
    for ident, attempts in rows:
        (exhausted if attempts >= max_attempts else claimed).append(ident)
    if exhausted:
        db.session.execute(
            sa.update(OutboxMessage).where(OutboxMessage.id.in_(exhausted))
            .values(status=OutboxStatus.FAILED, claimed_until=None, claim_token=None,
                    last_error="the sender stopped during the last attempt"))
        report.failed += len(exhausted)
    if claimed:
        db.session.execute(
            sa.update(OutboxMessage).where(OutboxMessage.id.in_(claimed))
            .values(status=OutboxStatus.SENDING, claimed_until=now + lease,
                    claim_token=token, attempts=OutboxMessage.attempts + 1))
    db.session.commit()
    report.claimed += len(claimed)
    return token, claimed


class _Relay:
    """One SMTP connection for a batch, opened when first needed and after any failure."""

    def __init__(self, config):
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def send(self, mime) -> None:
        if self.smtp is None:
            self.smtp = self._connect()
        try:
            self.smtp.send_message(mime)
        except BaseException:
            self.close()
            raise

    def _connect(self) -> smtplib.SMTP:
        import smtplib  # only a process that sends mail needs it
        import ssl

        config = self.config
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"],
                            timeout=config.get("MAIL_TIMEOUT", DEFAULT_SMTP_TIMEOUT))
        try:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        if self.smtp is not None:
            import smtplib

            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


def _finish(ident: int, token: str, **values) -> None:
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == ident, OutboxMessage.claim_token == token)
        .values(claimed_until=None, claim_token=None, **values))
    db.session.commit()


def _renew(ident: int, token: str, until: datetime) -> bool:
    """Extend our lease on a row; False if another sender has taken it over meanwhile."""
    renewed = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == ident, OutboxMessage.claim_token == token)
        .values(claimed_until=until)).rowcount
    db.session.commit()
    return renewed == 1


def send_due(now: datetime | None = None, limit: int = 50) -> SendReport:
    """Send the messages that are due at `now` (default: the current time), at most `limit`.

    Tests pass `now` to travel in time; it then stands for the clock throughout the run.
    """
    clock = (lambda: now) if now else utcnow
    now = clock()
    report = SendReport()
    lease = timedelta(seconds=_setting("OUTBOX_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))
    # Committed with the claim: the outbox page tells administrators when no sender runs.
    heartbeat.beat(SENDER)
    token, claimed = _claim(now, limit, lease, report)
    if not claimed:
        return report
    config = current_app.config
    max_attempts = _setting("OUTBOX_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)
    relay = _Relay(config)
    try:
        for ident in claimed:
            if not _renew(ident, token, clock() + lease):
                continue
            message = db.session.get(OutboxMessage, ident)
            try:
                relay.send(build_mime(message, config["MAIL_SENDER"], clock()))
            except Exception as error:  # one bad message must not stop the others
                attempts = message.attempts
                detail = f"{type(error).__name__}: {error}"[:2000]
                report.errors.append(detail)
                if attempts >= max_attempts:
                    report.failed += 1
                    _finish(ident, token, status=OutboxStatus.FAILED, last_error=detail)
                else:
                    report.retrying += 1
                    _finish(ident, token, status=OutboxStatus.PENDING, last_error=detail,
                            next_attempt_at=clock() + backoff(attempts))
            else:
                report.sent += 1
                _finish(ident, token, status=OutboxStatus.SENT, sent_at=clock(),
                        last_error=None)
    finally:
        relay.close()
    return report


def run_forever(interval: float, limit: int = 50, echo=print, send=None) -> None:
    """The loop of a delivery worker: send what is due, sleep unless the batch was full,
    repeat. ``send`` is this outbox's ``send_due`` or another queue's (the webhooks')."""
    send = send or send_due
    while True:
        try:
            report = send(limit=limit)
        except sa.exc.SQLAlchemyError as error:  # the database may be back at the next run
            db.session.rollback()
            echo(f"database error, retrying in {interval:g} s: {error}")
            time.sleep(interval)
            continue
        if report.claimed or report.failed:
            echo(str(report))
        if report.claimed < limit:
            time.sleep(interval)

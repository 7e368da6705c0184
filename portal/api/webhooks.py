"""Webhooks: signed JSON event notifications to the clients' endpoints, through an outbox.

Events come from the domain signals (portal.signals) the receivers below are connected to
in portal.wiring: a delivery row per interested endpoint is written in the transaction of
the change, so an event is never lost and never sent for a change that was rolled back.
An endpoint hears of an object only if the client's acting account may see it (the same
`can()` as the pages).

Delivery mirrors the mail outbox (portal.notifications.outbox): rows are claimed with a
lease (FOR UPDATE SKIP LOCKED on PostgreSQL), posted, and marked delivered on a 2xx;
otherwise retried after 1, 2, 4, ... minutes (at most an hour), and marked failed after
PORTAL_WEBHOOK_MAX_ATTEMPTS. Per endpoint and conference (or dispute) the order is strict:
a delivery is due only when every earlier one with the same ordering key was delivered, so
a failed one holds the later ones back until an administrator retries it.

Endpoints inside the portal's own network are refused unless PORTAL_WEBHOOK_ALLOWED_NETWORKS
lists their network (see portal.api.outbound); redirects are not followed, and the log keeps
the status and a short excerpt of the answer.

Each request carries X-Portal-Event, X-Portal-Delivery (the event id, stable across
retries), X-Portal-Timestamp (Unix seconds) and X-Portal-Signature:
"sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import threading
import urllib.parse
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from portal.api import outbound
from portal.api.models import ApiClient, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from portal.audit.services import record
from portal.conferences.models import Conference
from portal.config import networks
from portal.extensions import db
from portal.notifications.outbox import backoff
from portal.permissions import can
from portal.timeutil import utcnow

# The event types clients receive, each sent by the receiver of the signal of that name
# below (an overdue follow-up task is an overdue action item to a client).
EVENT_TYPES = ("dispute.escalated", "conference.scheduled", "conference.cancelled",
               "minutes.issued", "action_item.overdue")
STATUS_LABELS = {DeliveryStatus.PENDING: _l("Waiting"), DeliveryStatus.SENDING: _l("Sending"),
                 DeliveryStatus.DELIVERED: _l("Delivered"), DeliveryStatus.FAILED: _l("Failed")}
DEFAULT_MAX_ATTEMPTS = 10
LEASE = timedelta(minutes=5)
D = DeliveryStatus


def is_web_url(url: str) -> bool:
    return urllib.parse.urlsplit(url).scheme.lower() in ("http", "https")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


# --- writing events ------------------------------------------------------------------------

def _conference_data(conference) -> dict:
    return {"conference_id": conference.id, "dispute_id": conference.dispute_id,
            "dispute_reference": conference.dispute.reference,
            "state": conference.state.value,
            "starts_at": conference.starts_at.isoformat() if conference.starts_at else None,
            "ends_at": conference.ends_at.isoformat() if conference.ends_at else None,
            "room": conference.room.name if conference.room else None,
            "cancel_reason": conference.cancel_reason}


def _task_data(task) -> dict:
    """What a client needs to chase an overdue action item; the parties' personal data
    stays in the portal."""
    return {"task_id": task.id, "kind": task.kind.value, "dispute_id": task.dispute_id,
            "dispute_reference": task.dispute.reference if task.dispute else None,
            "conference_id": task.conference_id,
            "position": task.position, "title": task.title, "owner_body": task.owner_body,
            "organisation": ({"id": task.organisation.id, "name": task.organisation.name}
                             if task.organisation else None),
            "due_on": task.due_on.isoformat(), "state": task.state.value}


def enqueue(event_type: str, obj, permission: str, ordering_key: str, data: dict,
            at: datetime | None = None) -> int:
    """Queue one event for every active endpoint whose client may see `obj`."""
    endpoints = db.session.scalars(
        sa.select(WebhookEndpoint).join(ApiClient)
        .where(WebhookEndpoint.active, ApiClient.revoked_at.is_(None))
        .order_by(WebhookEndpoint.id)).all()
    event_id = uuid.uuid4().hex
    at = at or utcnow()
    payload = json.dumps({"id": event_id, "type": event_type, "occurred_at": at.isoformat(),
                          "data": data}, ensure_ascii=False, sort_keys=True)
    count = 0
    for endpoint in endpoints:
        if can(endpoint.client.acting_user, permission, obj):
            db.session.add(WebhookDelivery(
                endpoint_id=endpoint.id, event_id=event_id, event_type=event_type,
                ordering_key=ordering_key, payload=payload, next_attempt_at=at))
            count += 1
    return count


# --- the signals clients hear of ----------------------------------------------------------

def dispute_escalated(dispute, actor, from_tier: int, reason: str) -> None:
    conference = db.session.scalar(sa.select(Conference).where(
        Conference.dispute_id == dispute.id).order_by(Conference.id.desc()).limit(1)) \
        if dispute.tier == 3 else None
    data = {"dispute_id": dispute.id, "reference": dispute.reference,
            "tier": dispute.tier, "status": dispute.status.value,
            "reason": reason[:500], "conference_id": conference.id if conference else None}
    key = f"conference:{conference.id}" if conference else f"dispute:{dispute.id}"
    enqueue("dispute.escalated", dispute, "dispute.view", key, data)


def _conference_event(event_type: str, conference, **data) -> None:
    enqueue(event_type, conference, "conference.view", f"conference:{conference.id}",
            {**_conference_data(conference), **data})


def conference_scheduled(conference, actor, rescheduled: bool) -> None:
    _conference_event("conference.scheduled", conference, rescheduled=rescheduled)


def conference_cancelled(conference, actor) -> None:
    _conference_event("conference.cancelled", conference)


def minutes_issued(version, actor, conference) -> None:
    _conference_event("minutes.issued", conference, version=version.number,
                      content_hash=version.content_hash)


def task_overdue(task, at: datetime) -> None:
    if task.conference_id is not None:
        obj, permission, key = (task.conference, "conference.view",
                                f"conference:{task.conference_id}")
    elif task.dispute_id is None:
        obj = task.review_item.series
        permission, key = "review.view", f"review:{obj.id}"
    else:
        obj, permission, key = task.dispute, "dispute.view", f"dispute:{task.dispute_id}"
    enqueue("action_item.overdue", obj, permission, key, _task_data(task), at=at)


# --- delivering ----------------------------------------------------------------------------

@dataclass
class SendReport:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"{self.claimed} due: {self.delivered} delivered, {self.retrying} to retry, "
                f"{self.failed} failed")


def _max_attempts() -> int:
    return int(current_app.config.get("PORTAL_WEBHOOK_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))


def _claim(now: datetime, limit: int) -> tuple[str, list[int]]:
    earlier = aliased(WebhookDelivery)
    blocked = sa.exists().where(
        earlier.endpoint_id == WebhookDelivery.endpoint_id,
        earlier.ordering_key == WebhookDelivery.ordering_key,
        earlier.id < WebhookDelivery.id, earlier.status != D.DELIVERED)
    due = sa.and_(sa.or_(
        sa.and_(WebhookDelivery.status == D.PENDING, WebhookDelivery.next_attempt_at <= now),
        sa.and_(WebhookDelivery.status == D.SENDING, WebhookDelivery.claimed_until <= now),
    ), ~blocked)
    ids = db.session.scalars(
        sa.select(WebhookDelivery.id).where(due).order_by(WebhookDelivery.id).limit(limit)
        .with_for_update(skip_locked=True)).all()
    token = uuid.uuid4().hex
    if ids:
        db.session.execute(
            sa.update(WebhookDelivery).where(WebhookDelivery.id.in_(ids))
            .values(status=D.SENDING, claimed_until=now + LEASE, claim_token=token,
                    attempts=WebhookDelivery.attempts + 1))
    db.session.commit()
    return token, list(ids)


def allowed_networks():
    """The internal networks an administrator lets endpoints live in (none by default)."""
    return networks(current_app.config.get("PORTAL_WEBHOOK_ALLOWED_NETWORKS"))


def _post(delivery: WebhookDelivery, now: datetime) -> tuple[int, str]:
    body = delivery.payload.encode("utf-8")
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "case-conference-portal-webhooks/1",
        "X-Portal-Event": delivery.event_type,
        "X-Portal-Delivery": delivery.event_id,
        "X-Portal-Timestamp": timestamp,
        "X-Portal-Signature": sign(delivery.endpoint.secret, timestamp, body),
    }
    timeout = float(current_app.config.get("PORTAL_WEBHOOK_TIMEOUT", 10))
    return outbound.post(delivery.endpoint.url, body, headers, timeout, allowed_networks())


def _finish(ident: int, token: str, **values) -> None:
    db.session.execute(
        sa.update(WebhookDelivery)
        .where(WebhookDelivery.id == ident, WebhookDelivery.claim_token == token)
        .values(claimed_until=None, claim_token=None, **values))
    db.session.commit()


def send_due(now: datetime | None = None, limit: int = 100) -> SendReport:
    """Deliver what is due, in order per conference; a delivered event frees the next one,
    which is sent in the same run (up to `limit` attempts)."""
    clock = (lambda: now) if now else utcnow
    report = SendReport()
    while report.claimed < limit:
        token, claimed = _claim(clock(), limit - report.claimed)
        if not claimed:
            break
        report.claimed += len(claimed)
        for ident in claimed:
            delivery = db.session.get(WebhookDelivery, ident)
            try:
                status, text = _post(delivery, clock())
                error = None if 200 <= status < 300 else f"HTTP {status}"
            except (OSError, ValueError, http.client.HTTPException) as failure:
                status, text, error = None, None, f"{type(failure).__name__}: {failure}"
            values = {"last_status": status, "last_response": text or None}
            if error is None:
                report.delivered += 1
                _finish(ident, token, status=D.DELIVERED, delivered_at=clock(),
                        last_error=None, **values)
                continue
            report.errors.append(f"delivery {ident}: {error}"[:500])
            if delivery.attempts >= _max_attempts():
                report.failed += 1
                _finish(ident, token, status=D.FAILED, last_error=error[:2000], **values)
            else:
                report.retrying += 1
                _finish(ident, token, status=D.PENDING, last_error=error[:2000],
                        next_attempt_at=clock() + backoff(delivery.attempts), **values)
    return report


def retry(delivery: WebhookDelivery) -> None:
    """An administrator sends a failed delivery again (and so frees the ones behind it)."""
    delivery.status = D.PENDING
    delivery.next_attempt_at = utcnow()
    delivery.attempts = 0
    record("webhook_delivery.retried", delivery,
           summary=f"{delivery.event_type} → {delivery.endpoint.url}")
    db.session.commit()


def start_in_process(app, interval: float = 10, stop: threading.Event | None = None):
    """The development server delivers webhooks from a thread of its own (production runs
    `portal webhooks send`); started once per app, it runs until `stop` is set."""
    if "portal_webhooks" in app.extensions:
        return app.extensions["portal_webhooks"]
    stop = stop or threading.Event()

    def loop():
        while not stop.is_set():
            with app.app_context():
                try:
                    send_due()
                except Exception:  # the next run retries; the server must keep serving
                    db.session.rollback()
                    app.logger.exception("webhook delivery failed")
                finally:
                    db.session.remove()
            stop.wait(interval)

    thread = threading.Thread(target=loop, name="portal-webhooks", daemon=True)
    app.extensions["portal_webhooks"] = thread
    thread.start()
    return thread

"""Writing and verifying the hash-chained audit log."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

import sqlalchemy as sa
from flask import g, has_request_context, request
from flask_login import current_user

from portal.audit.models import AuditEvent, AuditHead
from portal.extensions import db
from portal.timeutil import utcnow

GENESIS_HASH = "0" * 64


def _digest(event: AuditEvent) -> str:
    payload = json.dumps(
        [
            event.seq,
            event.occurred_at.isoformat(timespec="microseconds"),
            event.actor_id,
            event.actor_name,
            event.action,
            event.object_type,
            event.object_id,
            event.summary,
            event.changes,
            event.ip,
            event.prev_hash,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _request_actor():
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def _unwrapped(value):
    unwrap = getattr(value, "_get_current_object", None)
    return unwrap() if unwrap is not None else value


def _request_ip() -> str | None:
    return request.remote_addr if has_request_context() else None


def record(
    action: str,
    obj=None,
    summary: str = "",
    changes: dict | None = None,
    actor=None,
    actor_name: str | None = None,
) -> AuditEvent:
    """Append an event in the caller's transaction, so it commits with the change it describes."""
    # A view may hand over Flask-Login's `current_user` proxy: the log names what it stands for.
    obj, actor = _unwrapped(obj), _unwrapped(actor) or _request_actor()
    seq, prev_hash = _claim(1)
    event = AuditEvent(
        seq=seq,
        occurred_at=utcnow(),
        actor_id=actor.id if actor else None,
        # The API names the client a call came through (see portal.api.blueprint).
        actor_name=(actor_name or g.get("audit_actor_name")
                    or (actor.username if actor else "system")),
        action=action,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=str(obj.id) if obj is not None and obj.id is not None else None,
        summary=summary,
        changes=json.dumps(changes or {}, ensure_ascii=False, sort_keys=True, default=str),
        ip=_request_ip(),
        prev_hash=prev_hash,
    )
    event.hash = _digest(event)
    db.session.add(event)
    _move_head(event.hash)
    return event


@dataclass(frozen=True)
class Entry:
    """One event of a bulk write, before it is linked into the chain."""

    action: str
    object_type: str | None = None
    object_id: str | None = None
    summary: str = ""
    changes: dict | None = None


def record_many(entries: list[Entry], actor=None) -> int:
    """Append many events in the caller's transaction with one claim of the head.

    The rows are inserted as one statement and never enter the session, so a bulk write
    of any size costs the same per event; returns the number of the last one.
    """
    actor = actor or _request_actor()
    seq, prev_hash = _claim(len(entries))
    seq -= len(entries)
    now = utcnow()
    actor_name = g.get("audit_actor_name") or (actor.username if actor else "system")
    ip = _request_ip()
    rows = []
    for entry in entries:
        seq += 1
        row = dict(
            seq=seq, occurred_at=now, actor_id=actor.id if actor else None,
            actor_name=actor_name, action=entry.action, object_type=entry.object_type,
            object_id=entry.object_id, summary=entry.summary,
            changes=json.dumps(entry.changes or {}, ensure_ascii=False, sort_keys=True,
                               default=str),
            ip=ip, prev_hash=prev_hash)
        row["hash"] = prev_hash = _digest(SimpleNamespace(**row))
        rows.append(row)
    db.session.connection().execute(sa.insert(AuditEvent.__table__), rows)
    _move_head(prev_hash)
    return seq


def _claim(count: int) -> tuple[int, str]:
    """Take `count` sequence numbers; the last one taken and the hash it links to.

    Claiming the head row first takes its write lock, so concurrent writers queue here
    and each links to the hash its predecessor committed. Core statements on the
    connection: through the ORM session each would first look through every object the
    session holds, which made long transactions quadratic.
    """
    return db.session.connection().execute(
        sa.update(AuditHead.__table__)
        .where(AuditHead.__table__.c.id == 1)
        .values(seq=AuditHead.__table__.c.seq + count)
        .returning(AuditHead.__table__.c.seq, AuditHead.__table__.c.last_hash)
    ).one()


def _move_head(last_hash: str) -> None:
    db.session.connection().execute(
        sa.update(AuditHead.__table__).where(AuditHead.__table__.c.id == 1)
        .values(last_hash=last_hash))


def diff(obj, fields: list[str], before: dict) -> dict:
    """The fields of obj whose value differs from `before`, as {field: [old, new]}."""
    changes = {}
    for field in fields:
        new = getattr(obj, field)
        if before.get(field) != new:
            changes[field] = [_plain(before.get(field)), _plain(new)]
    return changes


def snapshot(obj, fields: list[str]) -> dict:
    return {field: getattr(obj, field) for field in fields}


def _plain(value):
    if hasattr(value, "name") and hasattr(value, "value"):
        return value.name
    if isinstance(value, datetime):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_seq: int | None
    reason: str | None

    @property
    def intact(self) -> bool:
        return self.broken_seq is None


def verify_chain() -> ChainReport:
    """Walk the chain in order and report the first event whose link or content is wrong."""
    prev_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    rows = db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.seq)).scalars()
    for event in rows.yield_per(1000):
        if event.seq != expected_seq:
            return ChainReport(checked, expected_seq, "missing event")
        if event.prev_hash != prev_hash:
            return ChainReport(checked, event.seq, "link to previous event broken")
        if _digest(event) != event.hash:
            return ChainReport(checked, event.seq, "content altered")
        prev_hash = event.hash
        expected_seq += 1
        checked += 1
    head = db.session.get(AuditHead, 1)
    if head is not None and (head.seq != checked or head.last_hash != prev_hash):
        return ChainReport(checked, checked + 1, "events removed from the end")
    return ChainReport(checked, None, None)

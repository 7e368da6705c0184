"""Idempotency-Key: a create request sent twice with the same key creates once.

The key is reserved (a row, unique per caller and key) and committed before the work is
done, so a concurrent duplicate is refused with 409 rather than creating twice. The first
answer is stored with the key; the same key with the same body gets that stored answer
again, the same key with another body a 409. When the work is refused, the reservation is
released, so nothing stays written and the caller can correct the request and retry.
"""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from flask import g, request
from flask_babel import lazy_gettext as _l

from portal.api.errors import ApiError
from portal.api.models import IdempotencyRecord
from portal.extensions import db

HEADER = "Idempotency-Key"


def _conflict(message) -> ApiError:
    return ApiError(409, "idempotency_conflict", message)


def run(create):
    """Call `create()` -> (status, body dict) under the request's Idempotency-Key, if any."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return create()
    if len(key) > 200 or not key.isprintable():
        raise ApiError(400, "bad_idempotency_key",
                       _l("The Idempotency-Key must be 1 to 200 printable characters."),
                       {HEADER: [_l("The Idempotency-Key must be 1 to 200 printable "
                                    "characters.")]})
    digest = hashlib.sha256(request.get_data()).hexdigest()
    principal = g.api_token.principal
    existing = db.session.scalar(sa.select(IdempotencyRecord).where(
        IdempotencyRecord.principal == principal, IdempotencyRecord.key == key))
    if existing is None:
        reservation = IdempotencyRecord(principal=principal, key=key, request_hash=digest)
        db.session.add(reservation)
        try:
            db.session.commit()
        except sa.exc.IntegrityError:
            db.session.rollback()
            raise _conflict(
                _l("A request with this Idempotency-Key is still in progress.")) from None
        try:
            status, body = create()
        except BaseException:
            db.session.rollback()
            db.session.execute(sa.delete(IdempotencyRecord)
                               .where(IdempotencyRecord.id == reservation.id))
            db.session.commit()
            raise
        db.session.execute(sa.update(IdempotencyRecord)
                           .where(IdempotencyRecord.id == reservation.id)
                           .values(status=status, response=json.dumps(body, default=str)))
        db.session.commit()
        return status, body
    if existing.request_hash != digest:
        raise _conflict(_l("This Idempotency-Key was used with a different request body."))
    if existing.status is None:
        raise _conflict(_l("A request with this Idempotency-Key is still in progress."))
    return existing.status, json.loads(existing.response)

"""Opaque, signed pagination cursors: a client can pass them back but not forge them."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, URLSafeSerializer

from portal.api.errors import ApiError


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="api-cursor")


def encode(kind: str, last_id: int) -> str:
    return _serializer().dumps([kind, last_id])


def decode(kind: str, cursor: str | None) -> int | None:
    """The id after which the next page starts; a foreign or altered cursor is a 400."""
    if not cursor:
        return None
    try:
        found_kind, last_id = _serializer().loads(cursor)
    except (BadData, TypeError, ValueError):
        found_kind, last_id = None, None
    if found_kind != kind or not isinstance(last_id, int):
        raise ApiError(400, "bad_cursor", _l("This pagination cursor is not valid."),
                       {"cursor": [_l("This pagination cursor is not valid.")]})
    return last_id


def page(statement, model, kind: str, limit: int, cursor: str | None):
    """Rows newest first, `limit` at a time, and the cursor of the next page (or None)."""
    from portal.extensions import db

    after = decode(kind, cursor)
    if after is not None:
        statement = statement.where(model.id < after)
    rows = list(db.session.scalars(statement.order_by(model.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode(kind, rows[-1].id) if more else None

"""Loading what an API call names. Unknown, or not for the token's account, is the same 404,
as on the room and dispute pages: a token must not learn which ids exist."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user

from portal.api.errors import HTTP_MESSAGES, ApiError
from portal.extensions import db
from portal.permissions import can


def not_found() -> ApiError:
    return ApiError(404, *HTTP_MESSAGES[404])


def load(model, ident: int, action: str, *options, through: str | None = None):
    """The `model` row `ident`, with the loader `options`, if the token's account may
    `action` on it, or on the object in its attribute `through` (an invitation is seen
    with its conference's right)."""
    obj = db.session.scalar(sa.select(model).options(*options).where(model.id == ident))
    if obj is None or not can(current_user, action,
                              obj if through is None else getattr(obj, through)):
        raise not_found()
    return obj

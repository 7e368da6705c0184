"""Private calendar feed links: the secret behind each user's link, its rotation, and the
other domains' recurring meetings that the feed carries beside the conferences.

Kept apart from ``events`` so that checking or revoking a link, which a password reset
does, loads no iCalendar code."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app

from portal.audit.services import record
from portal.calendar.models import FeedSecret, new_feed_secret
from portal.extensions import db
from portal.orgs.models import User
from portal.registry import Registry
from portal.timeutil import utcnow

# Other domains' recurring meetings of a user (``user -> [SeriesEvent]``); portal.wiring
# names the modules that register them.
SERIES_SOURCES = Registry("calendar series source")


def series_source(name: str):
    """Register ``source(user) -> [scheduling.recurring.SeriesEvent]`` for the feeds."""
    return SERIES_SOURCES.under(name)


def _secret(user: User, create: bool) -> FeedSecret | None:
    row = db.session.get(FeedSecret, user.id)
    if row is None and create:
        row = FeedSecret(user_id=user.id)
        db.session.add(row)
        db.session.flush()
    return row


def _sign(user_id: int, secret: str) -> str:
    key = f"{current_app.config['SECRET_KEY']}:{secret}".encode()
    return hmac.new(key, f"calendar-feed:{user_id}".encode(), hashlib.sha256).hexdigest()[:40]


def feed_token(user: User) -> str:
    return _sign(user.id, _secret(user, create=True).secret)


def rotate_feed_secret(user: User, actor: User | None = None) -> str:
    """A new secret: every link given out before stops working."""
    row = _rotate(user, actor or user)
    db.session.flush()
    return _sign(user.id, row.secret)


def revoke_feed_on_password_reset(user: User, actor: User) -> None:
    """Whoever had the old password may also have copied the calendar link."""
    _rotate(user, actor)


def _rotate(user: User, actor: User):
    row = _secret(user, create=True)
    row.secret = new_feed_secret()
    row.rotated_at = utcnow()
    record("calendar.feed_rotated", user, actor=actor, summary=user.username)
    return row


def feed_owner(user_id: int, token: str) -> User | None:
    """The user a feed link belongs to, or None for an unknown, revoked or forged link."""
    row = db.session.get(FeedSecret, user_id)
    if row is None or not hmac.compare_digest(_sign(user_id, row.secret), token):
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.active else None


def feed_series(user: User) -> list:
    """The user's recurring meetings (``scheduling.recurring.SeriesEvent``) for the feed."""
    return [series for name in SERIES_SOURCES for series in SERIES_SOURCES[name](user)]

"""Signing in, lockout, and password changes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from portal.audit.services import record
from portal.auth.passwords import hash_password, policy_problem, verify_password
from portal.extensions import db
from portal.orgs.models import User
from portal.timeutil import utcnow


@dataclass
class LoginRefused(Exception):
    message: str
    locked_until: datetime | None = None


class PasswordError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def new_session_token() -> str:
    return secrets.token_hex(16)


def authenticate(username: str, password: str, now: datetime | None = None) -> User:
    """Return the user whose credentials these are, or raise LoginRefused.

    The same message is given for an unknown user and a wrong password, so the form
    does not reveal which accounts exist.
    """
    now = now or utcnow()
    user = db.session.scalar(sa.select(User).where(User.username == username.strip()))
    if user is None:
        verify_password(_DUMMY_HASH(), password)  # equal timing for unknown names
        record("auth.login_failed", summary=f"unknown username {username.strip()[:40]}")
        db.session.commit()
        raise LoginRefused(_("Wrong username or password."))
    if user.locked_until and user.locked_until > now:
        record("auth.login_refused_locked", user, actor=user)
        db.session.commit()
        raise LoginRefused(_locked_message(), user.locked_until)
    if not user.active:
        record("auth.login_refused_inactive", user, actor=user)
        db.session.commit()
        raise LoginRefused(_("This account has been deactivated. Ask your administrator."))
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        record("auth.login_failed", user, actor=user, changes={"failed_logins": user.failed_logins})
        attempts = current_app.config["PORTAL_LOCKOUT_ATTEMPTS"]
        if user.failed_logins >= attempts:
            minutes = current_app.config["PORTAL_LOCKOUT_MINUTES"]
            user.locked_until = now + timedelta(minutes=minutes)
            user.failed_logins = 0
            record("auth.locked", user, actor=user, summary=f"locked for {minutes} minutes")
            db.session.commit()
            raise LoginRefused(_locked_message(), user.locked_until)
        db.session.commit()
        remaining = attempts - user.failed_logins
        raise LoginRefused(
            _("Wrong username or password.")
            + " "
            + _("%(n)d attempts left before the account is locked.", n=remaining)
        )
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    record("auth.login", user, actor=user)
    db.session.commit()
    return user


def _locked_message() -> str:
    minutes = current_app.config["PORTAL_LOCKOUT_MINUTES"]
    return _(
        "Too many failed attempts: this account is locked for %(m)d minutes.", m=minutes
    )


_dummy_hash_cache: list[str] = []


def _DUMMY_HASH() -> str:  # noqa: N802 - behaves like a constant, computed once
    if not _dummy_hash_cache:
        _dummy_hash_cache.append(hash_password(secrets.token_hex(8)))
    return _dummy_hash_cache[0]


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise PasswordError("current", _("The current password is wrong."))
    if new == current:
        raise PasswordError("new", _("The new password must differ from the current one."))
    problem = policy_problem(new)
    if problem:
        raise PasswordError("new", problem)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_token = new_session_token()
    record("auth.password_changed", user, actor=user)
    db.session.commit()


def reset_password(admin: User, user: User) -> str:
    """Give the user a temporary password that must be changed at the next login."""
    temporary = secrets.token_urlsafe(9)
    user.password_hash = hash_password(temporary)
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    user.session_token = new_session_token()
    record("user.password_reset", user, actor=admin)
    db.session.commit()
    return temporary


def logout_recorded(user: User, reason: str = "logout") -> None:
    record(f"auth.{reason}", user, actor=user)
    db.session.commit()

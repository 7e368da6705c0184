"""Signing in, lockout, and password changes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from portal import extensions
from portal.audit.services import record
from portal.extensions import db
from portal.orgs.models import User
from portal.orgs.passwords import hash_password, new_session_token, policy_problem, verify_password
from portal.timeutil import utcnow
from portal.transaction import written


@dataclass
class LoginRefused(Exception):
    message: str
    locked_until: datetime | None = None


class PasswordRefused(Exception):
    """A re-entered password was not accepted; `message` says why when it was not simply
    wrong (`wrong` is then False: the account is locked or the entries too fast)."""

    def __init__(self, message: str, wrong: bool = False):
        super().__init__(message)
        self.message, self.wrong = message, wrong


class PasswordError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def authenticate(username: str, password: str, now: datetime | None = None) -> User:
    """Return the user whose credentials these are, or raise LoginRefused.

    An unknown name, a wrong password and a wrong password for a locked or deactivated
    account all get the same answer after the same work (a password hash), so the form
    reveals neither which accounts exist nor which are locked. Only whoever knows the
    password learns that the account is locked or deactivated.
    """
    now = now or utcnow()
    user = db.session.scalar(sa.select(User).where(User.username == username.strip()))
    if user is None:
        _verify_between_transactions(_DUMMY_HASH(), password)
        record("auth.login_failed", summary=f"unknown username {username.strip()[:40]}")
        # Refusals commit here: the page that refuses rolls its request back, and the
        # attempt, the count towards the lock and the lock itself must stay.
        db.session.commit()
        raise LoginRefused(_wrong_credentials())
    correct = _verify_between_transactions(user.password_hash, password)
    if is_locked(user, now):
        record("auth.login_refused_locked", user, actor=user)
        db.session.commit()
        if correct:
            raise LoginRefused(_locked_message(), user.locked_until)
        raise LoginRefused(_wrong_credentials())
    if not correct:
        _count_failure(user, now, "auth.login_failed")
        db.session.commit()
        raise LoginRefused(_wrong_credentials())
    if not user.active:
        record("auth.login_refused_inactive", user, actor=user)
        db.session.commit()
        raise LoginRefused(_("This account has been deactivated. Ask your administrator."))
    user.failed_logins = 0
    user.locked_until = None
    user.previous_login_at, user.last_login_at = user.last_login_at, now
    record("auth.login", user, actor=user)
    db.session.flush()
    return user


def _verify_between_transactions(password_hash: str, password: str) -> bool:
    """Check a password with no transaction open, when nothing is waiting to be written.

    The hash is deliberately slow (scrypt, tens to hundreds of milliseconds), and on SQLite
    every transaction holds the database's write lock from its first statement (see
    ``portal.web``): hashing inside the read that found the account made every sign-in, and
    every request behind it, wait for all the sign-ins before. What follows the check reads
    the account afresh, so a lock or deactivation made meanwhile still counts.
    """
    if not written():
        db.session.commit()  # ends a read only: nothing of the request is written yet
    return verify_password(password_hash, password)


def is_locked(user: User, now: datetime | None = None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or utcnow())


def _count_failure(user: User, now: datetime, action: str) -> bool:
    """One more wrong password for the account; True when this one locked it."""
    user.failed_logins += 1
    record(action, user, actor=user, changes={"failed_logins": user.failed_logins})
    if user.failed_logins < current_app.config["PORTAL_LOCKOUT_ATTEMPTS"]:
        return False
    minutes = current_app.config["PORTAL_LOCKOUT_MINUTES"]
    user.locked_until = now + timedelta(minutes=minutes)
    user.failed_logins = 0
    record("auth.locked", user, actor=user, summary=f"locked for {minutes} minutes")
    return True


def confirm_password(user: User, password: str, now: datetime | None = None) -> None:
    """A signed-in user re-enters their password (to change it, to sign minutes).

    Counted like a sign-in: wrong entries lock the account, a locked account is refused
    even the right password, and the sign-in rate limit applies per account. Locking ends
    the account's sessions, since whoever guesses may be holding one of them.
    Raises PasswordRefused, after committing what it counted (the refusing request
    is rolled back).
    """
    now = now or utcnow()
    from limits import parse as parse_limit

    limiter = extensions.limiter  # made with the pages (portal.extensions)
    if limiter.enabled and not limiter.limiter.hit(
            parse_limit(current_app.config["PORTAL_LOGIN_LIMIT"]), "password-reentry",
            str(user.id)):
        record("auth.reentry_rate_limited", user, actor=user)
        # As at sign-in, a refusal is kept although the request that asked is refused.
        db.session.commit()
        raise PasswordRefused(_("Too many password entries. Wait a minute and try again."))
    correct = _verify_between_transactions(user.password_hash, password)
    if is_locked(user, now):
        record("auth.reentry_refused_locked", user, actor=user)
        db.session.commit()
        raise PasswordRefused(_locked_message())
    if correct:
        user.failed_logins = 0
        return
    if _count_failure(user, now, "auth.reentry_failed"):
        user.session_token = new_session_token()
        db.session.commit()
        raise PasswordRefused(_locked_message())
    db.session.commit()
    raise PasswordRefused(_("The password is wrong."), wrong=True)


def _wrong_credentials() -> str:
    return _("Wrong username or password.")


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
    try:
        confirm_password(user, current)
    except PasswordRefused as refused:
        raise PasswordError("current", _("The current password is wrong.") if refused.wrong
                            else refused.message) from None
    if new == current:
        raise PasswordError("new", _("The new password must differ from the current one."))
    problem = policy_problem(new)
    if problem:
        raise PasswordError("new", problem)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_token = new_session_token()
    record("auth.password_changed", user, actor=user)
    db.session.flush()


def sign_out(user: User) -> None:
    """The session ends on the server too: a copy of its cookie no longer signs anyone in.
    Like a password change, this ends the account's sessions on other devices as well."""
    user.session_token = new_session_token()
    logout_recorded(user)


def logout_recorded(user: User, reason: str = "logout") -> None:
    record(f"auth.{reason}", user, actor=user)
    db.session.flush()

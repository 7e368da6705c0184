"""The one access policy: `can(user, action, obj)` and the view helpers built on it.

Each action is a rule registered with `@rule("action")`; a rule receives the user and
the object (None for page-level actions) and answers True or False. Views never check roles
themselves: they call `require()` for page-level actions and `load_or_404()` for objects,
so a refusal looks the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user

from portal.extensions import db

Rule = Callable[..., bool]
_RULES: dict[str, Rule] = {}


class UnknownAction(KeyError):
    pass


def rule(action: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        _RULES[action] = fn
        return fn

    return register


def can(user, action: str, obj=None) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    try:
        check = _RULES[action]
    except KeyError:
        raise UnknownAction(action) from None
    return bool(check(user, obj))


def require(action: str):
    """View decorator: 403 unless the current user may perform `action`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not can(current_user, action):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def load_or_404(model, ident, action: str, hide: bool = True):
    """Load an object the current user may act on; unknown ids are 404, forbidden ones
    404 too where even the object's existence is sensitive (hide=True), else 403."""
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        abort(404)
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    if not can(current_user, action, obj):
        abort(404 if hide else 403)
    return obj


def is_admin(user) -> bool:
    # Anonymous visitors have no such attribute; accounts answer from their roles.
    return bool(getattr(user, "is_admin", False))


@rule("admin.manage")
def _admin_manage(user, obj=None) -> bool:
    return is_admin(user)


@rule("audit.read")
def _audit_read(user, obj=None) -> bool:
    return is_admin(user)

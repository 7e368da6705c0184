"""The one access policy: `can(user, action, obj)` and the view helpers built on it.

Each action is a rule registered with `@rule("action")`; a rule receives the user and
the object (None for page-level actions) and answers True or False. Views never check roles
themselves: they call `require()` for page-level actions and `load_or_404()` for objects,
and services call `ensure()`, so a refusal looks the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.errors import NotAllowed
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


# How a service's refusal reads, by action and else by the action's subject ("dispute" of
# "dispute.edit"); the API shows it, the pages show their 403 page.
REFUSALS = {
    "dispute": _l("You are not allowed to do this with this dispute."),
    "dispute.import": _l("You are not allowed to import disputes."),
    "conference": _l("You are not allowed to do this in this conference."),
    "document": _l("You are not allowed to do this in this conference."),
    "review": _l("You are not allowed to do this in this joint review."),
    "resident_request": _l("You are not allowed to do this with this request."),
    "residents.manage": _l("You are not allowed to manage addresses and doorplates."),
}
REFUSED = _l("You are not allowed to do this.")


def ensure(actor, action: str, obj=None) -> None:
    """Raise NotAllowed unless `actor` may perform `action` on `obj`: the services' guard."""
    if not can(actor, action, obj):
        subject = action.partition(".")[0]
        raise NotAllowed(str(REFUSALS.get(action, REFUSALS.get(subject, REFUSED))))


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

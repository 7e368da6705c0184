"""Administration of organisations, villages, rooms and user accounts."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.audit.services import diff, record, snapshot
from portal.errors import DomainError
from portal.extensions import db
from portal.orgs.models import Organisation, Room, User, Village
from portal.orgs.passwords import hash_password, new_session_token, policy_problem
from portal.signals import password_reset

ORG_FIELDS = ["name", "kind", "phone", "address", "active"]
VILLAGE_FIELDS = [
    "name", "police_grid", "community_grid", "grid_worker_id", "community_police_id",
    "resident_lawyer_id", "police_hours", "grid_worker_hours", "active",
]
ROOM_FIELDS = ["name", "location", "capacity", "timezone", "active"]
USER_FIELDS = [
    "username", "full_name", "organisation_id", "title", "phone", "email", "language",
    "timezone", "active",
]


def _ensure_unique(model, field: str, value, exclude_id: int | None, message: str) -> None:
    query = sa.select(model.id).where(getattr(model, field) == value)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    if db.session.scalar(query.limit(1)) is not None:
        raise DomainError(message, field)


def _save(actor: User, obj, values: dict, fields: list[str], kind: str) -> None:
    creating = obj.id is None
    before = {} if creating else snapshot(obj, fields)
    for field, value in values.items():
        setattr(obj, field, value)
    if creating:
        db.session.add(obj)
        db.session.flush()
    changes = diff(obj, fields, before)
    if creating or changes:
        record(f"{kind}.{'created' if creating else 'updated'}", obj, summary=str(obj),
               changes=changes, actor=actor)
    db.session.flush()


def save_organisation(actor: User, org: Organisation, values: dict) -> Organisation:
    _ensure_unique(Organisation, "name", values["name"], org.id,
                   _("An organisation with this name already exists."))
    _save(actor, org, values, ORG_FIELDS, "organisation")
    return org


def save_village(actor: User, village: Village, values: dict) -> Village:
    _ensure_unique(Village, "name", values["name"], village.id,
                   _("A village or community with this name already exists."))
    _save(actor, village, values, VILLAGE_FIELDS, "village")
    return village


def save_room(actor: User, room: Room, values: dict) -> Room:
    _ensure_unique(Room, "name", values["name"], room.id,
                   _("A room with this name already exists."))
    _save(actor, room, values, ROOM_FIELDS, "room")
    return room


def save_user(actor: User, user: User, values: dict, roles, password: str | None = None) -> User:
    values = dict(values)
    _ensure_unique(User, "username", values["username"], user.id,
                   _("This username is taken."))
    if user.id is None:
        if not password:
            raise DomainError(_("Give the new account an initial password."), "password")
        problem = policy_problem(password)
        if problem:
            raise DomainError(problem, "password")
        user.password_hash = hash_password(password)
        user.session_token = new_session_token()
        # The administrator knows this password, so the owner must replace it.
        user.must_change_password = True
    if user.id == actor.id and not values.get("active", True):
        raise DomainError(_("You cannot deactivate your own account."), "active")
    if not roles:
        raise DomainError(_("Give the account at least one role."), "roles")
    old_roles = sorted(r.name for r in user.roles) if user.id else []
    user.set_roles(roles)
    new_roles = sorted(r.name for r in user.roles)
    if user.id is not None and old_roles != new_roles:
        record("user.roles_changed", user, actor=actor,
               changes={"roles": [old_roles, new_roles]})
    if user.id is not None and values.get("active") is False and user.active:
        user.session_token = new_session_token()  # ends the user's open sessions
    _save(actor, user, values, USER_FIELDS, "user")
    return user


def reset_password(admin: User, user: User) -> str:
    """Give the user a temporary password that must be changed at the next login."""
    temporary = secrets.token_urlsafe(9)
    user.password_hash = hash_password(temporary)
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    user.session_token = new_session_token()
    record("user.password_reset", user, actor=admin)
    password_reset.send(user, actor=admin)
    db.session.flush()
    return temporary


def update_own_preferences(user: User, language: str | None = None,
                           timezone: str | None = None) -> None:
    before = snapshot(user, ["language", "timezone"])
    if language:
        user.language = language
    if timezone:
        user.timezone = timezone
    changes = diff(user, ["language", "timezone"], before)
    if changes:
        record("user.preferences_changed", user, actor=user, changes=changes)
        db.session.flush()

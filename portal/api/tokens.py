"""Issuing, rotating and revoking API tokens; finding the token a request presents.

A token is shown once, when issued; the portal keeps only its SHA-256, which is enough to
recognise it (the token is 256 random bits, so a fast hash is safe here) and useless to
anyone who reads the database.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.api.models import SCOPES, ApiClient, ApiToken
from portal.audit.services import record
from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal.orgs.models import Role, User
from portal.permissions import can, is_admin, rule
from portal.timeutil import utcnow

TOKEN_PREFIX = "ncp_"
# Personal tokens are for the people who connect the portal with their own programs: the
# station's staff, the heads, mediators and lawyers (answers, records, minutes). Grid workers
# and community police reach the API through the city platform's client, which an
# administrator registers; observers read statistics, which the API does not serve.
PERSONAL_TOKEN_ROLES = (Role.ADMIN, Role.CONVENER, Role.SECRETARY, Role.HEAD, Role.MEDIATOR,
                        Role.LAWYER)


@rule("api.personal_token")
def _personal_token(user, obj=None) -> bool:
    return user.has_role(*PERSONAL_TOKEN_ROLES)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _new_token(**values) -> tuple[ApiToken, str]:
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(token_hash=hash_token(raw), prefix=raw[:12], **values)
    db.session.add(token)
    return token, raw


def _scopes(scopes) -> str:
    chosen = [s for s in SCOPES if s in set(scopes)]
    if not chosen or len(chosen) != len(set(scopes)):
        raise DomainError(_("Choose one or more of the listed scopes."), "scopes")
    return " ".join(chosen)


def _future(expires_at: datetime | None) -> None:
    if expires_at is not None and expires_at <= utcnow():
        raise DomainError(_("The expiry must be in the future."), "expires_at")


def create_client(actor: User, name: str, scopes, acting_user: User,
                  expires_at: datetime | None = None) -> tuple[ApiClient, str]:
    if not can(actor, "admin.manage"):
        raise NotAllowed(_("Only administrators manage integration clients."))
    name = name.strip()
    if not name:
        raise DomainError(_("Give the client a name."), "name")
    if db.session.scalar(sa.select(ApiClient.id).where(ApiClient.name == name)):
        raise DomainError(_("A client with this name exists already."), "name")
    if not acting_user.active:
        raise DomainError(_("This account is deactivated."), "acting_user_id")
    _future(expires_at)
    client = ApiClient(name=name, scopes=_scopes(scopes), acting_user=acting_user,
                       created_by_id=actor.id)
    db.session.add(client)
    _token, raw = _new_token(name=name, client=client, user=acting_user, scopes=client.scopes,
                        expires_at=expires_at)
    db.session.flush()
    record("api_client.created", client, summary=name, actor=actor,
           changes={"scopes": client.scopes, "acting_user": acting_user.username})
    db.session.flush()
    return client, raw


def rotate_client(actor: User, client: ApiClient,
                  expires_at: datetime | None = None) -> str:
    """A new token for the client; the old one stops working at once."""
    if not can(actor, "admin.manage"):
        raise NotAllowed(_("Only administrators manage integration clients."))
    if client.revoked_at is not None:
        raise DomainError(_("This client is revoked."))
    _future(expires_at)
    now = utcnow()
    for token in client.tokens:
        if token.revoked_at is None:
            token.revoked_at = now
    _token, raw = _new_token(name=client.name, client=client, user=client.acting_user,
                        scopes=client.scopes, expires_at=expires_at)
    record("api_client.rotated", client, summary=client.name, actor=actor)
    db.session.flush()
    return raw


def revoke_client(actor: User, client: ApiClient) -> None:
    if not can(actor, "admin.manage"):
        raise NotAllowed(_("Only administrators manage integration clients."))
    now = utcnow()
    client.revoked_at = client.revoked_at or now
    for token in client.tokens:
        token.revoked_at = token.revoked_at or now
    for endpoint in client.endpoints:
        endpoint.active = False
    record("api_client.revoked", client, summary=client.name, actor=actor)
    db.session.flush()


def create_personal_token(actor: User, name: str, scopes,
                          expires_at: datetime | None) -> tuple[ApiToken, str]:
    """A token that acts as its owner, with their permissions, within the chosen scopes."""
    if not can(actor, "api.personal_token"):
        raise NotAllowed(_("Your role does not use API tokens."))
    name = name.strip()
    if not name:
        raise DomainError(_("Give the token a name."), "name")
    _future(expires_at)
    token, raw = _new_token(name=name, user=actor, scopes=_scopes(scopes),
                            expires_at=expires_at)
    db.session.flush()
    record("api_token.created", token, summary=name, actor=actor,
           changes={"scopes": token.scopes})
    db.session.flush()
    return token, raw


def revoke_token(actor: User, token: ApiToken) -> None:
    if token.user_id != actor.id and not is_admin(actor):
        raise NotAllowed(_("This token is not yours."))
    token.revoked_at = token.revoked_at or utcnow()
    record("api_token.revoked", token, summary=token.name, actor=actor)
    db.session.flush()


def personal_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(sa.select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.client_id.is_(None)).order_by(ApiToken.id)))


def find(raw: str) -> ApiToken | None:
    return db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))

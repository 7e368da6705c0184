"""The /api/v1 blueprint: bearer authentication, scopes, language, body size, rate limit.

A token acts as one portal account (a person's own token, or the account an administrator
chose for an integration client), so `can()` decides every call exactly as for that
person's pages, and the audit log names the client.
"""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

import sqlalchemy as sa
from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint

from portal.api import tokens
from portal.api.errors import ApiError
from portal.api.language import choose_language
from portal.api.models import ApiToken
from portal.api.schemas import Error as ErrorSchema
from portal.auth.services import is_locked
from portal.extensions import db
from portal.permissions import can
from portal.timeutil import utcnow

PREFIX = "/api/v1"
PUBLIC_ENDPOINTS = {"api.openapi_json", "api.docs"}


class Api(SmorestApi):
    """flask-smorest, minus its app-wide error handlers: the portal's pages keep theirs."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        pass


api = Api(spec_kwargs={
    "info": {"description": "JSON API of the joint mediation portal. See /api/v1/docs."},
})
bp = Blueprint("api", __name__, url_prefix=PREFIX, description="Case-conference portal API")


def _unauthorized(code: str, message) -> ApiError:
    return ApiError(401, code, message, headers={"WWW-Authenticate": 'Bearer realm="portal"'})


def _authenticate() -> ApiToken:
    scheme, _sep, raw = request.headers.get("Authorization", "").partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not raw:
        raise _unauthorized("unauthorized",
                            _l("Send a valid bearer token in the Authorization header."))
    token = tokens.find(raw) if len(raw) <= 200 else None
    if token is None:
        raise _unauthorized("invalid_token", _l("This token is not known."))
    now = utcnow()
    if token.revoked_at is not None or (token.client and token.client.revoked_at):
        raise _unauthorized("token_revoked", _l("This token has been revoked."))
    if token.expires_at is not None and token.expires_at <= now:
        raise _unauthorized("token_expired", _l("This token has expired."))
    if not token.user.is_active:
        raise _unauthorized("account_inactive", _l("The token's account is deactivated."))
    if is_locked(token.user, now):
        raise _unauthorized("account_locked", _l("The token's account is locked for now."))
    if token.client_id is None and not can(token.user, "api.personal_token"):
        raise _unauthorized("role_without_tokens",
                            _l("The token's account no longer has a role that uses API tokens."))
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        db.session.execute(sa.update(ApiToken).where(ApiToken.id == token.id)
                           .values(last_used_at=now))
        db.session.commit()
    return token


@bp.before_request
def before_api_request():
    choose_language()
    limit = current_app.config.get("PORTAL_API_MAX_BODY_BYTES", 1024 * 1024)
    request.max_content_length = limit  # also bounds a body sent without Content-Length
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, "payload_too_large", _l("The request body is too large."))
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    token = _authenticate()
    g.api_token = token
    g.audit_actor_name = token.actor_name
    # Flask-Login's current_user reads this: the token's account, for this request only.
    g._login_user = token.user
    if request.method == "POST":
        if request.mimetype != "application/json":
            raise ApiError(415, "unsupported_media_type", _l("Send the body as application/json."))
        request.get_data(cache=True)  # reads at most the limit checked above


def requires(scope: str):
    """Refuse the call unless the token carries `scope`; documents the scope in OpenAPI."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if scope not in g.api_token.scope_list:
                raise ApiError(403, "insufficient_scope",
                               _l("This token lacks the scope %(scope)s.", scope=scope))
            return view(*args, **kwargs)

        return bp.doc(security=[{"bearerAuth": [scope]}])(wrapped)

    return decorator


def rate_key() -> str:
    """Rate limits count per token (its hash), or per address without one."""
    raw = request.headers.get("Authorization", "").partition(" ")[2].strip()
    return "token:" + tokens.hash_token(raw) if raw else "addr:" + (request.remote_addr or "")


def rate_limit() -> str:
    return current_app.config.get("PORTAL_API_RATE_LIMIT", "600 per minute")


@bp.teardown_request
def forget_token(exc=None):
    """g outlives the request when a caller (a test, a CLI command) holds the app context."""
    for name in ("api_token", "audit_actor_name", "_login_user", "_flask_babel"):
        g.pop(name, None)

"""Password hashing and the portal's password policy."""

import secrets

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
# scrypt is memory-hard; werkzeug's defaults follow current guidance. Tests may choose a
# cheaper method through PASSWORD_HASH_METHOD, since hashing speed is not what they test.
DEFAULT_METHOD = "scrypt"


def hash_password(password: str) -> str:
    method = DEFAULT_METHOD
    if has_app_context():
        method = current_app.config.get("PASSWORD_HASH_METHOD", DEFAULT_METHOD)
    return generate_password_hash(password, method=method)


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


def policy_problem(password: str) -> str | None:
    """Why a new password is unacceptable, or None."""
    if len(password) < MIN_LENGTH:
        return str(_l("Use at least %(n)d characters.", n=MIN_LENGTH))
    if password.isdigit() or password.isalpha():
        return str(_l("Mix letters with digits or symbols."))
    return None


def new_session_token() -> str:
    """A fresh value for ``User.session_token``: changing it ends the account's sessions."""
    return secrets.token_hex(16)

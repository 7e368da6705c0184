"""A small sum to answer before a resident's report is accepted: keeps scripts that post
blindly out, needs no JavaScript and no third-party captcha, works on a closed intranet."""

from __future__ import annotations

import secrets

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

MAX_AGE = 3600


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="resident-challenge")


def new() -> tuple[str, str]:
    """(the question as shown, the signed token the form sends back)."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    return f"{a} + {b}", _signer().dumps(a + b)


def passed(token: str, answer: str) -> bool:
    try:
        expected = _signer().loads(token or "", max_age=MAX_AGE)
    except BadData:
        return False
    return (answer or "").strip() == str(expected)

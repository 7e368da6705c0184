"""The language of the API's messages: the request's Accept-Language, not the account's."""

from __future__ import annotations

from types import SimpleNamespace

from babel import Locale
from flask import g, request

LANGUAGES = {"zh": "zh_CN", "zh_cn": "zh_CN", "zh_hans": "zh_CN", "zh_hans_cn": "zh_CN",
             "en": "en"}


def choose_language() -> None:
    """Accept-Language picks the language of messages; Simplified Chinese by default."""
    chosen = "zh_CN"
    for value, _quality in request.accept_languages:
        key = value.lower().replace("-", "_")
        if key in LANGUAGES:
            chosen = LANGUAGES[key]
            break
        if key.split("_")[0] in LANGUAGES:
            chosen = LANGUAGES[key.split("_")[0]]
            break
    # flask-babel caches the request's locale here; the portal's selector would otherwise
    # use the signed-in account's language.
    g._flask_babel = SimpleNamespace(babel_locale=Locale.parse(chosen))

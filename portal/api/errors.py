"""One JSON error shape for every refusal: {code, message, errors: {field: [...]}}.

Messages are in the caller's language (Accept-Language, default Simplified Chinese),
including the field messages of the schema validation, which the marshmallow library
writes in English and which are translated here.
"""

from __future__ import annotations

import re

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from portal.api.language import choose_language
from portal.errors import Conflict, DomainError, NotAllowed
from portal.extensions import db


class ApiError(Exception):
    def __init__(self, status: int, code: str, message, errors: dict | None = None,
                 headers: dict | None = None):
        super().__init__(str(message))
        self.status, self.code, self.message = status, code, message
        self.errors = errors or {}
        self.headers = headers or {}


def response(status: int, code: str, message, errors: dict | None = None, headers=None):
    body = jsonify(code=code, message=str(message),
                   errors={k: [str(m) for m in v] for k, v in (errors or {}).items()})
    body.status_code = status
    body.headers.update(headers or {})
    return body


HTTP_MESSAGES = {
    400: ("bad_request", _l("The request could not be understood.")),
    401: ("unauthorized", _l("Send a valid bearer token in the Authorization header.")),
    403: ("forbidden", _l("This token may not do this.")),
    404: ("not_found", _l("Not found, or not available to this token.")),
    405: ("method_not_allowed", _l("This method is not allowed here.")),
    409: ("conflict", _l("The request conflicts with the current state.")),
    413: ("payload_too_large", _l("The request body is too large.")),
    415: ("unsupported_media_type", _l("Send the body as application/json.")),
    422: ("validation_failed", _l("Some fields are not valid.")),
    429: ("rate_limited", _l("Too many requests in a short time. Wait and try again.")),
}

# The validation messages marshmallow and webargs produce, in the caller's language.
FIELD_MESSAGES = {
    "Missing data for required field.": _l("This field is required."),
    "Unknown field.": _l("Unknown field."),
    "Field may not be null.": _l("This field may not be null."),
    "Invalid input type.": _l("Send a JSON object."),
    "Invalid JSON body.": _l("The body is not valid JSON."),
    "Not a valid integer.": _l("Not a valid integer."),
    "Not a valid string.": _l("Not a valid string."),
    "Not a valid boolean.": _l("Not a valid boolean."),
    "Not a valid number.": _l("Not a valid number."),
    "Not a valid date.": _l("Not a valid date (YYYY-MM-DD)."),
    "Not a valid datetime.": _l("Not a valid date and time (ISO 8601)."),
    "Not a valid list.": _l("Not a valid list."),
    "Invalid value.": _l("Invalid value."),
    "Special numeric values (nan or infinity) are not permitted.": _l("Not a valid number."),
}
PATTERNS = [
    (re.compile(r"^Must be one of: (.*)\.$"), lambda m: _("Must be one of: %(choices)s.",
                                                          choices=m.group(1))),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"),
     lambda m: _("Length must be between %(min)s and %(max)s.", min=m[1], max=m[2])),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"),
     lambda m: _("At least %(min)s characters.", min=m[1])),
    (re.compile(r"^Longer than maximum length (\d+)\.$"),
     lambda m: _("At most %(max)s characters.", max=m[1])),
    (re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
     lambda m: _("Must be between %(min)s and %(max)s.", min=m[1], max=m[2])),
    (re.compile(r"^Must be greater than or equal to (\S+)\.$"),
     lambda m: _("Must be at least %(min)s.", min=m[1])),
    (re.compile(r"^Must be less than or equal to (\S+)\.$"),
     lambda m: _("Must be at most %(max)s.", max=m[1])),
]


def translate(message) -> str:
    message = str(message)
    if message in FIELD_MESSAGES:
        return str(FIELD_MESSAGES[message])
    for pattern, render in PATTERNS:
        match = pattern.match(message)
        if match:
            return render(match)
    return message


def flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested {field: {0: {name: [...]}}} as {"field[0].name": [...]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = str(key)
            if isinstance(key, int):
                path = f"{prefix}[{key}]"
            elif name == "_schema":
                path = prefix or "_body"
            else:
                path = f"{prefix}.{name}" if prefix else name
            for field, texts in flatten(value, path).items():
                flat.setdefault(field, []).extend(texts)
    elif isinstance(messages, list | tuple):
        for item in messages:
            if isinstance(item, dict | list):
                for field, texts in flatten(item, prefix).items():
                    flat.setdefault(field, []).extend(texts)
            else:
                flat.setdefault(prefix or "_body", []).append(translate(item))
    else:
        flat.setdefault(prefix or "_body", []).append(translate(messages))
    return flat


def _validation_errors(error: HTTPException) -> dict[str, list[str]] | None:
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if not messages:
        return None
    errors = {}
    for location, fields in messages.items():
        for field, texts in flatten(fields).items():
            name = field if location in ("json", "files") else f"{location}.{field}"
            if field == "_body" and location != "json":
                name = location
            errors.setdefault(name, []).extend(texts)
    return errors


def handle_http(error: HTTPException):
    db.session.rollback()
    status = error.code or 500
    errors = _validation_errors(error)
    if errors is not None and status == 400:
        return response(400, "malformed_json", _("The body is not valid JSON."))
    if errors is not None:
        return response(422, "validation_failed", HTTP_MESSAGES[422][1], errors)
    code, message = HTTP_MESSAGES.get(status, ("error", error.name))
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    if status == 429:
        headers["Retry-After"] = "60"
    return response(status, code, message, headers=headers)


def handle_api_error(error: ApiError):
    db.session.rollback()
    return response(error.status, error.code, error.message, error.errors, error.headers)


def handle_domain_error(error: DomainError):
    """Services' refusals: not allowed → 403, a field problem → 422, else a state conflict."""
    db.session.rollback()
    if isinstance(error, NotAllowed):
        return response(403, "forbidden", error.message)
    if error.field and not isinstance(error, Conflict):
        return response(422, "validation_failed", error.message, {error.field: [error.message]})
    return response(409, "conflict", error.message)


def handle_unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return handle_http(error)
    db.session.rollback()
    current_app.logger.exception("API request failed: %s %s", request.method, request.path)
    return response(500, "server_error",
                    _("The request could not be completed. Nothing was saved."))


def register(bp) -> None:
    bp.register_error_handler(ApiError, handle_api_error)
    bp.register_error_handler(DomainError, handle_domain_error)
    bp.register_error_handler(HTTPException, handle_http)
    # Flask prefers the app's handlers for a status code to a blueprint's for a class.
    for code in (400, 401, 403, 404, 405, 409, 413, 415, 422, 429):
        bp.register_error_handler(code, handle_http)
    bp.register_error_handler(Exception, handle_unexpected)


def wrap_app_handlers(app, prefix: str) -> None:
    """Routing errors (no such URL, wrong method) reach only the app's handlers: answer them
    in JSON under the API's prefix and leave the portal's HTML pages as they are."""
    for code, cls in ((404, NotFound), (405, MethodNotAllowed)):
        previous = app.error_handler_spec[None].get(code, {}).get(cls)

        def handler(error, previous=previous):
            if request.path.startswith(prefix):
                choose_language()
                return handle_http(error)
            if previous is None:
                return error
            return previous(error)

        app.register_error_handler(code, handler)

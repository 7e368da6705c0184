"""Turning a conference's record into the plain `reports.minutes.Minutes` document and back.

A version stores its document as JSON (the snapshot); the hash its signers sign is the
hash of that document's canonical content, computed by `reports`.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime

from reports import minutes as doc

_NESTED = {
    "attendance": doc.Attendee, "accounts": doc.FourAccounts, "opinions": doc.Opinion,
    "action_items": doc.ActionItem, "signatures": doc.Signature,
}
_DATETIMES = {"starts_at", "ends_at", "signed_in_at", "signed_at"}


def _encode(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(type(value))


def to_json(document: doc.Minutes) -> str:
    return json.dumps(dataclasses.asdict(document), default=_encode, ensure_ascii=False,
                      sort_keys=True)


def _decode_fields(cls, data: dict):
    values = {}
    for name, value in data.items():
        if value is not None and name in _DATETIMES:
            value = datetime.fromisoformat(value)
        elif value is not None and name == "due":
            value = date.fromisoformat(value)
        elif name == "status" and cls is doc.Attendee:
            value = doc.AttendanceStatus(value)
        elif name in _NESTED:
            value = tuple(_decode_fields(_NESTED[name], item) for item in value)
        elif name == "outcome" and cls is doc.Minutes:
            value = doc.Outcome(value)
        elif isinstance(value, list):
            value = tuple(value)
        values[name] = value
    return cls(**values)


def from_json(text: str) -> doc.Minutes:
    return _decode_fields(doc.Minutes, json.loads(text))

"""Minutes of a regular joint review (警网融合例会纪要): every item with its decision and
owner, the attendees' signatures, and the PDF."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from reports.pdf import DEFAULT_TIMEOUT, render_pdf, template_environment
from reports.pdf_record import record_xmp
from reports.verify import canonical_document, sha256_hex

CONTENT_SCHEMA = "review-minutes/1"
# The signatures and the issue date are about the content, not part of it.
UNSIGNED_FIELDS = frozenset({"signatures", "issued_on"})


@dataclass(frozen=True)
class Attendee:
    name: str
    body: str
    role: str
    present: bool


@dataclass(frozen=True)
class Item:
    village: str
    source: str
    kind: str
    risk: str
    text: str
    decision: str  # the item's state as read: 登记为纠纷, 移交跟进, ...
    note: str
    owner: str = ""
    due_on: str = ""
    dispute: str = ""
    carried_over: int = 0


@dataclass(frozen=True)
class FollowUp:
    title: str
    owner: str
    due_on: str
    state: str


@dataclass(frozen=True)
class Signature:
    """An attendee's signature, or their refusal with the reason they gave."""

    name: str
    body: str
    signed_at: datetime | None
    refusal_reason: str = ""


@dataclass(frozen=True)
class ReviewMinutes:
    title: str
    issuer: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    place: str
    convener: str
    attendees: Sequence[Attendee]
    items: Sequence[Item]
    follow_ups: Sequence[FollowUp] = field(default=())
    signatures: Sequence[Signature] = field(default=())
    issued_on: datetime | None = None


def content_hash(doc: ReviewMinutes) -> str:
    return sha256_hex(canonical_document(doc, schema=CONTENT_SCHEMA, unsigned=UNSIGNED_FIELDS))


def to_json(doc: ReviewMinutes) -> str:
    return json.dumps(dataclasses.asdict(doc), ensure_ascii=False, default=_moment)


def from_json(text: str) -> ReviewMinutes:
    data = json.loads(text)
    moment = datetime.fromisoformat
    return ReviewMinutes(
        **{**data, "starts_at": moment(data["starts_at"]), "ends_at": moment(data["ends_at"]),
           "issued_on": moment(data["issued_on"]) if data.get("issued_on") else None,
           "attendees": [Attendee(**a) for a in data["attendees"]],
           "items": [Item(**i) for i in data["items"]],
           "follow_ups": [FollowUp(**f) for f in data.get("follow_ups", [])],
           "signatures": [Signature(**{**s, "signed_at": moment(s["signed_at"])
                                       if s["signed_at"] else None})
                          for s in data.get("signatures", [])]})


def _moment(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def render_html(doc: ReviewMinutes) -> str:
    return template_environment().get_template("reports/review_minutes.html").render(
        doc=doc, content_hash=content_hash(doc), issued=doc.issued_on is not None,
        draft=doc.issued_on is None)


def render_minutes_pdf(doc: ReviewMinutes, *, timeout: float | None = DEFAULT_TIMEOUT) -> bytes:
    record = record_xmp({"documentKind": "review-minutes", "documentNumber": doc.title,
                         "documentVersion": "1",
                         "documentStatus": "issued" if doc.issued_on else "draft",
                         "contentHash": content_hash(doc)})
    return render_pdf(render_html(doc), xmp=record, timeout=timeout)

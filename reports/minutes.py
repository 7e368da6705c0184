"""Minutes of a joint conference: the document, its signed content and its PDF."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from jinja2 import Environment

from reports.pdf import DEFAULT_TIMEOUT, qr_data_url, render_pdf, template_environment
from reports.pdf_record import record_xmp
from reports.verify import canonical_document, sha256_hex

# Bumped whenever the canonical form changes, so old and new hashes never collide.
CONTENT_SCHEMA = "minutes/2"
# The issue state and date, the verification link and the signatures are about
# the content, not part of it: signers attest to everything else.
UNSIGNED_FIELDS = frozenset({"signatures", "issued", "issued_on", "verify_url", "time_zone"})
# Zones whose clock is what a reader in China calls 北京时间.
BEIJING_ZONES = frozenset({"Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC"})
CONFIDENTIALITY = (
    "参会人员对会商中知悉的当事人个人信息、隐私和商业秘密以及会商讨论情况负有保密义务，"
    "未经召集单位同意不得向他人披露，不得用于会商以外的用途。"
)


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"
    LATE = "late"
    ABSENT = "absent"
    APOLOGIES = "apologies"

    @property
    def label(self) -> str:
        return {"present": "出席", "late": "迟到", "absent": "缺席", "apologies": "请假"}[self]


class Outcome(enum.StrEnum):
    AGREEMENT = "agreement"
    PARTIAL = "partial"
    NONE = "none"

    @property
    def label(self) -> str:
        return {"agreement": "达成调解协议", "partial": "部分达成协议", "none": "未达成协议"}[self]


@dataclass(frozen=True, slots=True)
class Attendee:
    """One row of the attendance list; ``delegate_of`` names the head they stand in for."""

    name: str
    body: str
    role: str
    status: AttendanceStatus = AttendanceStatus.PRESENT
    delegate_of: str = ""
    signed_in_at: datetime | None = None
    acknowledged: bool = False  # of the confidentiality statement


@dataclass(frozen=True, slots=True)
class FourAccounts:
    """The four accounts (算四笔账) worked through with one party."""

    party: str
    psychological: str  # 心理账
    emotional: str  # 感情账
    consequences: str  # 后果账
    interests: str  # 利益账

    def parts(self) -> list[tuple[str, str]]:
        """The accounts that were worked through, with their labels; empty ones left out."""
        labelled = (("心理账", self.psychological), ("感情账", self.emotional),
                    ("后果账", self.consequences), ("利益账", self.interests))
        return [(label, text.strip()) for label, text in labelled if text and text.strip()]


@dataclass(frozen=True, slots=True)
class Opinion:
    body: str
    speaker: str
    text: str


@dataclass(frozen=True, slots=True)
class ActionItem:
    owner_body: str
    owner: str
    task: str
    due: date
    feedback: str


@dataclass(frozen=True, slots=True)
class Signature:
    """A signer's confirmation, or their refusal with the reason they gave."""

    name: str
    body: str
    signed_at: datetime | None = None
    refusal_reason: str = ""

    def __post_init__(self) -> None:
        if (self.signed_at is None) == (not self.refusal_reason):
            raise ValueError("a signature has either a time or a refusal reason")
        if self.signed_at is not None and self.signed_at.tzinfo is None:
            raise ValueError("signature times must be timezone-aware")


@dataclass(frozen=True, slots=True)
class Minutes:
    """Minutes of a joint conference (会议纪要), one version of them.

    ``number`` is the minutes' own issue number (南城会纪〔2026〕9号), empty
    until signing opens; ``version`` is printed only on an amendment, which
    says which version it ``corrects`` and what (``correction``).
    ``body`` and ``case_summary`` are Markdown typed by the secretary; every
    other text is printed as is. Times are timezone-aware and printed in
    ``time_zone``; ``issued_on`` is the date of issue (成文日期).
    """

    number: str
    version: int
    title: str
    issuer: str
    starts_at: datetime
    ends_at: datetime | None
    place: str
    convener: str
    secretary: str
    case_summary: str
    attendance: Sequence[Attendee]
    accounts: Sequence[FourAccounts]
    opinions: Sequence[Opinion]
    outcome: Outcome
    agreed_terms: Sequence[str] = ()
    referral: str = ""
    action_items: Sequence[ActionItem] = ()
    next_steps: Sequence[str] = ()
    body: str = ""
    agenda: Sequence[str] = ()
    dispute_reference: str = ""
    confidentiality: str = CONFIDENTIALITY
    corrects: int = 0
    correction: str = ""
    signatures: Sequence[Signature] = ()
    issued: bool = False
    issued_on: date | None = None
    verify_url: str = ""
    time_zone: str = "Asia/Shanghai"

    def __post_init__(self) -> None:
        if self.starts_at.tzinfo is None:
            raise ValueError("conference times must be timezone-aware")
        if self.issued and not self.verify_url:
            raise ValueError("issued minutes need a verification URL")


def canonical_content(doc: Minutes) -> bytes:
    """The signed content of ``doc`` as canonical JSON (see :func:`canonical_json`)."""
    return canonical_document(doc, schema=CONTENT_SCHEMA, unsigned=UNSIGNED_FIELDS)


def content_hash(doc: Minutes) -> str:
    """SHA-256 (hex) of :func:`canonical_content`."""
    return sha256_hex(canonical_content(doc))


def same_day(doc: Minutes) -> bool:
    """Whether the session starts and ends on one local day (its times then need no date)."""
    if doc.ends_at is None:
        return True
    zone = ZoneInfo(doc.time_zone)
    return doc.starts_at.astimezone(zone).date() == doc.ends_at.astimezone(zone).date()


def render_minutes_html(doc: Minutes, *, environment: Environment | None = None) -> str:
    """The minutes as HTML for the PDF renderer (relative URLs point at the assets)."""
    environment = environment or template_environment()
    return environment.get_template("reports/minutes.html").render(
        doc=doc,
        draft=not doc.issued,
        content_hash=content_hash(doc),
        qr_url=qr_data_url(doc.verify_url) if doc.issued else "",
        beijing=doc.time_zone in BEIJING_ZONES,
        same_day=same_day(doc),
        AttendanceStatus=AttendanceStatus,
        Outcome=Outcome,
    )


def render_minutes_pdf(
    doc: Minutes,
    *,
    environment: Environment | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> bytes:
    """The minutes as a PDF/A-3u file whose XMP carries number, version and hash."""
    record = record_xmp(
        {
            "documentKind": "minutes",
            "documentNumber": doc.number,
            "documentVersion": str(doc.version),
            "documentStatus": "issued" if doc.issued else "draft",
            "contentHash": content_hash(doc),
        }
    )
    return render_pdf(
        render_minutes_html(doc, environment=environment), xmp=record, timeout=timeout
    )

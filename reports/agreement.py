"""The mediation agreement and the notice of the parties' rights and duties.

The contents follow the People's Mediation Law (人民调解法): art. 28–29 say what
an agreement records and who signs it, art. 31 makes it binding, art. 33
allows judicial confirmation, art. 23–24 list the parties' rights and duties.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from jinja2 import Environment

from reports.pdf import DEFAULT_TIMEOUT, qr_data_url, render_pdf, template_environment
from reports.pdf_record import record_xmp
from reports.verify import canonical_document, sha256_hex

CONTENT_SCHEMA = "agreement/1"
UNSIGNED_FIELDS = frozenset({"issued", "verify_url"})


class Sex(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"

    @property
    def label(self) -> str:
        return "男" if self is Sex.MALE else "女"


@dataclass(frozen=True, slots=True)
class Party:
    """A party's particulars; ``role`` is how the agreement names them (甲方, 乙方, ...)."""

    role: str
    name: str
    sex: Sex
    address: str
    phone: str
    birth_date: date | None = None
    id_number: str = ""
    ethnicity: str = ""

    def __post_init__(self) -> None:
        if self.birth_date is None and not self.id_number:
            raise ValueError(f"{self.name}: a birth date or an ID number is required")


@dataclass(frozen=True, slots=True)
class Responsibility:
    party: str
    text: str


@dataclass(frozen=True, slots=True)
class Obligation:
    """What one party undertakes, how it is performed and by when."""

    obligor: str
    content: str
    manner: str
    deadline: date


@dataclass(frozen=True, slots=True)
class MediationAgreement:
    """A mediation agreement (调解协议书).

    ``committee`` is the people's mediation committee that issues it and keeps
    a copy; ``invited_mediator`` names a mediator the committee invited, if
    any. ``facts`` and ``issues`` are Markdown.
    """

    number: str
    version: int
    committee: str
    mediators: Sequence[str]
    parties: Sequence[Party]
    facts: str
    issues: str
    responsibilities: Sequence[Responsibility]
    obligations: Sequence[Obligation]
    signed_on: date
    place: str
    invited_mediator: str = ""
    issued: bool = False
    verify_url: str = ""

    def __post_init__(self) -> None:
        if len(self.parties) < 2:
            raise ValueError("an agreement needs at least two parties")
        if not self.mediators:
            raise ValueError("an agreement needs the mediator who signs it")
        if self.issued and not self.verify_url:
            raise ValueError("an issued agreement needs a verification URL")

    @property
    def copies(self) -> int:
        """One copy per party and one kept by the committee (art. 29)."""
        return len(self.parties) + 1


def canonical_content(agreement: MediationAgreement) -> bytes:
    """The signed content of ``agreement`` as canonical JSON."""
    return canonical_document(agreement, schema=CONTENT_SCHEMA, unsigned=UNSIGNED_FIELDS)


def content_hash(agreement: MediationAgreement) -> str:
    return sha256_hex(canonical_content(agreement))


def render_agreement_html(
    agreement: MediationAgreement, *, environment: Environment | None = None
) -> str:
    environment = environment or template_environment()
    return environment.get_template("reports/agreement.html").render(
        doc=agreement,
        # What the parties sign is the unsealed print: a watermark would sit across
        # their signatures; the text says when the agreement takes effect instead.
        draft=False,
        content_hash=content_hash(agreement),
        qr_url=qr_data_url(agreement.verify_url) if agreement.issued else "",
        Sex=Sex,
    )


def render_agreement_pdf(
    agreement: MediationAgreement,
    *,
    environment: Environment | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> bytes:
    """The agreement as PDF/A-3u, with number, version and hash in its XMP."""
    record = record_xmp(
        {
            "documentKind": "agreement",
            "documentNumber": agreement.number,
            "documentVersion": str(agreement.version),
            "documentStatus": "issued" if agreement.issued else "draft",
            "contentHash": content_hash(agreement),
        }
    )
    html = render_agreement_html(agreement, environment=environment)
    return render_pdf(html, xmp=record, timeout=timeout)


def render_rights_notice_pdf(
    agreement: MediationAgreement,
    *,
    environment: Environment | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> bytes:
    """The notice of rights and duties (当事人权利义务告知书), one page per party."""
    environment = environment or template_environment()
    html = environment.get_template("reports/rights_notice.html").render(doc=agreement, draft=False)
    return render_pdf(html, timeout=timeout)

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

CONTENT_SCHEMA = "agreement/2"
# The case code is how the parties follow the case, not part of what they agree to.
UNSIGNED_FIELDS = frozenset({"issued", "verify_url", "case_code", "case_url"})
NUMERALS = "〇一二三四五六七八九十"


def chinese_count(number: int) -> str:
    """A small count in characters, as documents write it: 3 → 三, 12 → 十二."""
    if not 0 < number < 100:
        raise ValueError(f"cannot write {number} in characters")
    tens, units = divmod(number, 10)
    text = ("" if tens < 2 else NUMERALS[tens]) + ("十" if tens else "")
    return text + (NUMERALS[units] if units else "")


class PaymentMethod(enum.StrEnum):
    """How an obligation is performed; money is paid in cash or by bank transfer."""

    CASH = "cash"
    TRANSFER = "transfer"
    ACT = "act"

    @property
    def label(self) -> str:
        return {"cash": "现金支付", "transfer": "银行转账", "act": "由义务人自行履行"}[self]


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
    ethnicity: str = ""  # 民族
    occupation: str = ""  # 职业或工作单位

    def __post_init__(self) -> None:
        if self.birth_date is None and not self.id_number:
            raise ValueError(f"{self.name}: a birth date or an ID number is required")


@dataclass(frozen=True, slots=True)
class Responsibility:
    party: str
    text: str


@dataclass(frozen=True, slots=True)
class Instalment:
    amount: str
    due: date


@dataclass(frozen=True, slots=True)
class Obligation:
    """What one party (``obligor``) undertakes, how it is performed and by when.

    ``method`` says how (cash, transfer, or the obligor's own act); ``instalments``
    lists the instalments of a payment in parts (none: all at once); ``manner``
    adds what the parties agreed about the performance, if anything.
    """

    obligor: str
    content: str
    deadline: date
    method: PaymentMethod = PaymentMethod.ACT
    instalments: Sequence[Instalment] = ()
    manner: str = ""

    def __post_init__(self) -> None:
        if any(i.due > self.deadline for i in self.instalments):
            raise ValueError(f"{self.content[:20]}: an instalment falls after the deadline")

    @property
    def schedule(self) -> str:
        if len(self.instalments) < 2:
            return "一次性履行"
        return f"分{chinese_count(len(self.instalments))}期履行"


@dataclass(frozen=True, slots=True)
class MediationAgreement:
    """A mediation agreement (调解协议书).

    ``committee`` is the people's mediation committee that issues it and keeps
    a copy, ``number`` its number in the committee's series; ``mediators`` are
    the committee's mediators, one signature line each; ``invited_mediator``
    names a mediator the committee invited, if any. ``facts`` and ``issues``
    are Markdown. ``version`` counts edits; the signed instrument never shows it.
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
    case_code: str = ""  # 一案一码, printed for the parties with the address of their page
    case_url: str = ""

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

    @property
    def copies_text(self) -> str:
        return chinese_count(self.copies)


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
        PaymentMethod=PaymentMethod,
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


def render_confirmation_application_pdf(
    agreement: MediationAgreement,
    *,
    court: str,
    effective_on: date,
    deadline: date,
    environment: Environment | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> bytes:
    """The parties' joint application for judicial confirmation (司法确认申请书) after
    法释〔2011〕5号, filled from the agreement, for them to sign and file by ``deadline``."""
    environment = environment or template_environment()
    html = environment.get_template("reports/confirmation_application.html").render(
        doc=agreement, court=court, effective_on=effective_on, deadline=deadline, Sex=Sex,
        draft=False)
    return render_pdf(html, timeout=timeout)


def render_rights_notice_pdf(
    agreement: MediationAgreement,
    *,
    environment: Environment | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> bytes:
    """The notice of rights and duties (人民调解当事人权利义务告知书), one page per party."""
    environment = environment or template_environment()
    html = environment.get_template("reports/rights_notice.html").render(
        doc=agreement, draft=False)
    return render_pdf(html, timeout=timeout)

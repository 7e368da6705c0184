"""Case codes (一案一码) and proving one is a contact of the case behind a code.

A code is 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), drawn by
`secrets`: 31⁸ ≈ 8.5 × 10¹¹ codes, while every wrong answer is counted and locked out like a
sign-in and the page is rate-limited per address, so codes cannot be walked. Every dispute
gets one when it is first written; a dispute registered from a resident request takes over
the request's code, so the resident follows one code from report to feedback.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from portal.audit.services import record
from portal.disputes.models import Dispute
from portal.errors import DomainError
from portal.extensions import db, on_session
from portal.residents import sms
from portal.residents.models import CaseCode
from portal.timeutil import utcnow

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8
OTP_MINUTES = 10
OTP_RESEND_SECONDS = 60
PENDING_REQUEST = "residents.request_for_dispute"


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[:LENGTH + 4]


def init_app(app) -> None:
    """Give every dispute the application's session writes its code as it is first flushed."""
    on_session("before_flush", _code_for_new_disputes)


def _code_for_new_disputes(session, context, instances) -> None:
    for dispute in [obj for obj in session.new if isinstance(obj, Dispute)]:
        request = session.info.pop(PENDING_REQUEST, None)
        if request is not None and request.case_code is not None:
            request.dispute = dispute
            request.case_code.dispute = dispute
        else:
            session.add(CaseCode(code=new_code(), dispute=dispute))


def find(text: str) -> CaseCode | None:
    code = normalise(text)
    if len(code) != LENGTH:
        return None
    return db.session.scalar(sa.select(CaseCode).where(CaseCode.code == code))


@dataclass(frozen=True)
class Contact:
    who: str  # "contact" (the request's) or "party:<id>"
    name: str
    phone: str
    party_id: int | None = None


def contacts(case: CaseCode) -> list[Contact]:
    found = []
    if case.dispute is not None:
        found += [Contact(f"party:{p.id}", p.name, p.phone, p.id)
                  for p in case.dispute.parties if p.phone]
    request = case.request
    if request is not None and request.contact_phone not in {c.phone for c in found}:
        found.append(Contact("contact", request.contact_name, request.contact_phone))
    return found


def contact(case: CaseCode, who: str) -> Contact | None:
    return next((c for c in contacts(case) if c.who == who), None)


class AccessRefused(DomainError):
    pass


def _refused() -> AccessRefused:
    # The same words whether the code exists or not: the answer gives nothing away.
    return AccessRefused(_("The code and the digits do not match a case. Check both and "
                           "try again."), "digits")


def _locked() -> AccessRefused:
    return AccessRefused(_("Too many requests in a short time. Wait a minute and try "
                           "again."), "digits")


def _fail(case: CaseCode, now: datetime) -> AccessRefused:
    case.failed_attempts += 1
    record("case_code.failed", case, changes={"failed_attempts": case.failed_attempts})
    if case.failed_attempts >= current_app.config["PORTAL_LOCKOUT_ATTEMPTS"]:
        case.locked_until = now + timedelta(minutes=current_app.config["PORTAL_LOCKOUT_MINUTES"])
        case.failed_attempts = 0
        record("case_code.locked", case)
        db.session.commit()  # the refusal counts although the request is refused
        return _locked()
    db.session.commit()  # likewise
    return _refused()


def _succeed(case: CaseCode, found: Contact) -> str:
    case.failed_attempts = 0
    case.otp_hash = case.otp_expires_at = case.otp_phone = None
    record("case_code.opened", case, summary=found.who)
    db.session.flush()
    return found.who


def _open(case: CaseCode | None, now: datetime) -> CaseCode:
    if case is None:
        raise _refused()
    if case.locked_until and case.locked_until > now:
        raise _locked()
    return case


def check_digits(case: CaseCode | None, digits: str, now: datetime | None = None) -> str:
    """Who the answer proves to be (a `Contact.who`), from the last 4 digits of a phone."""
    now = now or utcnow()
    digits = (digits or "").strip()
    if len(digits) != 4 or not digits.isdigit():
        raise DomainError(_("Enter the last 4 digits of your phone number."), "digits")
    case = _open(case, now)
    found = next((c for c in contacts(case) if c.phone.endswith(digits)), None)
    if found is None:
        raise _fail(case, now)
    return _succeed(case, found)


def _otp_digest(case: CaseCode, otp: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{case.code}:{otp}".encode(), hashlib.sha256).hexdigest()


def send_otp(case: CaseCode | None, phone: str, now: datetime | None = None) -> None:
    """Text a one-time code to `phone` if it is a contact of the case; silent otherwise."""
    now = now or utcnow()
    phone = (phone or "").strip()
    if case is None or (case.locked_until and case.locked_until > now):
        return
    if phone not in {c.phone for c in contacts(case)}:
        return
    resend_after = (case.otp_expires_at - timedelta(minutes=OTP_MINUTES)
                    + timedelta(seconds=OTP_RESEND_SECONDS)) if case.otp_expires_at else None
    if resend_after and resend_after > now:
        return
    otp = f"{secrets.randbelow(10**6):06d}"
    case.otp_hash, case.otp_phone = _otp_digest(case, otp), phone
    case.otp_expires_at = now + timedelta(minutes=OTP_MINUTES)
    record("case_code.otp_sent", case, summary=phone[-4:])
    sms.queue(phone, _("Your one-time code for case %(code)s is %(otp)s, valid for "
                       "%(minutes)d minutes.", code=case.display, otp=otp, minutes=OTP_MINUTES))
    db.session.flush()


def check_otp(case: CaseCode | None, otp: str, now: datetime | None = None) -> str:
    now = now or utcnow()
    otp = (otp or "").strip()
    if len(otp) != 6 or not otp.isdigit():
        raise DomainError(_("Enter the 6-digit code from the text message."), "otp")
    case = _open(case, now)
    if (case.otp_hash is None or case.otp_expires_at is None or case.otp_expires_at <= now
            or not hmac.compare_digest(case.otp_hash, _otp_digest(case, otp))):
        raise _fail(case, now)
    found = next((c for c in contacts(case) if c.phone == case.otp_phone), None)
    if found is None:
        raise _fail(case, now)
    return _succeed(case, found)

"""Text messages to residents, who have phones rather than e-mail.

A message is written as a pending row in the caller's transaction (`queue`), and handed to
the provider afterwards by `deliver_pending`, a plain function that the scheduler's tick (or
a background job) calls, so no request waits on an SMS gateway inside its transaction.
`PORTAL_SMS_PROVIDER` picks the provider: "log" (the default) only marks the row as logged,
for administrators to read at /residents/sms; "aliyun" calls Alibaba Cloud SMS (dysmsapi).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from urllib.parse import quote

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.residents.models import SmsMessage
from portal.timeutil import utcnow

PENDING, SENDING, SENT, LOGGED, FAILED = "pending", "sending", "sent", "logged", "failed"


class SmsError(RuntimeError):
    """The provider refused the message or could not be reached."""


class Provider(Protocol):
    name: str

    def send(self, phone: str, text: str) -> str | None:
        """Hand the message over; returns the provider's reference, raises SmsError."""


class LogProvider:
    """Sends nothing: the stored row is the message (development, tests, demos)."""

    name = "log"

    def send(self, phone: str, text: str) -> str | None:
        return None


def _encode(value: str) -> str:
    # RFC 3986 percent-encoding as Alibaba Cloud's RPC signature requires (space → %20,
    # "*" → %2A, "~" kept), which urlencode's form encoding does not give.
    return quote(value, safe="~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    """The Signature parameter of an Alibaba Cloud RPC request (HMAC-SHA1, version 1.0)."""
    canonical = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{_encode('/')}&{_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@dataclass
class AliyunProvider:
    """Alibaba Cloud SMS, operation SendSms (API version 2017-05-25) over HTTPS GET.

    The template (`TemplateCode`) must have one variable, ``${content}``, that receives the
    message text; `SignName` is the approved signature shown to the resident.
    """

    access_key_id: str
    access_key_secret: str
    sign_name: str
    template_code: str
    endpoint: str = "https://dysmsapi.aliyuncs.com/"
    timeout: float = 10.0
    opener: object = field(default=None, repr=False)  # urllib's by default; tests pass one
    name = "aliyun"

    def request_url(self, phone: str, text: str, *, nonce: str | None = None,
                    timestamp: datetime | None = None) -> str:
        params = {
            "AccessKeyId": self.access_key_id, "Action": "SendSms", "Format": "JSON",
            "PhoneNumbers": phone, "RegionId": "cn-hangzhou", "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1", "SignatureNonce": nonce or str(uuid.uuid4()),
            "SignatureVersion": "1.0", "TemplateCode": self.template_code,
            "TemplateParam": json.dumps({"content": text}, ensure_ascii=False,
                                        separators=(",", ":")),
            "Timestamp": (timestamp or utcnow()).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        signature = aliyun_signature(params, self.access_key_secret)
        query = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(params.items()))
        return f"{self.endpoint}?Signature={_encode(signature)}&{query}"

    def send(self, phone: str, text: str) -> str | None:
        import urllib.request  # only a process that texts residents needs the HTTP client

        opener = self.opener or urllib.request.build_opener()
        try:
            with opener.open(self.request_url(phone, text), timeout=self.timeout) as response:
                body = response.read()
        except OSError as error:  # urllib's HTTPError and URLError are OSErrors
            body = getattr(error, "read", lambda: b"")() or b""
            if not body:
                raise SmsError(f"Alibaba Cloud SMS unreachable: {error}") from error
        return parse_aliyun_response(body)


def parse_aliyun_response(body: bytes) -> str:
    """The BizId of an accepted message; SmsError with the provider's code otherwise."""
    try:
        answer = json.loads(body)
    except ValueError as error:
        raise SmsError("Alibaba Cloud SMS answered with something that is not JSON") from error
    if answer.get("Code") != "OK":
        raise SmsError(f"{answer.get('Code')}: {answer.get('Message')}"[:200])
    return answer.get("BizId") or answer.get("RequestId")


def provider() -> Provider:
    config = current_app.config
    name = config.get("PORTAL_SMS_PROVIDER", "log")
    if name == "aliyun":
        return AliyunProvider(config["PORTAL_SMS_ALIYUN_KEY_ID"],
                              config["PORTAL_SMS_ALIYUN_KEY_SECRET"],
                              config["PORTAL_SMS_ALIYUN_SIGN_NAME"],
                              config["PORTAL_SMS_ALIYUN_TEMPLATE"])
    if name != "log":
        raise ValueError(f"unknown SMS provider {name!r}")
    return LogProvider()


def queue(phone: str, text: str) -> SmsMessage:
    """Write a message to be sent after the caller's transaction commits. Does not commit."""
    message = SmsMessage(provider=current_app.config.get("PORTAL_SMS_PROVIDER", "log"),
                         phone=phone, text=text, status=PENDING, created_at=utcnow())
    db.session.add(message)
    return message


def deliver_pending(limit: int = 50) -> int:
    """Hand pending messages to the provider, each outside any open write transaction."""
    chosen = provider()
    ids = db.session.scalars(sa.select(SmsMessage.id).where(SmsMessage.status == PENDING)
                             .order_by(SmsMessage.id).limit(limit)).all()
    db.session.commit()
    done = 0
    for ident in ids:
        # Claimed before the call, so two deliverers never send one message twice.
        claimed = db.session.execute(sa.update(SmsMessage).where(
            SmsMessage.id == ident, SmsMessage.status == PENDING).values(status=SENDING))
        db.session.commit()
        if not claimed.rowcount:
            continue
        message = db.session.get(SmsMessage, ident)
        phone, text = message.phone, message.text
        db.session.commit()  # the gateway call holds no transaction open
        try:
            reference = chosen.send(phone, text)
            status, error = (LOGGED if chosen.name == "log" else SENT), None
        except SmsError as failure:
            reference, status, error = None, FAILED, str(failure)[:200]
        db.session.execute(sa.update(SmsMessage).where(SmsMessage.id == ident).values(
            status=status, provider_ref=reference, error=error, provider=chosen.name))
        db.session.commit()
        done += 1
    return done

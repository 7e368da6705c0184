"""Writing a notification in its recipient's language, and turning an outbox row into MIME.

The wording of each kind lives in `templates/mail/<kind>.txt` (the inbox text and the mail's
plain-text part) and `templates/mail/<kind>.html` (the mail's HTML part); the subjects are
below. Dates and times the caller passes are shown in the recipient's language and time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime as rfc2822_date
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from portal.notifications.models import OutboxMessage, PartRole
from portal.orgs.models import User
from portal.timeutil import format_day, format_moment, utcnow

SUBJECTS = {
    "invitation_received": _l("Invitation to a joint conference: %(conference_title)s "
                              "(%(reference)s)"),
    "answer_changed": _l("%(who)s answered “%(answer)s”: %(conference_title)s"),
    "delegated": _l("You now represent %(body)s at a joint conference: %(conference_title)s"),
    "deadline_approaching": _l("Please answer by %(deadline)s: %(conference_title)s"),
    "conference_confirmed": _l("Conference time and room confirmed: %(conference_title)s "
                               "(%(reference)s)"),
    "conference_cancelled": _l("Conference cancelled: %(conference_title)s (%(reference)s)"),
    "quorum_reached": _l("Quorum reached: %(conference_title)s (%(reference)s)"),
    "minutes_review": _l("Minutes circulated for review: %(conference_title)s (%(reference)s)"),
    "minutes_to_sign": _l("Minutes waiting for your signature: %(conference_title)s "
                          "(%(reference)s)"),
    "minutes_unsigned": _l("Reminder: the minutes still wait for your signature: "
                           "%(conference_title)s (%(reference)s)"),
    "minutes_changed": _l("Minutes changed, please sign the new version: "
                          "%(conference_title)s (%(reference)s)"),
    "poll_reopened": _l("New time being found, please vote: %(conference_title)s "
                        "(%(reference)s)"),
    "responses_overdue": _l("Answers overdue: %(conference_title)s (%(reference)s)"),
    "meeting_soon": _l("Reminder: joint conference at %(when)s: %(conference_title)s"),
    "review_meeting_soon": _l("Reminder: joint review at %(when)s: %(conference_title)s"),
    "confirmation_due": _l("Judicial confirmation must be applied for by %(deadline)s: "
                           "%(conference_title)s (%(reference)s)"),
    "task_due_soon": _l("Follow-up task due on %(due)s: %(conference_title)s"),
    "task_overdue": _l("Follow-up task overdue: %(conference_title)s (%(reference)s)"),
    "task_escalated": _l("Overdue follow-up task of %(owner)s: %(conference_title)s "
                         "(%(reference)s)"),
    "resident_request": _l("New resident request: %(topic)s (%(address)s)"),
    "resident_request_overdue": _l("Resident not contacted in time: %(topic)s (%(address)s)"),
}
RESCHEDULED_SUBJECT = _l("Conference moved to a new time: %(conference_title)s (%(reference)s)")
KINDS = frozenset(SUBJECTS)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str  # the inbox text: the essentials without greeting and footer
    text: str
    html: str


class _Blank(dict):
    """Formatting values where a missing one reads as empty instead of failing."""

    def __missing__(self, key):
        return ""


def absolute_url(link: str) -> str:
    return current_app.config["PORTAL_BASE_URL"].rstrip("/") + link


def _language(user: User) -> str:
    languages = current_app.config["LANGUAGES"]
    return user.language if user.language in languages else languages[0]


def _localise(value, language: str, zone: ZoneInfo):
    if isinstance(value, datetime):
        return format_moment(value, zone, language)
    if isinstance(value, date):
        return format_day(value, language)
    return value


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def render(recipient: User, kind: str, link: str, context: dict) -> Rendered:
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    language = _language(recipient)
    try:
        zone = ZoneInfo(recipient.timezone or current_app.config["PORTAL_TIMEZONE"])
    except (KeyError, ValueError):
        zone = ZoneInfo(current_app.config["PORTAL_TIMEZONE"])
    with force_locale(language):
        values = {key: _localise(value, language, zone) for key, value in context.items()}
        rescheduled = kind == "conference_confirmed" and context.get("rescheduled")
        subject = str(RESCHEDULED_SUBJECT if rescheduled else SUBJECTS[kind])
        subject = subject % _Blank({k: v or "" for k, v in values.items()})
        page = dict(values, recipient=recipient, url=absolute_url(link), subject=subject)
        return Rendered(
            subject=" ".join(subject.split())[:200],
            body=_tidy(render_template(f"mail/{kind}.txt", bare=True, **page)),
            text=_tidy(render_template(f"mail/{kind}.txt", bare=False, **page)) + "\n",
            html=render_template(f"mail/{kind}.html", **page),
        )


def _split(mimetype: str) -> tuple[str, str, dict]:
    kind, *options = (piece.strip() for piece in mimetype.split(";"))
    maintype, _, subtype = kind.lower().partition("/")
    params = {}
    for option in options:
        name, _, value = option.partition("=")
        params[name.strip().lower()] = value.strip().strip('"')
    return maintype, subtype, params


def build_mime(message: OutboxMessage, sender: str, now: datetime | None = None) -> EmailMessage:
    """multipart/alternative (text, HTML, extra alternatives), inside multipart/mixed when
    there are attachments; headers are encoded as RFC 2047 UTF-8 where they need it."""
    mime = EmailMessage()
    sender_name, sender_address = parseaddr(sender)
    mime["From"] = Address(sender_name, addr_spec=sender_address)
    mime["To"] = Address(message.to_name or "", addr_spec=message.to_address)
    mime["Subject"] = message.subject
    mime["Date"] = rfc2822_date(now or utcnow())
    mime["Message-ID"] = message.message_id
    mime["Auto-Submitted"] = "auto-generated"
    mime.set_content(message.text_body)
    if message.html_body:
        mime.add_alternative(message.html_body, subtype="html")
    for part in message.parts:
        maintype, subtype, params = _split(part.mimetype)
        if part.role is PartRole.ALTERNATIVE:
            if maintype == "text":
                params.pop("charset", None)
                mime.add_alternative(part.content.decode("utf-8"), subtype=subtype,
                                     params=params)
            else:
                mime.add_alternative(part.content, maintype, subtype, params=params)
    for part in message.parts:
        if part.role is PartRole.ATTACHMENT:
            maintype, subtype, params = _split(part.mimetype)
            mime.add_attachment(part.content, maintype, subtype, filename=part.filename,
                                params=params)
    return mime

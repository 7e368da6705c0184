"""The minutes of a joint review: drawn up from the decisions, signed by every attendee
present with their password or refused with a reason (as conference minutes are), issued as
a sealed PDF by a job. Once drawn up nothing of the meeting changes, unless the convener
takes the minutes back to amend them, which voids the signatures collected so far; once
issued, nothing changes at all. Services flush; the request commits."""

from __future__ import annotations

from dataclasses import replace

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.audit.services import record
from portal.errors import Conflict, DomainError, NotAllowed
from portal.extensions import db
from portal.jobs import queue
from portal.minutes import confirmation
from portal.orgs.models import User
from portal.permissions import ensure
from portal.reviews import meetings
from portal.reviews.items import carry_over
from portal.reviews.models import MinutesState, ReviewMeeting, ReviewSignature
from portal.timeutil import utcnow
from reports import review_minutes as doc


def build_document(meeting: ReviewMeeting) -> doc.ReviewMinutes:
    """The minutes as the meeting stands, in Chinese (the document's language)."""
    series = meeting.series
    agenda = meetings.agenda(meeting)
    roles = {m.user_id: m.role for m in series.members}
    with force_locale("zh_CN"):
        attendees = [doc.Attendee(row.user.full_name, row.user.organisation.name,
                                  roles[row.user_id].label if row.user_id in roles
                                  else _("Convener"), row.present)
                     for row in meeting.attendance]
        items = [doc.Item(
            village=item.village.name, source=item.source.label, kind=item.kind.label,
            risk=item.risk.label, text=item.text,
            decision=(item.state.label if item.decided_at else _("Carried over to the next "
                                                                  "meeting")),
            note=item.decision_note, owner=item.owner.full_name if item.owner else "",
            due_on=item.due_on.isoformat() if item.due_on else "",
            dispute=item.dispute.reference if item.dispute else "",
            carried_over=item.carried_over) for item in agenda.items]
        follow_ups = [doc.FollowUp(t.title, t.owner_name, t.due_on.isoformat(),
                                   _("Overdue") if t in agenda.overdue else t.state.label)
                      for t in agenda.done + agenda.overdue + agenda.following]
    return doc.ReviewMinutes(
        title=f"{series.title}纪要（{meeting.starts_at.astimezone(_tz(meeting)):%Y年%m月%d日}）",
        issuer=current_app.config["PORTAL_ISSUER"],
        starts_at=meeting.starts_at, ends_at=meeting.ends_at, time_zone=series.timezone,
        place=series.place or (series.room.name if series.room else ""),
        convener=series.convener.full_name, attendees=attendees, items=items,
        follow_ups=follow_ups)


def _tz(meeting: ReviewMeeting):
    from zoneinfo import ZoneInfo

    return ZoneInfo(meeting.series.timezone)


def draw_up(actor: User, meeting: ReviewMeeting) -> doc.ReviewMinutes:
    """Freeze the meeting into minutes that the attendees present now sign."""
    ensure(actor, "review.run", meeting.series)
    if meeting.locked:
        raise DomainError(_("The minutes of this meeting are drawn up already."))
    if not meetings.present(meeting):
        raise DomainError(_("Record the attendance first: nobody present could sign."))
    document = build_document(meeting)
    meeting.minutes_snapshot = doc.to_json(document)
    meeting.content_hash = doc.content_hash(document)
    meeting.minutes_state = MinutesState.SIGNING
    meeting.minutes_version += 1
    record("review.minutes_drawn_up", meeting, actor=actor,
           changes={"hash": meeting.content_hash, "items": len(document.items),
                    "version": meeting.minutes_version})
    _ask_to_sign(actor, meeting)
    db.session.flush()
    return document


def _ask_to_sign(actor: User, meeting: ReviewMeeting) -> None:
    from portal.notifications.services import notify

    series = meeting.series
    for user in meetings.present(meeting):
        if user.active and user.id != actor.id:
            notify(user, "minutes_to_sign", f"/reviews/meetings/{meeting.id}#minutes",
                   conference_title=series.title,
                   reference="、".join(v.name for v in series.villages),
                   version=meeting.minutes_version, when=meeting.starts_at)


def amend(actor: User, meeting: ReviewMeeting) -> ReviewMeeting:
    """Take the minutes back from signing so that the meeting can be corrected; the
    signatures and refusals collected so far are void (the audit keeps them), and the
    attendees are asked to sign again when the minutes are drawn up again."""
    ensure(actor, "review.run", meeting.series)
    if meeting.minutes_state is MinutesState.ISSUED:
        raise DomainError(_("The minutes are issued and can no longer be changed."))
    if meeting.minutes_state is not MinutesState.SIGNING:
        raise DomainError(_("The minutes are not drawn up yet; there is nothing to amend."))
    voided = [{"user": s.user_id, "refused": s.refused} for s in meeting.signatures]
    record("review.minutes_amended", meeting, actor=actor,
           changes={"version": meeting.minutes_version, "hash": meeting.content_hash,
                    "voided": voided})
    meeting.signatures.clear()
    meeting.minutes_snapshot = meeting.content_hash = None
    meeting.minutes_state = MinutesState.NONE
    db.session.flush()
    return meeting


def document_of(meeting: ReviewMeeting) -> doc.ReviewMinutes | None:
    if meeting.minutes_snapshot is None:
        return None
    document = doc.from_json(meeting.minutes_snapshot)
    signatures = [doc.Signature(s.user.full_name, s.user.organisation.name,
                                None if s.refused else s.at, s.reason or "")
                  for s in meeting.signatures]
    return replace(document, signatures=signatures, issued_on=meeting.issued_at)


def outstanding(meeting: ReviewMeeting) -> list[User]:
    signed = {s.user_id for s in meeting.signatures}
    return [user for user in meetings.present(meeting) if user.id not in signed]


def _sign_checks(actor: User, meeting: ReviewMeeting, seen_hash: str) -> None:
    if actor.id not in {u.id for u in meetings.present(meeting)}:
        raise NotAllowed(_("Only the attendees present sign the minutes."))
    if meeting.minutes_state is not MinutesState.SIGNING:
        raise DomainError(_("These minutes are not open for signing."))
    if seen_hash != meeting.content_hash:
        raise Conflict(_("The minutes changed after you opened them. Read them again before "
                         "signing."))
    if any(s.user_id == actor.id for s in meeting.signatures):
        raise DomainError(_("You have already signed or refused these minutes."))


def sign(actor: User, meeting: ReviewMeeting, password: str, seen_hash: str) -> ReviewSignature:
    _sign_checks(actor, meeting, seen_hash)
    confirmation.check_password(actor, password)
    signature = ReviewSignature(user_id=actor.id, content_hash=meeting.content_hash, at=utcnow())
    meeting.signatures.append(signature)
    record("review.minutes_signed", meeting, actor=actor, changes={"hash": meeting.content_hash})
    db.session.flush()
    return signature


def refuse(actor: User, meeting: ReviewMeeting, reason: str,
           seen_hash: str) -> ReviewSignature:
    """Decline to sign, with the reason, which the issued minutes print by the name."""
    _sign_checks(actor, meeting, seen_hash)
    reason = confirmation.refusal_reason(reason)
    signature = ReviewSignature(user_id=actor.id, content_hash=meeting.content_hash, at=utcnow(),
                                refused=True, reason=reason)
    meeting.signatures.append(signature)
    record("review.minutes_refused", meeting, actor=actor, summary=reason,
           changes={"hash": meeting.content_hash})
    db.session.flush()
    return signature


def issue(actor: User, meeting: ReviewMeeting) -> ReviewMeeting:
    """Lock the minutes for ever, carry the undecided items to the next meeting, and queue
    the sealed PDF."""
    ensure(actor, "review.run", meeting.series)
    if meeting.minutes_state is not MinutesState.SIGNING:
        raise DomainError(_("Only minutes being signed can be issued."))
    missing = outstanding(meeting)
    if missing:
        raise DomainError(_("Still waiting for: %(names)s.",
                            names="、".join(u.full_name for u in missing)))
    meeting.minutes_state = MinutesState.ISSUED
    meeting.issued_at = utcnow()
    record("review.minutes_issued", meeting, actor=actor, changes={"hash": meeting.content_hash})
    carry_over(meeting)
    queue.enqueue("reviews.minutes", seal_key(meeting), {"meeting": meeting.id},
                  requested_by=actor)
    db.session.flush()
    return meeting


def seal_key(meeting: ReviewMeeting) -> str:
    return f"review-minutes:{meeting.id}"

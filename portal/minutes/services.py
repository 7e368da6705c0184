"""The secretary's work: the record, the minutes' versions, signatures and issuing.

Every function checks the shared policy and the states, audits, and commits once; a
refusal raises DomainError (Conflict for concurrent edits) and changes nothing.
"""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _

from portal import signals
from portal.audit.services import record
from portal.conferences import states
from portal.conferences.models import Answer, Brief, Conference, ConferenceState, InviteeGroup
from portal.disputes import references
from portal.errors import Conflict, DomainError, NotAllowed
from portal.extensions import db
from portal.jobs import queue
from portal.minutes import confirmation, document
from portal.minutes.models import Comment, MinutesVersion, RecordSection, Signature
from portal.minutes.models import VersionStatus as V
from portal.orgs.models import User
from portal.permissions import ensure
from portal.timeutil import local_zone, utcnow
from reports import minutes as doc

S = ConferenceState
SECTIONS = ("attendance", "agenda", "accounts", "opinions", "outcome", "actions")
RECORDING = frozenset({S.IN_SESSION, S.MINUTES_DRAFTING})
DRAFTING = frozenset({S.MINUTES_DRAFTING, S.MINUTES_SIGNING, S.SIGNED})
SIGNING_STATUSES = frozenset({doc.AttendanceStatus.PRESENT, doc.AttendanceStatus.LATE})


# --- the record --------------------------------------------------------------------------

def default_attendance(conference: Conference) -> list[dict]:
    """Everyone expected: who accepted (or was delegated), the convener and the secretary."""
    rows = []
    for invitation in conference.invitations:
        if invitation.answer is not Answer.ACCEPTED or invitation.user_id is None and \
                invitation.answered_by is None:
            continue
        person = invitation.user or invitation.answered_by
        origin = invitation.delegated_from
        rows.append({
            "user_id": person.id, "name": person.full_name,
            "body": invitation.body.name if invitation.body else person.organisation.name,
            "role": person.title or "", "status": doc.AttendanceStatus.PRESENT.value,
            "delegate_of": (origin.answered_by.full_name
                            if origin is not None and origin.answered_by else ""),
            "signed_in_at": None, "ack": False,
        })
    for person, role in ((conference.convener, "召集人"), (conference.secretary, "记录员")):
        if person is not None and person.id not in {r["user_id"] for r in rows}:
            rows.append({"user_id": person.id, "name": person.full_name,
                         "body": person.organisation.name, "role": role,
                         "status": doc.AttendanceStatus.PRESENT.value, "delegate_of": "",
                         "signed_in_at": None, "ack": False})
    return rows


def _defaults(conference: Conference, key: str):
    if key == "attendance":
        return default_attendance(conference)
    if key == "accounts":
        return [{"party": p.name, "psychological": "", "emotional": "", "consequences": "",
                 "interests": ""} for p in conference.dispute.parties]
    if key == "opinions":
        bodies = dict.fromkeys(
            i.body.name for i in conference.invitations
            if i.body is not None and i.delegated_from_id is None
            and i.group is not InviteeGroup.VILLAGE and i.answer is not Answer.DECLINED)
        return [{"body": name, "speaker": "", "text": ""} for name in bodies]
    if key == "outcome":
        return {"outcome": "", "terms": [], "next_steps": [], "summary": "", "referral": ""}
    return []


def section(conference: Conference, key: str) -> tuple[object, int]:
    """A part of the record (its data and version); an unsaved part starts from defaults."""
    row = db.session.scalar(sa.select(RecordSection).filter_by(
        conference_id=conference.id, key=key))
    if row is None:
        return _defaults(conference, key), 0
    return json.loads(row.data), row.version


def _section_row(conference_id: int, key: str) -> RecordSection | None:
    return db.session.scalar(sa.select(RecordSection).filter_by(
        conference_id=conference_id, key=key))


def _saved_meanwhile(row: RecordSection, key: str) -> Conflict:
    return Conflict(_("%(name)s saved this part at %(when)s while you were editing it. "
                      "Their version is shown; your changes were not saved.",
                      name=row.updated_by.full_name if row.updated_by else "",
                      when=format_datetime(row.updated_at, "short")), key)


def attendee_accounts(conference: Conference) -> dict[int, tuple[User, str]]:
    """The accounts an attendance row may name, with the body each attends for: the
    conference's invitees (named ones, delegates, the members who may answer for an invited
    body), its convener and its secretary. Only they may open the conference and sign."""
    from portal.conferences.services import recipients

    accounts: dict[int, tuple[User, str]] = {}
    for invitation in conference.invitations:
        body = invitation.body.name if invitation.body else ""
        people = recipients(invitation) + [p for p in (invitation.user, invitation.answered_by)
                                           if p is not None and p.active]
        for person in people:
            accounts.setdefault(person.id, (person, body or person.organisation.name))
    for person in (conference.convener, conference.secretary):
        if person is not None and person.active:
            accounts.setdefault(person.id, (person, person.organisation.name))
    return dict(sorted(accounts.items(), key=lambda item: item[1][0].full_name))


def _linked_attendance(conference: Conference, rows: list[dict]) -> list[dict]:
    """The rows with each account's own name; an account that was not invited is refused,
    since it could neither open the conference nor sign its minutes."""
    accounts = attendee_accounts(conference)
    seen: set[int] = set()
    linked = []
    for line, row in enumerate(rows, start=1):
        user_id = row.get("user_id")
        if user_id is not None:
            if user_id not in accounts:
                raise DomainError(_("Row %(n)d: this person is not invited to the conference; "
                                    "choose one of the invitees, or record a guest by name.",
                                    n=line), "attendance")
            if user_id in seen:
                raise DomainError(_("Row %(n)d: %(name)s is recorded twice.", n=line,
                                    name=accounts[user_id][0].full_name), "attendance")
            seen.add(user_id)
            person, body = accounts[user_id]
            row = {**row, "name": person.full_name, "body": row.get("body") or body,
                   "role": row.get("role") or person.title or ""}
        linked.append(row)
    return linked


def save_record(actor: User, conference: Conference, parts: dict[str, tuple[object, int]]):
    """Save the changed parts of the record, each given with the version the actor saw;
    refused, with nothing saved, when someone saved one of them meanwhile."""
    ensure(actor, "conference.run", conference)
    if any(key not in SECTIONS for key in parts):
        raise DomainError(_("Unknown part of the record."))
    if conference.state not in RECORDING:
        raise DomainError(_("The record is kept while the conference is in session or its "
                            "minutes are being drafted."))
    if "attendance" in parts:
        rows, seen = parts["attendance"]
        parts = {**parts, "attendance": (_linked_attendance(conference, rows), seen)}
    saved = {}
    for key, (data, seen_version) in parts.items():
        row = _section_row(conference.id, key)
        if (row.version if row is not None else 0) != seen_version:
            raise _saved_meanwhile(row, key)
        if row is None:
            row = RecordSection(conference_id=conference.id, key=key)
            db.session.add(row)
        row.data = json.dumps(data, ensure_ascii=False)
        row.updated_at = utcnow()
        row.updated_by = actor
        saved[key] = row
        try:
            with db.session.begin_nested():  # a refused save leaves the session usable
                db.session.flush()
        except sa.orm.exc.StaleDataError:
            raise Conflict(_("Someone saved this part at the same moment; reload the page."),
                           key) from None
        except sa.exc.IntegrityError:
            # Two first saves of one part at once: the other one's row is there now.
            raise _saved_meanwhile(_section_row(conference.id, key), key) from None
    for key in saved:
        record("record.saved", conference, actor=actor, summary=key)
    db.session.flush()
    return saved


def save_section(actor: User, conference: Conference, key: str, data, seen_version: int):
    """Save one part; refused when someone saved it since the actor opened it."""
    return save_record(actor, conference, {key: (data, seen_version)})[key]


# --- the minutes document ----------------------------------------------------------------

def _lines(values) -> tuple[str, ...]:
    return tuple(v.strip() for v in values if v and v.strip())


def build_document(conference: Conference, body: str, number: int,
                   signatures: tuple = (), issued: bool = False) -> doc.Minutes:
    """The minutes from the record; ``number`` is the version (the issue number, once the
    conference's minutes have one, is carried over)."""
    data = {key: section(conference, key)[0] for key in SECTIONS}
    outcome = data["outcome"] or {}
    dispute = conference.dispute
    attendance = tuple(
        doc.Attendee(
            name=row["name"], body=row["body"], role=row.get("role", ""),
            status=doc.AttendanceStatus(row.get("status") or "present"),
            delegate_of=row.get("delegate_of", ""),
            signed_in_at=datetime.fromisoformat(row["signed_in_at"])
            if row.get("signed_in_at") else None,
            acknowledged=bool(row.get("ack")))
        for row in data["attendance"])
    return doc.Minutes(
        number=_existing_number(conference), version=number,
        title=f"关于{dispute.title}的联席会商纪要", dispute_reference=dispute.reference,
        issuer=current_app.config["PORTAL_ISSUER"],
        starts_at=conference.started_at or conference.starts_at or conference.created_at,
        ends_at=conference.ended_at or conference.ends_at,
        place=conference.room.name if conference.room else "",
        convener=conference.convener.full_name if conference.convener else "",
        secretary=conference.secretary.full_name if conference.secretary else "",
        case_summary=outcome.get("summary") or dispute.description,
        attendance=attendance,
        accounts=tuple(doc.FourAccounts(**row) for row in data["accounts"]),
        opinions=tuple(doc.Opinion(**row) for row in data["opinions"] if row.get("text")),
        outcome=doc.Outcome(outcome.get("outcome") or "none"),
        agreed_terms=_lines(outcome.get("terms", [])),
        referral=outcome.get("referral", ""),
        action_items=tuple(
            doc.ActionItem(owner_body=row["owner_body"], owner=row.get("owner", ""),
                           task=row["task"], due=datetime.fromisoformat(row["due"]).date(),
                           feedback=row.get("feedback", ""))
            for row in data["actions"] if row.get("task")),
        next_steps=_lines(outcome.get("next_steps", [])),
        agenda=_lines(item.get("title", "") for item in data["agenda"] or ()),
        body=body, signatures=signatures, issued=issued,
        verify_url=verify_url_for(None) if issued else "",
    )


def _existing_number(conference: Conference) -> str:
    """The issue number the conference's minutes were given, or "" before signing opened."""
    for version in reversed(versions(conference)):
        number = json.loads(version.snapshot).get("number", "")
        # Minutes drawn before they had numbers of their own carry the dispute's.
        if number and number != conference.dispute.reference:
            return number
    return ""


def _minutes_number(conference: Conference) -> str:
    """The conference's minutes number; a new one, consecutive per year, the first time.

    Every version of one conference's minutes, amendments included, shares the number;
    it is given when signing first opens, so drafts never used do not leave gaps.
    """
    found = _existing_number(conference)
    if found:
        return found
    prefix = current_app.config["PORTAL_MINUTES_PREFIX"]
    year = utcnow().astimezone(local_zone()).year
    return f"{prefix}〔{year}〕{references.next_number(prefix, year)}号"


# What an amendment says it corrects, by the parts of the document that changed.
PART_NAMES = (("attendance", "参会人员"), ("agenda", "会商议程"), ("case_summary", "案情概要"),
              ("body", "会商经过"), ("accounts", "“四笔账”"), ("opinions", "各方意见"),
              ("outcome", "会商结果"), ("agreed_terms", "会商结果"), ("referral", "会商结果"),
              ("action_items", "任务分工"), ("next_steps", "后续安排"), ("title", "标题"),
              ("place", "地点"), ("starts_at", "时间"), ("ends_at", "时间"))


def _correction(conference: Conference, version: MinutesVersion,
                current: doc.Minutes) -> dict:
    corrected = [v for v in versions(conference)
                 if v.number < version.number and v.issued_at is not None]
    if not corrected:
        return {"corrects": 0, "correction": ""}
    before = json.loads(corrected[-1].snapshot)
    after = json.loads(document.to_json(current))
    changed = dict.fromkeys(label for key, label in PART_NAMES
                            if before.get(key) != after.get(key))
    text = f"更正{'、'.join(changed)}" if changed else "内容未作改动，重新签署"
    return {"corrects": corrected[-1].number, "correction": text}


def verify_url_for(content_hash: str | None) -> str:
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    return f"{base}/verify/{content_hash}" if content_hash else f"{base}/verify"


def default_body(conference: Conference) -> str:
    """The Markdown the secretary starts from: the agenda with its notes, and the briefs."""
    agenda = section(conference, "agenda")[0]
    parts = []
    for number, item in enumerate(agenda, start=1):
        parts.append(f"### {number}. {item.get('title', '')}\n\n{item.get('notes', '')}".strip())
    briefs = db.session.scalars(sa.select(Brief).where(Brief.conference_id == conference.id))
    summaries = [f"- {b.organisation.name}：{b.known} {b.done}".strip() for b in briefs]
    if summaries:
        parts.append("### 会前材料\n\n" + "\n".join(summaries))
    return "\n\n".join(parts)


def versions(conference: Conference) -> list[MinutesVersion]:
    return list(db.session.scalars(sa.select(MinutesVersion).where(
        MinutesVersion.conference_id == conference.id).order_by(MinutesVersion.number)))


def current_version(conference: Conference) -> MinutesVersion | None:
    found = versions(conference)
    return found[-1] if found else None


def _new_version(actor: User, conference: Conference, body: str) -> MinutesVersion:
    latest = current_version(conference)
    number = latest.number + 1 if latest else 1
    document_ = build_document(conference, body, number)
    version = MinutesVersion(conference_id=conference.id, number=number, status=V.DRAFT,
                             snapshot=document.to_json(document_),
                             content_hash=doc.content_hash(document_), created_by=actor)
    db.session.add(version)
    db.session.flush()
    return version


def generate_draft(actor: User, conference: Conference) -> MinutesVersion:
    """A draft from the record; an unsigned draft is regenerated in place."""
    ensure(actor, "conference.run", conference)
    if conference.state not in DRAFTING:
        raise DomainError(_("Minutes are drafted after the session is closed."))
    latest = current_version(conference)
    if latest is not None and not latest.locked and not _active(latest):
        body = document.from_json(latest.snapshot).body
        rebuilt = build_document(conference, body, latest.number)
        latest.snapshot, latest.content_hash = document.to_json(rebuilt), doc.content_hash(rebuilt)
        record("minutes.regenerated", conference, actor=actor, changes={"version": latest.number})
        db.session.flush()
        return latest
    if latest is not None and latest.status is not V.ISSUED and _active(latest):
        raise DomainError(_("Signatures are being collected; edit the text to start a new "
                            "version."))
    version = _new_version(actor, conference, default_body(conference))
    record("minutes.drafted", conference, actor=actor, changes={"version": version.number})
    db.session.flush()
    return version


def _active(version: MinutesVersion) -> list[Signature]:
    return [s for s in version.signatures if not s.cancelled]


def edit(actor: User, version: MinutesVersion, body: str, seen_hash: str) -> MinutesVersion:
    """Change the text. After a first signature this makes a new version and cancels the
    pending signatures, so nobody's signature ever covers words they did not see."""
    conference = db.session.get(Conference, version.conference_id)
    ensure(actor, "conference.run", conference)
    if version.locked:
        raise DomainError(_("This version is issued and locked; make an amendment instead."))
    if seen_hash != version.content_hash:
        raise Conflict(_("The minutes changed while you were editing; reload and edit again."))
    if _active(version):
        for signature in _active(version):
            signature.cancelled = True
        version.status = V.SUPERSEDED
        new = _new_version(actor, conference, body)
        record("minutes.new_version", conference, actor=actor,
               changes={"version": new.number, "cancelled_signatures": len(version.signatures)})
        _notify_signers(conference, new, "minutes_changed")
        db.session.flush()
        return new
    rebuilt = build_document(conference, body, version.number)
    version.snapshot, version.content_hash = document.to_json(rebuilt), doc.content_hash(rebuilt)
    record("minutes.edited", conference, actor=actor, changes={"version": version.number})
    db.session.flush()
    return version


def circulate(actor: User, version: MinutesVersion) -> None:
    conference = db.session.get(Conference, version.conference_id)
    ensure(actor, "conference.run", conference)
    if version.status is not V.DRAFT:
        raise DomainError(_("Only a draft can be circulated for review."))
    version.status = V.REVIEW
    record("minutes.circulated", conference, actor=actor, changes={"version": version.number})
    _notify_signers(conference, version, "minutes_review")
    db.session.flush()


def add_comment(actor: User, version: MinutesVersion, text: str) -> Comment:
    conference = db.session.get(Conference, version.conference_id)
    ensure(actor, "conference.view", conference)
    if version.status is not V.REVIEW:
        raise DomainError(_("Comments are taken while the minutes are circulated for review."))
    if not text.strip():
        raise DomainError(_("Write your comment."), "text")
    comment = Comment(version=version, author=actor, text=text.strip())
    db.session.add(comment)
    record("minutes.commented", conference, actor=actor, changes={"version": version.number})
    db.session.flush()
    return comment


def signers(conference: Conference) -> list[dict]:
    """The attendees who sign: everyone recorded present or late with an account."""
    attendance = section(conference, "attendance")[0]
    return [row for row in attendance if row.get("user_id")
            and doc.AttendanceStatus(row.get("status") or "present") in SIGNING_STATUSES]


def open_signing(actor: User, version: MinutesVersion) -> None:
    conference = db.session.get(Conference, version.conference_id)
    ensure(actor, "conference.run", conference)
    if version.status not in (V.DRAFT, V.REVIEW):
        raise DomainError(_("Only a draft or a reviewed version can be opened for signing."))
    if not signers(conference):
        raise DomainError(_("Record the attendance first: nobody present could sign."))
    # Nobody has signed yet, so the number and what an amendment corrects can still
    # become part of what they sign.
    stored = document.from_json(version.snapshot)
    numbered = _with(stored, number=_minutes_number(conference),
                     **_correction(conference, version, stored))
    version.snapshot = document.to_json(numbered)
    version.content_hash = doc.content_hash(numbered)
    version.status = V.SIGNING
    if conference.state is S.MINUTES_DRAFTING:
        states.move(conference, "open_signing")
        record("conference.minutes_signing", conference, actor=actor,
               changes={"state": [S.MINUTES_DRAFTING.name, S.MINUTES_SIGNING.name]})
    record("minutes.signing_opened", conference, actor=actor,
           changes={"version": version.number})
    _notify_signers(conference, version, "minutes_to_sign")
    db.session.flush()


def _signer_row(actor: User, conference: Conference) -> dict:
    for row in signers(conference):
        if row["user_id"] == actor.id:
            return row
    raise NotAllowed(_("Only attendees of this conference sign its minutes."))


def _sign_checks(actor, version, seen_hash) -> tuple[Conference, dict]:
    conference = db.session.get(Conference, version.conference_id)
    row = _signer_row(actor, conference)
    if version.status is not V.SIGNING:
        raise DomainError(_("This version is not open for signing."))
    if seen_hash != version.content_hash:
        raise Conflict(_("The minutes changed after you opened them. Read the new version "
                         "before signing."))
    if any(s.user_id == actor.id for s in _active(version)):
        raise DomainError(_("You have already signed or refused this version."))
    return conference, row


def sign(actor: User, version: MinutesVersion, password: str, seen_hash: str,
         ip: str | None = None, user_agent: str | None = None) -> Signature:
    conference, row = _sign_checks(actor, version, seen_hash)
    try:
        confirmation.check_password(actor, password)
    except DomainError:
        record("minutes.signature_refused_password", conference, actor=actor)
        db.session.commit()  # the refusal is audited although the request is refused
        raise
    signature = Signature(version=version, user_id=actor.id, body=row["body"],
                          content_hash=version.content_hash, ip=ip,
                          user_agent=(user_agent or "")[:300], at=utcnow())
    db.session.add(signature)
    record("minutes.signed", conference, actor=actor,
           changes={"version": version.number, "hash": version.content_hash})
    db.session.flush()
    return signature


def refuse(actor: User, version: MinutesVersion, reason: str, seen_hash: str,
           ip: str | None = None, user_agent: str | None = None) -> Signature:
    conference, row = _sign_checks(actor, version, seen_hash)
    reason = confirmation.refusal_reason(reason)
    signature = Signature(version=version, user_id=actor.id, body=row["body"], refused=True,
                          reason=reason, content_hash=version.content_hash, ip=ip,
                          user_agent=(user_agent or "")[:300], at=utcnow())
    db.session.add(signature)
    record("minutes.signature_refused", conference, actor=actor, summary=reason,
           changes={"version": version.number})
    db.session.flush()
    return signature


def outstanding(version: MinutesVersion) -> list[dict]:
    conference = db.session.get(Conference, version.conference_id)
    done = {s.user_id for s in _active(version)}
    return [row for row in signers(conference) if row["user_id"] not in done]


def issue(actor: User, version: MinutesVersion) -> MinutesVersion:
    """Lock the version for ever; the sealed PDF carrying every signature is made by the
    ``minutes.seal`` job queued in the same transaction."""
    conference = db.session.get(Conference, version.conference_id)
    ensure(actor, "conference.run", conference)
    if version.status is not V.SIGNING:
        raise DomainError(_("Only a version open for signing can be issued."))
    missing = outstanding(version)
    if missing:
        raise DomainError(_("Still waiting for: %(names)s.",
                            names="、".join(r["name"] for r in missing)))
    version.issued_at = utcnow()
    version.status = V.ISSUED
    for older in versions(conference):
        if older.id != version.id and older.status is V.ISSUED:
            older.status = V.SUPERSEDED
    before = states.move(conference, "issue_minutes")
    record("minutes.issued", conference, actor=actor,
           changes={"version": version.number, "hash": version.content_hash,
                    "state": [before.name, S.SIGNED.name]})
    signals.minutes_issued.send(version, actor=actor, conference=conference)
    db.session.flush()
    queue.enqueue("minutes.seal", seal_key(version), {"version": version.id},
                  requested_by=actor)
    db.session.flush()
    return version


def seal_key(version: MinutesVersion) -> str:
    return f"minutes-seal:{version.id}"


def issued_document(version: MinutesVersion) -> doc.Minutes:
    """The issued version as its PDF prints it: signatures, date of issue and link."""
    conference = db.session.get(Conference, version.conference_id)
    names = {r["user_id"]: r["name"] for r in signers(conference)}
    signatures = tuple(
        doc.Signature(name=names.get(s.user_id, s.user.full_name), body=s.body,
                      signed_at=None if s.refused else s.at,
                      refusal_reason=s.reason or "")
        for s in _active(version))
    return _with(document.from_json(version.snapshot), signatures=signatures, issued=True,
                 issued_on=version.issued_at.astimezone(local_zone()).date(),
                 verify_url=verify_url_for(version.content_hash))


def _with(document_: doc.Minutes, **changes) -> doc.Minutes:
    import dataclasses

    return dataclasses.replace(document_, **changes)


def amend(actor: User, conference: Conference) -> MinutesVersion:
    """Start an amendment of the issued minutes: a new version that must be signed again."""
    ensure(actor, "conference.run", conference)
    latest = current_version(conference)
    if latest is None or latest.status is not V.ISSUED:
        raise DomainError(_("Only issued minutes can be amended."))
    body = document.from_json(latest.snapshot).body
    version = _new_version(actor, conference, body)
    record("minutes.amendment_started", conference, actor=actor,
           changes={"version": version.number})
    db.session.flush()
    return version


def draft_key(version: MinutesVersion) -> str:
    return f"minutes-draft:{version.id}:{version.content_hash}"


def draft_document(version: MinutesVersion) -> doc.Minutes:
    """The unsigned minutes, which print watermarked as a draft."""
    return document.from_json(version.snapshot)


def _notify_signers(conference: Conference, version: MinutesVersion, kind: str) -> None:
    from portal.notifications.services import notify

    for row in signers(conference):
        user = db.session.get(User, row["user_id"])
        if user is not None and user.active:
            notify(user, kind, f"/conferences/{conference.id}/minutes",
                   conference_title=conference.dispute.title,
                   reference=conference.dispute.reference, version=version.number,
                   when=conference.starts_at, room=conference.room.name
                   if conference.room else None)


# --- verification ------------------------------------------------------------------------

def find_by_hash(content_hash: str) -> MinutesVersion | None:
    return db.session.scalar(sa.select(MinutesVersion).where(
        MinutesVersion.content_hash == content_hash,
        MinutesVersion.status.in_((V.ISSUED, V.SUPERSEDED)),
        MinutesVersion.issued_at.is_not(None)))


def newer_issued(version: MinutesVersion) -> MinutesVersion | None:
    return db.session.scalar(sa.select(MinutesVersion).where(
        MinutesVersion.conference_id == version.conference_id,
        MinutesVersion.number > version.number, MinutesVersion.issued_at.is_not(None))
        .order_by(MinutesVersion.number.desc()).limit(1))

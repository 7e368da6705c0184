"""The conference room: inviting, answering, delegating, quorum, scheduling and the session.

Services take the acting user, check the shared policy and the state table, change the
conference, notify the people concerned, write the audit log and commit once. A refusal
raises DomainError (or NotAllowed) and changes nothing.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager

from portal import signals
from portal.audit.services import record
from portal.calendar import services as booking
from portal.conferences import states
from portal.conferences.models import (
    LABELS,
    Answer,
    AnswerChange,
    Brief,
    Conference,
    ConferenceState,
    Document,
    Invitation,
    InviteeGroup,
)
from portal.conferences.policy import ANSWERING_ROLES, may_answer
from portal.conferences.quorum import quorum_status
from portal.conferences.states import ANSWERABLE, OPEN_STATES
from portal.disputes.models import CategorySector, Dispute, Party, SubcategorySector
from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal.orgs.models import HEAD_KINDS, Organisation, OrgKind, Room, User, UserRole
from portal.permissions import ensure
from portal.timeutil import utcnow
from portal.uploads import UploadRefused, check_upload

S = ConferenceState




def _move(actor: User, conference: Conference, action: str, summary: str = "",
          **changes) -> None:
    before = states.move(conference, action)
    record(f"conference.{action}", conference, summary=summary, actor=actor,
           changes={"state": [before.name, conference.state.name], **changes})


# --- opening and editing the invitee list ------------------------------------------------

def _first_active(kind: OrgKind) -> Organisation | None:
    return db.session.scalar(
        sa.select(Organisation).where(Organisation.kind == kind, Organisation.active)
        .order_by(Organisation.id).limit(1))


def sectors_for(dispute: Dispute) -> list[OrgKind]:
    """The sector bodies the dispute's category calls for, with those its sub-category
    adds (a construction-site wage case: labour arbitration and housing & construction)."""
    kinds = set(db.session.scalars(
        sa.select(CategorySector.sector).where(CategorySector.category == dispute.category)))
    if dispute.subcategory is not None:
        kinds |= set(db.session.scalars(sa.select(SubcategorySector.sector).where(
            SubcategorySector.subcategory == dispute.subcategory)))
    return sorted(kinds, key=lambda k: k.name)


def suggested_invitations(dispute: Dispute) -> list[Invitation]:
    """The three heads' bodies and the category's sector bodies (required), then the
    village's grid worker, community police officer and resident lawyer."""
    invitations = []
    for kind in sorted(HEAD_KINDS, key=lambda k: k.name):
        org = _first_active(kind)
        if org:
            invitations.append(Invitation(group=InviteeGroup.HEAD, organisation=org,
                                          required=True))
    for kind in sectors_for(dispute):
        org = _first_active(kind)
        if org:
            invitations.append(Invitation(group=InviteeGroup.SECTOR, organisation=org,
                                          required=True))
    village = dispute.village
    for group, person in ((InviteeGroup.VILLAGE, village.grid_worker),
                          (InviteeGroup.VILLAGE, village.community_police),
                          (InviteeGroup.LAWYER, village.resident_lawyer)):
        if person is not None and person.active:
            invitations.append(Invitation(group=group, user=person, required=False))
    return invitations


def open_draft_conference(actor: User, dispute: Dispute) -> Conference:
    """The dispute's open conference, or a new draft one; committed by the caller."""
    existing = db.session.scalar(
        sa.select(Conference).where(Conference.dispute_id == dispute.id,
                                    Conference.state.in_(OPEN_STATES)))
    if existing is not None:
        return existing
    conference = Conference(dispute=dispute, created_by=actor, convener=actor,
                            state=S.DRAFT, invitations=suggested_invitations(dispute))
    db.session.add(conference)
    db.session.flush()
    record("conference.drafted", conference, summary=dispute.reference, actor=actor,
           changes={"invitations": len(conference.invitations)})
    return conference


def open_room_on_escalation(dispute: Dispute, actor: User, **facts) -> Conference | None:
    """A dispute raised to tier 3 is handled in a joint conference: its room opens as a
    draft with the suggested invitees; receives ``dispute_escalated``."""
    return open_draft_conference(actor, dispute) if dispute.tier == 3 else None


def _group_for(org: Organisation | None, user: User | None) -> InviteeGroup:
    kind = (org or user.organisation).kind
    if kind in HEAD_KINDS:
        return InviteeGroup.HEAD
    if kind.is_sector:
        return InviteeGroup.SECTOR
    if kind is OrgKind.LAWYER_OFFICE:
        return InviteeGroup.LAWYER
    if kind is OrgKind.VILLAGE_COMMITTEE:
        return InviteeGroup.VILLAGE
    return InviteeGroup.OBSERVER


def add_invitee(actor: User, conference: Conference, organisation: Organisation | None = None,
                user: User | None = None, required: bool = False) -> Invitation:
    ensure(actor, "conference.manage", conference)
    if conference.state not in (S.DRAFT, S.INVITING):
        raise DomainError(_("Invitees can only be added before the conference is scheduled."))
    if (organisation is None) == (user is None):
        raise DomainError(_("Choose either an organisation or a person."))
    target = organisation or user
    if not target.active:
        raise DomainError(_("This organisation or account is deactivated."))
    for existing in conference.invitations:
        if (organisation and existing.organisation_id == organisation.id
                and existing.user_id is None) or (user and existing.user_id == user.id):
            raise DomainError(_("%(name)s is already invited.", name=str(target)))
    invitation = Invitation(conference=conference, organisation=organisation, user=user,
                            required=required, group=_group_for(organisation, user))
    db.session.add(invitation)
    db.session.flush()
    record("invitation.added", conference, actor=actor, summary=invitation.invitee_name,
           changes={"required": required})
    if conference.state is S.INVITING:
        _announce(conference, [invitation])
    db.session.flush()
    return invitation


def remove_invitee(actor: User, invitation: Invitation) -> None:
    conference = invitation.conference
    ensure(actor, "conference.manage", conference)
    if conference.state is not S.DRAFT:
        raise DomainError(_("Once invitations are sent, an invitee can decline but cannot "
                            "be removed."))
    record("invitation.removed", conference, actor=actor, summary=invitation.invitee_name)
    db.session.delete(invitation)
    db.session.flush()


def set_required(actor: User, invitation: Invitation, required: bool) -> None:
    conference = invitation.conference
    ensure(actor, "conference.manage", conference)
    if conference.state not in (S.DRAFT, S.INVITING):
        raise DomainError(_("This cannot be done while the conference is “%(state)s”.",
                            state=conference.state.label))
    if invitation.required != required:
        invitation.required = required
        record("invitation.required_changed", conference, actor=actor,
               summary=invitation.invitee_name, changes={"required": required})
    db.session.flush()


# --- sending, answering, delegating -----------------------------------------------------

def recipients(invitation: Invitation) -> list[User]:
    """The people who receive an invitation: the named person, or the body's answerers."""
    if invitation.user is not None:
        return [invitation.user] if invitation.user.active else []
    return list(db.session.scalars(
        sa.select(User).where(
            User.organisation_id == invitation.organisation_id, User.active,
            User.role_rows.any(UserRole.role.in_(ANSWERING_ROLES)))
        .order_by(User.id)))


# Links are built by hand rather than with url_for because notifications are also
# written by the scheduler and the command line, where there is no request to build from.
def _room_link(conference: Conference) -> str:
    return f"/conferences/{conference.id}"


def _answer_link(invitation: Invitation) -> str:
    return f"/conferences/invitations/{invitation.id}"


def _context(conference: Conference) -> dict:
    """The essentials every message about a conference states in its own text."""
    # Datetimes and lazy labels stay raw, so each recipient reads them in their own
    # language and time zone.
    return {
        "conference_title": conference.dispute.title,
        "reference": conference.dispute.reference,
        "when": conference.starts_at,
        "room": conference.room.name if conference.room else None,
        "deadline": conference.response_deadline,
        "convener": conference.convener.full_name if conference.convener else "",
    }


def _notify(users, kind: str, link: str, **context) -> None:
    from portal.notifications.services import notify

    seen = set()
    for user in users:
        if user is not None and user.id not in seen:
            seen.add(user.id)
            notify(user, kind, link, **context)


def _announce(conference: Conference, invitations: list[Invitation]) -> None:
    for invitation in invitations:
        link = _answer_link(invitation)
        _notify(recipients(invitation), "invitation_received", link,
                message=conference.message, required=invitation.required,
                **_context(conference))


def send_invitations(actor: User, conference: Conference, secretary: User,
                     deadline: datetime, message: str = "") -> None:
    ensure(actor, "conference.manage", conference)
    states.check(conference, "send")
    if not conference.invitations:
        raise DomainError(_("Invite at least one body or person."))
    if deadline <= utcnow():
        raise DomainError(_("The response deadline must be in the future."), "deadline")
    if not secretary.active:
        raise DomainError(_("This account is deactivated."), "secretary_id")
    conference.secretary = secretary
    conference.response_deadline = deadline
    conference.message = message.strip()
    conference.invited_at = utcnow()
    _move(actor, conference, "send", f"{len(conference.invitations)} invitations",
          secretary=secretary.username)
    _announce(conference, conference.invitations)
    db.session.flush()


def answers_open(conference: Conference, now: datetime | None = None) -> bool:
    """Answers can be given and changed while the conference invites or is scheduled, until
    its meeting starts."""
    now = now or utcnow()
    started = conference.starts_at is not None and now >= conference.starts_at
    return conference.state in ANSWERABLE and not started


def _answer_window(invitation: Invitation, now: datetime) -> None:
    conference = invitation.conference
    if not answers_open(conference, now):
        raise DomainError(_("Answers can no longer be given or changed: the meeting has "
                            "started or the conference is “%(state)s”.",
                            state=conference.state.label))
    if invitation.answer is Answer.DELEGATED:
        raise DomainError(_("This invitation was delegated; the delegate answers it now."))


def _set_answer(actor: User, invitation: Invitation, answer: Answer, note: str) -> None:
    before = invitation.answer
    quorum_before = quorum_status(invitation.conference).met
    invitation.answer = answer
    invitation.answer_note = note or None
    invitation.answered_at = utcnow()
    invitation.answered_by = actor
    invitation.history.append(AnswerChange(answer=answer, note=note, by_id=actor.id,
                                           at=invitation.answered_at))
    conference = invitation.conference
    record("invitation.answered", conference, actor=actor, summary=invitation.invitee_name,
           changes={"answer": [before.name, answer.name], "note": note})
    link = _room_link(conference)
    _notify([conference.convener, conference.secretary], "answer_changed", link,
            who=actor.full_name, body=invitation.invitee_name, answer=LABELS[answer],
            reason=note, **_context(conference))
    if not quorum_before and quorum_status(conference).met:
        _notify([conference.convener], "quorum_reached", link, **_context(conference))


def answer(actor: User, invitation: Invitation, answer: Answer, note: str = "",
           now: datetime | None = None) -> None:
    if not may_answer(actor, invitation):
        raise NotAllowed(_("This invitation is not addressed to you."))
    if answer not in (Answer.ACCEPTED, Answer.TENTATIVE, Answer.DECLINED):
        raise DomainError(_("Choose accept, tentative or decline."), "answer")
    _answer_window(invitation, now or utcnow())
    note = note.strip()
    if answer is Answer.DECLINED and not note:
        raise DomainError(_("Give the reason for declining."), "note")
    _set_answer(actor, invitation, answer, note)
    db.session.flush()


def delegate(actor: User, invitation: Invitation, to: User, note: str = "",
             now: datetime | None = None) -> Invitation:
    """Hand the invitation to a named colleague of the same body, who then represents it."""
    if not may_answer(actor, invitation):
        raise NotAllowed(_("This invitation is not addressed to you."))
    _answer_window(invitation, now or utcnow())
    body = invitation.body
    if to.id == actor.id:
        raise DomainError(_("You cannot delegate to yourself."), "delegate_id")
    if body is None or to.organisation_id != body.id:
        raise DomainError(_("Delegate only to a colleague of %(body)s.",
                            body=body.name if body else ""), "delegate_id")
    if not to.active:
        raise DomainError(_("This account is deactivated."), "delegate_id")
    conference = invitation.conference
    delegated = Invitation(conference=conference, group=invitation.group, user=to,
                           required=invitation.required, delegated_from=invitation)
    db.session.add(delegated)
    invitation.delegate = to
    _set_answer(actor, invitation, Answer.DELEGATED, note.strip())
    db.session.flush()
    _notify([to], "delegated", _answer_link(delegated),
            who=actor.full_name, body=body.name, note=note.strip(), **_context(conference))
    db.session.flush()
    return delegated


# --- schedule and session ----------------------------------------------------------------

def _room_taken(conference: Conference, room: Room, starts: datetime, ends: datetime) -> bool:
    clash = sa.select(Conference.id).where(
        Conference.id != conference.id, Conference.room_id == room.id,
        Conference.state.in_(OPEN_STATES - {S.DRAFT, S.INVITING}),
        # A session that has ended holds its room only until it ended.
        Conference.starts_at < ends,
        sa.func.coalesce(Conference.ended_at, Conference.ends_at) > starts)
    return db.session.scalar(clash.limit(1)) is not None


def schedule(actor: User, conference: Conference, starts: datetime, ends: datetime,
             room: Room, override_reason: str = "") -> None:
    """Confirm time and room; without quorum only with the convener's written reason."""
    from portal.calendar import events as calendar  # iCalendar, for the invitations sent

    ensure(actor, "conference.manage", conference)
    states.check(conference, "schedule")
    if ends <= starts:
        raise DomainError(_("The end must be after the start."), "ends_at")
    if starts <= utcnow():
        raise DomainError(_("The meeting must start in the future."), "starts_at")
    if not room.active:
        raise DomainError(_("This room is not in use."), "room_id")
    if _room_taken(conference, room, starts, ends):
        raise DomainError(_("%(room)s is booked by another conference at that time.",
                            room=room.name), "room_id")
    quorum = quorum_status(conference)
    override_reason = override_reason.strip()
    if not quorum.met and not override_reason:
        raise DomainError(_("No quorum yet (missing: %(missing)s). Give a written reason to "
                            "schedule anyway.", missing="、".join(quorum.missing)),
                          "override_reason")
    rescheduling = conference.state is S.SCHEDULED
    if not quorum.met:
        conference.quorum_override = override_reason
        conference.quorum_override_by = actor
        conference.quorum_override_at = utcnow()
        record("conference.quorum_overridden", conference, actor=actor,
               summary=override_reason, changes={"missing": quorum.missing})
    moved = (conference.starts_at, conference.ends_at, conference.room_id) != (
        starts, ends, room.id)
    conference.starts_at, conference.ends_at, conference.room = starts, ends, room
    calendar.revise(conference, changed=rescheduling and moved)
    booking.hold_room(conference)
    booking.poll_of(conference).closed_at = conference.updated_at
    _move(actor, conference, "schedule", "rescheduled" if rescheduling else "",
          starts_at=starts.isoformat(), room=room.name)
    calendar.deliver(conference, "conference_confirmed", _room_link(conference),
                     rescheduled=rescheduling, **_context(conference))
    signals.conference_scheduled.send(conference, actor=actor, rescheduled=rescheduling)
    db.session.flush()


# A session opened from half an hour before its confirmed start until its planned end is
# held at that time; opened any earlier or later, it is held at another time than the one
# calendars show, and the meeting moves to when it really takes place.
EARLY_START = timedelta(minutes=30)


def start_shift(conference: Conference, now: datetime | None = None
                ) -> tuple[datetime, datetime] | None:
    """The time the meeting moves to if its session opens ``now``, or None when it opens
    at its confirmed time."""
    now = now or utcnow()
    starts, ends = conference.starts_at, conference.ends_at
    if starts is None or ends is None or starts - EARLY_START <= now <= ends:
        return None
    return now, now + (ends - starts)


def start(actor: User, conference: Conference, confirm_move: bool = False,
          now: datetime | None = None) -> None:
    """Open the session (``now``, by default the present moment); away from its confirmed
    time only when the actor confirms that the meeting moves to then, which every calendar
    then shows (a new SEQUENCE)."""
    from portal.calendar import events as calendar  # iCalendar, for the invitations sent

    ensure(actor, "conference.run", conference)
    states.check(conference, "start")
    now = now or utcnow()
    moved = start_shift(conference, now)
    changes = {}
    if moved is not None:
        if not confirm_move:
            raise DomainError(_("The meeting is confirmed for %(when)s. Opening the session "
                                "now moves it to %(new)s; confirm to open it now.",
                                when=format_datetime(conference.starts_at, "short"),
                                new=format_datetime(moved[0], "short")), "confirm_move")
        room = conference.room
        if room is not None and _room_taken(conference, room, *moved):
            raise DomainError(_("%(room)s is booked by another conference at that time.",
                                room=room.name), "confirm_move")
        changes = {"moved_from": conference.starts_at.isoformat(),
                   "starts_at": moved[0].isoformat()}
        conference.starts_at, conference.ends_at = moved
        calendar.revise(conference, changed=True)
        if room is not None:
            booking.hold_room(conference)
    conference.started_at = now
    _move(actor, conference, "start", "moved" if moved else "", **changes)
    signals.conference_started.send(conference, actor=actor)
    if moved is not None:
        calendar.deliver(conference, "conference_confirmed", _room_link(conference),
                         rescheduled=True, **_context(conference))
    db.session.flush()


def end_session(actor: User, conference: Conference) -> None:
    ensure(actor, "conference.run", conference)
    states.check(conference, "end")
    conference.ended_at = utcnow()
    booking.free_room_from(conference, conference.ended_at)
    _move(actor, conference, "end")
    db.session.flush()


def cancel(actor: User, conference: Conference, reason: str) -> None:
    from portal.calendar import events as calendar  # iCalendar, for the invitations sent

    ensure(actor, "conference.manage", conference)
    states.check(conference, "cancel")
    if not reason.strip():
        raise DomainError(_("Give the reason for cancelling."), "reason")
    was_announced = conference.state is not S.DRAFT
    conference.cancel_reason = reason.strip()
    conference.cancelled_at = utcnow()
    _move(actor, conference, "cancel", reason.strip())
    calendar.revise(conference, changed=True)
    booking.release_room(conference)
    if was_announced:
        calendar.deliver(conference, "conference_cancelled", _room_link(conference),
                         reason=reason.strip(), **_context(conference))
    signals.conference_cancelled.send(conference, actor=actor)
    db.session.flush()


# --- briefs and documents ----------------------------------------------------------------

def _answerable_body(actor: User, conference: Conference) -> Organisation:
    for invitation in conference.invitations:
        if may_answer(actor, invitation) and invitation.body is not None:
            return invitation.body
    raise NotAllowed(_("Only invited bodies file briefs."))


def submit_brief(actor: User, conference: Conference, known: str, done: str,
                 withheld: str) -> Brief:
    """File or update the actor's body's brief before the meeting."""
    if conference.state not in ANSWERABLE:
        raise DomainError(_("Briefs are filed before the meeting."))
    body = _answerable_body(actor, conference)
    if not (known.strip() or done.strip()):
        raise DomainError(_("Say what your body knows or has done."), "known")
    brief = db.session.scalar(sa.select(Brief).filter_by(conference_id=conference.id,
                                                         organisation_id=body.id))
    action = "brief.updated" if brief else "brief.submitted"
    if brief is None:
        brief = Brief(conference_id=conference.id, organisation=body)
        db.session.add(brief)
    brief.author = actor
    brief.known, brief.done, brief.withheld = known.strip(), done.strip(), withheld.strip()
    db.session.flush()
    record(action, conference, actor=actor, summary=body.name)
    db.session.flush()
    return brief


def upload_document(actor: User, conference: Conference, filename: str, data: bytes) -> Document:
    ensure(actor, "conference.contribute", conference)
    if conference.state in (S.SIGNED, S.CANCELLED):
        raise DomainError(_("This cannot be done while the conference is “%(state)s”.",
                            state=conference.state.label))
    limit = current_app.config["PORTAL_DOCUMENT_MAX_MB"] * 1024 * 1024
    if len(data) > limit:
        raise DomainError(_("The file is larger than %(mb)d MB.",
                            mb=current_app.config["PORTAL_DOCUMENT_MAX_MB"]), "file")
    try:
        checked = check_upload(data, filename)
    except UploadRefused as refused:
        raise DomainError(refused.message, "file") from None
    content_type, extension = checked.content_type, checked.extension
    stem = (filename or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0][:150]
    document = Document(conference_id=conference.id, uploader=actor,
                        filename=f"{stem or 'document'}.{extension}", content_type=content_type,
                        size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data)
    db.session.add(document)
    db.session.flush()
    record("document.uploaded", conference, actor=actor, summary=document.filename,
           changes={"document": document.id, "sha256": document.sha256})
    db.session.flush()
    return document


def withdraw_document(actor: User, document: Document, reason: str = "") -> None:
    """Take a document out of the room and the case file; the row and the audit stay."""
    ensure(actor, "document.withdraw", document)
    if document.withdrawn_at is not None:
        raise DomainError(_("This document was already withdrawn."))
    document.withdrawn_at = utcnow()
    document.withdrawn_by_id = actor.id
    record("document.withdrawn", db.session.get(Conference, document.conference_id),
           actor=actor, summary=(f"{document.filename}: {reason.strip()}" if reason.strip()
                                 else document.filename)[:500],
           changes={"document": document.id, "sha256": document.sha256})
    db.session.flush()


def record_download(actor: User, document: Document, conference: Conference) -> None:
    ensure(actor, "conference.view", conference)
    record("document.downloaded", conference, actor=actor, summary=document.filename,
           changes={"document": document.id})
    db.session.flush()


# --- history ----------------------------------------------------------------------------

def earlier_conferences(conference: Conference, now: datetime | None = None):
    """Conferences of the last 12 months on the same dispute or with the same parties."""
    since = (now or utcnow()) - timedelta(days=365)
    parties = conference.dispute.parties
    ids = [p.id_number for p in parties if p.id_number]
    names = [p.name for p in parties]
    same_parties = sa.select(Party.dispute_id).where(
        sa.or_(Party.id_number.in_(ids), Party.name.in_(names)))
    # Each with its dispute in the same statement: the room names every one's dispute,
    # and loading them one by one grew the page's statements with the register.
    return db.session.scalars(
        sa.select(Conference).join(Dispute).options(contains_eager(Conference.dispute)).where(
            Conference.id != conference.id, Conference.created_at >= since,
            sa.or_(Conference.dispute_id == conference.dispute_id,
                   Conference.dispute_id.in_(same_parties)))
        .order_by(Conference.created_at.desc()).limit(20)).all()

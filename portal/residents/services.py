"""Resident requests (群众诉求): from the doorplate to first contact, then a dispute on the
register or a closure saying what was done.

Each function checks the shared policy, changes the request, writes the audit log and
commits once; a refusal raises DomainError and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from portal.audit.services import record
from portal.disputes import services as disputes
from portal.disputes.models import Dispute, PartyRole, Source
from portal.errors import DomainError
from portal.extensions import db
from portal.notifications.services import notify
from portal.orgs.models import User, Village
from portal.permissions import ensure
from portal.residents import codes, sms
from portal.residents.models import (
    OPEN_STATES,
    CaseCode,
    Channel,
    Closure,
    Doorplate,
    RequestPhoto,
    RequestStatus,
    ResidentRequest,
    StandardAddress,
    Topic,
)
from portal.residents.policy import queue_scope
from portal.timeutil import utcnow
from portal.uploads import UploadRefused, check_upload
from portal.validators import is_phone

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
MAX_PHOTOS = 3
DESCRIPTION_MIN, DESCRIPTION_MAX = 5, 2000
SOURCES = {Channel.DOORPLATE: Source.DOORPLATE_QR, Channel.GRID_WORKER: Source.GRID_REPORT,
           Channel.POLICE_CALL: Source.POLICE_CALL}


@dataclass
class RequestInput:
    topic: Topic
    description: str
    contact_name: str
    contact_phone: str
    occurred_on: date | None = None
    photos: list[bytes] = field(default_factory=list)


def validate(data: RequestInput, today: date) -> dict[str, str]:
    """Every problem, by field, so the page can show each beside its field."""
    problems = {}
    description = data.description.strip()
    if len(description) < DESCRIPTION_MIN:
        problems["description"] = _("Tell us in a few words what happened.")
    elif len(description) > DESCRIPTION_MAX:
        problems["description"] = _("Use at most %(max)d characters.", max=DESCRIPTION_MAX)
    name = data.contact_name.strip()
    if not name:
        problems["contact_name"] = _("Give your name so that we can call you.")
    elif len(name) > 60:
        problems["contact_name"] = _("Use at most %(max)d characters.", max=60)
    if not is_phone(data.contact_phone.strip()):
        problems["contact_phone"] = _("Enter an 11-digit mobile number (e.g. 13812345678) or "
                                      "a landline with area code (e.g. 0356-1234567).")
    if data.occurred_on and data.occurred_on > today:
        problems["occurred_on"] = _("The date it happened cannot be in the future.")
    limit = current_app.config["PORTAL_RESIDENT_PHOTO_MAX_MB"]
    if len(data.photos) > MAX_PHOTOS:
        problems["photos"] = _("Attach at most %(n)d photos.", n=MAX_PHOTOS)
    for photo in data.photos:
        if len(photo) > limit * 1024 * 1024:
            problems["photos"] = _("Each photo may be at most %(mb)d MB.", mb=limit)
        elif _photo_type(photo) not in IMAGE_TYPES:
            problems["photos"] = _("Only photos (JPEG, PNG, GIF or WebP) can be attached.")
    return problems


def _photo_type(photo: bytes) -> str | None:
    """The photo's type once it has been decoded in full; None for anything else."""
    try:
        return check_upload(photo).content_type
    except UploadRefused:
        return None


def _too_many_from(address: StandardAddress, now: datetime) -> bool:
    limit = current_app.config["PORTAL_RESIDENT_REQUESTS_PER_ADDRESS_DAY"]
    recent = db.session.scalar(sa.select(sa.func.count(ResidentRequest.id)).where(
        ResidentRequest.address_id == address.id,
        ResidentRequest.received_at > now - timedelta(days=1)))
    return recent >= limit


def _responsible(village: Village) -> list[User]:
    people = [village.grid_worker, village.community_police]
    return [p for p in dict.fromkeys(people) if p is not None and p.active]


def _receive(village: Village, channel: Channel, data: RequestInput,
             address: StandardAddress | None, plate: Doorplate | None,
             actor: User | None, now: datetime) -> ResidentRequest:
    problems = validate(data, disputes.local_today())
    if problems:
        field_name, message = next(iter(problems.items()))
        error = DomainError(message, field_name)
        error.problems = problems
        raise error
    hours = current_app.config["PORTAL_FIRST_CONTACT_HOURS"]
    request = ResidentRequest(
        village=village, address=address, doorplate_id=plate.id if plate else None,
        channel=channel, topic=data.topic, description=data.description.strip(),
        occurred_on=data.occurred_on, contact_name=data.contact_name.strip(),
        contact_phone=data.contact_phone.strip(), status=RequestStatus.NEW, received_at=now,
        first_contact_due_at=now + timedelta(hours=hours),
        photos=[RequestPhoto(content_type=_photo_type(p), size=len(p), data=p)
                for p in data.photos])
    request.case_code = CaseCode(code=codes.new_code(), created_at=now)
    db.session.add(request)
    db.session.flush()
    record("resident_request.received", request, summary=data.topic.name,
           changes={"channel": channel.name, "village": village.name}, actor=actor,
           actor_name=None if actor else "resident")
    link = f"/residents/requests/{request.id}"
    for person in _responsible(village):
        notify(person, "resident_request", link, village=village.name,
               address=address.label if address else village.name, topic=data.topic.label,
               due=request.first_contact_due_at, code=request.case_code.display)
    sms.queue(request.contact_phone, _(
        "Your report was received. Case code %(code)s; follow it at %(url)s and we will call "
        "you within %(hours)d hours.", code=request.case_code.display,
        url=request.case_code.url, hours=hours))
    db.session.flush()
    return request


def submit_from_doorplate(plate: Doorplate, data: RequestInput,
                          now: datetime | None = None) -> ResidentRequest:
    """A resident's report through the doorplate's page (no account)."""
    now = now or utcnow()
    address = plate.address
    if _too_many_from(address, now):
        raise DomainError(_("Many reports came from this address today. Please call your "
                            "community police officer or grid worker instead."))
    return _receive(address.village, Channel.DOORPLATE, data, address, plate, None, now)


def record_request(actor: User, village: Village, channel: Channel, data: RequestInput,
                   address: StandardAddress | None = None,
                   now: datetime | None = None) -> ResidentRequest:
    """A request that reached a grid worker or came in as a police call."""
    ensure(actor, "resident_request.list")
    return _receive(village, channel, data, address, None, actor, now or utcnow())


# --- staff handling -----------------------------------------------------------------------

def queue(actor: User, status: RequestStatus | None = None) -> sa.Select:
    query = sa.select(ResidentRequest).where(queue_scope(actor))
    if status is not None:
        query = query.where(ResidentRequest.status == status)
    return query.order_by(ResidentRequest.status.in_(OPEN_STATES).desc(),
                          ResidentRequest.first_contact_due_at)


def _ensure_open(actor: User, request: ResidentRequest) -> None:
    """The actor may work on the request, and it is still open."""
    ensure(actor, "resident_request.work", request)
    if request.status not in OPEN_STATES:
        raise DomainError(_("This cannot be done while the request is “%(status)s”.",
                            status=request.status.label))


def _log(actor: User, request: ResidentRequest, action: str, before: RequestStatus,
         note: str = "", **changes) -> None:
    if before is not request.status:
        changes["status"] = [before.name, request.status.name]
    record(f"resident_request.{action}", request, summary=note[:500], changes=changes,
           actor=actor)
    db.session.flush()


def take_over(actor: User, request: ResidentRequest) -> None:
    _ensure_open(actor, request)
    old = request.handler
    request.handler = actor
    _log(actor, request, "taken_over", request.status,
         handler=[old.username if old else None, actor.username])


def reveal_contact(actor: User, request: ResidentRequest) -> None:
    """The contact's full phone is shown only after this audited call, as a party's is."""
    ensure(actor, "resident_request.personal_data", request)
    record("resident_request.personal_data_viewed", request, actor=actor,
           summary=request.contact_name, changes={"where": "request"})
    db.session.flush()


def record_contact(actor: User, request: ResidentRequest, note: str,
                   now: datetime | None = None) -> None:
    _ensure_open(actor, request)
    if not note.strip():
        raise DomainError(_("Say how you contacted the resident and what was said."), "note")
    before = request.status
    request.handler = request.handler or actor
    request.status = RequestStatus.CONTACTED
    request.contacted_at = request.contacted_at or now or utcnow()
    request.contact_note = note.strip()
    _log(actor, request, "contacted", before, note.strip())


def close(actor: User, request: ResidentRequest, closure: Closure, note: str,
          now: datetime | None = None) -> None:
    _ensure_open(actor, request)
    if not note.strip():
        raise DomainError(_("Say what was done."), "note")
    before = request.status
    now = now or utcnow()
    request.handler = request.handler or actor
    request.contacted_at = request.contacted_at or now
    request.status, request.closure = RequestStatus.CLOSED, closure
    request.closure_note, request.closed_at = note.strip(), now
    _log(actor, request, "closed", before, note.strip(), closure=closure.name)


def mark_spam(actor: User, request: ResidentRequest, note: str = "") -> None:
    _ensure_open(actor, request)
    before = request.status
    request.status, request.closed_at = RequestStatus.SPAM, utcnow()
    request.closure_note = note.strip()
    _log(actor, request, "spam", before, note.strip())


@dataclass
class DisputeDraft:
    title: str
    description: str
    applicant_name: str
    applicant_phone: str
    respondent_name: str = ""
    tier: int = 1


def draft_for(request: ResidentRequest) -> DisputeDraft:
    place = request.address.label if request.address else request.village.name
    return DisputeDraft(title=f"{place} {request.topic.label}"[:120],
                        description=request.description, applicant_name=request.contact_name,
                        applicant_phone=request.contact_phone)


def register_dispute(actor: User, request: ResidentRequest, draft: DisputeDraft) -> Dispute:
    """Put the request on the dispute register: the dispute keeps its address and its case
    code, and the request links to it; both are written together or not at all."""
    _ensure_open(actor, request)
    address = request.address.label if request.address else None
    parties = [disputes.PartyInput(draft.applicant_name.strip(), PartyRole.APPLICANT, None,
                                   draft.applicant_phone.strip() or None, address)]
    if draft.respondent_name.strip():
        parties.append(disputes.PartyInput(draft.respondent_name.strip(),
                                           PartyRole.RESPONDENT))
    data = disputes.DisputeInput(
        title=draft.title, category=request.topic.category, village_id=request.village_id,
        source=SOURCES[request.channel], description=draft.description or request.description,
        tier=draft.tier, occurred_on=request.occurred_on, parties=parties)
    if draft.applicant_phone.strip() and not is_phone(draft.applicant_phone.strip()):
        raise DomainError(_("Enter an 11-digit mobile number (e.g. 13812345678) or a "
                            "landline with area code (e.g. 0356-1234567)."), "applicant_phone")
    before = request.status
    now = utcnow()
    request.handler = request.handler or actor
    request.contacted_at = request.contacted_at or now
    request.status = RequestStatus.REGISTERED
    request.closed_at = now
    record("resident_request.registered", request, actor=actor,
           changes={"status": [before.name, request.status.name]})
    db.session.info[codes.PENDING_REQUEST] = request
    try:
        return disputes.create_dispute(actor, data)  # commits the request's changes too
    except Exception:
        db.session.info.pop(codes.PENDING_REQUEST, None)
        db.session.rollback()
        raise

"""The dispute register and its closed loop: 排查 screen → 上报 report → 处置 handle
→ 反馈 feedback.

Every function takes the acting user, checks the shared policy, changes the dispute,
writes its timeline and the audit log, and commits once; a refusal raises DomainError
and leaves the database untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from portal import signals
from portal.audit.services import record
from portal.disputes import references, timeline
from portal.disputes.models import (
    Category,
    CategorySector,
    Dispute,
    EventKind,
    Party,
    PartyRole,
    Referral,
    Risk,
    Source,
    Status,
    Subcategory,
    SubcategorySector,
)
from portal.errors import DomainError
from portal.extensions import db
from portal.orgs.models import OrgKind, Role, User, UserRole, Village
from portal.permissions import can, ensure
from portal.timeutil import local_zone, utcnow

# Days a tier has, by default, before a dispute counts as overdue.
DEFAULT_DAYS = {1: 7, 2: 15, 3: 30}

# action -> statuses it may start from; the target status is decided by the action.
TRANSITIONS: dict[str, frozenset[Status]] = {
    "assign": frozenset(Status) - {Status.CLOSED},
    "handle": frozenset({Status.REPORTED, Status.HANDLING}),
    "escalate": frozenset({Status.REPORTED, Status.HANDLING}),
    "enter_conference": frozenset({Status.ESCALATED}),
    "resolve": frozenset({Status.HANDLING, Status.ESCALATED, Status.IN_CONFERENCE}),
    "refer": frozenset({Status.HANDLING, Status.ESCALATED, Status.IN_CONFERENCE}),
    "feedback": frozenset({Status.RESOLVED, Status.REFERRED}),
    "close": frozenset({Status.RESOLVED, Status.REFERRED}),
    "reopen": frozenset({Status.RESOLVED, Status.REFERRED, Status.CLOSED}),
}


@dataclass
class PartyInput:
    name: str
    role: PartyRole
    id_number: str | None = None
    phone: str | None = None
    address: str | None = None


@dataclass
class DisputeInput:
    title: str
    category: Category
    village_id: int
    source: Source
    description: str
    risk: Risk = Risk.LOW
    tier: int = 1
    claims: str = ""
    amount: Decimal | None = None
    occurred_on: date | None = None
    due_on: date | None = None
    external_ref: str | None = None
    parties: list[PartyInput] = field(default_factory=list)
    form_token: str | None = None
    subcategory: Subcategory | None = None


def local_today() -> date:
    return utcnow().astimezone(local_zone()).date()


def _check_state(dispute: Dispute, action: str) -> None:
    if dispute.status not in TRANSITIONS[action]:
        raise DomainError(_("This cannot be done while the dispute is “%(status)s”.",
                            status=dispute.status.label))


def _log(actor: User, dispute: Dispute, kind: EventKind, note: str = "",
         before: Status | None = None, changes: dict | None = None, **data) -> None:
    timeline.add(dispute, kind, actor, note, before=before, after=dispute.status, **data)
    if before is not None and before is not dispute.status:
        changes = {"status": [before.name, dispute.status.name], **(changes or {})}
    record(f"dispute.{kind.value}", dispute, summary=note[:500], changes=changes, actor=actor)


def _deadline_moved(actor: User, dispute: Dispute, old: date | None, reason: str) -> None:
    """Every change of the handling deadline shows on the timeline: from, to and why."""
    if dispute.due_on == old:
        return
    timeline.add(dispute, EventKind.DEADLINE_CHANGED, actor, reason=reason,
                 **{"from": old.isoformat() if old else None,
                    "to": dispute.due_on.isoformat() if dispute.due_on else None})


def _validate(data: DisputeInput, today: date) -> None:
    if not data.title.strip():
        raise DomainError(_("Give the dispute a title."), "title")
    if data.subcategory is not None and data.subcategory.category is not data.category:
        raise DomainError(_("This sub-category belongs to “%(category)s”.",
                            category=data.subcategory.category.label), "subcategory")
    if data.tier not in DEFAULT_DAYS:
        raise DomainError(_("The tier must be 1, 2 or 3."), "tier")
    if db.session.get(Village, data.village_id) is None:
        raise DomainError(_("Unknown village or community."), "village_id")
    if data.amount is not None and data.amount < 0:
        raise DomainError(_("The amount cannot be negative."), "amount")
    if data.occurred_on and data.occurred_on > today:
        raise DomainError(_("The date it happened cannot be in the future."), "occurred_on")
    if data.due_on and data.due_on < today:
        raise DomainError(_("The deadline cannot be in the past."), "due_on")
    if not data.parties:
        raise DomainError(_("Name at least one party."), "parties")


def _external_ref_taken(ref: str | None, exclude_id: int | None) -> bool:
    if not ref:
        return False
    query = db.select(Dispute.id).where(Dispute.external_ref == ref)
    if exclude_id:
        query = query.where(Dispute.id != exclude_id)
    return db.session.scalar(query) is not None


def create_dispute(actor: User, data: DisputeInput) -> Dispute:
    """Register a dispute; a form sent again with the same token returns the first one."""
    ensure(actor, "dispute.create")
    if data.form_token:
        earlier = db.session.scalar(sa.select(Dispute).where(
            Dispute.form_token == data.form_token, Dispute.reporter_id == actor.id))
        if earlier is not None:
            return earlier
    today = local_today()
    _validate(data, today)
    if _external_ref_taken(data.external_ref, None):
        raise DomainError(_("A dispute with this city-platform number is already registered."),
                          "external_ref")
    now = utcnow()
    year = now.astimezone(local_zone()).year
    serial, reference = references.issue(year)
    dispute = Dispute(
        reference=reference, year=year, serial=serial, title=data.title.strip(),
        category=data.category, subcategory=data.subcategory, tier=data.tier,
        status=Status.REPORTED,
        village_id=data.village_id, source=data.source, risk=data.risk,
        description=data.description.strip(), claims=data.claims.strip(), amount=data.amount,
        occurred_on=data.occurred_on,
        due_on=data.due_on or today + timedelta(days=DEFAULT_DAYS[data.tier]),
        reporter_id=actor.id, external_ref=data.external_ref or None, reported_at=now,
        form_token=data.form_token,
        parties=[Party(**vars(p)) for p in data.parties],
    )
    db.session.add(dispute)
    db.session.flush()
    _log(actor, dispute, EventKind.REPORTED, data.title, changes={"reference": reference})
    db.session.flush()
    return dispute


EDITABLE = ["title", "category", "subcategory", "village_id", "source", "risk", "description",
            "claims", "amount", "occurred_on", "due_on", "external_ref"]


def update_dispute(actor: User, dispute: Dispute, data: DisputeInput) -> Dispute:
    ensure(actor, "dispute.edit", dispute)
    today = local_today()
    if data.due_on == dispute.due_on:
        today = min(today, dispute.due_on or today)  # an old deadline may stay as it was
    _validate(data, today)
    if _external_ref_taken(data.external_ref, dispute.id):
        raise DomainError(_("A dispute with this city-platform number is already registered."),
                          "external_ref")
    changes = {}
    for name in EDITABLE:
        new = getattr(data, name)
        if isinstance(new, str):
            new = new.strip() or (None if name == "external_ref" else "")
        old = getattr(dispute, name)
        if old != new:
            changes[name] = [str(old) if old is not None else None,
                             str(new) if new is not None else None]
            setattr(dispute, name, new)
    old_parties = [(p.name, p.role, p.id_number, p.phone, p.address) for p in dispute.parties]
    new_parties = [(p.name, p.role, p.id_number, p.phone, p.address) for p in data.parties]
    if old_parties != new_parties:
        dispute.parties = [Party(**vars(p)) for p in data.parties]
        changes["parties"] = [len(old_parties), len(new_parties)]
    if changes:
        _log(actor, dispute, EventKind.EDITED, changes=changes, fields=sorted(changes))
        if "due_on" in changes:
            old = changes["due_on"][0]
            _deadline_moved(actor, dispute, date.fromisoformat(old) if old else None, "edited")
    db.session.flush()
    return dispute


def assign(actor: User, dispute: Dispute, handler: User, note: str = "") -> None:
    ensure(actor, "dispute.assign", dispute)
    _check_state(dispute, "assign")
    if not handler.active:
        raise DomainError(_("This account is deactivated."), "handler_id")
    _set_handler(actor, dispute, handler, EventKind.ASSIGNED, note)


def take_over(actor: User, dispute: Dispute, note: str = "") -> None:
    ensure(actor, "dispute.take_over", dispute)
    _check_state(dispute, "assign")
    _set_handler(actor, dispute, actor, EventKind.TAKEN_OVER, note)


def _set_handler(actor, dispute, handler, kind, note) -> None:
    old = dispute.handler
    dispute.handler = handler
    _log(actor, dispute, kind, note.strip(), handler=handler.full_name,
         changes={"handler": [old.username if old else None, handler.username]})
    db.session.flush()


def handle(actor: User, dispute: Dispute, note: str) -> None:
    """Record handling at tier 1 or 2 (on site, or in the Zhihe mediation room)."""
    ensure(actor, "dispute.work", dispute)
    _check_state(dispute, "handle")
    if dispute.tier == 3:
        raise DomainError(_("Tier-3 disputes are handled in a joint conference."))
    if not note.strip():
        raise DomainError(_("Describe what was done."), "note")
    before = dispute.status
    dispute.status = Status.HANDLING
    if dispute.handler_id is None:
        dispute.handler = actor
    _log(actor, dispute, EventKind.HANDLED, note.strip(), before)
    db.session.flush()


def escalate(actor: User, dispute: Dispute, to_tier: int, reason: str):
    """Raise the tier; the conference room a receiver opens for it (on reaching tier 3, a
    draft one with suggested invitees) is returned, or None."""
    ensure(actor, "dispute.escalate", dispute)
    _check_state(dispute, "escalate")
    if to_tier not in (2, 3) or to_tier <= dispute.tier:
        raise DomainError(_("A dispute can only be escalated to a higher tier."), "tier")
    if not reason.strip():
        raise DomainError(_("Give the reason for escalating."), "reason")
    before = dispute.status
    old_tier, old_due = dispute.tier, dispute.due_on
    dispute.tier = to_tier
    if to_tier == 3:
        dispute.status = Status.ESCALATED
        dispute.escalated_at = utcnow()
        dispute.due_on = max(dispute.due_on or local_today(),
                             local_today() + timedelta(days=DEFAULT_DAYS[3]))
    else:
        dispute.status = Status.HANDLING
    changes = {"tier": [old_tier, to_tier]}
    if dispute.due_on != old_due:
        changes["due_on"] = [old_due.isoformat() if old_due else None, dispute.due_on.isoformat()]
    _log(actor, dispute, EventKind.ESCALATED, reason.strip(), before, changes=changes,
         from_tier=old_tier, to_tier=to_tier)
    _deadline_moved(actor, dispute, old_due, "escalated")
    opened = [room for _, room in signals.dispute_escalated.send(
        dispute, actor=actor, from_tier=old_tier, reason=reason.strip()) if room is not None]
    db.session.flush()
    return opened[0] if opened else None


def enter_conference(actor: User, dispute: Dispute) -> None:
    """An escalated dispute is in conference once the session of its joint conference
    opens; a later session of a dispute already past that leaves its status alone."""
    if dispute.status not in TRANSITIONS["enter_conference"]:
        return
    before = dispute.status
    dispute.status = Status.IN_CONFERENCE
    _log(actor, dispute, EventKind.IN_CONFERENCE, before=before)
    db.session.flush()


def resolve(actor: User, dispute: Dispute, outcome: str) -> None:
    ensure(actor, "dispute.work", dispute)
    _check_state(dispute, "resolve")
    if not outcome.strip():
        raise DomainError(_("Describe the agreement that was reached."), "outcome")
    before = dispute.status
    dispute.status = Status.RESOLVED
    dispute.outcome = outcome.strip()
    _log(actor, dispute, EventKind.RESOLVED, dispute.outcome, before)
    db.session.flush()


def refer(actor: User, dispute: Dispute, kind: Referral, body: str, reference: str,
          outcome: str = "") -> None:
    ensure(actor, "dispute.work", dispute)
    _check_state(dispute, "refer")
    if not body.strip():
        raise DomainError(_("Name the body the dispute is referred to."), "referral_body")
    before = dispute.status
    dispute.status = Status.REFERRED
    dispute.referral = kind
    dispute.referral_body = body.strip()
    dispute.referral_ref = reference.strip() or None
    dispute.outcome = outcome.strip()
    _log(actor, dispute, EventKind.REFERRED, dispute.outcome, before,
         changes={"referral": kind.name}, referral=kind.name, body=dispute.referral_body)
    db.session.flush()


def record_feedback(actor: User, dispute: Dispute, method: str, note: str,
                    satisfaction: str) -> None:
    """The last step of the loop: the parties were told the outcome (反馈)."""
    ensure(actor, "dispute.work", dispute)
    _check_state(dispute, "feedback")
    if not note.strip():
        raise DomainError(_("Say what the parties were told."), "note")
    dispute.feedback_at = utcnow()
    dispute.feedback_method = method
    dispute.feedback_note = note.strip()
    dispute.satisfaction = satisfaction
    _log(actor, dispute, EventKind.FEEDBACK, note.strip(),
         changes={"method": method, "satisfaction": satisfaction}, method=method,
         satisfaction=satisfaction)
    db.session.flush()


def close(actor: User, dispute: Dispute, note: str = "") -> None:
    ensure(actor, "dispute.work", dispute)
    _check_state(dispute, "close")
    if dispute.feedback_at is None:
        raise DomainError(_("Record the feedback to the parties before closing."))
    signals.dispute_closing.send(dispute, actor=actor)
    before = dispute.status
    dispute.status = Status.CLOSED
    dispute.closed_at = utcnow()
    _log(actor, dispute, EventKind.CLOSED, note.strip(), before)
    db.session.flush()


def reopen(actor: User, dispute: Dispute, reason: str) -> None:
    ensure(actor, "dispute.reopen", dispute)
    _check_state(dispute, "reopen")
    if not reason.strip():
        raise DomainError(_("Give the reason for reopening."), "reason")
    before = dispute.status
    dispute.status = Status.HANDLING if dispute.tier < 3 else Status.ESCALATED
    dispute.closed_at = None
    dispute.feedback_at = None
    _log(actor, dispute, EventKind.REOPENED, reason.strip(), before)
    db.session.flush()


REVEAL_PLACES = ("dispute", "edit", "conference", "agreement", "casefile", "api")


def reveal_personal_data(actor: User, dispute: Dispute, where: str) -> None:
    """The one way to full ID numbers and phones: every page, document and API answer
    that shows them calls this first, so the log says who saw whose data, and where."""
    if where not in REVEAL_PLACES:
        raise ValueError(where)
    ensure(actor, "dispute.personal_data", dispute)
    record("dispute.personal_data_viewed", dispute, actor=actor,
           summary=", ".join(p.name for p in dispute.parties),
           changes={"where": where, "parties": [p.id for p in dispute.parties]})
    db.session.flush()


def allowed_actions(user: User, dispute: Dispute) -> set[str]:
    """The workflow actions the detail page offers this user now."""
    actions = set()
    if can(user, "dispute.work", dispute):
        actions |= {a for a in ("handle", "resolve", "refer", "feedback", "close")
                    if dispute.status in TRANSITIONS[a]}
        if dispute.tier == 3:
            actions.discard("handle")
        if dispute.feedback_at is None:
            actions.discard("close")
    if (dispute.tier < 3 and dispute.status in TRANSITIONS["escalate"]
            and can(user, "dispute.escalate", dispute)):
        actions.add("escalate")
    if dispute.status in TRANSITIONS["assign"]:
        if can(user, "dispute.assign", dispute):
            actions.add("assign")
        if can(user, "dispute.take_over", dispute):
            actions.add("take_over")
    if can(user, "dispute.reopen", dispute) and dispute.status in TRANSITIONS["reopen"]:
        actions.add("reopen")
    if can(user, "dispute.edit", dispute):
        actions.add("edit")
    return actions


def handler_candidates() -> list[User]:
    roles = (Role.GRID_WORKER, Role.COMMUNITY_POLICE, Role.MEDIATOR, Role.CONVENER)
    return list(db.session.scalars(
        db.select(User).options(joinedload(User.organisation))
        .where(User.active, User.role_rows.any(UserRole.role.in_(roles)))
        .order_by(User.full_name)))


def set_category_sectors(actor: User,
                         mapping: dict[Category | Subcategory, set[OrgKind]]) -> None:
    """Replace the table that says which sector bodies each category calls for, and which
    further ones each sub-category adds."""
    before = {c.name: sorted(k.name for k in kinds) for c, kinds in current_sectors().items()}
    db.session.execute(db.delete(CategorySector))
    db.session.execute(db.delete(SubcategorySector))
    for key, kinds in mapping.items():
        for kind in kinds:
            if not kind.is_sector:
                raise DomainError(_("Only sector mediation bodies can be mapped."))
            if isinstance(key, Subcategory):
                db.session.add(SubcategorySector(subcategory=key, sector=kind))
            else:
                db.session.add(CategorySector(category=key, sector=kind))
    after = {c.name: sorted(k.name for k in kinds) for c, kinds in mapping.items() if kinds}
    record("category_sectors.updated", actor=actor,
           changes={c: [before.get(c, []), after.get(c, [])]
                    for c in set(before) | set(after) if before.get(c) != after.get(c)})
    db.session.flush()


def current_sectors() -> dict[Category | Subcategory, set[OrgKind]]:
    """The sector bodies of each category, and the further ones of each sub-category."""
    mapping: dict[Category | Subcategory, set[OrgKind]] = {}
    for row in db.session.scalars(db.select(CategorySector)):
        mapping.setdefault(row.category, set()).add(row.sector)
    for row in db.session.scalars(db.select(SubcategorySector)):
        mapping.setdefault(row.subcategory, set()).add(row.sector)
    return mapping

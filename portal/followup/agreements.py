"""The mediation agreement (调解协议书) and the notice of rights and duties.

The secretary draws the agreement from a conference's record when the outcome is an
agreement (or a partial one), edits it, prints it; the parties sign on paper, the portal
records each signature date with the scanned signed copy, and the agreement takes effect
when the last party has signed. From then on a joint application for judicial
confirmation (司法确认) may be filed within 30 days (People's Mediation Law art. 33).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import date, timedelta
from io import BytesIO

from flask import current_app
from flask_babel import gettext as _

from portal import signals
from portal.audit.services import record
from portal.conferences.models import Conference, ConferenceState
from portal.disputes import references, timeline
from portal.disputes.models import Dispute, EventKind, Party, PartyRole
from portal.errors import DomainError
from portal.extensions import db
from portal.followup.models import (
    Agreement,
    AgreementState,
    Confirmation,
    PartySignature,
    RightsNotice,
    confirmation_deadline,
)
from portal.jobs import queue
from portal.minutes import services as minutes
from portal.orgs.models import Organisation, OrgKind, Role, User
from portal.permissions import ensure
from portal.timeutil import local_zone, utcnow
from portal.uploads import SCAN_TYPES, UploadRefused, check_upload
from reports import agreement as doc

AGREED = ("agreement", "partial")
AFTER_SESSION = frozenset({ConferenceState.MINUTES_DRAFTING, ConferenceState.MINUTES_SIGNING,
                           ConferenceState.SIGNED})
ROLE_NAMES = "甲乙丙丁戊己庚辛壬癸"
NOTICE_METHODS = ("in_person", "post", "read_aloud")


def today() -> date:
    return utcnow().astimezone(local_zone()).date()


def conference_day(conference: Conference) -> date:
    when = conference.started_at or conference.starts_at or conference.created_at
    return when.astimezone(local_zone()).date()


# --- drawing the agreement from the record ------------------------------------------------

def _particulars(party: Party, role: str) -> dict:
    sex, birth = "", ""
    number = party.id_number or ""
    if len(number) == 18:
        sex = "male" if int(number[16]) % 2 else "female"
        birth = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
    return {"party_id": party.id, "role": role, "name": party.name, "sex": sex,
            "birth_date": birth, "id_number": number, "ethnicity": "", "occupation": "",
            "address": party.address or "", "phone": party.phone or ""}


def committee_name(dispute: Dispute) -> str:
    return f"{dispute.village.name}人民调解委员会"


def committee_mediators(dispute: Dispute) -> list[User]:
    """The mediators of the village's mediation committee (People's Mediation Law art. 13):
    the active members of the village's committee organisation."""
    village = dispute.village.name
    return list(db.session.scalars(
        db.select(User).join(Organisation, User.organisation_id == Organisation.id)
        .where(Organisation.kind == OrgKind.VILLAGE_COMMITTEE,
               Organisation.name.startswith(village), User.active.is_(True))
        .order_by(User.id)))


def _number(dispute: Dispute) -> str:
    """The next number in the committee's series, e.g. 东关调〔2026〕3号 (no zero padding)."""
    village = dispute.village.name
    for suffix in ("社区", "村", "居委会"):
        village = village.removesuffix(suffix)
    prefix = f"{village[:2]}调"
    year = today().year
    return f"{prefix}〔{year}〕{references.next_number(prefix, year)}号"


def attended_mediators(conference: Conference) -> tuple[list[User], list[User]]:
    """The mediators present (or late) at the session, in the record's order: those of the
    village's committee, who sign, and the other bodies' mediators, who were invited."""
    committee = {m.id for m in committee_mediators(conference.dispute)}
    came = [row.get("user_id") for row in minutes.section(conference, "attendance")[0]
            if row.get("status") in ("present", "late") and row.get("user_id")]
    people = {u.id: u for u in db.session.scalars(db.select(User).where(User.id.in_(came)))}
    present = [people[i] for i in dict.fromkeys(came) if i in people]
    return ([u for u in present if u.id in committee],
            [u for u in present if u.id not in committee and u.has_role(Role.MEDIATOR)])


def _obligations(conference: Conference, terms: list[str], details: list[dict],
                 parties: list[Party]) -> list[dict]:
    """The record's terms as obligations: each with the obligor, manner and deadline the
    record gives it. A term recorded without them falls back to the party whose name it
    opens with (else the respondent) and to a month after the conference."""
    names = [p.name for p in parties]
    respondent = next((p.name for p in parties if p.role is PartyRole.RESPONDENT), names[-1])
    fallback = (conference_day(conference) + timedelta(days=30)).isoformat()
    rows = []
    for index, term in enumerate(terms):
        detail = details[index] if index < len(details) else {}
        obligor = detail.get("obligor") if detail.get("obligor") in names else next(
            (name for name in names if term.startswith(name)), respondent)
        rows.append({"obligor": obligor, "content": term, "method": "", "instalments": [],
                     "manner": detail.get("manner", ""),
                     "deadline": detail.get("deadline") or fallback})
    return rows


def default_content(conference: Conference) -> dict:
    dispute = conference.dispute
    outcome = minutes.section(conference, "outcome")[0] or {}
    parties = sorted(dispute.parties, key=lambda p: (p.role is not PartyRole.APPLICANT, p.id))
    signing, invited = attended_mediators(conference)
    return {
        "committee": committee_name(dispute),
        # The convener is a police officer, not a mediator: the committee's mediators who
        # attended sign; the secretary chooses others from the committee if need be. The
        # sector bodies' mediators who attended took part as invited mediators.
        "mediators": [m.full_name for m in signing],
        "invited_mediator": "、".join(m.full_name for m in invited),
        "place": conference.room.name if conference.room else dispute.village.name,
        "parties": [_particulars(p, f"{ROLE_NAMES[i]}方" if i < len(ROLE_NAMES) else p.name)
                    for i, p in enumerate(parties)],
        "facts": outcome.get("summary") or dispute.description,
        "issues": dispute.claims or dispute.title,
        "responsibilities": [{"party": p.name, "text": ""} for p in parties],
        "obligations": _obligations(conference, outcome.get("terms", []),
                                    outcome.get("term_details", []), parties),
    }


def generate(actor: User, conference: Conference) -> Agreement:
    """Draw the agreement from the record; a draft not yet signed is drawn again."""
    ensure(actor, "agreement.draft", conference)
    if conference.state not in AFTER_SESSION:
        raise DomainError(_("The agreement is drawn up after the session has ended."))
    outcome = (minutes.section(conference, "outcome")[0] or {}).get("outcome") or ""
    if outcome not in AGREED:
        raise DomainError(_("No agreement was reached in this conference, so there is no "
                            "mediation agreement to draw up. Record the outcome as an "
                            "agreement (or a partial one) first."))
    if len(conference.dispute.parties) < 2:
        raise DomainError(_("An agreement needs at least two parties."))
    agreement = agreement_of(conference)
    content = json.dumps(default_content(conference), ensure_ascii=False)
    if agreement is None:
        agreement = Agreement(dispute_id=conference.dispute_id, conference_id=conference.id,
                              number=_number(conference.dispute),
                              content=content, created_by=actor)
        db.session.add(agreement)
        db.session.flush()
        action = "agreement.generated"
        timeline.add(conference.dispute, EventKind.AGREEMENT_DRAFTED, actor,
                     number=agreement.number)
    else:
        _editable(agreement)
        agreement.content, agreement.version = content, agreement.version + 1
        action = "agreement.regenerated"
    agreement.updated_at = utcnow()
    record(action, agreement, actor=actor, changes={"version": agreement.version})
    db.session.flush()
    return agreement


def agreement_of(conference: Conference) -> Agreement | None:
    return db.session.scalar(db.select(Agreement).filter_by(conference_id=conference.id))


def agreements_of(dispute: Dispute) -> list[Agreement]:
    return list(db.session.scalars(db.select(Agreement).filter_by(dispute_id=dispute.id)
                                   .order_by(Agreement.id)))


def content(agreement: Agreement) -> dict:
    return json.loads(agreement.content)


def _editable(agreement: Agreement) -> None:
    if agreement.state is not AgreementState.DRAFT:
        raise DomainError(_("Parties have signed this agreement; its text can no longer "
                            "change."))


def update(actor: User, agreement: Agreement, data: dict) -> Agreement:
    """Replace the agreement's content with the secretary's edit (validated first)."""
    ensure(actor, "agreement.draft", agreement.conference)
    _editable(agreement)
    to_document(agreement, data)  # refuses what the PDF could not carry
    if not data["obligations"]:
        raise DomainError(_("List at least one agreed obligation."))
    allowed = {m.full_name for m in committee_mediators(agreement.dispute)}
    strangers = [name for name in data["mediators"] if name not in allowed]
    if strangers:
        raise DomainError(_("%(names)s: not a mediator of %(committee)s. The agreement is "
                            "signed by mediators of the committee that mediates.",
                            names="、".join(strangers), committee=data["committee"]),
                          "mediators")
    agreement.content = json.dumps(data, ensure_ascii=False)
    agreement.version += 1
    agreement.updated_at = utcnow()
    record("agreement.edited", agreement, actor=actor, changes={"version": agreement.version})
    db.session.flush()
    return agreement


def _date(value: str, what: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise DomainError(_("%(what)s: give a date.", what=what)) from None


def to_document(agreement: Agreement, data: dict | None = None) -> doc.MediationAgreement:
    """The agreement as the plain document `reports.agreement` renders."""
    data = data if data is not None else content(agreement)
    parties = []
    for row in data["parties"]:
        if row.get("sex") not in ("male", "female"):
            raise DomainError(_("%(name)s: give the sex.", name=row["name"]))
        if not row.get("address") or not row.get("phone"):
            raise DomainError(_("%(name)s: give the address and the phone number.",
                                name=row["name"]))
        birth = _date(row["birth_date"], row["name"]) if row.get("birth_date") else None
        if birth is None and not row.get("id_number"):
            raise DomainError(_("%(name)s: give the birth date or the ID number.",
                                name=row["name"]))
        if not row.get("ethnicity") or not row.get("occupation"):
            raise DomainError(_("%(name)s: give the ethnic group and the occupation or "
                                "employer.", name=row["name"]))
        parties.append(doc.Party(role=row["role"], name=row["name"], sex=doc.Sex(row["sex"]),
                                 address=row["address"], phone=row["phone"], birth_date=birth,
                                 id_number=row.get("id_number") or "",
                                 ethnicity=row["ethnicity"], occupation=row["occupation"]))
    mediators = [m for m in data.get("mediators", []) if m.strip()]
    if not mediators:
        raise DomainError(_("Name the mediator who signs the agreement."))
    if not data.get("committee", "").strip():
        raise DomainError(_("Name the mediation committee that issues the agreement."))
    if not data.get("facts", "").strip() or not data.get("issues", "").strip():
        raise DomainError(_("State the main facts and the issues in dispute."))
    obligors = {p.name for p in parties}
    obligations = [_obligation(o, obligors) for o in data["obligations"]]
    signed_on = agreement.effective_on or conference_day(agreement.conference)
    return doc.MediationAgreement(
        number=agreement.number, version=agreement.version, committee=data["committee"],
        mediators=tuple(mediators), parties=tuple(parties), facts=data["facts"],
        issues=data["issues"],
        responsibilities=tuple(doc.Responsibility(r["party"], r["text"])
                               for r in data.get("responsibilities", []) if r.get("text")),
        obligations=tuple(obligations), signed_on=signed_on, place=data.get("place") or "—",
        invited_mediator=data.get("invited_mediator") or "")


def _obligation(row: dict, obligors: set[str]) -> doc.Obligation:
    what = row["content"][:20]
    if row.get("obligor") not in obligors:
        raise DomainError(_("%(what)s: choose the party who performs it.", what=what))
    if row.get("method") not in {m.value for m in doc.PaymentMethod}:
        raise DomainError(_("%(what)s: say how it is performed (cash, bank transfer, or by "
                            "the party's own act).", what=what))
    deadline = _date(row.get("deadline"), what)
    instalments = tuple(doc.Instalment(amount=i["amount"], due=_date(i["due"], what))
                        for i in row.get("instalments") or ())
    if len(instalments) == 1:
        raise DomainError(_("%(what)s: a payment in instalments has at least two.", what=what))
    if any(i.due > deadline for i in instalments):
        raise DomainError(_("%(what)s: an instalment falls after the deadline.", what=what))
    return doc.Obligation(obligor=row["obligor"], content=row["content"], deadline=deadline,
                          method=doc.PaymentMethod(row["method"]), instalments=instalments,
                          manner=(row.get("manner") or "").strip())


def printed_case_code(dispute: Dispute) -> tuple[str, str]:
    """The case code as the documents handed to the parties print it, and the address of
    the case page where they use it; empty for a dispute without one."""
    case = dispute.case_code
    return (case.display, case.url) if case is not None else ("", "")


def issued_document(agreement: Agreement) -> doc.MediationAgreement:
    """The document as printed: the signing copy until it is in effect, then issued."""
    document = to_document(agreement)
    code, url = printed_case_code(agreement.dispute)
    document = replace(document, case_code=code, case_url=url)
    if agreement.state is AgreementState.EFFECTIVE:
        document = replace(document, issued=True,
                           verify_url=minutes.verify_url_for(doc.content_hash(document)))
    return document


def seal_key(agreement: Agreement) -> str:
    return f"agreement-seal:{agreement.id}"


def copy_key(agreement: Agreement) -> str:
    """What the parties' signing copy shows, as a key for its rendered PDF."""
    return f"agreement-copy:{agreement.id}:{doc.content_hash(to_document(agreement))}"


def agreement_html(agreement: Agreement) -> str:
    return doc.render_agreement_html(issued_document(agreement))


# --- signatures on paper, effect, judicial confirmation ---------------------------------

def record_signatures(actor: User, agreement: Agreement, dates: dict[int, date],
                      scan: bytes | None = None, filename: str = "") -> Agreement:
    """Record the days parties signed the paper agreement, with the scanned signed copy."""
    ensure(actor, "agreement.draft", agreement.conference)
    if agreement.state is AgreementState.EFFECTIVE:
        raise DomainError(_("Every party has already signed; the agreement is in effect."))
    to_document(agreement)
    if scan:
        try:
            scan_type = check_upload(scan, filename).content_type
        except UploadRefused as refused:
            raise DomainError(refused.message + " " + _(
                "The signed copy must be a PDF or an image (PNG, JPEG, GIF, WebP)."),
                "scan") from None
        if scan_type not in SCAN_TYPES:
            raise DomainError(_("The signed copy must be a PDF or an image (PNG, JPEG, GIF, "
                                "WebP); this file is neither."), "scan")
    elif agreement.scan_sha256 is None:
        raise DomainError(_("Upload the scanned signed copy of the agreement."), "scan")
    if not any(dates.values()):
        raise DomainError(_("Give the date on which at least one party signed."))
    held, now = conference_day(agreement.conference), today()
    parties = {p.id: p for p in agreement.dispute.parties}
    signed = {s.party_id for s in agreement.signatures}
    for party_id, signed_on in dates.items():
        if signed_on is None or party_id in signed:
            continue
        if party_id not in parties:
            raise DomainError(_("Unknown party."))
        name = parties[party_id].name
        if signed_on < held:
            raise DomainError(_("%(name)s: the signature date %(date)s is before the "
                                "conference (%(held)s); an agreement cannot be signed before "
                                "it was reached.", name=name, date=signed_on, held=held),
                              f"signed-{party_id}")
        if signed_on > now:
            raise DomainError(_("%(name)s: the signature date cannot be in the future.",
                                name=name), f"signed-{party_id}")
        agreement.signatures.append(PartySignature(party_id=party_id, signed_on=signed_on,
                                                   recorded_by_id=actor.id))
    if scan:
        agreement.scan, agreement.scan_type = scan, scan_type
        agreement.scan_name = (filename or "signed-agreement")[:200]
        agreement.scan_sha256 = hashlib.sha256(scan).hexdigest()
        agreement.scan_uploaded_at = utcnow()
    db.session.flush()
    agreement.state = AgreementState.SIGNING
    changes = {"signed": sorted(s.party_id for s in agreement.signatures),
               "scan": agreement.scan_sha256}
    if {s.party_id for s in agreement.signatures} >= set(parties):
        _take_effect(actor, agreement)
        changes["effective_on"] = agreement.effective_on.isoformat()
    record("agreement.signatures_recorded", agreement, actor=actor, changes=changes)
    db.session.flush()
    return agreement


def _take_effect(actor: User, agreement: Agreement) -> None:
    agreement.state = AgreementState.EFFECTIVE
    agreement.effective_on = max(s.signed_on for s in agreement.signatures)
    agreement.content_hash = doc.content_hash(issued_document(agreement))
    agreement.issued_at = utcnow()
    db.session.flush()
    queue.enqueue("agreement.seal", seal_key(agreement), {"agreement": agreement.id},
                  requested_by=actor)
    signals.agreement_took_effect.send(agreement, actor=actor)


def find_by_hash(content_hash: str) -> Agreement | None:
    """The issued agreement whose content has this hash (for the public verification page)."""
    return db.session.scalar(db.select(Agreement).where(
        Agreement.content_hash == content_hash, Agreement.issued_at.is_not(None)))


def confirmation_application(agreement: Agreement):
    """What the joint application for judicial confirmation prints (once the agreement is
    in effect), and the key of its rendered PDF."""
    if agreement.state is not AgreementState.EFFECTIVE:
        raise DomainError(_("Judicial confirmation is applied for once the agreement is in "
                            "effect."))
    document = to_document(agreement)
    return document, f"confirmation-application:{agreement.id}:{doc.content_hash(document)}"


def confirmation_application_pdf(agreement: Agreement):
    """``render()`` of the application, from what was read now."""
    document, _key = confirmation_application(agreement)
    court = current_app.config["PORTAL_CONFIRMATION_COURT"]
    effective_on, deadline = agreement.effective_on, confirmation_deadline(agreement)
    return lambda: doc.render_confirmation_application_pdf(
        document, court=court, effective_on=effective_on, deadline=deadline)


def record_filing(actor: User, agreement: Agreement, filed_on: date, court: str,
                  late_reason: str = "") -> Agreement:
    """The parties' joint application for judicial confirmation was filed with a court.

    A filing after the 30-day window is recorded only with the reason, and flagged."""
    ensure(actor, "followup.manage", agreement.dispute)
    if agreement.state is not AgreementState.EFFECTIVE:
        raise DomainError(_("Judicial confirmation is applied for once the agreement is in "
                            "effect."))
    if agreement.confirmation_filed_on is not None:
        raise DomainError(_("The application is already recorded."))
    if not court.strip():
        raise DomainError(_("Name the court the application was filed with."), "court")
    if filed_on < agreement.effective_on:
        raise DomainError(_("The application cannot be filed before the agreement took "
                            "effect (%(date)s).", date=agreement.effective_on), "filed_on")
    if filed_on > today():
        raise DomainError(_("The filing date cannot be in the future."), "filed_on")
    deadline = confirmation_deadline(agreement)
    late = filed_on > deadline
    if late and not late_reason.strip():
        raise DomainError(_("This filing is after the 30-day window, which ended on "
                            "%(deadline)s; the court may refuse it. To record it anyway, say "
                            "why it was late.", deadline=deadline), "late_reason")
    agreement.confirmation_filed_on, agreement.confirmation_court = filed_on, court.strip()
    agreement.confirmation = Confirmation.PENDING
    agreement.confirmation_late = late
    agreement.confirmation_late_reason = late_reason.strip() or None
    timeline.add(agreement.dispute, EventKind.CONFIRMATION_FILED, actor,
                 agreement.confirmation_late_reason or "", court=court.strip(),
                 filed_on=filed_on.isoformat(), late=late)
    record("agreement.confirmation_filed", agreement, actor=actor,
           changes={"filed_on": filed_on.isoformat(), "court": court.strip(), "late": late})
    db.session.flush()
    return agreement


def record_ruling(actor: User, agreement: Agreement, outcome: Confirmation, ruling: str,
                  decided_on: date) -> Agreement:
    ensure(actor, "followup.manage", agreement.dispute)
    if agreement.confirmation is not Confirmation.PENDING:
        raise DomainError(_("Record the filing of the application first."))
    if outcome is Confirmation.PENDING:
        raise DomainError(_("Choose the court's decision."))
    if decided_on < agreement.confirmation_filed_on or decided_on > today():
        raise DomainError(_("The decision date must lie between the filing and today."))
    agreement.confirmation, agreement.confirmation_ruling = outcome, ruling.strip()[:120]
    agreement.confirmation_decided_on = decided_on
    timeline.add(agreement.dispute, EventKind.CONFIRMATION_DECIDED, actor,
                 outcome=outcome.name, ruling=agreement.confirmation_ruling)
    record("agreement.confirmation_decided", agreement, actor=actor,
           changes={"outcome": outcome.name, "ruling": ruling.strip()})
    db.session.flush()
    return agreement


# --- the notice of rights and duties -----------------------------------------------------

def notice_html(dispute: Dispute, party: Party) -> str:
    """The notice for one party (the library prints one page per party of a document)."""
    from reports.pdf import template_environment

    return template_environment().get_template("reports/rights_notice.html").render(
        doc=_notice_document(dispute, [party]), draft=False)


def notices_html(dispute: Dispute) -> str:
    """Every party's notice, for the case file."""
    from reports.pdf import template_environment

    return template_environment().get_template("reports/rights_notice.html").render(
        doc=_notice_document(dispute, list(dispute.parties)), draft=False)


def _notice_document(dispute: Dispute, parties: list[Party]):
    # The template reads the committee, each party's name and role, and, once the notice
    # was given, who gave it (告知人) and when.
    given = notices_of(dispute)

    class NoticeParty:
        def __init__(self, party: Party):
            self.name, self.role = party.name, party.role.label
            notice = given.get(party.id)
            self.notifier = notice.given_by.full_name if notice and notice.given_by else ""
            self.given_on = notice.given_on if notice else None

    class Notice:
        committee = committee_name(dispute)
        number = dispute.reference

    notice = Notice()
    notice.parties = [NoticeParty(p) for p in parties]
    notice.case_code, notice.case_url = printed_case_code(dispute)
    return notice


def record_notice(actor: User, dispute: Dispute, party: Party, given_on: date,
                  method: str) -> RightsNotice:
    ensure(actor, "followup.manage", dispute)
    if party.dispute_id != dispute.id:
        raise DomainError(_("Unknown party."))
    if method not in NOTICE_METHODS:
        raise DomainError(_("Choose how the notice was given."), "method")
    reported = dispute.reported_at.astimezone(local_zone()).date()
    if given_on < reported or given_on > today():
        raise DomainError(_("The notice is given between the registration of the dispute "
                            "(%(date)s) and today.", date=reported), "given_on")
    notice = db.session.scalar(db.select(RightsNotice).filter_by(party_id=party.id))
    if notice is not None:
        raise DomainError(_("%(name)s was already given the notice on %(date)s.",
                            name=party.name, date=notice.given_on))
    notice = RightsNotice(dispute_id=dispute.id, party_id=party.id, given_on=given_on,
                          method=method, given_by_id=actor.id)
    db.session.add(notice)
    timeline.add(dispute, EventKind.NOTICE_GIVEN, actor, party=party.name,
                 given_on=given_on.isoformat(), method=method)
    record("rights_notice.given", dispute, actor=actor,
           changes={"party": party.name, "given_on": given_on.isoformat(), "method": method})
    db.session.flush()
    return notice


def notices_of(dispute: Dispute) -> dict[int, RightsNotice]:
    rows = db.session.scalars(db.select(RightsNotice).filter_by(dispute_id=dispute.id))
    return {n.party_id: n for n in rows}


def scan_bytes(agreement: Agreement) -> BytesIO:
    return BytesIO(agreement.scan or b"")

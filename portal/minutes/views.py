"""The record and minutes pages of a conference."""

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import undefer

from portal.audit.services import record as audit
from portal.bounds import record_id
from portal.conferences.models import Brief, Conference
from portal.errors import Conflict, DomainError
from portal.extensions import db
from portal.jobs import queue, renders
from portal.jobs.models import RenderedPdf
from portal.jobs.respond import pdf_download, wait_for
from portal.minutes import document, record_input, services
from portal.minutes.models import MinutesVersion
from portal.minutes.models import VersionStatus as V
from portal.permissions import can
from portal.timeutil import local_zone
from reports import minutes as doc
from reports.pdf import markdown_to_safe_html

bp = Blueprint("minutes", __name__)


def _conference(ident) -> Conference:
    conference = db.session.get(Conference, ident)
    if conference is None or not can(current_user, "conference.view", conference):
        abort(404)
    return conference


def _bodies(conference: Conference) -> list[str]:
    return sorted({i.body.name for i in conference.invitations if i.body is not None})


@bp.route("/conferences/<int:ident>/record")
@login_required
def record_page(ident, kept=None, errors=None, unsaved=None):
    """The record as one form; after a refusal, ``kept`` holds what was typed (with the
    versions and digests it was typed over), ``errors`` each part's message and
    ``unsaved`` what was typed over a part someone else saved meanwhile."""
    conference = _conference(ident)
    parts = {}
    for key in services.SECTIONS:
        data, version = services.section(conference, key)
        stored = record_input.shown(key, data)
        parts[key] = {"values": stored, "version": version, "seen": record_input.digest(stored)}
    for key, typed in (kept or {}).items():
        parts[key] = typed
    briefs = db.session.scalars(sa.select(Brief).where(Brief.conference_id == conference.id))
    return render_template(
        "minutes/record.html", conference=conference, parts=parts, errors=errors or {},
        unsaved=unsaved or {}, bad=[error.field for error in (errors or {}).values()],
        briefs=list(briefs), bodies=_bodies(conference),
        accounts=services.attendee_accounts(conference),
        may_record=can(current_user, "conference.run", conference)
        and conference.state in services.RECORDING,
        statuses=list(doc.AttendanceStatus), outcomes=list(doc.Outcome),
    )


def _readers(conference: Conference) -> dict:
    start = conference.started_at or conference.starts_at or conference.created_at
    day = start.astimezone(local_zone()).date()
    # Nobody signs in after the session closed, nor, while it runs, after its planned end.
    session = (start, conference.ended_at or conference.ends_at)
    return {
        "attendance": lambda f: record_input.attendance(f, day, session),
        "agenda": record_input.agenda, "accounts": record_input.accounts,
        "opinions": record_input.opinions, "outcome": record_input.outcome,
        "actions": lambda f: record_input.actions(f, set(_bodies(conference))),
    }


@bp.route("/conferences/<int:ident>/record", methods=["POST"])
@login_required
def save_record(ident):
    """Save every part the secretary changed, in one go; untouched parts are left as they
    are, so someone else may record them meanwhile."""
    conference = _conference(ident)
    readers = _readers(conference)
    form = request.form
    kept, changed, errors, unsaved = {}, {}, {}, {}
    for key in services.SECTIONS:
        values = record_input.submitted(form, key)
        version = form.get(f"version-{key}", type=record_id) or 0
        seen = form.get(f"seen-{key}", "")
        kept[key] = {"values": values, "version": version, "seen": seen}
        if record_input.digest(values) == seen:
            continue
        try:
            changed[key] = (readers[key](form), version)
        except DomainError as error:
            errors[key] = error
    status = 400
    if not errors:
        try:
            saved = services.save_record(current_user, conference, changed)
        except DomainError as error:
            db.session.rollback()
            status = 409 if isinstance(error, Conflict) else 400
            if error.field in services.SECTIONS:
                errors[error.field] = error
                if isinstance(error, Conflict):
                    # Their version goes in the form; what was typed is shown beside it.
                    unsaved[error.field] = kept.pop(error.field)["values"]
            else:
                flash(error.message, "danger")
        else:
            flash(_("Saved: %(parts)s.", parts="、".join(str(PART_LABELS[k]) for k in saved))
                  if saved else _("Nothing was changed."), "success")
            part = request.form.get("part", "")
            anchor = f"#part-{part}" if part in services.SECTIONS else ""
            return redirect(url_for("minutes.record_page", ident=ident) + anchor)
    if errors:
        flash(_("Nothing was saved: see the marked parts."), "danger")
    return record_page(ident, kept=kept, errors=errors, unsaved=unsaved), status


PART_LABELS = {
    "attendance": _l("Attendance"), "agenda": _l("Agenda and notes"),
    "accounts": _l("The four accounts for each party"), "opinions": _l("Each body's opinion"),
    "outcome": _l("Outcome"), "actions": _l("Action items"),
}


@bp.route("/conferences/<int:ident>/minutes")
@login_required
def minutes_page(ident, kept=None, error=None):
    """The current version as its signers sign it; after a refusal, ``kept`` holds the
    text typed into the form that was refused and ``error`` the message for it."""
    conference = _conference(ident)
    versions = services.versions(conference)
    current = versions[-1] if versions else None
    minutes_doc = document.from_json(current.snapshot) if current else None
    # Signers confirm the hash of the document this page shows, not a stored number.
    shown_hash = doc.content_hash(minutes_doc) if minutes_doc else None
    may_run = can(current_user, "conference.run", conference)
    is_signer = any(r["user_id"] == current_user.id for r in services.signers(conference))
    signed_by_me = bool(current and any(
        s.user_id == current_user.id and not s.cancelled for s in current.signatures))
    may_sign = bool(current and is_signer and current.status is V.SIGNING and not signed_by_me
                    and shown_hash == current.content_hash)
    forms = {"edit": bool(current and may_run and not current.locked),
             "comment": bool(current and current.status is V.REVIEW),
             "sign": may_sign, "refuse": may_sign}
    if error is not None and not forms.get((kept or {}).get("action")):
        flash(error.message, "danger")
    return render_template(
        "minutes/minutes.html", conference=conference, versions=versions, current=current,
        doc=minutes_doc, shown_hash=shown_hash,
        body_html=markdown_to_safe_html(minutes_doc.body) if minutes_doc else "",
        summary_html=markdown_to_safe_html(minutes_doc.case_summary) if minutes_doc else "",
        outstanding=services.outstanding(current) if current else [],
        may_run=may_run, may_sign=may_sign, forms=forms,
        kept=kept or {}, error=error, V=V, S=services.S)


def _version(conference: Conference, number: int) -> MinutesVersion:
    version = db.session.scalar(sa.select(MinutesVersion).filter_by(
        conference_id=conference.id, number=number))
    if version is None:
        abort(404)
    return version


ACTIONS = {
    "generate": (lambda c, v, f: services.generate_draft(current_user, c),
                 _l("The draft was generated from the record.")),
    "edit": (lambda c, v, f: services.edit(current_user, v, f.get("body", ""),
                                           f.get("seen_hash", "")), _l("Saved.")),
    "circulate": (lambda c, v, f: services.circulate(current_user, v),
                  _l("Circulated to the attendees for review.")),
    "comment": (lambda c, v, f: services.add_comment(current_user, v, f.get("text", "")),
                _l("Comment added.")),
    "open-signing": (lambda c, v, f: services.open_signing(current_user, v),
                     _l("Open for signing; the attendees are notified.")),
    "sign": (lambda c, v, f: services.sign(
        current_user, v, f.get("password", ""), f.get("seen_hash", ""), request.remote_addr,
        request.user_agent.string), _l("You have signed the minutes.")),
    "refuse": (lambda c, v, f: services.refuse(
        current_user, v, f.get("reason", ""), f.get("seen_hash", ""), request.remote_addr,
        request.user_agent.string), _l("Your refusal is recorded.")),
    "issue": (lambda c, v, f: services.issue(current_user, v),
              _l("The minutes are issued, sealed and locked.")),
    "amend": (lambda c, v, f: services.amend(current_user, c),
              _l("An amendment was started as a new version.")),
}


# The actions whose forms take typed input, shown again by its field after a refusal.
TYPED = frozenset({"edit", "comment", "sign", "refuse"})


@bp.route("/conferences/<int:ident>/minutes/<action>", methods=["POST"])
@login_required
def act(ident, action):
    if action not in ACTIONS:
        abort(404)
    conference = _conference(ident)
    number = request.form.get("version", type=record_id)
    version = _version(conference, number) if number else None
    if version is None and action not in ("generate", "amend"):
        abort(400)
    perform, done = ACTIONS[action]
    try:
        perform(conference, version, request.form)
    except DomainError as error:
        db.session.rollback()
        if action not in TYPED:
            flash(error.message, "danger")
            return redirect(url_for("minutes.minutes_page", ident=ident))
        # The page again, with what was typed (never the password) and the message by it.
        kept = {name: request.form.get(name, "") for name in ("body", "text", "reason")}
        return minutes_page(ident, kept={"action": action, **kept}, error=error), (
            409 if isinstance(error, Conflict) else 400)
    flash(done, "success")
    return redirect(url_for("minutes.minutes_page", ident=ident))


@bp.route("/conferences/<int:ident>/minutes/<int:number>.pdf")
@login_required
def pdf(ident, number):
    """The sealed PDF of an issued version, or a draft's; either may still be in the making,
    and then the page waits for it."""
    conference = _conference(ident)
    version = db.session.scalar(sa.select(MinutesVersion).options(undefer(MinutesVersion.pdf))
                                .filter_by(conference_id=conference.id, number=number))
    if version is None:
        abort(404)
    if version.issued_at is not None:
        if version.pdf is None:
            job = queue.enqueue("minutes.seal", services.seal_key(version),
                                {"version": version.id}, requested_by=current_user)
            return wait_for(job)
        data, name = version.pdf, f"minutes-{conference.id}-v{number}.pdf"
    else:
        found = renders.request_pdf(
            "minutes.draft", services.draft_key(version),
            f"minutes-{conference.id}-v{number}-draft.pdf", {"version": version.id},
            requested_by=current_user)
        if not isinstance(found, RenderedPdf):
            return wait_for(found)
        data, name = found.pdf, found.filename
    audit("minutes.downloaded", conference, changes={"version": number,
                                                     "issued": version.issued_at is not None})
    return pdf_download(data, name)

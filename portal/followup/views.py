"""Pages of the follow-up: a dispute's follow-up page, the agreement, tasks, case files."""

from __future__ import annotations

import hashlib
import json
from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import undefer

from portal.audit.services import record as audit
from portal.bounds import in_range, record_id
from portal.conferences.models import Conference
from portal.disputes import services as disputes
from portal.disputes.models import Dispute, Party
from portal.errors import DomainError
from portal.extensions import db
from portal.followup import agreements, casefile, policy, tasks  # noqa: F401 - rules
from portal.followup.models import (
    Agreement,
    AgreementState,
    Casefile,
    CasefileState,
    Confirmation,
    Task,
    TaskState,
)
from portal.jobs import queue, renders
from portal.jobs.models import RenderedPdf
from portal.jobs.respond import pdf_download, stored_or_wait, wait_for
from portal.permissions import can, load_or_404

bp = Blueprint("followup", __name__, url_prefix="/followup")


def _date(name: str, required: bool = True) -> date | None:
    value = (request.form.get(name) or "").strip()
    if not value and not required:
        return None
    try:
        day = in_range(date.fromisoformat(value))
    except ValueError:
        day = None
    if day is None:
        raise DomainError(_("Give a valid date.")) from None
    return day


def _attempt(perform, done: str, target: str):
    try:
        perform()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        flash(done, "success")
    return redirect(target)


# --- a dispute's follow-up -------------------------------------------------------------

@bp.route("/disputes/<int:ident>")
@login_required
def dispute_page(ident):
    dispute = load_or_404(Dispute, ident, "followup.view")
    conferences = sorted(dispute.conferences, key=lambda c: c.id)
    return render_template(
        "followup/dispute.html", dispute=dispute, conferences=conferences,
        agreements={a.conference_id: a for a in agreements.agreements_of(dispute)},
        notices=agreements.notices_of(dispute), tasks=tasks.tasks_of(dispute),
        visits=tasks.visits_of(dispute), counts=tasks.counts(dispute),
        problems=tasks.closing_problems(dispute), job=casefile.latest(dispute),
        may_manage=can(current_user, "followup.manage", dispute),
        TaskState=TaskState, methods=agreements.NOTICE_METHODS,
        visit_methods=tasks.VISIT_METHODS, satisfaction=tasks.SATISFACTION)


@bp.route("/disputes/<int:ident>/notices/<int:party_id>.pdf")
@login_required
def notice_pdf(ident, party_id):
    dispute = load_or_404(Dispute, ident, "followup.view")
    party = db.session.get(Party, party_id)
    if party is None or party.dispute_id != dispute.id:
        abort(404)
    html = agreements.notice_html(dispute, party)
    found = renders.request_pdf(
        "notice", f"notice:{party.id}:{hashlib.sha256(html.encode()).hexdigest()}",
        f"notice-{dispute.id}-{party.id}.pdf", {"dispute": dispute.id, "party": party.id},
        requested_by=current_user)
    return stored_or_wait(found)


@bp.route("/disputes/<int:ident>/notices", methods=["POST"])
@login_required
def record_notice(ident):
    dispute = load_or_404(Dispute, ident, "followup.view")
    party = db.session.get(Party, request.form.get("party_id", type=record_id) or 0)

    def perform():
        if party is None:
            raise DomainError(_("Unknown party."))
        agreements.record_notice(current_user, dispute, party, _date("given_on"),
                                 request.form.get("method", ""))
    return _attempt(perform, _("The notice is recorded as given."),
                    url_for(".dispute_page", ident=ident))


@bp.route("/disputes/<int:ident>/visits", methods=["POST"])
@login_required
def record_visit(ident):
    dispute = load_or_404(Dispute, ident, "followup.view")
    task = db.session.get(Task, request.form.get("task_id", type=record_id) or 0)
    form = request.form
    return _attempt(lambda: tasks.record_visit(
        current_user, dispute, _date("visited_on"), form.get("method", ""),
        form.get("visited", ""), form.get("findings", ""), form.get("satisfaction", ""),
        task), _("The return visit is recorded."), url_for(".dispute_page", ident=ident))


@bp.route("/disputes/<int:ident>/referral", methods=["POST"])
@login_required
def referral(ident):
    dispute = load_or_404(Dispute, ident, "followup.view")
    return _attempt(lambda: tasks.record_referral_receipt(
        current_user, dispute, request.form.get("body", ""), request.form.get("reference", "")),
        _("Saved."), url_for(".dispute_page", ident=ident))


# --- the agreement ----------------------------------------------------------------------

@bp.route("/conferences/<int:ident>/agreement", methods=["POST"])
@login_required
def generate(ident):
    conference = load_or_404(Conference, ident, "conference.view")
    try:
        agreement = agreements.generate(current_user, conference)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(request.referrer or url_for("minutes.minutes_page", ident=ident))
    flash(_("The agreement was drawn from the record; check and complete it."), "success")
    return redirect(url_for(".agreement_page", ident=agreement.id))


def _instalments(text: str, what: str) -> list[dict]:
    """Lines "2026-04-01 5万元" as instalments; a line without a date is refused."""
    rows = []
    for line in text.splitlines():
        due, _sep, amount = line.strip().partition(" ")
        if not due:
            continue
        if not amount.strip():
            raise DomainError(_("%(what)s: write each instalment as a date and an amount.",
                                what=what[:20]))
        rows.append({"due": due, "amount": amount.strip()[:60]})
    return rows


def _agreement_form(agreement: Agreement) -> dict:
    form, old = request.form, agreements.content(agreement)
    parties = []
    for row in old["parties"]:
        key = f"p{row['party_id']}"
        parties.append(dict(row, **{f: (form.get(f"{key}-{f}") or "").strip()[:200] for f in (
            "sex", "birth_date", "id_number", "ethnicity", "occupation", "address", "phone")}))
    responsibilities = [{"party": row["name"],
                         "text": (form.get(f"resp-{row['party_id']}") or "").strip()[:2000]}
                        for row in old["parties"]]
    obligations = []
    for index in range(40):
        content = (form.get(f"ob-{index}-content") or "").strip()
        if content:
            obligations.append({
                "obligor": (form.get(f"ob-{index}-obligor") or "").strip()[:60],
                "content": content[:2000],
                "method": (form.get(f"ob-{index}-method") or "").strip(),
                "instalments": _instalments(form.get(f"ob-{index}-instalments") or "",
                                            content),
                "manner": (form.get(f"ob-{index}-manner") or "").strip()[:500],
                "deadline": (form.get(f"ob-{index}-deadline") or "").strip()})
    return {"committee": form.get("committee", "").strip()[:120],
            "mediators": [m.strip() for m in form.getlist("mediator") if m.strip()],
            "invited_mediator": form.get("invited_mediator", "").strip()[:60],
            "place": form.get("place", "").strip()[:120], "parties": parties,
            "facts": form.get("facts", "").strip()[:8000],
            "issues": form.get("issues", "").strip()[:8000],
            "responsibilities": responsibilities, "obligations": obligations}


@bp.route("/agreements/<int:ident>", methods=["GET", "POST"])
@login_required
def agreement_page(ident):
    agreement = load_or_404(Agreement, ident, "agreement.view")
    if request.method == "POST":
        typed = None
        try:
            typed = _agreement_form(agreement)
            agreements.update(current_user, agreement, typed)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
            # The form is shown again with what was typed, nothing saved.
            return _agreement_view(agreement, typed), 400
        flash(_("Saved."), "success")
        return redirect(url_for(".agreement_page", ident=ident))
    disputes.reveal_personal_data(current_user, agreement.dispute, "agreement")
    return _agreement_view(agreement)


def _agreement_view(agreement: Agreement, typed: dict | None = None,
                    signing: tuple[dict, DomainError] | None = None):
    signed = {s.party_id: s for s in agreement.signatures}
    signing_typed, signing_error = signing or ({}, None)
    return render_template(
        "followup/agreement.html", agreement=agreement,
        data=typed or agreements.content(agreement),
        committee_mediators=agreements.committee_mediators(agreement.dispute),
        dispute=agreement.dispute, signed=signed, S=AgreementState,
        deadline=agreements.confirmation_deadline(agreement),
        held=agreements.conference_day(agreement.conference),
        may_draft=can(current_user, "agreement.draft", agreement.conference),
        may_manage=can(current_user, "followup.manage", agreement.dispute),
        signing_typed=signing_typed, signing_error=signing_error,
        Confirmation=Confirmation)


@bp.route("/agreements/<int:ident>.pdf")
@login_required
def agreement_pdf(ident):
    agreement = load_or_404(Agreement, ident, "agreement.view")
    name = f"agreement-{agreement.id}.pdf"
    if agreement.pdf is not None:
        data = agreement.pdf
    elif agreement.issued_at is not None:
        job = queue.enqueue("agreement.seal", agreements.seal_key(agreement),
                            {"agreement": agreement.id}, requested_by=current_user)
        return wait_for(job)
    else:
        try:
            key = agreements.copy_key(agreement)
        except DomainError as error:
            flash(error.message, "danger")
            return redirect(url_for(".agreement_page", ident=ident))
        found = renders.request_pdf("agreement.copy", key, name, {"agreement": agreement.id},
                                    requested_by=current_user)
        if not isinstance(found, RenderedPdf):
            return wait_for(found)
        data = found.pdf
    audit("agreement.downloaded", agreement, changes={"version": agreement.version})
    disputes.reveal_personal_data(current_user, agreement.dispute, "agreement")
    return pdf_download(data, name)


@bp.route("/agreements/<int:ident>/confirmation-application.pdf")
@login_required
def confirmation_application_pdf(ident):
    agreement = load_or_404(Agreement, ident, "agreement.view")
    try:
        _document, key = agreements.confirmation_application(agreement)
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for(".agreement_page", ident=ident))
    found = renders.request_pdf("confirmation.application", key,
                                f"confirmation-application-{agreement.id}.pdf",
                                {"agreement": agreement.id}, requested_by=current_user)
    if not isinstance(found, RenderedPdf):
        return wait_for(found)
    audit("agreement.confirmation_application_downloaded", agreement)
    disputes.reveal_personal_data(current_user, agreement.dispute, "agreement")
    return pdf_download(found.pdf, found.filename)


@bp.route("/agreements/<int:ident>/signatures", methods=["POST"])
@login_required
def signatures(ident):
    agreement = load_or_404(Agreement, ident, "agreement.view")
    upload = request.files.get("scan")
    typed = {p.id: (request.form.get(f"signed-{p.id}") or "").strip()
             for p in agreement.dispute.parties}
    try:
        dates = {party_id: _date(f"signed-{party_id}", required=False) for party_id in typed}
        agreements.record_signatures(current_user, agreement, dates,
                                     upload.read() if upload else None,
                                     upload.filename if upload else "")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        # The dates typed stay in the form, the message by the date it is about.
        disputes.reveal_personal_data(current_user, agreement.dispute, "agreement")
        return _agreement_view(agreement, signing=(typed, error)), 400
    flash(_("The signatures are recorded."), "success")
    return redirect(url_for(".agreement_page", ident=ident))


@bp.route("/agreements/<int:ident>/scan")
@login_required
def scan(ident):
    agreement = load_or_404(Agreement, ident, "agreement.view")
    data = db.session.scalar(db.select(Agreement.scan).where(Agreement.id == agreement.id))
    if not data:
        abort(404)
    audit("agreement.scan_downloaded", agreement)
    disputes.reveal_personal_data(current_user, agreement.dispute, "agreement")
    return Response(data, mimetype=agreement.scan_type, headers={
        "Content-Disposition": f'attachment; filename="signed-agreement-{agreement.id}"'})


@bp.route("/agreements/<int:ident>/confirmation", methods=["POST"])
@login_required
def confirmation(ident):
    agreement = load_or_404(Agreement, ident, "agreement.view")
    form = request.form
    if form.get("outcome"):
        def perform():
            try:
                outcome = Confirmation[form["outcome"]]
            except KeyError:
                raise DomainError(_("Choose the court's decision.")) from None
            agreements.record_ruling(current_user, agreement, outcome, form.get("ruling", ""),
                                     _date("decided_on"))
    else:
        def perform():
            agreements.record_filing(current_user, agreement, _date("filed_on"),
                                     form.get("court", ""), form.get("late_reason", ""))
    return _attempt(perform, _("Saved."), url_for(".agreement_page", ident=ident))


# --- tasks -------------------------------------------------------------------------------

@bp.route("/tasks")
@login_required
def my_tasks():
    return render_template("followup/tasks.html", tasks=tasks.mine(current_user))


@bp.route("/tasks/<int:ident>")
@login_required
def task_page(ident):
    task = load_or_404(Task, ident, "task.view")
    return render_template("followup/task.html", task=task, TaskState=TaskState,
                           finals=sorted(tasks.FINAL, key=lambda s: list(TaskState).index(s)),
                           may_report=can(current_user, "task.report", task))


@bp.route("/tasks/<int:ident>/<action>", methods=["POST"])
@login_required
def task_act(ident, action):
    task = load_or_404(Task, ident, "task.view")
    note = request.form.get("note", "")
    if action == "progress":
        perform, done = (lambda: tasks.add_progress(current_user, task, note)), _("Saved.")
    elif action == "report":
        state = TaskState.__members__.get(request.form.get("state", ""), TaskState.OPEN)
        perform = lambda: tasks.report(current_user, task, state, note)  # noqa: E731
        done = _("Your report is recorded.")
    else:
        abort(404)
    return _attempt(perform, done, url_for(".task_page", ident=ident))


# --- the case file ------------------------------------------------------------------------

@bp.route("/disputes/<int:ident>/casefile", methods=["POST"])
@login_required
def request_casefile(ident):
    dispute = load_or_404(Dispute, ident, "followup.view")
    try:
        job = casefile.request_casefile(current_user, dispute)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for(".dispute_page", ident=ident))
    return redirect(url_for(".casefile_page", ident=job.id))


@bp.route("/casefiles/<int:ident>")
@login_required
def casefile_page(ident):
    job = db.session.get(Casefile, ident) or abort(404)
    dispute = load_or_404(Dispute, job.dispute_id, "followup.view")
    return render_template("followup/casefile.html", job=job, dispute=dispute,
                           S=CasefileState, running=job.state in casefile.ACTIVE,
                           contents=json.loads(job.contents or "[]"))


@bp.route("/casefiles/<int:ident>.pdf")
@login_required
def casefile_pdf(ident):
    job = db.session.scalar(db.select(Casefile).options(undefer(Casefile.pdf))
                            .where(Casefile.id == ident)) or abort(404)
    dispute = load_or_404(Dispute, job.dispute_id, "followup.manage")
    if job.pdf is None:
        abort(404)
    if not can(current_user, "dispute.personal_data", dispute):
        abort(403)
    audit("casefile.downloaded", dispute, changes={"job": job.id})
    disputes.reveal_personal_data(current_user, dispute, "casefile")
    return pdf_download(job.pdf, f"casefile-{dispute.id}-{job.id}.pdf")


@bp.app_context_processor
def helpers():
    def my_tasks_panel():
        return tasks.mine(current_user) if current_user.is_authenticated else []

    return {"my_tasks": my_tasks_panel}

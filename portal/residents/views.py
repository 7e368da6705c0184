"""Staff pages: the resident-request queue and its actions, standard addresses and their
import, doorplate printing, the SMS log and the residents' figures."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.bounds import optional_id
from portal.csvfiles import ImportRejected
from portal.disputes.identity import mask_phone
from portal.disputes.services import local_today
from portal.errors import DomainError
from portal.extensions import db
from portal.jobs import renders
from portal.jobs.respond import stored_or_wait
from portal.orgs.models import Village
from portal.pagination import paginate
from portal.permissions import can, load_or_404, require
from portal.residents import addresses, figures, services, sms
from portal.residents.models import (
    OPEN_STATES,
    CaseCode,
    CaseRating,
    Channel,
    Closure,
    NoticeAcknowledgement,
    RequestPhoto,
    RequestStatus,
    ResidentRequest,
    SmsMessage,
    StandardAddress,
    Topic,
)
from portal.residents.policy import queue_scope

bp = Blueprint("residents", __name__, url_prefix="/residents")


def _villages():
    return db.session.scalars(sa.select(Village).where(Village.active).order_by(Village.name))


@bp.route("/")
@login_required
@require("resident_request.list")
def queue():
    status = RequestStatus.__members__.get(request.args.get("status", ""))
    page = paginate(services.queue(current_user, status))
    return render_template("residents/queue.html", page=page, status=status,
                           statuses=list(RequestStatus))


@bp.route("/new", methods=["GET", "POST"])
@login_required
@require("resident_request.list")
def record():
    """A request that reached a grid worker in person or came in as a police call."""
    values, problems = request.form, {}
    if request.method == "POST":
        village = db.session.get(Village, optional_id(request.form.get("village_id")) or 0)
        channel = Channel.__members__.get(request.form.get("channel", ""))
        topic = Topic.__members__.get(request.form.get("topic", ""))
        data = services.RequestInput(
            topic=topic or Topic.OTHER, description=values.get("description", ""),
            contact_name=values.get("contact_name", ""),
            contact_phone=values.get("contact_phone", ""))
        problems = services.validate(data, local_today())
        if village is None:
            problems["village_id"] = _("Unknown village or community.")
        if channel not in (Channel.GRID_WORKER, Channel.POLICE_CALL):
            problems["channel"] = _("Choose how the request came in.")
        if topic is None:
            problems["topic"] = _("Choose what it is about.")
        if not problems:
            created = services.record_request(current_user, village, channel, data)
            sms.deliver_pending()
            flash(_("Request recorded. Case code %(code)s.", code=created.case_code.display),
                  "success")
            return redirect(url_for(".detail", ident=created.id))
    return render_template("residents/record.html", values=values, problems=problems,
                           villages=_villages().all(), topics=list(Topic),
                           channels=[Channel.GRID_WORKER, Channel.POLICE_CALL]), (
        422 if problems else 200)


def _load(ident) -> ResidentRequest:
    return load_or_404(ResidentRequest, ident, "resident_request.view")


def _detail(resident_request: ResidentRequest, reveal: bool = False, **context):
    draft = services.draft_for(resident_request)
    masked = mask_phone(resident_request.contact_phone)
    if not reveal:
        draft.applicant_phone = masked
    return render_template("residents/detail.html", r=resident_request,
                           closures=list(Closure), open_states=OPEN_STATES, draft=draft,
                           masked_phone=masked, reveal=reveal, **context)


@bp.route("/requests/<int:ident>")
@login_required
def detail(ident):
    return _detail(_load(ident))


@bp.route("/requests/<int:ident>/personal-data", methods=["POST"])
@login_required
def reveal(ident):
    resident_request = _load(ident)
    if not can(current_user, "resident_request.personal_data", resident_request):
        abort(403)
    services.reveal_contact(current_user, resident_request)
    return _detail(resident_request, reveal=True)


@bp.route("/requests/<int:ident>/photos/<int:photo_id>")
@login_required
def photo(ident, photo_id: int):
    resident_request = _load(ident)
    found = db.session.get(RequestPhoto, photo_id)
    if found is None or found.request_id != resident_request.id:
        abort(404)
    return send_file(io.BytesIO(found.data), mimetype=found.content_type)


def _masked_form(form, resident_request: ResidentRequest) -> dict:
    """What was typed, to show again; the contact's own phone goes back masked."""
    typed = form.to_dict()
    if typed.get("applicant_phone", "").strip() == resident_request.contact_phone:
        typed["applicant_phone"] = mask_phone(resident_request.contact_phone)
    return typed


@bp.route("/requests/<int:ident>/<action>", methods=["POST"])
@login_required
def act(ident, action: str):
    resident_request = _load(ident)
    form = request.form
    try:
        if action == "take_over":
            services.take_over(current_user, resident_request)
        elif action == "contact":
            services.record_contact(current_user, resident_request, form.get("note", ""))
        elif action == "close":
            closure = Closure.__members__.get(form.get("closure", ""))
            if closure is None:
                raise DomainError(_("Choose how the request was closed."), "closure")
            services.close(current_user, resident_request, closure, form.get("note", ""))
        elif action == "spam":
            services.mark_spam(current_user, resident_request, form.get("note", ""))
        elif action == "register":
            tier = form.get("tier", "1")
            phone = form.get("applicant_phone", "")
            if phone.strip() == mask_phone(resident_request.contact_phone):
                phone = resident_request.contact_phone  # the masked contact, sent back
            draft = services.DisputeDraft(
                title=form.get("title", ""), description=form.get("description", ""),
                applicant_name=form.get("applicant_name", ""), applicant_phone=phone,
                respondent_name=form.get("respondent_name", ""),
                tier=int(tier) if tier in ("1", "2", "3") else 0)
            dispute = services.register_dispute(current_user, resident_request, draft)
            flash(_("Registered as dispute %(reference)s.", reference=dispute.reference),
                  "success")
            return redirect(url_for("disputes.detail", ident=dispute.id))
        else:
            abort(404)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _detail(_load(ident), form=_masked_form(form, resident_request),
                       error_field=error.field), 422
    flash(_("Saved."), "success")
    return redirect(url_for(".detail", ident=resident_request.id))


# --- addresses and doorplates --------------------------------------------------------------

@bp.route("/addresses")
@login_required
@require("residents.manage")
def address_list():
    village = db.session.get(Village, optional_id(request.args.get("village")) or 0)
    query = sa.select(StandardAddress).order_by(StandardAddress.village_id, StandardAddress.id)
    if village is not None:
        query = query.where(StandardAddress.village_id == village.id)
    return render_template("residents/addresses.html", page=paginate(query), village=village,
                           villages=_villages().all())


def _address_input(form) -> addresses.AddressInput:
    return addresses.AddressInput(
        village_id=optional_id(form.get("village_id")) or 0, road=form.get("road", ""),
        number=form.get("number", ""), building=form.get("building", ""),
        unit=form.get("unit", ""), room=form.get("room", ""),
        police_grid=form.get("police_grid", ""), community_grid=form.get("community_grid", ""))


@bp.route("/addresses/new", methods=["GET", "POST"], defaults={"ident": None})
@bp.route("/addresses/<int:ident>", methods=["GET", "POST"])
@login_required
@require("residents.manage")
def address_form(ident):
    address = db.session.get(StandardAddress, ident) if ident else None
    if ident and address is None:
        abort(404)
    values = request.form if request.method == "POST" else (vars(address) if address else {})
    if request.method == "POST":
        try:
            if optional_id(request.form.get("village_id")) is None:
                raise DomainError(_("Unknown village or community."), "village_id")
            address = addresses.save_address(current_user, _address_input(request.form),
                                             address)
        except DomainError as error:
            db.session.rollback()
            return render_template("residents/address_form.html", address=address,
                                   values=values, villages=_villages().all(),
                                   problems={error.field or "number": error.message}), 422
        flash(_("Saved."), "success")
        return redirect(url_for(".address_list", village=address.village_id))
    return render_template("residents/address_form.html", address=address, values=values,
                           villages=_villages().all(), problems={})


@bp.route("/addresses/import", methods=["GET", "POST"])
@login_required
@require("residents.manage")
def address_import():
    errors, message = [], None
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            if upload is None or not upload.filename:
                raise ImportRejected(_("Choose a CSV file."))
            created = addresses.import_csv(current_user, upload.read())
        except ImportRejected as error:
            db.session.rollback()
            message, errors = error.message, error.errors
        else:
            flash(_("%(n)d addresses imported.", n=len(created)), "success")
            return redirect(url_for(".address_list"))
    return render_template("residents/address_import.html", errors=errors, message=message), (
        422 if message else 200)


@bp.route("/villages/<int:village_id>/plates", methods=["POST"])
@login_required
@require("residents.manage")
def issue_plates(village_id: int):
    village = db.session.get(Village, village_id) or abort(404)
    reprint = [i for i in map(optional_id, request.form.getlist("reprint")) if i]
    addresses.issue_plates(current_user, village, reprint)
    flash(_("Doorplates are ready to print."), "success")
    return redirect(url_for(".address_list", village=village.id))


@bp.route("/villages/<int:village_id>/plates.pdf")
@login_required
@require("residents.manage")
def plates_pdf(village_id: int):
    village = db.session.get(Village, village_id) or abort(404)
    try:
        plates = addresses.doorplate_sheet(village)
    except DomainError as error:
        flash(error.message, "warning")
        return redirect(url_for(".address_list", village=village.id))
    found = renders.request_pdf("doorplates", addresses.sheet_key(village, plates),
                                f"doorplates-{village.id}.pdf", {"village": village.id},
                                requested_by=current_user)
    return stored_or_wait(found)


@bp.route("/sms")
@login_required
@require("residents.manage")
def sms_log():
    query = sa.select(SmsMessage).order_by(SmsMessage.id.desc())
    return render_template("residents/sms.html", page=paginate(query), mask_phone=mask_phone)


@bp.route("/figures")
@login_required
@require("statistics.read")
def figures_page():
    return render_template("residents/figures.html", figures=figures.compute())


@bp.app_context_processor
def _helpers():
    def my_resident_requests():
        if not can(current_user, "resident_request.list"):
            return None
        open_ones = sa.select(ResidentRequest).where(
            queue_scope(current_user), ResidentRequest.status.in_(OPEN_STATES))
        return {
            "waiting": db.session.scalars(
                open_ones.order_by(ResidentRequest.first_contact_due_at).limit(6)).all(),
            "total": db.session.scalar(
                sa.select(sa.func.count()).select_from(open_ones.subquery())),
        }

    def resident_side(dispute):
        """The dispute's case code, and what its parties did on their case page."""
        case = db.session.scalar(sa.select(CaseCode).where(CaseCode.dispute_id == dispute.id))
        if case is None:
            return None
        ratings = db.session.scalars(sa.select(CaseRating).where(
            CaseRating.case_code_id == case.id).order_by(CaseRating.id)).all()
        acknowledged = db.session.scalars(sa.select(NoticeAcknowledgement).where(
            NoticeAcknowledgement.case_code_id == case.id)
            .order_by(NoticeAcknowledgement.id)).all()
        return {"case": case, "url": case.url, "ratings": ratings,
                "acknowledged": acknowledged}

    return {"my_resident_requests": my_resident_requests, "resident_side": resident_side}

"""The pages residents and parties open without an account: the doorplate page (what the
QR code opens) and the case page /c/<code>. Phone first, no script at all."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from portal.disputes.services import local_today
from portal.errors import DomainError
from portal.extensions import db, limiter
from portal.jobs import renders
from portal.jobs.respond import stored_or_wait
from portal.residents import addresses, challenge, codes, parties, services, sms
from portal.residents.models import Rating, Topic
from portal.timeutil import utcnow

bp = Blueprint("resident_public", __name__)
ACCESS_MINUTES = 30


@bp.app_context_processor
def _helpers():
    from reports.pdf import qr_data_url

    return {"qr_data_url": qr_data_url}


def _doorplate_limit() -> str:
    return current_app.config["PORTAL_DOORPLATE_LIMIT"]


def _case_limit() -> str:
    return current_app.config["PORTAL_CASE_PAGE_LIMIT"]


def _not_found():
    return render_template("residents/public_unknown.html"), 404


def _form_page(plate, values=None, problems=None, status=200):
    question, token = challenge.new()
    village = plate.address.village
    return render_template(
        "residents/doorplate.html", plate=plate, address=plate.address, village=village,
        officer=village.community_police, grid_worker=village.grid_worker, topics=list(Topic),
        values=values or {}, problems=problems or {}, question=question,
        challenge_token=token, max_mb=current_app.config["PORTAL_RESIDENT_PHOTO_MAX_MB"],
        today=local_today().isoformat()), status


def _read_photos(limit_mb: int) -> list[bytes]:
    photos = []
    for upload in request.files.getlist("photos"):
        if upload and upload.filename:
            photos.append(upload.stream.read(limit_mb * 1024 * 1024 + 1))
    return photos


def _date(value: str) -> tuple[date | None, bool]:
    if not value:
        return None, True
    try:
        return datetime.strptime(value, "%Y-%m-%d").date(), True
    except ValueError:
        return None, False


@bp.route("/d/<token>", methods=["GET", "POST"])
@limiter.limit(_doorplate_limit, methods=["POST"],
               key_func=lambda: "plate:" + (request.view_args or {}).get("token", ""))
@limiter.limit("20 per hour", methods=["POST"])
def doorplate(token: str):
    plate = addresses.find_plate(token)
    if plate is None:
        return _not_found()
    if request.method == "GET":
        return _form_page(plate)
    form = request.form
    values = {name: form.get(name, "") for name in
              ("topic", "description", "occurred_on", "contact_name", "contact_phone")}
    problems = {}
    topic = Topic.__members__.get(values["topic"])
    if topic is None:
        problems["topic"] = _("Choose what it is about.")
    occurred_on, valid_date = _date(values["occurred_on"])
    if not valid_date:
        problems["occurred_on"] = _("Enter a date such as 2026-05-01.")
    if not challenge.passed(form.get("challenge_token", ""), form.get("challenge", "")):
        problems["challenge"] = _("The answer to the sum is not right. Try the new one.")
    data = services.RequestInput(
        topic=topic or Topic.OTHER, description=values["description"],
        contact_name=values["contact_name"], contact_phone=values["contact_phone"],
        occurred_on=occurred_on,
        photos=_read_photos(current_app.config["PORTAL_RESIDENT_PHOTO_MAX_MB"]))
    problems = {**services.validate(data, local_today()), **problems}
    if problems:
        return _form_page(plate, values, problems, 422)
    try:
        resident_request = services.submit_from_doorplate(plate, data)
    except DomainError as error:
        db.session.rollback()
        problems = getattr(error, "problems", None) or {error.field or "form": error.message}
        return _form_page(plate, values, problems, 422)
    sms.deliver_pending()
    case = resident_request.case_code
    _grant(case.code, "contact")
    return render_template("residents/receipt.html", case=case, url=case.url,
                           request_=resident_request)


# --- the case page ------------------------------------------------------------------------

def _grant(code: str, who: str) -> None:
    access = dict(session.get("case_access", {}))
    access[code] = [who, utcnow().isoformat()]
    session["case_access"] = access


def _granted(code: str) -> str | None:
    entry = session.get("case_access", {}).get(code)
    if not entry:
        return None
    who, since = entry
    if datetime.fromisoformat(since) + timedelta(minutes=ACCESS_MINUTES) < utcnow():
        return None
    return who


@bp.route("/c/", methods=["GET", "POST"])
def case_lookup():
    if request.method == "POST":
        code = codes.normalise(request.form.get("code", ""))
        if code:
            return redirect(url_for(".case", code=code))
    return render_template("residents/case_lookup.html")


def _verify_page(code: str, problems=None, sent=False, status=200):
    return render_template("residents/case_verify.html", code=code, problems=problems or {},
                           sent=sent), status


@bp.route("/c/<code>", methods=["GET", "POST"])
@limiter.limit(_case_limit, methods=["POST"])
def case(code: str):
    code = codes.normalise(code)
    found = codes.find(code)
    who = _granted(code) if found is not None else None
    contact = codes.contact(found, who) if who else None
    if contact is None:
        if request.method == "GET":
            return _verify_page(code)
        step = request.form.get("step")
        try:
            if step == "send":
                codes.send_otp(found, request.form.get("phone", ""))
                sms.deliver_pending()
                return _verify_page(code, sent=True)
            if step == "otp":
                who = codes.check_otp(found, request.form.get("otp", ""))
            else:
                who = codes.check_digits(found, request.form.get("digits", ""))
        except DomainError as error:
            db.session.rollback()
            return _verify_page(code, {error.field or "digits": error.message},
                                sent=step == "otp", status=422)
        _grant(code, who)
        return redirect(url_for(".case", code=code))
    if request.method == "POST":
        return _act(found, contact)
    return _case_page(found, contact)


def _case_page(case, contact, problems=None, status=200):
    return render_template(
        "residents/case.html", case=case, contact=contact, steps=parties.steps(case),
        conference=parties.next_conference(case), obligations=parties.obligations(case),
        acknowledgement=parties.acknowledgement(case, contact),
        may_rate=parties.may_rate(case), rating=parties.rating_of(case, contact),
        ratings=list(Rating), problems=problems or {}), status


def _act(case, contact):
    action = request.form.get("action")
    try:
        if action == "acknowledge":
            parties.acknowledge(case, contact, request.remote_addr)
        elif action == "rate":
            rating = Rating.__members__.get(request.form.get("rating", ""))
            if rating is None:
                raise DomainError(_("Choose how satisfied you are."), "rating")
            parties.rate(case, contact, rating, request.form.get("comment", ""))
    except DomainError as error:
        db.session.rollback()
        return _case_page(case, contact, {error.field or "form": error.message}, 422)
    return redirect(url_for(".case", code=case.code))


@bp.route("/c/<code>/notice.pdf")
def notice(code: str):
    """The notice of rights and duties for the party who opened the page."""
    from portal.disputes.models import Party
    from portal.followup.agreements import notice_html

    found = codes.find(code)
    who = _granted(codes.normalise(code)) if found is not None else None
    contact = codes.contact(found, who) if who else None
    if contact is None or contact.party_id is None:
        return _not_found()
    party = db.session.get(Party, contact.party_id)
    html = notice_html(found.dispute, party)
    pdf = renders.request_pdf(
        "notice", f"notice:{party.id}:{hashlib.sha256(html.encode()).hexdigest()}",
        "rights-notice.pdf", {"dispute": found.dispute.id, "party": party.id})
    return stored_or_wait(pdf)


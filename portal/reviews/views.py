"""Pages of the joint reviews: the series, a meeting with its agenda and decisions, the
minutes. Each POST calls the services and commits once at its end; a refusal shows the page
again with what was typed and the message by its field."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.audit.services import record as audit
from portal.bounds import in_range
from portal.disputes.models import Category, Risk
from portal.errors import DomainError
from portal.extensions import db
from portal.jobs import queue
from portal.jobs.respond import pdf_download, wait_for
from portal.orgs.models import User
from portal.permissions import can, require
from portal.reviews import calendar, items, meetings, minutes, planning
from portal.reviews.models import (
    HazardItem,
    ItemSource,
    MemberRole,
    MinutesState,
    ReviewMeeting,
    ReviewSeries,
)
from portal.timeutil import format_day

bp = Blueprint("reviews", __name__, url_prefix="/reviews")

RULES = {"weekly": "FREQ=WEEKLY", "fortnightly": "FREQ=WEEKLY;INTERVAL=2",
         "monthly": "FREQ=MONTHLY"}


def _series(ident: int) -> ReviewSeries:
    """Non-members do not learn that the series exists."""
    series = db.session.get(ReviewSeries, ident)
    if series is None or not can(current_user, "review.view", series):
        abort(404)
    return series


def _meeting(ident: int) -> ReviewMeeting:
    meeting = db.session.get(ReviewMeeting, ident)
    if meeting is None or not can(current_user, "review.view", meeting.series):
        abort(404)
    return meeting


def _moment(name: str) -> datetime | None:
    value = (request.form.get(name) or "").strip()
    try:
        moment = datetime.fromisoformat(value).replace(tzinfo=None) if value else None
    except ValueError:
        return None
    return moment if moment is not None and in_range(moment.date()) else None


def _day(name: str) -> date | None:
    value = (request.form.get(name) or "").strip()
    try:
        return in_range(date.fromisoformat(value)) if value else None
    except ValueError:
        return None


def _int(name: str) -> int | None:
    value = (request.form.get(name) or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def _member(value, enum_cls):
    return enum_cls.__members__.get(value or "")


def _refused(error: DomainError, form: str, page):
    """The page again, status 400, with the refused form's input and its message. The
    services refuse before they change anything, so the page shows what is stored; the
    status rolls the request's transaction back (portal.transaction)."""
    g.review_refusal = {"form": form, "field": error.field, "message": error.message,
                        "typed": request.form}
    flash(error.message, "danger")
    return page(), 400


@bp.app_context_processor
def _helpers():
    def refusal(form: str) -> dict:
        found = g.get("review_refusal")
        return found if found and found["form"] == form else {"typed": {}, "field": None,
                                                              "message": None}

    return {"review_refusal": refusal}


# --- series ------------------------------------------------------------------------------

def _candidates() -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.active).order_by(User.full_name)))


@bp.route("/")
@login_required
def index():
    from portal.orgs.models import Village

    creating = can(current_user, "review.create")
    return render_template(
        "reviews/index.html", series=planning.series_of(current_user), creating=creating,
        villages=list(db.session.scalars(sa.select(Village).where(Village.active)
                                         .order_by(Village.name))) if creating else [],
        candidates=_candidates() if creating else [], roles=list(MemberRole), rules=RULES)


@bp.route("/", methods=["POST"])
@login_required
@require("review.create")
def create():
    form = request.form
    members = [(user.id, role) for user in _candidates()
               if (role := _member(form.get(f"member_{user.id}"), MemberRole)) is not None]
    data = planning.SeriesInput(
        title=form.get("title", ""), rule=RULES.get(form.get("rule", ""), ""),
        first_start=_moment("first_start"), minutes_long=_int("minutes_long") or 0,
        place=form.get("place", ""),
        village_ids=[int(v) for v in form.getlist("village_ids") if v.isdigit()],
        members=members)
    try:
        series = planning.create_series(current_user, data)
    except DomainError as error:
        return _refused(error, "create", index)
    flash(_("The joint review is set up; its meetings are planned."), "success")
    return redirect(url_for(".series_page", ident=series.id))


@bp.route("/<int:ident>")
@login_required
def series_page(ident):
    series = _series(ident)
    return render_template("reviews/series.html", series=series,
                           may_run=can(current_user, "review.run", series),
                           **_item_form_choices(series))


@bp.route("/<int:ident>.ics")
@login_required
def download(ident):
    series = _series(ident)
    return Response(calendar.download(series), mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="review-{series.id}.ics"'})


def _item_form_choices(series: ReviewSeries) -> dict:
    return {"sources": list(ItemSource), "kinds": list(Category), "risks": list(Risk),
            "villages": list(series.villages), "addresses": items.addresses(series),
            "requests": items.linkable_requests(series)}


def _item_input() -> items.ItemInput:
    form = request.form
    return items.ItemInput(
        village_id=_int("village_id"), source=_member(form.get("source"), ItemSource),
        kind=_member(form.get("kind"), Category),
        risk=_member(form.get("risk"), Risk) or Risk.LOW, text=form.get("text", ""),
        address=form.get("address", ""), dispute_reference=form.get("dispute_reference", ""),
        address_id=_int("address_id"), request_id=_int("request_id"))


@bp.route("/<int:ident>/items", methods=["POST"])
@login_required
def report_to_series(ident):
    series = _series(ident)
    try:
        item = items.report_item(current_user, series, _item_input())
    except DomainError as error:
        return _refused(error, "item", lambda: series_page(ident))
    flash(_("The item is on the agenda of the meeting of %(day)s.",
            day=format_day(item.meeting.starts_at.astimezone(_zone(series)).date())), "success")
    return redirect(url_for(".meeting", ident=item.meeting_id))


def _zone(series: ReviewSeries):
    from zoneinfo import ZoneInfo

    return ZoneInfo(series.timezone)


# --- a meeting ---------------------------------------------------------------------------

@bp.route("/meetings/<int:ident>")
@login_required
def meeting(ident):
    found = _meeting(ident)
    series = found.series
    document = minutes.document_of(found)
    present = meetings.present(found)
    return render_template(
        "reviews/meeting.html", meeting=found, series=series, agenda=meetings.agenda(found),
        may_run=can(current_user, "review.run", series), document=document,
        attended={row.user_id for row in found.attendance if row.present},
        recorded=bool(found.attendance), present=present,
        outstanding=minutes.outstanding(found) if found.locked else [],
        signed={s.user_id for s in found.signatures}, MinutesState=MinutesState,
        members=sorted({m.user for m in series.members} | {series.convener},
                       key=lambda u: u.full_name),
        **_item_form_choices(series))


@bp.route("/meetings/<int:ident>/items", methods=["POST"])
@login_required
def report_to_meeting(ident):
    found = _meeting(ident)
    try:
        item = items.report_item(current_user, found.series, _item_input(), meeting=found)
    except DomainError as error:
        return _refused(error, "item", lambda: meeting(ident))
    flash(_("The item is on the agenda."), "success")
    return redirect(url_for(".meeting", ident=item.meeting_id))


def _act(ident: int, form: str, perform, done: str):
    found = _meeting(ident)
    try:
        perform(found)
    except DomainError as error:
        return _refused(error, form, lambda: meeting(ident))
    flash(done, "success")
    return redirect(url_for(".meeting", ident=ident))


@bp.route("/meetings/<int:ident>/attendance", methods=["POST"])
@login_required
def attendance(ident):
    present = {int(v) for v in request.form.getlist("present") if v.isdigit() and len(v) < 10}
    return _act(ident, "attendance",
                lambda m: meetings.record_attendance(current_user, m, present),
                _("The attendance is recorded."))


@bp.route("/meetings/<int:ident>/move", methods=["POST"])
@login_required
def move(ident):
    return _act(ident, "move", lambda m: planning.move_meeting(
        current_user, m, _moment("starts_at"), request.form.get("reason", "")),
        _("The meeting is moved; calendars show the new time."))


@bp.route("/meetings/<int:ident>/cancel", methods=["POST"])
@login_required
def cancel(ident):
    return _act(ident, "cancel", lambda m: planning.cancel_meeting(
        current_user, m, request.form.get("reason", "")),
        _("The meeting is cancelled; its items go to the next meeting."))


@bp.route("/items/<int:ident>/decision", methods=["POST"])
@login_required
def decide(ident):
    item = db.session.get(HazardItem, ident)
    if item is None or not can(current_user, "review.view", item.series):
        abort(404)
    form = request.form
    decision = form.get("decision", "")

    def perform(_meeting):
        if decision == "register":
            items.register_dispute(current_user, item, form.get("title", ""),
                                   form.get("party_name", ""),
                                   _member(form.get("kind"), Category))
        elif decision == "hand_over":
            items.hand_over(current_user, item, _int("owner_id"), _day("due_on"),
                            form.get("note", ""))
        elif decision == "merge":
            items.merge(current_user, item, form.get("reference", ""), form.get("note", ""))
        elif decision == "close":
            items.close_item(current_user, item, form.get("reason", ""))
        else:
            raise DomainError(_("Choose a decision."), "decision")

    return _act(item.meeting_id, f"decision-{item.id}", perform, _("The decision is recorded."))


# --- minutes -----------------------------------------------------------------------------

@bp.route("/meetings/<int:ident>/minutes", methods=["POST"])
@login_required
def draw_up(ident):
    return _act(ident, "minutes", lambda m: minutes.draw_up(current_user, m),
                _("The minutes are drawn up; the attendees present now sign them."))


@bp.route("/meetings/<int:ident>/sign", methods=["POST"])
@login_required
def sign(ident):
    return _act(ident, "sign", lambda m: minutes.sign(
        current_user, m, request.form.get("password", ""), request.form.get("seen_hash", "")),
        _("You have signed the minutes."))


@bp.route("/meetings/<int:ident>/refuse", methods=["POST"])
@login_required
def refuse(ident):
    return _act(ident, "refuse", lambda m: minutes.refuse(
        current_user, m, request.form.get("reason", ""), request.form.get("seen_hash", "")),
        _("You have refused to sign the minutes; your reason is on record."))


@bp.route("/meetings/<int:ident>/amend", methods=["POST"])
@login_required
def amend(ident):
    return _act(ident, "amend", lambda m: minutes.amend(current_user, m),
                _("The minutes are taken back for amendment; the signatures collected so far "
                  "are void. Correct the meeting and draw the minutes up again: the attendees "
                  "present sign again."))


@bp.route("/meetings/<int:ident>/issue", methods=["POST"])
@login_required
def issue(ident):
    return _act(ident, "issue", lambda m: minutes.issue(current_user, m),
                _("The minutes are issued; the sealed PDF is being made."))


@bp.route("/meetings/<int:ident>/minutes.pdf")
@login_required
def minutes_pdf(ident):
    found = _meeting(ident)
    if found.minutes_state is not MinutesState.ISSUED:
        abort(404)
    pdf = db.session.scalar(sa.select(ReviewMeeting.pdf).where(ReviewMeeting.id == found.id))
    if pdf is None:
        job = queue.enqueue("reviews.minutes", minutes.seal_key(found), {"meeting": found.id},
                            requested_by=current_user)
        return wait_for(job)
    audit("review.minutes_downloaded", found)
    return pdf_download(pdf, f"review-minutes-{found.id}.pdf")

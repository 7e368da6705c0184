"""The poll in the conference room, the .ics download and the private calendar feed."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from portal.calendar import events, feeds, services
from portal.calendar.forms import ConfirmForm, ProposeForm, SuggestForm
from portal.calendar.models import ReminderRow, VoteChoice
from portal.conferences.models import Conference
from portal.conferences.policy import may_answer
from portal.errors import DomainError
from portal.extensions import db
from portal.orgs.models import Room, User
from portal.permissions import can
from portal.timeutil import format_span
from scheduling.reminders import ReminderKind, SubjectKind
from scheduling.slots import WallClockSlot

bp = Blueprint("calendar", __name__, url_prefix="/calendar")


def _conference(ident: int, action: str = "conference.view") -> Conference:
    conference = db.session.get(Conference, ident)
    if conference is None or not can(current_user, "conference.view", conference):
        abort(404)
    if not can(current_user, action, conference):
        abort(403)
    return conference


def _room_page(conference: Conference):
    return redirect(url_for("conferences.detail", ident=conference.id) + "#schedule")


def _rooms() -> list[SelectChoice]:
    return [SelectChoice(r.id, r.name) for r in db.session.scalars(
        sa.select(Room).where(Room.active).order_by(Room.name))]


# A refused form's field names as the services give them, by form.
FIELDS = {"propose": {"confirm": "accept_warnings"}, "confirm": {}}


def _perform(conference: Conference, action, done: str, form: str | None = None,
             fields: dict | None = None):
    """Do ``action``; a refusal of ``form`` shows the room again (not a redirect), the form
    with what was typed and the message by its field, as well as on top of the page."""
    try:
        action()
    except DomainError as error:
        ident = conference.id
        db.session.rollback()
        flash(error.message, "danger")
        if form is None:
            return _room_page(conference)
        field = {**FIELDS[form], **(fields or {})}.get(error.field, error.field)
        g.calendar_refusal = (form, field, error.message)
        from portal.conferences.views import detail

        return detail(ident), 400
    flash(done, "success")
    return _room_page(conference)


def _mark(form, name: str):
    refusal = g.get("calendar_refusal")
    if refusal and refusal[0] == name and refusal[1] in form:
        form[refusal[1]].errors = [refusal[2]]
    return form


@bp.route("/conferences/<int:ident>/slots", methods=["POST"])
@login_required
def propose(ident):
    conference = _conference(ident, "conference.run")
    form = ProposeForm(prefix="propose")
    if not form.validate_on_submit():
        flash(_("Give the date and the start and end times."), "danger")
        return _room_page(conference)

    def action():
        slot = services.parse_slot(form.day.data, form.starts.data, form.ends.data)
        services.propose(current_user, conference, slot, form.accept_warnings.data)

    return _perform(conference, action, _("Slot proposed."), "propose")


@bp.route("/conferences/<int:ident>/suggestions")
@login_required
def suggestions(ident):
    conference = _conference(ident, "conference.run")
    # The page opens on the form alone; only a search submitted with it has a verdict.
    searched = "minutes" in request.args
    form = SuggestForm(request.args if searched else None, room_id=conference.room_id)
    form.room_id.choices = _rooms()
    candidates, error = [], None
    if searched and form.room_id.choices and form.validate():
        room = db.session.get(Room, form.room_id.data) or abort(400)
        try:
            candidates = services.suggest(conference, room, timedelta(minutes=form.minutes.data))
        except DomainError as failure:
            error = failure.message
    return render_template("calendar/suggestions.html", conference=conference, form=form,
                           searched=searched and not form.errors, candidates=candidates,
                           error=error,
                           notice=services.horizon_notice(services.SUGGESTION_DAYS),
                           holidays_known=services.working_calendar().covers)


@bp.route("/conferences/<int:ident>/suggestions", methods=["POST"])
@login_required
def propose_suggestion(ident):
    conference = _conference(ident, "conference.run")
    try:
        slot = WallClockSlot.from_utc(
            *(datetime.fromisoformat(request.form[name]) for name in ("start", "end")),
            services.working_calendar().zone)
    except (KeyError, ValueError):
        abort(400)
    # The suggestions page shows the unknown-holidays notice next to such slots.
    accepted = request.form.get("accept_warnings") == "1"
    return _perform(conference, lambda: services.propose(current_user, conference, slot,
                                                         accepted), _("Slot proposed."))


@bp.route("/conferences/<int:ident>/votes/<int:invitation_id>", methods=["POST"])
@login_required
def vote(ident, invitation_id):
    conference = _conference(ident)
    invitation = next((i for i in conference.invitations if i.id == invitation_id), None)
    if invitation is None:
        abort(404)
    choices = {}
    for slot in services.slots_of(conference):
        value = request.form.get(f"slot-{slot.id}")
        if value in VoteChoice.__members__:
            choices[slot.id] = VoteChoice[value]
    return _perform(conference, lambda: services.vote(current_user, invitation, choices),
                    _("Your availability is recorded; you can change it until the poll closes."))


@bp.route("/conferences/<int:ident>/confirm", methods=["POST"])
@login_required
def confirm(ident):
    conference = _conference(ident, "conference.manage")
    form = ConfirmForm(prefix="confirm")
    form.slot_id.choices = [SelectChoice(s.id, "") for s in services.slots_of(conference)]
    form.room_id.choices = _rooms()
    if not form.validate_on_submit():
        flash(_("Choose a proposed slot and a room."), "danger")
        return _room_page(conference)
    slot = next(s for s in services.slots_of(conference) if s.id == form.slot_id.data)
    room = db.session.get(Room, form.room_id.data) or abort(400)
    # Without a "no" from a required invitee, a missing reason is the quorum's.
    fields = {} if services.required_noes(conference, slot) else {
        "override_reason": "quorum_reason"}
    return _perform(conference, lambda: services.confirm(
        current_user, conference, slot, room, form.override_reason.data or "",
        form.quorum_reason.data or ""), _("Time and room confirmed; everyone is notified."),
        "confirm", fields)


@bp.route("/conferences/<int:ident>/reopen", methods=["POST"])
@login_required
def reopen(ident):
    conference = _conference(ident, "conference.manage")
    return _perform(conference, lambda: services.reopen(current_user, conference),
                    _("The poll is open again; everyone is asked for their availability."))


@bp.route("/conferences/<int:ident>.ics")
@login_required
def download(ident):
    conference = _conference(ident)
    if conference.starts_at is None or conference.room is None:
        abort(404)
    return Response(events.download(conference), mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="conference-{conference.id}.ics"'})


# --- the private feed ---------------------------------------------------------------------

def _feed_links() -> tuple[str, str]:
    """The feed at the portal's public address (PORTAL_BASE_URL), as given and as webcal://.

    Both follow that address's scheme and host rather than the request's: behind a proxy the
    request may have come in as plain http, and a portal that serves only http has no https
    link that would work."""
    path = url_for("calendar.feed", user_id=current_user.id,
                   token=feeds.feed_token(current_user))
    url = current_app.config["PORTAL_BASE_URL"].rstrip("/") + path[len(request.script_root):]
    return url, "webcal://" + url.split("://", 1)[1]


@bp.route("/")
@login_required
def mine():
    link, webcal = _feed_links()
    upcoming = events.feed_events(current_user)
    return render_template("calendar/mine.html", link=link, webcal=webcal, upcoming=upcoming)


@bp.route("/feed/rotate", methods=["POST"])
@login_required
def rotate():
    feeds.rotate_feed_secret(current_user)
    flash(_("A new feed link is made; the old one no longer works."), "success")
    return redirect(url_for("calendar.mine"))


@bp.route("/feed/<int:user_id>/<token>.ics")
def feed(user_id, token):
    """No sign-in: the token is the key. Unknown, revoked or forged links are 404, with a
    word for the person who opens the link in a browser."""
    owner = feeds.feed_owner(user_id, token)
    if owner is None:
        return Response(_("This calendar link is not valid: it may have been replaced by a "
                          "new one. Sign in to the portal and copy your current link from "
                          "“My calendar”."), status=404, mimetype="text/plain")
    found = events.feed_events(owner)
    series = feeds.feed_series(owner)
    name = events.feed_name(owner.language)
    etag = events.ical.feed_etag(found, name, series)
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if request.if_none_match.contains_weak(etag.strip('"')):
        return Response(status=304, headers=headers)
    return Response(events.ical.build_feed(found, name, series), mimetype="text/calendar",
                    headers=headers)


# --- what the room page's schedule card shows ------------------------------------------------

REMINDER_LABELS = {
    ReminderKind.RESPONSE_DUE_SOON: _l("Answer due soon"),
    ReminderKind.RESPONSE_OVERDUE: _l("Answers overdue"),
    ReminderKind.MEETING_IN_24H: _l("Meeting in 24 hours"),
    ReminderKind.MEETING_IN_2H: _l("Meeting in 2 hours"),
}


def _reminders(conference: Conference) -> list[dict]:
    rows = db.session.execute(
        sa.select(ReminderRow.kind, ReminderRow.due_at, ReminderRow.sent_at, User.full_name)
        .join(User, User.id == ReminderRow.recipient_id)
        .where(ReminderRow.subject_kind == SubjectKind.CONFERENCE.value,
               ReminderRow.subject_id == conference.id)
        .order_by(ReminderRow.due_at, User.full_name)).all()
    return [{"label": REMINDER_LABELS.get(ReminderKind(kind), kind), "due": due, "sent": sent,
             "to": name} for kind, due, sent, name in rows]


@bp.app_context_processor
def _helpers():
    def schedule_poll(conference: Conference) -> dict:
        slots = services.slots_of(conference)
        invitations = services.voting_invitations(conference)
        votes = services.votes_of(conference)
        poll = db.session.get(services.Poll, conference.id)
        propose_form = _mark(ProposeForm(prefix="propose"), "propose")
        confirm_form = _mark(ConfirmForm(prefix="confirm"), "confirm")
        confirm_form.slot_id.choices = [
            SelectChoice(s.id, format_span(s.slot.start_utc, s.slot.end_utc, s.zone))
            for s in slots]
        confirm_form.room_id.choices = _rooms()
        years = sorted({y for s in slots if services.HOLIDAYS_UNKNOWN in s.warnings
                        for y in services.unknown_holiday_years(s.starts_local, s.ends_local)})
        return {
            "open": conference.state in services.POLL_STATES and (poll is None or poll.is_open),
            "slots": slots, "invitations": invitations, "votes": votes,
            "tallies": {t.slot.id: t for t in services.rank(slots, invitations, votes)},
            "mine": [i for i in invitations if may_answer(current_user, i)],
            "propose": propose_form, "confirm": confirm_form, "choices": list(VoteChoice),
            "zone": services.working_calendar().zone,
            "override": poll.override_reason if poll else None,
            "warning_text": services.warning_text,
            "notice": services.unknown_holidays_notice(years) if years else None,
        }

    return {"schedule_poll": schedule_poll, "conference_reminders": _reminders}

"""The conference room page and the actions taken in it."""

from datetime import datetime

import sqlalchemy as sa
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
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload, undefer
from wtforms.fields.choices import SelectChoice

from portal.bounds import record_id
from portal.collation import by_pinyin
from portal.conferences import services
from portal.conferences.forms import (
    AddInviteeForm,
    AnswerForm,
    BriefForm,
    DelegateForm,
    DocumentForm,
    ReasonForm,
    ScheduleForm,
    SendForm,
)
from portal.conferences.models import (
    Answer,
    Brief,
    Conference,
    Document,
    Invitation,
    InviteeGroup,
)
from portal.conferences.policy import may_answer, viewable, visible_to
from portal.conferences.quorum import quorum_status
from portal.disputes import services as dispute_services
from portal.disputes.identity import mask_id, mask_phone
from portal.errors import DomainError
from portal.extensions import db
from portal.orgs.models import HEAD_KINDS, Organisation, OrgKind, Role, Room, User, UserRole
from portal.permissions import can
from portal.timeutil import local_zone

bp = Blueprint("conferences", __name__, url_prefix="/conferences")


def _load(ident) -> Conference:
    conference = db.session.scalar(
        sa.select(Conference).where(Conference.id == ident).options(
            joinedload(Conference.dispute), joinedload(Conference.room),
            selectinload(Conference.invitations).options(
                joinedload(Invitation.organisation), joinedload(Invitation.user),
                selectinload(Invitation.history))))
    if conference is None or not can(current_user, "conference.view", conference):
        abort(404)
    return conference


def _aware(value: datetime | None) -> datetime | None:
    """Form datetimes are the viewer's wall-clock time."""
    return value.replace(tzinfo=local_zone()) if value else None


def _kind_order(kind: OrgKind) -> tuple[int, str]:
    """The three heads first, then the sector bodies, lawyers, village committees, others."""
    rank = (0 if kind in HEAD_KINDS else 1 if kind.is_sector else
            2 if kind is OrgKind.LAWYER_OFFICE else 3 if kind is OrgKind.VILLAGE_COMMITTEE
            else 4)
    return rank, kind.name


def _bodies_by_kind() -> list[SelectChoice]:
    """Active organisations grouped by kind, each group in pinyin order."""
    groups: dict[OrgKind, list[Organisation]] = {}
    for org in db.session.scalars(sa.select(Organisation).where(Organisation.active)):
        groups.setdefault(org.kind, []).append(org)
    return [SelectChoice(o.id, o.name, optgroup=kind.label)
            for kind in sorted(groups, key=_kind_order) for o in by_pinyin(groups[kind])]


def _forms(conference: Conference) -> dict:
    add = AddInviteeForm(prefix="add")
    add.organisation_id.choices = [SelectChoice(0, "—")] + _bodies_by_kind()
    add.user_id.choices = [SelectChoice(0, "—")] + [
        SelectChoice(u.id, f"{u.full_name}（{u.organisation.name}）")
        for u in by_pinyin(db.session.scalars(
            sa.select(User).options(joinedload(User.organisation)).where(User.active)),
            name=lambda u: u.full_name)]
    send = SendForm(prefix="send")
    send.secretary_id.choices = [
        SelectChoice(u.id, u.full_name) for u in db.session.scalars(
            sa.select(User).where(User.active, User.role_rows.any(
                UserRole.role == Role.SECRETARY)).order_by(User.full_name))]
    schedule = ScheduleForm(prefix="schedule")
    schedule.room_id.choices = [SelectChoice(r.id, r.name) for r in db.session.scalars(
        sa.select(Room).where(Room.active).order_by(Room.name))]
    return {"add": add, "send": send, "schedule": schedule, "cancel": ReasonForm(prefix="cancel"),
            "document": DocumentForm(prefix="document"), "brief": BriefForm(prefix="brief")}


@bp.route("/<int:ident>")
@login_required
def detail(ident):
    return _room(_load(ident))


@bp.route("/<int:ident>/personal-data", methods=["POST"])
@login_required
def reveal(ident):
    conference = _load(ident)
    if not can(current_user, "dispute.personal_data", conference.dispute):
        abort(403)
    dispute_services.reveal_personal_data(current_user, conference.dispute, "conference")
    return _room(conference, reveal=True)


def _room(conference: Conference, reveal: bool = False, forms=None, start_error=None):
    """The room; after a refused post, ``forms`` are the forms as they were submitted, with
    the messages by their fields."""
    dispute = conference.dispute
    groups = {group: [i for i in conference.invitations if i.group is group]
              for group in InviteeGroup}
    briefs = db.session.scalars(sa.select(Brief).options(joinedload(Brief.organisation))
                                .where(Brief.conference_id == conference.id)).all()
    documents = db.session.scalars(
        sa.select(Document).options(joinedload(Document.uploader))
        .where(Document.conference_id == conference.id, Document.withdrawn_at.is_(None))
        .order_by(Document.id)).all()
    mine = [i for i in conference.invitations if may_answer(current_user, i)]
    # The bodies expected to file a brief: invited bodies, each once (not village members).
    brief_bodies = list({i.body.id: i.body for i in conference.invitations
                         if i.body is not None and i.group is not InviteeGroup.VILLAGE}.values())
    earlier = services.earlier_conferences(conference)
    return render_template(
        "conferences/detail.html", conference=conference, dispute=dispute, groups=groups,
        quorum=quorum_status(conference), briefs=briefs, documents=documents, mine=mine,
        brief_bodies=brief_bodies,
        earlier=earlier, earlier_viewable=viewable(current_user, earlier),
        forms=forms or _forms(conference),
        start_shift=services.start_shift(conference)
        if conference.state is services.S.SCHEDULED else None, start_error=start_error,
        may_manage=can(current_user, "conference.manage", conference),
        may_run=can(current_user, "conference.run", conference),
        may_contribute=can(current_user, "conference.contribute", conference),
        reveal=reveal, may_reveal=can(current_user, "dispute.personal_data", dispute),
        mask_id=mask_id, mask_phone=mask_phone, S=services.S, Answer=Answer,
    )


def _refused(ident, forms: dict, name: str | None, error: DomainError | None = None):
    """The room again, not a redirect, so that what was typed stays in the form; the
    message goes on top of the page and by its field, which may be far down the page."""
    form = forms.get(name)
    if error is not None:
        if form is not None and error.field in form:
            form[error.field].errors = [error.message]
        flash(error.message, "danger")
    return _room(_load(ident), forms=forms), 400


def _post(ident, perform, done, forms=None, name=None):
    conference = _load(ident)
    try:
        perform(conference)
    except DomainError as error:
        db.session.rollback()
        return _refused(ident, forms or _forms(_load(ident)), name, error)
    flash(done, "success")
    return redirect(url_for("conferences.detail", ident=conference.id))


def _form_or_fail(forms: dict, name: str, ident):
    if forms[name].validate_on_submit():
        return None
    return _refused(ident, forms, name)


@bp.route("/<int:ident>/invitees", methods=["POST"])
@login_required
def add_invitee(ident):
    forms = _forms(_load(ident))
    form = forms["add"]
    failed = _form_or_fail(forms, "add", ident)
    if failed:
        return failed
    org = db.session.get(Organisation, form.organisation_id.data or 0)
    user = db.session.get(User, form.user_id.data or 0)
    return _post(ident, lambda c: services.add_invitee(current_user, c, org, user,
                                                       form.required.data), _l("Invitee added."),
                 forms, "add")


def _invitation_of(conference: Conference, invitation_id: int) -> Invitation:
    for invitation in conference.invitations:
        if invitation.id == invitation_id:
            return invitation
    abort(404)


@bp.route("/<int:ident>/invitees/<int:invitation_id>/remove", methods=["POST"])
@login_required
def remove_invitee(ident, invitation_id):
    return _post(ident, lambda c: services.remove_invitee(
        current_user, _invitation_of(c, invitation_id)), _l("Invitee removed."))


@bp.route("/<int:ident>/invitees/<int:invitation_id>/required", methods=["POST"])
@login_required
def toggle_required(ident, invitation_id):
    required = request.form.get("required") == "1"
    return _post(ident, lambda c: services.set_required(
        current_user, _invitation_of(c, invitation_id), required), _l("Saved."))


@bp.route("/<int:ident>/send", methods=["POST"])
@login_required
def send(ident):
    forms = _forms(_load(ident))
    form = forms["send"]
    failed = _form_or_fail(forms, "send", ident)
    if failed:
        return failed
    secretary = db.session.get(User, form.secretary_id.data) or abort(400)
    return _post(ident, lambda c: services.send_invitations(
        current_user, c, secretary, _aware(form.deadline.data), form.message.data or ""),
        _l("Invitations sent."), forms, "send")


@bp.route("/<int:ident>/schedule", methods=["POST"])
@login_required
def schedule(ident):
    forms = _forms(_load(ident))
    form = forms["schedule"]
    failed = _form_or_fail(forms, "schedule", ident)
    if failed:
        return failed
    room = db.session.get(Room, form.room_id.data) or abort(400)
    return _post(ident, lambda c: services.schedule(
        current_user, c, _aware(form.starts_at.data), _aware(form.ends_at.data), room,
        form.override_reason.data or ""), _l("Time and room confirmed; everyone is notified."),
        forms, "schedule")


@bp.route("/<int:ident>/start", methods=["POST"])
@login_required
def start(ident):
    conference = _load(ident)
    try:
        services.start(current_user, conference, request.form.get("confirm_move") == "1")
    except DomainError as error:
        db.session.rollback()
        return _room(_load(ident), forms=_forms(_load(ident)), start_error=error), 400
    flash(_("The session is open."), "success")
    return redirect(url_for("conferences.detail", ident=ident))


@bp.route("/<int:ident>/end", methods=["POST"])
@login_required
def end(ident):
    return _post(ident, lambda c: services.end_session(current_user, c),
                 _l("The session is closed; the minutes can be drafted."))


@bp.route("/<int:ident>/cancel", methods=["POST"])
@login_required
def cancel(ident):
    forms = _forms(_load(ident))
    form = forms["cancel"]
    failed = _form_or_fail(forms, "cancel", ident)
    if failed:
        return failed
    return _post(ident, lambda c: services.cancel(current_user, c, form.reason.data),
                 _l("The conference is cancelled; everyone is notified."), forms, "cancel")


@bp.route("/<int:ident>/brief", methods=["POST"])
@login_required
def brief(ident):
    forms = _forms(_load(ident))
    form = forms["brief"]
    failed = _form_or_fail(forms, "brief", ident)
    if failed:
        return failed
    return _post(ident, lambda c: services.submit_brief(
        current_user, c, form.known.data or "", form.done.data or "", form.withheld.data or ""),
        _l("Brief filed."), forms, "brief")


@bp.route("/<int:ident>/documents", methods=["POST"])
@login_required
def upload(ident):
    forms = _forms(_load(ident))
    form = forms["document"]
    failed = _form_or_fail(forms, "document", ident)
    if failed:
        return failed
    upload = form.file.data
    return _post(ident, lambda c: services.upload_document(
        current_user, c, upload.filename or "", upload.read()), _l("Document uploaded."),
        forms, "document")


@bp.route("/<int:ident>/documents/<int:document_id>/withdraw", methods=["POST"])
@login_required
def withdraw(ident, document_id):
    conference = _load(ident)
    document = db.session.scalar(sa.select(Document).where(
        Document.id == document_id, Document.conference_id == conference.id,
        Document.withdrawn_at.is_(None)))
    if document is None:
        abort(404)
    return _post(ident, lambda c: services.withdraw_document(
        current_user, document, request.form.get("reason", "")[:300]),
        _l("The document was withdrawn."))


@bp.route("/<int:ident>/documents/<int:document_id>")
@login_required
def download(ident, document_id):
    conference = _load(ident)
    document = db.session.scalar(sa.select(Document).options(undefer(Document.data)).where(
        Document.id == document_id, Document.conference_id == conference.id,
        Document.withdrawn_at.is_(None)))
    if document is None:
        abort(404)
    services.record_download(current_user, document, conference)
    return Response(document.data, mimetype=document.content_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{_quote(document.filename)}",
        "X-Content-Type-Options": "nosniff"})


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


# --- the invitee's answer page ----------------------------------------------------------

def _invitation(ident) -> Invitation:
    invitation = db.session.get(Invitation, ident)
    if invitation is None or not can(current_user, "conference.view", invitation.conference):
        abort(404)
    return invitation


@bp.route("/invitations/<int:ident>", methods=["GET", "POST"])
@login_required
def answer(ident):
    invitation = _invitation(ident)
    conference = invitation.conference
    form = AnswerForm(prefix="answer")
    delegate_form = DelegateForm(prefix="delegate")
    body = invitation.body
    delegate_form.delegate_id.choices = [
        SelectChoice(u.id, f"{u.full_name}{'（' + u.title + '）' if u.title else ''}")
        for u in db.session.scalars(sa.select(User).where(
            User.organisation_id == (body.id if body else 0), User.active,
            User.id != current_user.id).order_by(User.full_name))]
    if request.method == "GET" and invitation.answer in (Answer.ACCEPTED, Answer.TENTATIVE,
                                                         Answer.DECLINED):
        form.answer.data = invitation.answer.name
        form.note.data = invitation.answer_note
    if form.validate_on_submit():
        try:
            services.answer(current_user, invitation, Answer[form.answer.data],
                            form.note.data or "")
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            flash(_("Your answer is recorded: %(answer)s.", answer=invitation.answer.label),
                  "success")
            return redirect(url_for("conferences.detail", ident=conference.id))
    return render_template("conferences/answer.html", invitation=invitation,
                           conference=conference, form=form, delegate_form=delegate_form,
                           may_answer=may_answer(current_user, invitation))


@bp.route("/invitations/<int:ident>/delegate", methods=["POST"])
@login_required
def delegate(ident):
    invitation = _invitation(ident)
    form = DelegateForm(prefix="delegate")
    to = db.session.get(User, request.form.get("delegate-delegate_id", type=record_id) or 0)
    if to is None:
        flash(_("Choose the colleague to delegate to."), "danger")
        return redirect(url_for("conferences.answer", ident=invitation.id))
    try:
        services.delegate(current_user, invitation, to, form.note.data or "")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("conferences.answer", ident=invitation.id))
    flash(_("Delegated to %(name)s, who now represents %(body)s.", name=to.full_name,
            body=invitation.body.name), "success")
    return redirect(url_for("conferences.detail", ident=invitation.conference_id))


@bp.route("/")
@login_required
def index():
    """The conferences the user may open: invited to, convening or taking the minutes of."""
    statement = (sa.select(Conference)
                 .options(joinedload(Conference.dispute), joinedload(Conference.room))
                 .where(visible_to(current_user)))
    state = request.args.get("state")
    if state in services.S.__members__:
        statement = statement.where(Conference.state == services.S[state])
    from portal.pagination import paginate

    page = paginate(statement.order_by(Conference.starts_at.desc().nulls_last(),
                                       Conference.id.desc()))
    return render_template("conferences/index.html", page=page, states=list(services.S),
                           state=state)


@bp.app_context_processor
def _helpers():
    return {"answers_open": services.answers_open}

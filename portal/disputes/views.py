"""Dispute register pages: list, detail with workflow actions, create, edit, import."""

from datetime import datetime

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from portal.bounds import in_range, optional_id
from portal.collation import by_pinyin
from portal.config import EXAMPLES_DIR
from portal.disputes import listing, policy, search, services, timeline
from portal.disputes.forms import (
    MAX_PARTIES,
    AssignForm,
    DisputeForm,
    EscalateForm,
    FeedbackForm,
    ImportForm,
    NoteForm,
    OptionalNoteForm,
    ReferForm,
    ResolveForm,
)
from portal.disputes.identity import mask_address, mask_id, mask_phone
from portal.disputes.models import (
    CLOSED_STATES,
    Category,
    Dispute,
    DisputeEvent,
    Referral,
    Risk,
    Status,
    Subcategory,
    subcategories_of,
)
from portal.errors import DomainError
from portal.extensions import db
from portal.orgs.models import SECTOR_KINDS, User, Village
from portal.permissions import can, load_or_404, require

bp = Blueprint("disputes", __name__, url_prefix="/disputes")

SORTS = {
    "reported_at": Dispute.reported_at, "-reported_at": Dispute.reported_at.desc(),
    "due_on": Dispute.due_on, "-due_on": Dispute.due_on.desc(),
    "reference": Dispute.reference, "-reference": Dispute.reference.desc(),
    "tier": Dispute.tier, "-tier": Dispute.tier.desc(),
}


def _villages() -> list[Village]:
    return by_pinyin(db.session.scalars(sa.select(Village).where(Village.active)))


def _enum_arg(name: str, enum_cls):
    value = request.args.get(name, "")
    return enum_cls[value] if value in enum_cls.__members__ else None


def _date_arg(name: str):
    try:
        return in_range(datetime.strptime(request.args.get(name, ""), "%Y-%m-%d").date())
    except ValueError:
        return None


def _filters() -> list:
    """The list's filters as WHERE conditions; malformed values are ignored, never a 500."""
    conditions = []
    if request.args.get("tier", "") in {"1", "2", "3"}:
        conditions.append(Dispute.tier == int(request.args["tier"]))
    for name, column, enum_cls in (("status", Dispute.status, Status),
                                   ("category", Dispute.category, Category),
                                   ("risk", Dispute.risk, Risk)):
        value = _enum_arg(name, enum_cls)
        if value is not None:
            conditions.append(column == value)
    village_id = optional_id(request.args.get("village"))
    if village_id is not None:
        conditions.append(Dispute.village_id == village_id)
    if request.args.get("mine") == "1":
        conditions.append(Dispute.handler_id == current_user.id)
    if request.args.get("overdue") == "1":
        conditions += [Dispute.due_on < services.local_today(),
                       Dispute.status.not_in(CLOSED_STATES)]
    start, end = _date_arg("from"), _date_arg("to")
    zone = services.local_zone()
    if start:
        conditions.append(
            Dispute.reported_at >= datetime.combine(start, datetime.min.time(), zone))
    if end:
        conditions.append(
            Dispute.reported_at < datetime.combine(end, datetime.max.time(), zone))
    return conditions


@bp.route("/")
@login_required
def index():
    scope, filters = policy.visible_to(current_user), _filters()
    q = request.args.get("q", "").strip()[:search.MAX_QUERY]
    sort = request.args.get("sort", "relevance" if q else "-reported_at")
    ranked = bool(q) and sort == "relevance"
    order = [Dispute.reported_at.desc() if ranked else SORTS.get(sort, SORTS["-reported_at"]),
             Dispute.id.desc()]
    statement = (sa.select(Dispute)
                 .options(joinedload(Dispute.village), joinedload(Dispute.handler)))
    counted = None
    if q:
        dialect = db.engine.dialect.name
        found = search.first(scope, filters, q, dialect, order, listing.depth(), ranked)
        statement = statement.join(found, found.c.dispute_id == Dispute.id)
        order = [found.c.score, *order]
        counted = search.counted(scope, filters, q, dialect)
    else:
        statement = statement.where(scope, *filters)
    return render_template(
        "disputes/index.html", page=listing.page_of(statement.order_by(*order), counted),
        args=request.args, sort=sort, q=q, highlight=search.highlight, snippet=search.snippet,
        villages=list(_villages()), statuses=list(Status), categories=list(Category),
        risks=list(Risk),
    )


def _handler_choices() -> list[SelectChoice]:
    return [SelectChoice(u.id, f"{u.full_name}（{u.organisation.name}）")
            for u in services.handler_candidates()]


def _load(ident) -> Dispute:
    return load_or_404(Dispute, ident, "dispute.view")


def _detail(dispute: Dispute, reveal: bool = False, forms: dict | None = None):
    events = db.session.scalars(
        sa.select(DisputeEvent).options(joinedload(DisputeEvent.actor))
        .where(DisputeEvent.dispute_id == dispute.id).order_by(DisputeEvent.id)).all()
    # The conference room declares the dispute's side of their relationship.
    conferences = sorted(dispute.conferences, key=lambda conference: conference.id)
    actions = services.allowed_actions(current_user, dispute)
    forms = forms or {}
    assign = forms.get("assign") or AssignForm(prefix="assign")
    if "assign" in actions:
        assign.handler_id.choices = _handler_choices()
    return render_template(
        "disputes/detail.html", dispute=dispute, events=events, conferences=conferences,
        actions=actions, reveal=reveal,
        may_reveal=can(current_user, "dispute.personal_data", dispute),
        mask_id=mask_id, mask_phone=mask_phone, mask_address=mask_address,
        forms={
            "assign": assign,
            "take_over": forms.get("take_over") or OptionalNoteForm(prefix="take_over"),
            "handle": forms.get("handle") or NoteForm(prefix="handle"),
            "escalate": forms.get("escalate") or EscalateForm(prefix="escalate"),
            "resolve": forms.get("resolve") or ResolveForm(prefix="resolve"),
            "refer": forms.get("refer") or ReferForm(prefix="refer"),
            "feedback": forms.get("feedback") or FeedbackForm(prefix="feedback"),
            "close": forms.get("close") or OptionalNoteForm(prefix="close"),
            "reopen": forms.get("reopen") or NoteForm(prefix="reopen"),
        },
    )


@bp.route("/<int:ident>")
@login_required
def detail(ident):
    dispute = db.session.scalar(
        sa.select(Dispute).options(selectinload(Dispute.parties), joinedload(Dispute.village),
                                   joinedload(Dispute.handler), joinedload(Dispute.reporter))
        .where(Dispute.id == ident))
    if dispute is None or not can(current_user, "dispute.view", dispute):
        abort(404)
    return _detail(dispute)


@bp.route("/<int:ident>/personal-data", methods=["POST"])
@login_required
def reveal(ident):
    dispute = _load(ident)
    if not can(current_user, "dispute.personal_data", dispute):
        abort(403)
    services.reveal_personal_data(current_user, dispute, "dispute")
    return _detail(dispute, reveal=True)


@bp.route("/new", methods=["GET", "POST"])
@login_required
@require("dispute.create")
def create():
    form = DisputeForm(villages=list(_villages()))
    if _add_party_row(form):
        return _form_page(form, None)
    if form.validate_on_submit():
        try:
            dispute = services.create_dispute(current_user, form.value())
        except DomainError as error:
            db.session.rollback()
            _attach(form, error)
        else:
            flash(_("Dispute %(ref)s registered.", ref=dispute.reference), "success")
            return redirect(url_for("disputes.detail", ident=dispute.id))
    return _form_page(form, None)


def _stored_fields(form: DisputeForm, dispute: Dispute):
    """Each party row's ID number and phone field with the value stored for that row."""
    for entry, party in zip(form.parties, dispute.parties, strict=False):
        yield entry.form.id_number, party.id_number, mask_id
        yield entry.form.phone, party.phone, mask_phone


def _mask_stored(form: DisputeForm, dispute: Dispute) -> None:
    """Stored values go into the form masked and read-only: an editor changes only the
    ID numbers and phones they were shown, and sending the mask back keeps the value."""
    for field, stored, mask in _stored_fields(form, dispute):
        if stored and field.data in (stored, mask(stored)):
            field.data = mask(stored)
            field.render_kw = {**(field.render_kw or {}), "readonly": True}


def _unmask_stored(form: DisputeForm, dispute: Dispute) -> None:
    for field, stored, mask in _stored_fields(form, dispute):
        if stored and field.data == mask(stored):
            field.data = stored


def _edit_form(dispute: Dispute, stored: bool) -> DisputeForm:
    """The edit form as submitted, or (`stored`) filled from the dispute as it is."""
    if not stored:
        return DisputeForm(villages=list(_villages()))
    form = DisputeForm(formdata=None, obj=dispute, villages=list(_villages()))
    form.category.data = dispute.category.name
    form.subcategory.data = dispute.subcategory.name if dispute.subcategory else ""
    form.source.data = dispute.source.name
    form.risk.data = dispute.risk.name
    while len(form.parties) < len(dispute.parties) + 1 and len(form.parties) < 20:
        form.parties.append_entry()
    for entry, party in zip(form.parties, dispute.parties, strict=False):
        entry.form.name.data = party.name
        entry.form.role.data = party.role.name
        entry.form.id_number.data = party.id_number
        entry.form.phone.data = party.phone
        entry.form.address.data = party.address
    return form


def _edit_page(dispute: Dispute, form: DisputeForm, reveal: bool = False):
    if not reveal:
        _mask_stored(form, dispute)
    return render_template(
        "disputes/form.html", form=form, dispute=dispute, reveal=reveal,
        may_reveal=can(current_user, "dispute.personal_data", dispute),
        max_parties=MAX_PARTIES)


def _load_for_edit(ident) -> Dispute:
    dispute = _load(ident)
    if not can(current_user, "dispute.edit", dispute):
        abort(403)
    return dispute


@bp.route("/<int:ident>/edit", methods=["GET", "POST"])
@login_required
def edit(ident):
    dispute = _load_for_edit(ident)
    form = _edit_form(dispute, stored=request.method == "GET")
    if request.method == "POST":
        _unmask_stored(form, dispute)
    if _add_party_row(form):
        return _edit_page(dispute, form)
    if form.validate_on_submit():
        try:
            services.update_dispute(current_user, dispute, form.value())
        except DomainError as error:
            db.session.rollback()
            _attach(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("disputes.detail", ident=dispute.id))
    return _edit_page(dispute, form)


@bp.route("/<int:ident>/edit/personal-data", methods=["POST"])
@login_required
def edit_revealed(ident):
    """The edit form with the full ID numbers and phones, after the audited reveal."""
    dispute = _load_for_edit(ident)
    if not can(current_user, "dispute.personal_data", dispute):
        abort(403)
    services.reveal_personal_data(current_user, dispute, "edit")
    return _edit_page(dispute, _edit_form(dispute, stored=True), reveal=True)


def _form_page(form: DisputeForm, dispute: Dispute | None):
    return render_template("disputes/form.html", form=form, dispute=dispute,
                           max_parties=MAX_PARTIES)


def _add_party_row(form: DisputeForm) -> bool:
    """The form's "add a party" button: the same form again, with one more empty row."""
    if request.method != "POST" or not request.form.get("add_party"):
        return False
    if len(form.parties) < MAX_PARTIES:
        form.parties.append_entry()
    return True


def _attach(form, error: DomainError) -> None:
    if error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, error.message]
    else:
        flash(error.message, "danger")


ACTIONS = {
    "assign": (AssignForm, lambda u, d, f: services.assign(
        u, d, db.session.get(User, f.handler_id.data) or abort(400), f.note.data or "")),
    "take_over": (OptionalNoteForm, lambda u, d, f: services.take_over(u, d, f.note.data or "")),
    "handle": (NoteForm, lambda u, d, f: services.handle(u, d, f.note.data)),
    "escalate": (EscalateForm, lambda u, d, f: services.escalate(u, d, f.tier.data,
                                                                  f.reason.data)),
    "resolve": (ResolveForm, lambda u, d, f: services.resolve(u, d, f.outcome.data)),
    "refer": (ReferForm, lambda u, d, f: services.refer(
        u, d, Referral[f.kind.data], f.body.data, f.reference.data or "", f.outcome.data or "")),
    "feedback": (FeedbackForm, lambda u, d, f: services.record_feedback(
        u, d, f.method.data, f.note.data, f.satisfaction.data)),
    "close": (OptionalNoteForm, lambda u, d, f: services.close(u, d, f.note.data or "")),
    "reopen": (NoteForm, lambda u, d, f: services.reopen(u, d, f.note.data)),
}
DONE = {
    "assign": _l("Handler assigned."), "take_over": _l("You now handle this dispute."),
    "handle": _l("Handling recorded."), "escalate": _l("Dispute escalated."),
    "resolve": _l("Dispute marked resolved."), "refer": _l("Referral recorded."),
    "feedback": _l("Feedback recorded."), "close": _l("Dispute closed."),
    "reopen": _l("Dispute reopened."),
}


@bp.route("/<int:ident>/<action>", methods=["POST"])
@login_required
def act(ident, action):
    if action not in ACTIONS:
        abort(404)
    dispute = _load(ident)
    form_cls, perform = ACTIONS[action]
    form = form_cls(prefix=action)
    if action == "assign":
        form.handler_id.choices = _handler_choices()
    if not form.validate_on_submit():
        db.session.rollback()
        return _detail(dispute, forms={action: form}), 400
    try:
        result = perform(current_user, dispute, form)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("disputes.detail", ident=dispute.id))
    flash(DONE[action], "success")
    if action == "escalate" and result is not None:
        return redirect(url_for("conferences.detail", ident=result.id))
    return redirect(url_for("disputes.detail", ident=dispute.id))


@bp.url_value_preprocessor
def _import_upload_limit(endpoint, values) -> None:
    # The city platform's export of a whole county is larger than any other upload. Set
    # before any before_request hook (the CSRF check) reads the body under the general limit.
    if endpoint == "disputes.import_csv":
        request.max_content_length = current_app.config["PORTAL_IMPORT_MAX_MB"] * 1024 * 1024


@bp.route("/import", methods=["GET", "POST"])
@login_required
@require("dispute.import")
def import_csv():
    from portal.disputes.importer import ImportRejected, import_csv

    form = ImportForm()
    errors = []
    if form.validate_on_submit():
        try:
            result = import_csv(current_user, form.file.data.read())
        except ImportRejected as rejected:
            db.session.rollback()
            errors = rejected.errors
            flash(rejected.message, "danger")
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            flash(_("%(n)d disputes imported.", n=result.count), "success")
            return redirect(url_for("disputes.index", sort="-reported_at"))
    return render_template("disputes/import.html", form=form, errors=errors)


@bp.route("/sectors", methods=["GET", "POST"])
@login_required
@require("admin.manage")
def sectors():
    """Admins edit which sector bodies each category calls for."""
    kinds = sorted(SECTOR_KINDS, key=lambda k: k.name)
    if request.method == "POST":
        mapping = {c: {k for k in kinds if request.form.get(f"{c.name}:{k.name}")}
                   for c in (*Category, *Subcategory)}
        try:
            services.set_category_sectors(current_user, mapping)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("disputes.sectors"))
    return render_template("disputes/sectors.html", categories=list(Category), kinds=kinds,
                           mapping=services.current_sectors(), subcategories_of=subcategories_of)


@bp.route("/import/example.csv")
@login_required
@require("dispute.import")
def import_example():
    return send_file(EXAMPLES_DIR / "city-platform-export.csv", mimetype="text/csv",
                     as_attachment=True, download_name="city-platform-export.csv")


@bp.app_context_processor
def _helpers():
    def my_disputes():
        open_mine = (sa.select(Dispute).where(Dispute.handler_id == current_user.id,
                                              Dispute.status.not_in(CLOSED_STATES)))
        count = sa.select(sa.func.count()).select_from(open_mine.subquery())
        overdue = sa.select(sa.func.count()).select_from(
            open_mine.where(Dispute.due_on < services.local_today()).subquery())
        return {
            "assigned": db.session.scalars(
                open_mine.order_by(Dispute.due_on.is_(None), Dispute.due_on).limit(8)).all(),
            "total": db.session.scalar(count),
            "overdue": db.session.scalar(overdue),
        }

    return {"my_disputes": my_disputes,
            "event_label": timeline.label, "event_detail": timeline.detail,
            "satisfaction_label": timeline.satisfaction_label,
            "feedback_method_label": timeline.method_label}

"""Admin pages: organisations, villages, rooms and user accounts."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from portal.errors import DomainError
from portal.extensions import db
from portal.jobs.models import Job, JobState
from portal.orgs import services
from portal.orgs.forms import OrganisationForm, RoomForm, UserForm, VillageForm
from portal.orgs.models import Organisation, OrgKind, Role, Room, User, UserRole, Village
from portal.pagination import paginate
from portal.permissions import load_or_404, require

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
@require("admin.manage")
def _admins_only():
    return None


def _search(statement, *columns):
    q = request.args.get("q", "").strip()
    if q:
        statement = statement.where(sa.or_(*(c.contains(q, autoescape=True) for c in columns)))
    return statement, q


def _edit(obj, form, save, template: str, back: str, **context):
    """The create/edit flow shared by every admin form: validate, save, report errors."""
    if form.validate_on_submit():
        try:
            save(form)
        except DomainError as error:
            db.session.rollback()
            field = form[error.field] if error.field and error.field in form else None
            if field is not None:
                field.errors = [*field.errors, error.message]
            else:
                flash(error.message, "danger")
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(back))
    return render_template(template, form=form, obj=obj, **context)


@bp.route("/")
def index():
    counts = {
        "organisations": db.session.scalar(sa.select(sa.func.count(Organisation.id))),
        "villages": db.session.scalar(sa.select(sa.func.count(Village.id))),
        "rooms": db.session.scalar(sa.select(sa.func.count(Room.id))),
        "users": db.session.scalar(sa.select(sa.func.count(User.id))),
    }
    failed_jobs = db.session.scalar(sa.select(sa.func.count(Job.id)).where(
        Job.state == JobState.FAILED))
    return render_template("admin/index.html", counts=counts, failed_jobs=failed_jobs)


@bp.route("/organisations")
def organisations():
    statement, q = _search(sa.select(Organisation).order_by(Organisation.kind, Organisation.name),
                           Organisation.name)
    kind = request.args.get("kind")
    if kind in OrgKind.__members__:
        statement = statement.where(Organisation.kind == OrgKind[kind])
    return render_template("admin/organisations.html", page=paginate(statement), q=q,
                           kinds=list(OrgKind), kind=kind)


@bp.route("/organisations/new", methods=["GET", "POST"])
@bp.route("/organisations/<int:ident>", methods=["GET", "POST"])
def organisation(ident=None):
    org = load_or_404(Organisation, ident, "admin.manage") if ident else Organisation()
    form = OrganisationForm(obj=org if ident else None)
    if ident and request.method == "GET":
        form.kind.data = org.kind.name
    return _edit(org, form, lambda f: services.save_organisation(current_user, org, f.values()),
                 "admin/organisation_form.html", "admin.organisations")


def _people_choices() -> dict[str, list[tuple[int, str]]]:
    def with_role(role: Role):
        rows = db.session.execute(
            sa.select(User.id, User.full_name).join(UserRole)
            .where(UserRole.role == role, User.active).order_by(User.full_name)
        )
        return [(row.id, row.full_name) for row in rows]

    return {
        "grid_worker_id": with_role(Role.GRID_WORKER),
        "community_police_id": with_role(Role.COMMUNITY_POLICE),
        "resident_lawyer_id": with_role(Role.LAWYER),
    }


@bp.route("/villages")
def villages():
    statement, q = _search(sa.select(Village).order_by(Village.name), Village.name,
                           Village.police_grid, Village.community_grid)
    return render_template("admin/villages.html", page=paginate(statement), q=q)


@bp.route("/villages/new", methods=["GET", "POST"])
@bp.route("/villages/<int:ident>", methods=["GET", "POST"])
def village(ident=None):
    village = load_or_404(Village, ident, "admin.manage") if ident else Village()
    form = VillageForm(obj=village if ident else None)
    form.set_people(_people_choices())
    return _edit(village, form,
                 lambda f: services.save_village(current_user, village, f.values()),
                 "admin/village_form.html", "admin.villages")


@bp.route("/rooms")
def rooms():
    statement, q = _search(sa.select(Room).order_by(Room.name), Room.name, Room.location)
    return render_template("admin/rooms.html", page=paginate(statement), q=q)


@bp.route("/rooms/new", methods=["GET", "POST"])
@bp.route("/rooms/<int:ident>", methods=["GET", "POST"])
def room(ident=None):
    room = load_or_404(Room, ident, "admin.manage") if ident else Room()
    form = RoomForm(obj=room if ident else None)
    return _edit(room, form, lambda f: services.save_room(current_user, room, f.values()),
                 "admin/room_form.html", "admin.rooms")


@bp.route("/users")
def users():
    statement, q = _search(
        sa.select(User).join(User.organisation).order_by(User.username),
        User.username, User.full_name, User.email, Organisation.name,
    )
    role = request.args.get("role")
    if role in Role.__members__:
        statement = statement.where(User.role_rows.any(UserRole.role == Role[role]))
    return render_template("admin/users.html", page=paginate(statement), q=q,
                           roles=list(Role), role=role)


@bp.route("/users/new", methods=["GET", "POST"])
@bp.route("/users/<int:ident>", methods=["GET", "POST"])
def user(ident=None):
    user = load_or_404(User, ident, "admin.manage") if ident else User()
    form = UserForm(obj=user if ident else None)
    form.organisation_id.choices = [
        SelectChoice(o.id, o.name) for o in db.session.scalars(
            sa.select(Organisation).where(Organisation.active).order_by(Organisation.name))
    ]
    if ident and request.method == "GET":
        form.roles.data = [r.name for r in user.roles]
    return _edit(
        user, form,
        lambda f: services.save_user(current_user, user, f.values(), f.role_values(),
                                     password=f.password.data or None),
        "admin/user_form.html", "admin.users",
    )


@bp.route("/users/<int:ident>/reset-password", methods=["POST"])
def user_reset_password(ident):
    user = load_or_404(User, ident, "admin.manage")
    if user.id == current_user.id:
        abort(400)
    temporary = services.reset_password(current_user, user)
    flash(_("Temporary password for %(name)s: %(password)s — give it to them in person; "
            "they must change it when they next sign in.",
            name=user.full_name, password=temporary), "warning")
    return redirect(url_for("admin.user", ident=user.id))

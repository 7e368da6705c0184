from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from portal.auth import services
from portal.auth.forms import LoginForm, PasswordChangeForm
from portal.extensions import limiter
from portal.redirects import local_path
from portal.timeutil import format_moment, utcnow

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["PORTAL_LOGIN_LIMIT"]


def _address_limit() -> str:
    return current_app.config["PORTAL_LOGIN_ADDRESS_LIMIT"]


def _account_at_address() -> str:
    # A station's staff share one public address; guesses are counted per name there, and
    # the looser per-address limit stops one machine from trying many names.
    name = (request.form.get("username") or "").strip().lower()
    return f"{get_remote_address()}/{name}"


def _safe_next(target: str | None) -> str:
    return local_path(target) or url_for("main.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_account_at_address)
@limiter.limit(_address_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    locked_until = None
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data)
        except services.LoginRefused as refused:
            flash(refused.message, "danger")
            locked_until = refused.locked_until
        else:
            session.clear()
            login_user(user)
            session["last_seen"] = utcnow().timestamp()
            session["lang"] = user.language
            if user.must_change_password:
                flash(_("Please choose a new password before you continue."), "warning")
                return redirect(url_for("auth.change_password"))
            return redirect(_safe_next(request.args.get("next")))
    return render_template(
        "auth/login.html",
        form=form,
        locked_until=format_moment(locked_until) if locked_until else None,
    )


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    language = current_user.language
    services.sign_out(current_user._get_current_object())
    logout_user()
    session.clear()
    session["lang"] = language  # the sign-in page stays in the language the user chose
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current.data, form.new.data)
        except services.PasswordError as error:
            form[error.field].errors.append(str(error))
        else:
            login_user(user)  # the session token changed with the password
            session["last_seen"] = utcnow().timestamp()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/change_password.html", form=form)


def enforce_session_rules():
    """Before every request: expire idle sessions and hold users who must change password."""
    if not current_user.is_authenticated:
        return None
    now = utcnow().timestamp()
    idle_limit = current_app.config["PORTAL_IDLE_MINUTES"] * 60
    last_seen = session.get("last_seen", now)
    if now - last_seen > idle_limit:
        services.logout_recorded(current_user._get_current_object(), "session_expired")
        logout_user()
        session.clear()
        flash(_("Your session expired after a period of inactivity. Please sign in again."),
              "warning")
        return redirect(url_for("auth.login", next=request.full_path
                                if request.method == "GET" else None))
    session["last_seen"] = now
    exempt = {"auth.change_password", "auth.logout", "static", "bootstrap.static",
              "main.set_language"}
    if current_user.must_change_password and request.endpoint not in exempt:
        return redirect(url_for("auth.change_password"))
    return None


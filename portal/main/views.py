"""Dashboard, language choice, health check and error pages."""

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError

from portal.auth.redirects import local_path
from portal.orgs.services import update_own_preferences

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def dashboard():
    return render_template("main/dashboard.html")


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}


@bp.route("/language", methods=["POST"])
def set_language():
    language = request.form.get("language")
    if language in current_app.config["LANGUAGES"]:
        session["lang"] = language
        if current_user.is_authenticated:
            update_own_preferences(current_user, language=language)
    return redirect(local_path(request.form.get("next")) or url_for("main.dashboard"))


def _error_page(status: int, title: str, message: str):
    return render_template("errors/error.html", status=status, title=title,
                           message=message), status


def register_error_pages(app) -> None:
    @app.errorhandler(400)
    def bad_request(error):
        return _error_page(400, _("Bad request"),
                           _("The request could not be understood. Go back and try again."))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _error_page(400, _("Form expired"),
                           _("The form was too old or did not come from this portal. "
                             "Reload the page and submit it again."))

    @app.errorhandler(403)
    def forbidden(error):
        return _error_page(403, _("Not allowed"),
                           _("Your account does not have access to this page."))

    @app.errorhandler(404)
    def not_found(error):
        return _error_page(404, _("Not found"),
                           _("There is no such page, or it is not available to you."))

    @app.errorhandler(405)
    def method_not_allowed(error):
        return _error_page(405, _("Not allowed"), _("This action is not available here."))

    @app.errorhandler(413)
    def too_large(error):
        return _error_page(413, _("File too large"),
                           _("The upload is larger than the portal accepts."))

    @app.errorhandler(429)
    def too_many(error):
        return _error_page(429, _("Too many attempts"),
                           _("Too many requests in a short time. Wait a minute and try again."))

    @app.errorhandler(500)
    def server_error(error):
        from portal.extensions import db

        db.session.rollback()
        return _error_page(500, _("Something went wrong"),
                           _("The portal could not complete this request. Nothing was saved. "
                             "If it happens again, tell your administrator."))

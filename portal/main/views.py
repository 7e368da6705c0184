"""Dashboard, language choice, health check and error pages."""

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from portal.main.dashboard import cards as dashboard_cards
from portal.orgs.services import update_own_preferences
from portal.redirects import local_path

bp = Blueprint("main", __name__)


@bp.route("/")
def dashboard():
    # The portal's front door: a visitor who is not signed in is simply shown the sign-in,
    # without the "please sign in to see this page" of a deep link.
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("main/dashboard.html", cards=dashboard_cards(current_user))


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


def forbidden_page():
    return _error_page(403, _("Not allowed"),
                       _("Your account does not have access to this page."))


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
        return forbidden_page()

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
        return plain_error_page(500)

    @app.errorhandler(sa.exc.OperationalError)
    @app.errorhandler(sa.exc.InterfaceError)
    def database_unavailable(error):
        current_app.logger.error("database unavailable: %s", error)
        return plain_error_page(503)


PLAIN_PAGES = {
    500: (_l("Something went wrong"),
          _l("The portal could not complete this request. Nothing was saved. If it happens "
             "again, tell your administrator.")),
    503: (_l("Please try again"),
          _l("The portal is busy or its database is briefly unreachable. Nothing was saved. "
             "Wait a moment and send the page again.")),
}


def _plain_language() -> str:
    # Only what the request itself carries: the signed-in user cannot be loaded when the
    # database is the thing that failed.
    chosen = session.get("lang") if "lang" in session else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    best = request.accept_languages.best_match(["zh", "zh-CN", "en"])
    return "en" if best == "en" else "zh_CN"


def plain_error_page(status: int):
    """An error page that renders without the database, in the request's language."""
    from portal.extensions import db

    try:
        db.session.rollback()
    except Exception:  # the connection may be gone; the page must still render
        current_app.logger.exception("rollback after an error failed")
    with force_locale(_plain_language()):
        title, message = PLAIN_PAGES[status]
        # Straight from the environment: the context processors would load the user.
        body = current_app.jinja_env.get_template("errors/plain.html").render(
            status=status, title=str(title), message=str(message), lang=_plain_language())
    response = current_app.response_class(body, status=status, mimetype="text/html")
    if status == 503:
        response.headers["Retry-After"] = "5"
    return response

"""The inbox, the unread badge in the navbar, and the administrators' view of the outbox."""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.errors import DomainError
from portal.extensions import db
from portal.jobs import heartbeat
from portal.notifications import policy, services  # noqa: F401 - policy registers its rules
from portal.notifications.models import Notification, OutboxMessage, OutboxStatus
from portal.notifications.outbox import SENDER
from portal.pagination import paginate
from portal.permissions import load_or_404, require

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def unread_badge():
    def unread_notifications() -> int:
        """One COUNT per request, however many places show it."""
        if not current_user.is_authenticated:
            return 0
        if "unread_notifications" not in g:
            g.unread_notifications = services.unread_count(current_user)
        return g.unread_notifications

    return {"unread_notifications": unread_notifications}


@bp.route("/inbox")
@login_required
def inbox():
    return render_template("notifications/inbox.html",
                           page=paginate(services.inbox(current_user)))


@bp.route("/inbox/<int:ident>")
@login_required
def open_notification(ident: int):
    notification = load_or_404(Notification, ident, "notification.open")
    return redirect(services.open_notification(current_user, notification))


@bp.route("/inbox/read-all", methods=["POST"])
@login_required
def mark_all_read():
    count = services.mark_all_read(current_user)
    flash(_("%(count)d notifications marked as read.", count=count), "success")
    return redirect(url_for(".inbox"))


@bp.route("/admin/outbox")
@login_required
@require("admin.manage")
def outbox():
    status = OutboxStatus.__members__.get(request.args.get("status", "").upper())
    return render_template("notifications/outbox.html", page=paginate(services.outbox(status)),
                           status=status, statuses=list(OutboxStatus), **_sender())


def _sender() -> dict:
    return {"sender_running": heartbeat.running(SENDER),
            "sender_seen": heartbeat.last_seen(SENDER)}


@bp.route("/admin/outbox/<int:ident>")
@login_required
@require("admin.manage")
def outbox_message(ident: int):
    message = load_or_404(OutboxMessage, ident, "admin.manage")
    return render_template("notifications/outbox_message.html", m=message,
                           status=request.args.get("status") or None, **_sender())


@bp.route("/admin/outbox/<int:ident>/retry", methods=["POST"])
@login_required
@require("admin.manage")
def retry(ident: int):
    message = load_or_404(OutboxMessage, ident, "admin.manage")
    try:
        services.retry(current_user, message)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        flash(_("The message to %(address)s will be sent at the next run.",
                address=message.to_address), "success")
    return redirect(url_for(".outbox", status=request.args.get("status") or None))

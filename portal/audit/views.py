"""Admins browse and filter the audit log."""

from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import login_required

from portal.audit.models import AuditEvent
from portal.bounds import in_range
from portal.pagination import paginate
from portal.permissions import require
from portal.timeutil import local_zone

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


def _day(value: str | None):
    try:
        return in_range(datetime.strptime(value, "%Y-%m-%d").date()) if value else None
    except ValueError:
        return None


@bp.route("/")
@login_required
@require("audit.read")
def index():
    args = request.args
    statement = sa.select(AuditEvent).order_by(AuditEvent.seq.desc())
    if args.get("action"):
        statement = statement.where(AuditEvent.action.startswith(args["action"], autoescape=True))
    if args.get("actor"):
        statement = statement.where(AuditEvent.actor_name.contains(args["actor"], autoescape=True))
    if args.get("object_type"):
        statement = statement.where(AuditEvent.object_type == args["object_type"])
    if args.get("object_id"):
        statement = statement.where(AuditEvent.object_id == args["object_id"])
    zone = local_zone()
    start, end = _day(args.get("from")), _day(args.get("to"))
    if start:
        statement = statement.where(
            AuditEvent.occurred_at >= datetime.combine(start, time(), zone))
    if end:
        statement = statement.where(
            AuditEvent.occurred_at < datetime.combine(end + timedelta(days=1), time(), zone))
    return render_template("admin/audit.html", page=paginate(statement), args=args)

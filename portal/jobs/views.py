"""The waiting page of a job, its JSON status for the page's script, retry, the admin list."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.audit.services import record
from portal.extensions import db
from portal.jobs import queue
from portal.jobs.models import Job, JobState
from portal.pagination import paginate
from portal.permissions import can
from portal.redirects import local_path

bp = Blueprint("jobs", __name__)


def _job(ident: int) -> Job:
    # A job says only how far the work is; the document itself is served by its own page,
    # under that page's permission. The error's detail is for administrators.
    return db.session.get(Job, ident) or abort(404)


def _next(default: str) -> str:
    return local_path(request.values.get("next")) or default


def _status(job: Job, target: str) -> dict:
    return {"state": job.state.value, "label": job.state.label, "progress": job.progress,
            "step": job.step, "failed": job.state is JobState.FAILED,
            "error": job.error if can(current_user, "admin.manage") else None,
            "next": target if job.state is JobState.DONE else None}


# The waiting page serves residents too (a party's notice), who do not sign in.
@bp.route("/jobs/<int:ident>")
def waiting(ident):
    job = _job(ident)
    target = _next("/")
    if job.state is JobState.DONE and request.args.get("go") != "0":
        return redirect(target)
    return render_template("jobs/waiting.html", job=job, target=target, S=JobState,
                           status=_status(job, target)), 202


@bp.route("/jobs/<int:ident>.json")
def status(ident):
    job = _job(ident)
    response = jsonify(_status(job, _next("/")))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/jobs/<int:ident>/retry", methods=["POST"])
@login_required
def retry(ident):
    job = _job(ident)
    if job.state is JobState.FAILED:
        queue.retry(job)
        record("job.retried", job, summary=job.kind)
    return redirect(url_for(".waiting", ident=ident, next=_next("/")))


@bp.route("/admin/jobs")
@login_required
def admin_list():
    if not can(current_user, "admin.manage"):
        abort(404)
    chosen = JobState.__members__.get(request.args.get("state", ""))
    query = db.select(Job).order_by(Job.id.desc())
    if chosen is not None:
        query = query.where(Job.state == chosen)
    page = paginate(query)
    return render_template("jobs/admin.html", page=page, chosen=chosen, S=JobState,
                           title=_("Background jobs"))

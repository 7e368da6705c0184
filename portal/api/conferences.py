"""Conferences over the API: read rooms, invitations and answers; answer as the token's
account; the .ics file of a scheduled conference; the minutes' state, issued PDFs, and the
verification of a content hash."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import undefer

from portal.api import cursors, serialize
from portal.api.blueprint import bp, requires
from portal.api.errors import ApiError
from portal.api.loading import load, not_found
from portal.api.schemas import (
    MAX_ID,
    AnswerIn,
    ConferenceOut,
    ConferencePage,
    ConferenceQuery,
    InvitationList,
    InvitationOut,
    MinutesOut,
    VerificationOut,
)
from portal.audit.services import record
from portal.conferences import policy, services
from portal.conferences.models import Answer, Conference, ConferenceState, Invitation
from portal.extensions import db
from portal.minutes import services as minutes
from portal.minutes.models import MinutesVersion, VersionStatus

ID = f"<int(max={MAX_ID}):ident>"


def _conference(ident: int) -> Conference:
    return load(Conference, ident, "conference.view")


@bp.route("/conferences", methods=["GET"])
@requires("conferences:read")
@bp.arguments(ConferenceQuery, location="query")
@bp.response(200, ConferencePage)
def list_conferences(args):
    """Conferences the token's account may open, newest first."""
    statement = sa.select(Conference).where(policy.visible_to(current_user))
    if "state" in args:
        statement = statement.where(Conference.state == ConferenceState(args["state"]))
    if "dispute_id" in args:
        statement = statement.where(Conference.dispute_id == args["dispute_id"])
    rows, next_cursor = cursors.page(statement, Conference, "conferences", args["limit"],
                                     args.get("cursor"))
    return {"items": [serialize.conference(c) for c in rows], "next_cursor": next_cursor}


@bp.route(f"/conferences/{ID}", methods=["GET"])
@requires("conferences:read")
@bp.response(200, ConferenceOut)
def get_conference(ident):
    """One conference: state, schedule, room and quorum."""
    return serialize.conference(_conference(ident))


@bp.route(f"/conferences/{ID}/invitations", methods=["GET"])
@requires("conferences:read")
@bp.response(200, InvitationList)
def list_invitations(ident):
    """The roster with each answer, who gave it, when, and its history."""
    conference = _conference(ident)
    return {"items": [serialize.invitation(i, current_user) for i in conference.invitations]}


@bp.route(f"/conferences/{ID}.ics", methods=["GET"])
@requires("conferences:read")
@bp.response(200, {"format": "binary", "type": "string"}, content_type="text/calendar")
def conference_ics(ident):
    """The conference as an iCalendar file, like the room page's download (404 until a time
    and room are confirmed)."""
    from portal.calendar import events

    conference = _conference(ident)
    if conference.starts_at is None or conference.room is None:
        raise ApiError(404, "not_scheduled", _l("This conference has no confirmed time yet."))
    return Response(events.download(conference), mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="conference-{conference.id}.ics"'})


@bp.route(f"/invitations/{ID}/answer", methods=["POST"])
@requires("invitations:answer")
@bp.arguments(AnswerIn)
@bp.response(200, InvitationOut)
def answer_invitation(data, ident):
    """Accept, answer tentatively or decline (with a reason), as the token's account."""
    invitation = load(Invitation, ident, "conference.view", through="conference")
    services.answer(current_user, invitation, Answer(data["answer"]), data["note"])
    db.session.expire_all()
    return serialize.invitation(db.session.get(Invitation, ident), current_user)


def _signatures(version: MinutesVersion) -> list[dict]:
    return [{"name": s.user.full_name, "body": s.body, "at": s.at, "refused": s.refused}
            for s in version.signatures if not s.cancelled]


@bp.route(f"/conferences/{ID}/minutes", methods=["GET"])
@requires("minutes:read")
@bp.response(200, MinutesOut)
def get_minutes(ident):
    """The minutes' versions, their state, content hash and signatures."""
    conference = _conference(ident)
    sealed = set(db.session.scalars(sa.select(MinutesVersion.id).where(
        MinutesVersion.conference_id == conference.id, MinutesVersion.pdf.is_not(None))))
    return {"conference_id": conference.id, "conference_state": conference.state.value,
            "versions": [{
                "number": v.number, "status": v.status.value, "content_hash": v.content_hash,
                "created_at": v.created_at, "issued_at": v.issued_at,
                "pdf_available": v.id in sealed, "signatures": _signatures(v),
            } for v in minutes.versions(conference)]}


@bp.route(f"/conferences/{ID}/minutes/<int(max={MAX_ID}):number>.pdf", methods=["GET"])
@requires("minutes:read")
@bp.response(200, {"format": "binary", "type": "string"}, content_type="application/pdf")
def minutes_pdf(ident, number):
    """The sealed PDF of an issued version (drafts are not served over the API)."""
    conference = _conference(ident)
    version = db.session.scalar(
        sa.select(MinutesVersion).options(undefer(MinutesVersion.pdf))
        .filter_by(conference_id=conference.id, number=number)
        .where(MinutesVersion.status.in_((VersionStatus.ISSUED, VersionStatus.SUPERSEDED))))
    if version is None:
        raise not_found()
    if version.pdf is None:
        raise ApiError(503, "being_prepared", _l("The sealed PDF is being prepared; try again "
                                                 "in a minute."), headers={"Retry-After": "30"})
    record("minutes.downloaded", conference, changes={"version": number, "issued": True})
    name = f"minutes-{conference.id}-v{number}.pdf"
    return Response(version.pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/verify/<string(length=64):content_hash>", methods=["GET"])
@requires("minutes:read")
@bp.response(200, VerificationOut)
def verify(content_hash):
    """Whether a SHA-256 content hash is that of issued minutes; 404 when it is not."""
    version = minutes.find_by_hash(content_hash.lower())
    if version is None:
        raise ApiError(404, "not_found", _l("No issued minutes have this hash."))
    conference = db.session.get(Conference, version.conference_id)
    newer = minutes.newer_issued(version)
    return {"found": True, "reference": conference.dispute.reference,
            "number": version.number, "issued_at": version.issued_at,
            "amended_by": newer.number if newer else None,
            "signatures": _signatures(version)}

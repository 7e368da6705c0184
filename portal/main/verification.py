"""The public verification page: whether a document of the portal (conference minutes, a
mediation agreement) is an issued version, by its QR code's link or the PDF itself.

It sits above the domains, since one page answers for the documents of several."""

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from portal.conferences.models import Conference
from portal.extensions import db, limiter
from portal.followup import agreements
from portal.minutes import services as minutes
from portal.minutes.models import MinutesVersion
from reports.verify import NotAPdfError, read_document_record

bp = Blueprint("verification", __name__)


def _verdict(version: MinutesVersion | None, seal_ok: bool | None = None) -> dict:
    if version is None:
        return {"found": False, "seal_ok": seal_ok}
    conference = db.session.get(Conference, version.conference_id)
    names = {r["user_id"]: r["name"] for r in minutes.signers(conference)}
    signers = [{"name": names.get(s.user_id, s.user.full_name), "body": s.body,
                "at": s.at, "refused": s.refused}
               for s in version.signatures if not s.cancelled]
    newer = minutes.newer_issued(version)
    return {"found": True, "reference": conference.dispute.reference,
            "number": version.number, "issued_at": version.issued_at, "signers": signers,
            "amended_by": newer.number if newer else None, "seal_ok": seal_ok,
            "hash": version.content_hash}


def _agreement_verdict(agreement, seal_ok: bool | None = None) -> dict:
    # Parties are private persons: the public page names the issuing committee and the
    # mediators, and gives only the dates on which the parties signed.
    data = agreements.content(agreement)
    return {"found": True, "kind": "agreement", "reference": agreement.dispute.reference,
            "number": agreement.number, "version": agreement.version,
            "committee": data["committee"], "mediators": data.get("mediators", []),
            "effective_on": agreement.effective_on, "issued_at": agreement.issued_at,
            "signed_on": sorted(s.signed_on for s in agreement.signatures),
            "seal_ok": seal_ok, "hash": agreement.content_hash}


def _find(content_hash: str, kind: str | None = None, seal_ok: bool | None = None) -> dict:
    if kind in (None, "minutes"):
        version = minutes.find_by_hash(content_hash)
        if version is not None or kind == "minutes":
            return _verdict(version, seal_ok)
    agreement = agreements.find_by_hash(content_hash)
    if agreement is not None:
        return _agreement_verdict(agreement, seal_ok)
    return {"found": False, "seal_ok": None}


@bp.route("/verify", methods=["GET", "POST"])
@bp.route("/verify/<content_hash>")
@limiter.limit("30 per minute")
def verify(content_hash=None):
    verdict, error = None, None
    if request.method == "POST":
        upload = request.files.get("file")
        data = upload.read() if upload else b""
        try:
            found = read_document_record(data)
        except NotAPdfError:
            error = _("This file is not a PDF.")
        else:
            verdict = {"found": False, "seal_ok": None}
            if found is not None:
                verdict = _find(found.content_hash, found.kind or None)
            if verdict["found"]:
                from portal.minutes.sealing import check

                verdict["seal_ok"] = check(data).ok
    elif content_hash is not None:
        verdict = _find(content_hash.lower()[:64])
    return render_template("main/verify.html", verdict=verdict, error=error), (
        400 if error else 200)


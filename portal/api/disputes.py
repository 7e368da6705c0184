"""Disputes over the API: register, list, read, and the closed-loop transitions.

Each view parses its input through a schema, loads the dispute as the pages do (404 when
the token's account may not see it) and calls the same service the page calls.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask import jsonify
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from portal.api import cursors, idempotency, serialize
from portal.api.blueprint import bp, requires
from portal.api.errors import ApiError
from portal.api.loading import load
from portal.api.schemas import (
    MAX_ID,
    AssignIn,
    DisputeIn,
    DisputeOut,
    DisputePage,
    DisputeQuery,
    EscalateIn,
    FeedbackIn,
    NoteIn,
    ReferIn,
    ResolveIn,
    RevealQuery,
)
from portal.disputes import policy, search, services
from portal.disputes.identity import normalise_id
from portal.disputes.models import Category, Dispute, PartyRole, Referral, Risk, Source
from portal.disputes.models import Status as DisputeStatus
from portal.extensions import db
from portal.orgs.models import User
from portal.permissions import can

ID = f"<int(max={MAX_ID}):ident>"


# What serializing a dispute reads, loaded with it.
LOADED = (selectinload(Dispute.parties), joinedload(Dispute.village),
          joinedload(Dispute.handler), joinedload(Dispute.reporter))


def _dispute(ident: int) -> Dispute:
    return load(Dispute, ident, "dispute.view", *LOADED)


def _input(data: dict) -> services.DisputeInput:
    return services.DisputeInput(
        title=data["title"], category=Category(data["category"]),
        village_id=data["village_id"], source=Source(data["source"]),
        description=data["description"], risk=Risk(data["risk"]), tier=data["tier"],
        claims=data["claims"], amount=Decimal(data["amount"]) if data["amount"] else None,
        occurred_on=data["occurred_on"], due_on=data["due_on"],
        external_ref=(data["external_ref"] or "").strip() or None,
        parties=[services.PartyInput(
            name=p["name"].strip(), role=PartyRole(p["role"]),
            id_number=normalise_id(p["id_number"]) if p["id_number"] else None,
            phone=(p["phone"] or "").strip() or None,
            address=(p["address"] or "").strip() or None) for p in data["parties"]],
    )


def _dumped(dispute: Dispute) -> dict:
    return DisputeOut().dump(serialize.dispute(dispute))


@bp.route("/disputes", methods=["POST"])
@requires("disputes:write")
@bp.arguments(DisputeIn)
@bp.response(201, DisputeOut)
@bp.alt_response(409, description="Idempotency-Key reused with another body, or in use")
@bp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "required": False,
                     "schema": {"type": "string", "maxLength": 200}}])
def create_dispute(data):
    """Register a dispute (the reporter is the token's account)."""

    def create():
        return 201, _dumped(services.create_dispute(current_user, _input(data)))

    status, body = idempotency.run(create)
    response = jsonify(body)
    response.status_code = status
    return response


@bp.route("/disputes", methods=["GET"])
@requires("disputes:read")
@bp.arguments(DisputeQuery, location="query")
@bp.response(200, DisputePage)
def list_disputes(args):
    """Disputes the token's account may see, newest first, with cursor pagination."""
    statement = sa.select(Dispute).options(*LOADED).where(policy.visible_to(current_user))
    filters = {"status": (Dispute.status, DisputeStatus), "category": (Dispute.category, Category),
               "risk": (Dispute.risk, Risk)}
    for name, (column, enum_cls) in filters.items():
        if name in args:
            statement = statement.where(column == enum_cls(args[name]))
    if "tier" in args:
        statement = statement.where(Dispute.tier == args["tier"])
    if "village_id" in args:
        statement = statement.where(Dispute.village_id == args["village_id"])
    if "external_ref" in args:
        statement = statement.where(Dispute.external_ref == args["external_ref"])
    q = args.get("q", "").strip()
    if q:
        # The list page's indexed search; the order stays newest first for the cursor.
        found = search.matches(q, db.engine.dialect.name)
        statement = statement.join(found, found.c.dispute_id == Dispute.id)
    rows, next_cursor = cursors.page(statement, Dispute, "disputes", args["limit"],
                                     args.get("cursor"))
    return {"items": [serialize.dispute(d) for d in rows], "next_cursor": next_cursor}


@bp.route(f"/disputes/{ID}", methods=["GET"])
@requires("disputes:read")
@bp.arguments(RevealQuery, location="query")
@bp.response(200, DisputeOut)
def get_dispute(args, ident):
    """One dispute. ID numbers and phones are masked unless include_personal_data=true,
    which needs the same right as the page's "show" button and is audited like it."""
    dispute = _dispute(ident)
    if args["include_personal_data"]:
        if not can(current_user, "dispute.personal_data", dispute):
            raise ApiError(403, "forbidden", _l("This token may not see personal data."))
        services.reveal_personal_data(current_user, dispute, "api")
    return serialize.dispute(dispute, reveal=args["include_personal_data"])


def _transition(ident: int, action):
    dispute = _dispute(ident)
    action(dispute)
    db.session.expire_all()
    return serialize.dispute(_dispute(ident))


@bp.route(f"/disputes/{ID}/assign", methods=["POST"])
@requires("disputes:write")
@bp.arguments(AssignIn)
@bp.response(200, DisputeOut)
def assign(data, ident):
    """Assign a handler (conveners and administrators)."""
    handler = db.session.get(User, data["handler_id"])
    if handler is None:
        raise ApiError(422, "validation_failed", _l("Some fields are not valid."),
                       {"handler_id": [_l("Unknown account.")]})
    return _transition(ident, lambda d: services.assign(current_user, d, handler, data["note"]))


@bp.route(f"/disputes/{ID}/escalate", methods=["POST"])
@requires("disputes:write")
@bp.arguments(EscalateIn)
@bp.response(200, DisputeOut)
def escalate(data, ident):
    """Escalate to tier 2 or 3; tier 3 opens a draft conference."""
    return _transition(ident, lambda d: services.escalate(current_user, d, data["tier"],
                                                          data["reason"]))


@bp.route(f"/disputes/{ID}/resolve", methods=["POST"])
@requires("disputes:write")
@bp.arguments(ResolveIn)
@bp.response(200, DisputeOut)
def resolve(data, ident):
    """Record the agreement reached."""
    return _transition(ident, lambda d: services.resolve(current_user, d, data["outcome"]))


@bp.route(f"/disputes/{ID}/refer", methods=["POST"])
@requires("disputes:write")
@bp.arguments(ReferIn)
@bp.response(200, DisputeOut)
def refer(data, ident):
    """Refer to litigation, arbitration or an administrative body."""
    return _transition(ident, lambda d: services.refer(
        current_user, d, Referral(data["kind"]), data["body"], data["reference"],
        data["outcome"]))


@bp.route(f"/disputes/{ID}/feedback", methods=["POST"])
@requires("disputes:write")
@bp.arguments(FeedbackIn)
@bp.response(200, DisputeOut)
def feedback(data, ident):
    """Record what the parties were told (needed before closing)."""
    return _transition(ident, lambda d: services.record_feedback(
        current_user, d, data["method"], data["note"], data["satisfaction"]))


@bp.route(f"/disputes/{ID}/close", methods=["POST"])
@requires("disputes:write")
@bp.arguments(NoteIn)
@bp.response(200, DisputeOut)
def close(data, ident):
    """Close the loop after the feedback."""
    return _transition(ident, lambda d: services.close(current_user, d, data["note"]))


"""Request and response schemas; the OpenAPI document is generated from them.

Request schemas reject unknown fields, wrong types and text the databases cannot store
(NUL characters, lone surrogates). Enumerations travel as their lower-case values.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates

from portal.conferences.models import Answer, ConferenceState
from portal.disputes.identity import id_number_problem
from portal.disputes.models import Category, PartyRole, Referral, Risk, Source, Status
from portal.validators import is_phone

MAX_ID = 2**31 - 1
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def values(enum_cls) -> list[str]:
    return [member.value for member in enum_cls]


class Text(fields.String):
    """A string without characters that PostgreSQL or SQLite refuse to store."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if UNSTORABLE.search(text):
            raise ValidationError(str(_l("Contains characters that cannot be stored.")))
        return text


def Id(**kwargs):  # noqa: N802 - reads like a field class
    return fields.Integer(strict=True, validate=validate.Range(1, MAX_ID), **kwargs)


def Choice(enum_cls, **kwargs):  # noqa: N802
    return Text(validate=validate.OneOf(values(enum_cls)), **kwargs)


class Strict(Schema):
    pass


# --- requests ------------------------------------------------------------------------------

class PartyIn(Strict):
    name = Text(required=True, validate=validate.Length(1, 60))
    role = Choice(PartyRole, required=True)
    id_number = Text(load_default=None, allow_none=True, validate=validate.Length(max=18))
    phone = Text(load_default=None, allow_none=True, validate=validate.Length(max=20))
    address = Text(load_default=None, allow_none=True, validate=validate.Length(max=200))

    @validates("id_number")
    def _id_number(self, value, **kwargs):
        if value and id_number_problem(value.strip().upper()):
            raise ValidationError(str(_l("Not a valid resident ID number.")))

    @validates("phone")
    def _phone(self, value, **kwargs):
        if value and not is_phone(value.strip()):
            raise ValidationError(str(_l("Not a valid phone number.")))


class DisputeIn(Strict):
    title = Text(required=True, validate=validate.Length(1, 120))
    category = Choice(Category, required=True)
    tier = fields.Integer(strict=True, load_default=1, validate=validate.Range(1, 3))
    village_id = Id(required=True)
    source = Choice(Source, load_default=Source.CITY_PLATFORM.value)
    risk = Choice(Risk, load_default=Risk.LOW.value)
    description = Text(required=True, validate=validate.Length(1, 5000))
    claims = Text(load_default="", validate=validate.Length(max=2000))
    amount = fields.Decimal(places=2, as_string=True, load_default=None, allow_none=True,
                            metadata={"minimum": 0, "maximum": 10**11})
    occurred_on = fields.Date(load_default=None, allow_none=True)
    due_on = fields.Date(load_default=None, allow_none=True)
    external_ref = Text(load_default=None, allow_none=True, validate=validate.Length(max=64))
    parties = fields.List(fields.Nested(PartyIn), required=True,
                          validate=validate.Length(1, 20))

    @validates("amount")
    def _amount(self, value, **kwargs):
        # Checked here, not with Range, so that the document shows plain numeric bounds.
        if value is not None and not 0 <= value <= 10**11:
            raise ValidationError(str(_l("Must be between %(min)s and %(max)s.", min=0,
                                         max=10**11)))


class DisputeQuery(Schema):
    status = Choice(Status)
    tier = fields.Integer(validate=validate.Range(1, 3))
    category = Choice(Category)
    risk = Choice(Risk)
    village_id = fields.Integer(validate=validate.Range(1, MAX_ID))
    external_ref = Text(validate=validate.Length(max=64))
    q = Text(validate=validate.Length(max=100))
    limit = fields.Integer(load_default=25, validate=validate.Range(1, 100))
    cursor = Text(validate=validate.Length(max=500))


class ConferenceQuery(Schema):
    state = Choice(ConferenceState)
    dispute_id = fields.Integer(validate=validate.Range(1, MAX_ID))
    limit = fields.Integer(load_default=25, validate=validate.Range(1, 100))
    cursor = Text(validate=validate.Length(max=500))


class RevealQuery(Schema):
    include_personal_data = fields.Boolean(load_default=False)


class NoteIn(Strict):
    note = Text(load_default="", validate=validate.Length(max=2000))


class AssignIn(Strict):
    handler_id = Id(required=True)
    note = Text(load_default="", validate=validate.Length(max=2000))


class EscalateIn(Strict):
    tier = fields.Integer(strict=True, required=True, validate=validate.OneOf([2, 3]))
    reason = Text(required=True, validate=validate.Length(1, 2000))


class ResolveIn(Strict):
    outcome = Text(required=True, validate=validate.Length(1, 4000))


class ReferIn(Strict):
    kind = Choice(Referral, required=True)
    body = Text(required=True, validate=validate.Length(1, 120))
    reference = Text(load_default="", validate=validate.Length(max=64))
    outcome = Text(load_default="", validate=validate.Length(max=4000))


class FeedbackIn(Strict):
    method = Text(required=True, validate=validate.OneOf(["phone", "visit", "in_person",
                                                          "message"]))
    satisfaction = Text(required=True, validate=validate.OneOf(["satisfied", "neutral",
                                                                "dissatisfied"]))
    note = Text(required=True, validate=validate.Length(1, 2000))


class AnswerIn(Strict):
    answer = Text(required=True, validate=validate.OneOf(["accepted", "tentative", "declined"]))
    note = Text(load_default="", validate=validate.Length(max=2000))


# --- responses -----------------------------------------------------------------------------

class Error(Schema):
    code = fields.String(required=True, metadata={"description": "machine-readable"})
    message = fields.String(required=True, metadata={"description": "in the caller's language"})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         required=True)


class PersonOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class NamedOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class PartyOut(Schema):
    name = fields.String(required=True)
    role = fields.String(required=True)
    id_number = fields.String(required=True, allow_none=True)
    phone = fields.String(required=True, allow_none=True)
    address = fields.String(required=True, allow_none=True)


class DisputeOut(Schema):
    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    title = fields.String(required=True)
    category = fields.String(required=True)
    tier = fields.Integer(required=True)
    status = fields.String(required=True)
    village = fields.Nested(NamedOut, required=True)
    source = fields.String(required=True)
    risk = fields.String(required=True)
    description = fields.String(required=True)
    claims = fields.String(required=True)
    amount = fields.String(required=True, allow_none=True)
    occurred_on = fields.Date(required=True, allow_none=True)
    reported_at = fields.DateTime(required=True)
    due_on = fields.Date(required=True, allow_none=True)
    reporter = fields.Nested(PersonOut, required=True)
    handler = fields.Nested(PersonOut, required=True, allow_none=True)
    external_ref = fields.String(required=True, allow_none=True)
    outcome = fields.String(required=True)
    referral = fields.String(required=True, allow_none=True)
    referral_body = fields.String(required=True, allow_none=True)
    referral_ref = fields.String(required=True, allow_none=True)
    closed_at = fields.DateTime(required=True, allow_none=True)
    updated_at = fields.DateTime(required=True)
    personal_data_masked = fields.Boolean(required=True)
    parties = fields.List(fields.Nested(PartyOut), required=True)
    conference_ids = fields.List(fields.Integer(), required=True)


class DisputePage(Schema):
    items = fields.List(fields.Nested(DisputeOut), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class AnswerChangeOut(Schema):
    answer = fields.String(required=True)
    note = fields.String(required=True)
    by = fields.Nested(PersonOut, required=True)
    at = fields.DateTime(required=True)


class InvitationOut(Schema):
    id = fields.Integer(required=True)
    conference_id = fields.Integer(required=True)
    group = fields.String(required=True)
    invitee = fields.String(required=True)
    organisation = fields.Nested(NamedOut, required=True, allow_none=True)
    user = fields.Nested(PersonOut, required=True, allow_none=True)
    required = fields.Boolean(required=True)
    answer = fields.String(required=True, metadata={"enum": values(Answer)})
    answer_note = fields.String(required=True, allow_none=True)
    answered_at = fields.DateTime(required=True, allow_none=True)
    answered_by = fields.Nested(PersonOut, required=True, allow_none=True)
    delegated_from_id = fields.Integer(required=True, allow_none=True)
    delegate = fields.Nested(PersonOut, required=True, allow_none=True)
    may_answer = fields.Boolean(required=True)
    history = fields.List(fields.Nested(AnswerChangeOut), required=True)


class QuorumOut(Schema):
    met = fields.Boolean(required=True)
    missing = fields.List(fields.String(), required=True)


class ConferenceOut(Schema):
    id = fields.Integer(required=True)
    dispute_id = fields.Integer(required=True)
    dispute_reference = fields.String(required=True)
    state = fields.String(required=True, metadata={"enum": values(ConferenceState)})
    convener = fields.Nested(PersonOut, required=True, allow_none=True)
    secretary = fields.Nested(PersonOut, required=True, allow_none=True)
    response_deadline = fields.DateTime(required=True, allow_none=True)
    starts_at = fields.DateTime(required=True, allow_none=True)
    ends_at = fields.DateTime(required=True, allow_none=True)
    room = fields.Nested(NamedOut, required=True, allow_none=True)
    cancel_reason = fields.String(required=True, allow_none=True)
    quorum = fields.Nested(QuorumOut, required=True)


class ConferencePage(Schema):
    items = fields.List(fields.Nested(ConferenceOut), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class InvitationList(Schema):
    items = fields.List(fields.Nested(InvitationOut), required=True)


class SignatureOut(Schema):
    name = fields.String(required=True)
    body = fields.String(required=True)
    at = fields.DateTime(required=True)
    refused = fields.Boolean(required=True)


class MinutesVersionOut(Schema):
    number = fields.Integer(required=True)
    status = fields.String(required=True)
    content_hash = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    issued_at = fields.DateTime(required=True, allow_none=True)
    pdf_available = fields.Boolean(required=True)
    signatures = fields.List(fields.Nested(SignatureOut), required=True)


class MinutesOut(Schema):
    conference_id = fields.Integer(required=True)
    conference_state = fields.String(required=True)
    versions = fields.List(fields.Nested(MinutesVersionOut), required=True)


class VerificationOut(Schema):
    found = fields.Boolean(required=True)
    reference = fields.String(required=True)
    number = fields.Integer(required=True)
    issued_at = fields.DateTime(required=True)
    amended_by = fields.Integer(required=True, allow_none=True)
    signatures = fields.List(fields.Nested(SignatureOut), required=True)

import uuid
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from portal import validators as check
from portal.disputes.identity import id_number_problem, normalise_id
from portal.disputes.models import (
    Category,
    PartyRole,
    Referral,
    Risk,
    Source,
    Subcategory,
    subcategories_of,
)
from portal.disputes.services import DisputeInput, PartyInput

ID_PROBLEMS = {
    "shape": _l("An ID number has 17 digits followed by a digit or X."),
    "birth_date": _l("The birth date inside this ID number is impossible."),
    "check_digit": _l("The check digit of this ID number is wrong; check for a typing error."),
}


def _choices(enum_cls, blank: str | None = None):
    choices = [SelectChoice(member.name, member.label) for member in enum_cls]
    return ([SelectChoice("", blank)] if blank is not None else []) + choices


def optional_int(value):
    """A select's value as an id, or None for its "choose one" placeholder."""
    if value in ("", None):
        return None
    return int(value)


def id_number(form, field) -> None:
    if field.data:
        problem = id_number_problem(field.data)
        if problem:
            raise ValidationError(ID_PROBLEMS[problem])


class PartyForm(Form):
    """One party row; a row left entirely empty is ignored."""

    # No Optional() here: it would stop the chain before validate_name sees a nameless row.
    name = StringField(_l("Name"), validators=[check.length(60)])
    role = SelectField(_l("Role"), choices=[])
    id_number = StringField(_l("ID number"), validators=[Optional(), id_number])
    phone = StringField(_l("Phone"), validators=[Optional(), check.phone])
    address = StringField(_l("Address"), validators=[Optional(), check.length(200)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = _choices(PartyRole)

    def is_blank(self) -> bool:
        return not any((self.name.data or "").strip() or (f.data or "").strip()
                       for f in (self.id_number, self.phone, self.address))

    def validate(self, extra_validators=None) -> bool:
        if self.is_blank():
            return True
        return super().validate(extra_validators)

    def validate_name(self, field) -> None:
        if not (field.data or "").strip():
            raise ValidationError(_l("Give the party's name."))

    def value(self) -> PartyInput:
        return PartyInput(
            name=self.name.data.strip(), role=PartyRole[self.role.data],
            id_number=normalise_id(self.id_number.data) if self.id_number.data else None,
            phone=(self.phone.data or "").strip() or None,
            address=(self.address.data or "").strip() or None,
        )


def not_future(form, field) -> None:
    if field.data and field.data > date.today():
        raise ValidationError(_l("This date cannot be in the future."))


MAX_PARTIES = 20


class DisputeForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), check.length(120)])
    category = SelectField(_l("Category"), choices=[], validators=[
        DataRequired(_l("Choose the category."))])
    subcategory = SelectField(_l("Sub-category"), choices=[], validators=[Optional()])
    tier = SelectField(_l("Tier"), coerce=int, choices=[
        SelectChoice(1, _l("Tier 1 — simple")), SelectChoice(2, _l("Tier 2 — complex")),
        SelectChoice(3, _l("Tier 3 — hard"))])
    village_id = SelectField(_l("Village or community"), coerce=optional_int, choices=[],
                             validators=[DataRequired(_l("Choose the village or community."))])
    source = SelectField(_l("Source"), choices=[])
    risk = SelectField(_l("Risk level"), choices=[])
    occurred_on = DateField(_l("Date it happened"), validators=[Optional(), not_future])
    description = TextAreaField(_l("Description"), validators=[DataRequired(),
                                                               check.length(5000)])
    claims = TextAreaField(_l("Claims"), validators=[Optional(), check.length(2000)])
    amount = DecimalField(_l("Amount in dispute (yuan)"), places=2,
                          validators=[Optional(), NumberRange(min=0, max=10**11)])
    due_on = DateField(_l("Deadline"), validators=[Optional()])
    external_ref = StringField(_l("City-platform number"), validators=[Optional(),
                                                                        check.length(64)])
    parties = FieldList(FormField(PartyForm), min_entries=3, max_entries=MAX_PARTIES)
    # Sent again with a resubmitted form, so the second submission finds the first dispute.
    form_token = HiddenField(default=lambda: uuid.uuid4().hex,
                             validators=[Optional(), Length(max=32)])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        # A placeholder rather than the first entry: a dispute left in 东关社区 or under
        # 邻里纠纷 only because nobody changed the default would skew the register.
        self.category.choices = _choices(Category, _l("Please choose"))
        self.subcategory.choices = [SelectChoice("", "—")] + [
            SelectChoice(s.name, s.label, optgroup=c.label)
            for c in Category for s in subcategories_of(c)]
        self.source.choices = _choices(Source)
        self.risk.choices = _choices(Risk)
        self.village_id.choices = [SelectChoice("", _l("Please choose"))] + [
            SelectChoice(v.id, v.name) for v in villages]

    def validate_subcategory(self, field) -> None:
        chosen = Subcategory.__members__.get(field.data or "")
        if chosen is not None and chosen.category.name != self.category.data:
            raise ValidationError(_l("This sub-category belongs to “%(category)s”.",
                                     category=chosen.category.label))

    def validate_parties(self, field) -> None:
        if all(entry.form.is_blank() for entry in field):
            raise ValidationError(_l("Name at least one party."))

    def value(self) -> DisputeInput:
        return DisputeInput(
            title=self.title.data, category=Category[self.category.data],
            subcategory=Subcategory.__members__.get(self.subcategory.data or ""),
            village_id=self.village_id.data, source=Source[self.source.data],
            description=self.description.data, risk=Risk[self.risk.data],
            tier=self.tier.data, claims=self.claims.data or "", amount=self.amount.data,
            occurred_on=self.occurred_on.data, due_on=self.due_on.data,
            external_ref=(self.external_ref.data or "").strip() or None,
            parties=[e.form.value() for e in self.parties if not e.form.is_blank()],
            form_token=(self.form_token.data or "").strip() or None,
        )


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[DataRequired(), check.length(2000)])


class OptionalNoteForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[Optional(), check.length(2000)])


class AssignForm(FlaskForm):
    handler_id = SelectField(_l("Handler"), coerce=int, choices=[])
    note = TextAreaField(_l("Note"), validators=[Optional(), check.length(2000)])


class EscalateForm(FlaskForm):
    tier = SelectField(_l("Escalate to"), coerce=int, choices=[
        SelectChoice(2, _l("Tier 2 — complex")), SelectChoice(3, _l("Tier 3 — hard"))])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), check.length(2000)])


class ResolveForm(FlaskForm):
    outcome = TextAreaField(_l("Agreement reached"), validators=[DataRequired(),
                                                                 check.length(4000)])


class ReferForm(FlaskForm):
    kind = SelectField(_l("Referred to"), choices=[])
    body = StringField(_l("Receiving body"), validators=[DataRequired(), check.length(120)])
    reference = StringField(_l("Their reference"), validators=[Optional(), check.length(64)])
    outcome = TextAreaField(_l("Outcome so far"), validators=[Optional(), check.length(4000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = _choices(Referral)


FEEDBACK_METHODS = [("phone", _l("By phone")), ("visit", _l("Home visit")),
                    ("in_person", _l("In person at the station")),
                    ("message", _l("Text message"))]
SATISFACTION = [("satisfied", _l("Satisfied")), ("neutral", _l("Neutral")),
                ("dissatisfied", _l("Dissatisfied"))]


class FeedbackForm(FlaskForm):
    method = SelectField(_l("How"), choices=[SelectChoice(k, v) for k, v in FEEDBACK_METHODS])
    satisfaction = SelectField(_l("Parties' satisfaction"),
                               choices=[SelectChoice(k, v) for k, v in SATISFACTION])
    note = TextAreaField(_l("What the parties were told"),
                         validators=[DataRequired(), check.length(2000)])


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file from the city platform"), validators=[FileRequired()])
    submit = SubmitField(_l("Import"))

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal import validators as check
from portal.orgs.models import DEFAULT_WORKING_HOURS, OrgKind, Role

LANGUAGE_CHOICES = [SelectChoice("zh_CN", "简体中文"), SelectChoice("en", "English")]


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), check.length(120)])
    kind = SelectField(_l("Kind"), choices=[], validators=[DataRequired()])
    phone = StringField(_l("Phone"), validators=[Optional(), check.length(32), check.phone])
    address = StringField(_l("Address"), validators=[Optional(), check.length(200)])
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(k.name, k.label) for k in OrgKind]

    def values(self) -> dict:
        return {
            "name": self.name.data.strip(),
            "kind": OrgKind[self.kind.data],
            "phone": (self.phone.data or "").strip() or None,
            "address": (self.address.data or "").strip() or None,
            "active": self.active.data,
        }


class VillageForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), check.length(80)])
    police_grid = StringField(_l("Police grid"), validators=[DataRequired(), check.length(80)])
    community_grid = StringField(_l("Community grid"),
                                 validators=[DataRequired(), check.length(80)])
    grid_worker_id = SelectField(_l("Grid worker"), coerce=int, validators=[Optional()])
    community_police_id = SelectField(_l("Community police officer"), coerce=int,
                                      validators=[Optional()])
    resident_lawyer_id = SelectField(_l("Resident lawyer"), coerce=int, validators=[Optional()])
    police_hours = StringField(
        _l("Working hours of the community police officer"), validators=[check.length(120)],
        description=_l("Shown on the doorplate page; empty: %(hours)s",
                       hours=DEFAULT_WORKING_HOURS))
    grid_worker_hours = StringField(
        _l("Working hours of the grid worker"), validators=[check.length(120)],
        description=_l("Shown on the doorplate page; empty: %(hours)s",
                       hours=DEFAULT_WORKING_HOURS))
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))

    PEOPLE = ("grid_worker_id", "community_police_id", "resident_lawyer_id")

    def set_people(self, choices: dict[str, list[tuple[int, str]]]) -> None:
        for name in self.PEOPLE:
            self[name].choices = [SelectChoice(0, "—")] + [
                SelectChoice(ident, label) for ident, label in choices[name]]

    def values(self) -> dict:
        values = {
            "name": self.name.data.strip(),
            "police_grid": self.police_grid.data.strip(),
            "community_grid": self.community_grid.data.strip(),
            "police_hours": " ".join((self.police_hours.data or "").split()),
            "grid_worker_hours": " ".join((self.grid_worker_hours.data or "").split()),
            "active": self.active.data,
        }
        for name in self.PEOPLE:
            values[name] = self[name].data or None
        return values


class RoomForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), check.length(80)])
    location = StringField(_l("Location"), validators=[DataRequired(), check.length(200)])
    capacity = IntegerField(_l("Capacity"), validators=[DataRequired(), NumberRange(1, 500)])
    timezone = StringField(_l("Time zone"), default="Asia/Shanghai",
                           validators=[DataRequired(), check.timezone])
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))

    def values(self) -> dict:
        return {
            "name": self.name.data.strip(),
            "location": self.location.data.strip(),
            "capacity": self.capacity.data,
            "timezone": self.timezone.data.strip(),
            "active": self.active.data,
        }


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), check.length(40, min=3)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), check.length(80)])
    organisation_id = SelectField(_l("Organisation"), coerce=int, validators=[DataRequired()])
    title = StringField(_l("Position"), validators=[Optional(), check.length(80)])
    roles = MultiCheckboxField(_l("Roles"), choices=[])
    phone = StringField(_l("Phone"), validators=[Optional(), check.length(32), check.phone])
    email = EmailField(_l("E-mail"), validators=[Optional(), check.length(254),
                                                 Email(check_deliverability=False)])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    timezone = StringField(_l("Time zone"), default="Asia/Shanghai",
                           validators=[DataRequired(), check.timezone])
    password = PasswordField(_l("Initial password"), validators=[Optional(), check.length(200)])
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.roles.choices = [SelectChoice(r.name, r.label) for r in Role]

    def values(self) -> dict:
        return {
            "username": self.username.data.strip(),
            "full_name": self.full_name.data.strip(),
            "organisation_id": self.organisation_id.data,
            "title": (self.title.data or "").strip() or None,
            "phone": (self.phone.data or "").strip() or None,
            "email": (self.email.data or "").strip().lower() or None,
            "language": self.language.data,
            "timezone": self.timezone.data.strip(),
            "active": self.active.data,
        }

    def role_values(self) -> list[Role]:
        return [Role[name] for name in self.roles.data or []]

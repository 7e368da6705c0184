from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, TextAreaField, TimeField
from wtforms.validators import DataRequired, NumberRange, Optional

from portal import validators as check


class ProposeForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired()])
    starts = TimeField(_l("Start time"), validators=[DataRequired()])
    ends = TimeField(_l("End time"), validators=[DataRequired()])
    accept_warnings = BooleanField(_l("Propose even though it is outside working time"))


class SuggestForm(FlaskForm):
    class Meta:
        csrf = False

    minutes = IntegerField(_l("Duration (minutes)"), default=120,
                           validators=[DataRequired(), NumberRange(min=15, max=600)])
    room_id = SelectField(_l("Room"), coerce=int)


class ConfirmForm(FlaskForm):
    slot_id = SelectField(_l("Slot"), coerce=int)
    room_id = SelectField(_l("Room"), coerce=int)
    override_reason = TextAreaField(_l("Reason to confirm although a required invitee said no"),
                                    validators=[Optional(), check.length(2000)])
    quorum_reason = TextAreaField(_l("Reason to schedule without quorum"),
                                  validators=[Optional(), check.length(2000)])

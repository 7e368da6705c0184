from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateTimeLocalField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional

from portal import validators as check
from portal.conferences.models import Answer

LOCAL = "%Y-%m-%dT%H:%M"


class AddInviteeForm(FlaskForm):
    organisation_id = SelectField(_l("Organisation"), coerce=int, validators=[Optional()])
    user_id = SelectField(_l("Named person"), coerce=int, validators=[Optional()])
    required = BooleanField(_l("Required for quorum"))


class SendForm(FlaskForm):
    secretary_id = SelectField(_l("Secretary"), coerce=int)
    deadline = DateTimeLocalField(_l("Answer by"), format=LOCAL, validators=[DataRequired()])
    message = TextAreaField(_l("Message to the invitees"),
                            validators=[Optional(), check.length(2000)])


class AnswerForm(FlaskForm):
    answer = SelectField(_l("Your answer"), choices=[
        SelectChoice(Answer.ACCEPTED.name, _l("Accept")),
        SelectChoice(Answer.TENTATIVE.name, _l("Tentative")),
        SelectChoice(Answer.DECLINED.name, _l("Decline")),
    ])
    note = TextAreaField(_l("Note (required when declining)"),
                         validators=[Optional(), check.length(2000)])


class DelegateForm(FlaskForm):
    delegate_id = SelectField(_l("Colleague"), coerce=int)
    note = TextAreaField(_l("Note for your colleague"),
                         validators=[Optional(), check.length(2000)])


class ScheduleForm(FlaskForm):
    starts_at = DateTimeLocalField(_l("Starts"), format=LOCAL, validators=[DataRequired()])
    ends_at = DateTimeLocalField(_l("Ends"), format=LOCAL, validators=[DataRequired()])
    room_id = SelectField(_l("Room"), coerce=int)
    override_reason = TextAreaField(_l("Reason to schedule without quorum"),
                                    validators=[Optional(), check.length(2000)])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), check.length(2000)])


class BriefForm(FlaskForm):
    known = TextAreaField(_l("What your body knows about the case"),
                          validators=[Optional(), check.length(5000)])
    done = TextAreaField(_l("What your body has already done"),
                         validators=[Optional(), check.length(5000)])
    withheld = TextAreaField(_l("What your body chose not to share, and why"),
                             validators=[Optional(), check.length(2000)])


class DocumentForm(FlaskForm):
    file = FileField(_l("File (PDF, image or Office document)"), validators=[FileRequired()])

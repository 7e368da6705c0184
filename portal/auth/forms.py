from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo

from portal import validators as check


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), check.length(40)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), check.length(200)])
    submit = SubmitField(_l("Sign in"))


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), check.length(200)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), check.length(200)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The two entries differ."))],
    )
    submit = SubmitField(_l("Change password"))

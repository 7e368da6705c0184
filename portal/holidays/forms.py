from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField, TextAreaField


class YearForm(FlaskForm):
    lines = TextAreaField(_l("Holidays and make-up working days, one per line"),
                          render_kw={"rows": 14, "spellcheck": "false"})
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save the year"))


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()])
    submit = SubmitField(_l("Import"))

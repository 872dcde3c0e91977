from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, SubmitField


class LanguageForm(FlaskForm):
    locale = SelectField(
        _l("Language"), choices=[SelectChoice("zh_Hans", "简体中文"), SelectChoice("en", "English")]
    )
    next = HiddenField()
    submit = SubmitField(_l("Switch"))


def apply_errors(form: FlaskForm, errors: dict[str, list[object]]) -> None:
    """Show a service's field errors next to the form's fields (others above the form)."""
    for name, messages in errors.items():
        field = getattr(form, name, None)
        target = field.errors if field is not None else form.form_errors
        if isinstance(target, tuple):
            target = list(target)
            if field is not None:
                field.errors = target
        target.extend(str(m) for m in messages)

from __future__ import annotations

from functools import lru_cache
from typing import Any

from babel.support import NullTranslations, Translations
from flask import request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict
from wtforms import (
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    SubmitField,
    widgets,
)
from wtforms.i18n import messages_path

from portal.errors import DomainError, ValidationFailed
from portal.extensions import db


@lru_cache(maxsize=8)
def _wtforms_messages(locale: str) -> NullTranslations:
    """WTForms' own messages ("This field is required.") in ``locale``, read once a process:
    Flask-WTF would read the catalogue from disk again on every request."""
    return Translations.load(messages_path(), [locale], domain="wtforms")


class PortalForm(FlaskForm):
    """Base of every form: no form takes files, so uploads never reach text fields."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form: Any) -> NullTranslations:
            return _wtforms_messages(str(get_locale()))

        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            data = super().wrap_formdata(form, formdata)
            if isinstance(data, CombinedMultiDict):
                return request.form
            return data


class LanguageForm(PortalForm):
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


def show_refusal(form: FlaskForm, exc: DomainError) -> int:
    """Undo the change a rule refused and say why on the form: a service's field errors next
    to their fields, any other refusal above the form. Answers the status to send the form
    with (422 for wrong fields, 409 for a conflict, ...)."""
    db.session.rollback()
    if isinstance(exc, ValidationFailed):
        apply_errors(form, exc.errors)
    else:
        form.form_errors.append(str(exc.message))
    return exc.status


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes. No ``required`` flag: a browser would then
    ask for every box; the service says when none is ticked."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

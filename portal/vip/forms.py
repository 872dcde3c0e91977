"""Forms of the vip package; a stage's form is built from the template (R4)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    Field,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.vip.fields import FieldKind, FieldSpec, kind_of
from portal.vip.models import STATUS_LABELS
from portal.web.forms import PortalForm


class MarkRequired:
    """Marks a field required (the asterisk) without refusing it empty: drafts save
    partially (R4); completeness is checked on submission."""

    field_flags = {"required": True}

    def __call__(self, form: Any, field: Field) -> None:
        return None


def _field(spec: FieldSpec) -> Field:
    kind = kind_of(spec)
    validators: list[Any] = [Optional()]
    if spec.required:
        validators.insert(0, MarkRequired())
    options: dict[str, Any] = {"description": spec.help or ""}
    if kind is FieldKind.DATE:
        # R2: anniversaries are picked from a calendar, never typed as free text
        return DateField(spec.label, validators=validators, **options)
    if kind is FieldKind.CHOICE:
        choices = [SelectChoice("", _l("Choose…"))] + [
            SelectChoice(value, label) for value, label in spec.choices
        ]
        return SelectField(spec.label, choices=choices, validators=validators, **options)
    validators.append(Length(max=spec.max_length))
    if kind is FieldKind.TEXTAREA:
        return TextAreaField(spec.label, validators=validators, render_kw={"rows": 4}, **options)
    if kind is FieldKind.EMAIL:
        return EmailField(spec.label, validators=validators, **options)
    render_kw: dict[str, str] = {}
    if kind in (FieldKind.MOBILE, FieldKind.PHONE):
        render_kw = {"inputmode": "tel", "autocomplete": "off"}
    elif kind is FieldKind.ID_NUMBER:
        render_kw = {"autocomplete": "off", "spellcheck": "false"}
    return StringField(spec.label, validators=validators, render_kw=render_kw, **options)


def stage_form(specs: list[FieldSpec], **kwargs: Any) -> PortalForm:
    """A form with one field per spec of the stage, plus the save button."""

    class StageForm(PortalForm):
        pass

    for spec in specs:
        setattr(StageForm, spec.name, _field(spec))
    StageForm.save = SubmitField(_l("Save"))
    form = StageForm(**kwargs)
    form.field_names = [spec.name for spec in specs]
    return form


class StartForm(PortalForm):
    submit = SubmitField(_l("Start the VIP file"))


class SubmitFileForm(PortalForm):
    submit = SubmitField(_l("Submit for review"))


DECISIONS = [
    SelectChoice("approve", _l("Approve")),
    SelectChoice("reject", _l("Reject")),
    SelectChoice("return", _l("Return for correction")),
]


class DecisionForm(PortalForm):
    decision = SelectField(_l("Decision"), choices=DECISIONS, validators=[DataRequired()])
    reason = TextAreaField(
        _l("Reason"),
        validators=[Optional(), Length(max=500)],
        description=_l("Required when you reject or return the file; the referrer reads it."),
        render_kw={"rows": 3},
    )
    #: the version the reviewer saw; a file changed since then is not decided blindly
    version = HiddenField(validators=[Optional(), Length(max=12)])
    confirm = SubmitField(_l("Confirm the decision"))


class ConsumptionForm(PortalForm):
    amount = DecimalField(
        _l("Amount (CNY)"),
        places=2,
        validators=[
            DataRequired(),
            NumberRange(min=Decimal("0.01"), max=Decimal("999999999999.99")),
        ],
        render_kw={"inputmode": "decimal"},
    )
    occurred_at = DateTimeLocalField(
        _l("When"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])
    #: a fresh random key per form, so a double click stores the consumption once
    idempotency_key = HiddenField(validators=[Optional(), Length(max=64)])
    submit = SubmitField(_l("Record consumption"))


class FileFilterForm(PortalForm):
    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("", _l("All"))]
        + [SelectChoice(str(s), label) for s, label in STATUS_LABELS.items()],
        validators=[Optional()],
    )

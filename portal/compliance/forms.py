"""The forms of the compliance pages: one per step of a case, a notice or an appeal."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.compliance.appeals import Outcome
from portal.compliance.cases import CaseSort
from portal.compliance.catalogue import Measure, ViolationKind
from portal.compliance.models import CaseState
from portal.database import MAX_ID
from portal.web.forms import CheckboxesField, PortalForm


def _text(label: object, maximum: int, rows: int = 4) -> TextAreaField:
    return TextAreaField(
        label, validators=[DataRequired(), Length(max=maximum)], render_kw={"rows": rows}
    )


class CaseFilterForm(PortalForm):
    class Meta:
        csrf = False

    state = SelectField(_l("State"), validators=[Optional()])
    kind = SelectField(_l("Violation kind"), validators=[Optional()])
    member = IntegerField(
        _l("Member number"), validators=[Optional(), NumberRange(min=1, max=MAX_ID)]
    )
    sort = SelectField(
        _l("Sort"),
        choices=[
            SelectChoice(CaseSort.NEWEST.value, _l("Newest first")),
            SelectChoice(CaseSort.OLDEST.value, _l("Oldest first")),
        ],
        validators=[Optional()],
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.state.choices = [SelectChoice("", _l("Any"))] + [
            SelectChoice(s.value, s.label) for s in CaseState
        ]
        self.kind.choices = [SelectChoice("", _l("Any"))] + [
            SelectChoice(k.value, k.label) for k in ViolationKind
        ]


class CaseForm(PortalForm):
    member_id = IntegerField(
        _l("Member number"), validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)]
    )
    codes = CheckboxesField(_l("Violations"))
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    description = _text(_l("What was found"), 4000, rows=6)
    illicit_gain = StringField(_l("Illicit gain (yuan)"), validators=[Optional(), Length(max=20)])
    submit = SubmitField(_l("Open the case"))


class NoteForm(PortalForm):
    text = _text(_l("Evidence note"), 4000)
    submit = SubmitField(_l("Add the note"))


class ReasonForm(PortalForm):
    reason = _text(_l("Reason"), 1000, rows=3)
    submit = SubmitField(_l("Close the case"))


class DecisionForm(PortalForm):
    measures = CheckboxesField(_l("Measures"))
    reasons = _text(_l("Reasons (printed on the notice)"), 4000, rows=5)
    override_reason = TextAreaField(
        _l("Why other measures than the proposal"),
        validators=[Optional(), Length(max=1000)],
        render_kw={"rows": 3},
    )
    starts_on = DateField(_l("Suspension from"), validators=[Optional()])
    ends_on = DateField(_l("Suspension until (inclusive)"), validators=[Optional()])
    compensation = StringField(_l("Compensation (yuan)"), validators=[Optional(), Length(max=20)])
    offset_deposit = BooleanField(_l("Take the compensation from the risk deposit"))
    confirm = BooleanField(_l("I confirm: this suspends or revokes the membership."))
    submit = SubmitField(_l("Decide and issue the notice"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.measures.choices = [SelectChoice(m.value, m.label) for m in Measure]


class RectificationForm(PortalForm):
    requirement = _text(_l("What must be rectified"), 2000)
    deadline = DateField(_l("Deadline (inclusive)"), validators=[InputRequired()])
    submit = SubmitField(_l("Issue the rectification notice"))


class OutcomeForm(PortalForm):
    rectified = RadioField(
        _l("Outcome"),
        choices=[
            SelectChoice("yes", _l("Rectified by the deadline")),
            SelectChoice("no", _l("Not rectified")),
        ],
        validators=[InputRequired()],
    )
    note = _text(_l("Note"), 2000, rows=3)
    submit = SubmitField(_l("Record the outcome"))


class AcknowledgeForm(PortalForm):
    submit = SubmitField(_l("Acknowledge receipt"))


class AppealForm(PortalForm):
    grounds = _text(_l("Grounds of the appeal"), 4000, rows=6)
    submit = SubmitField(_l("Lodge the appeal"))


class AppealDecisionForm(PortalForm):
    outcome = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice(Outcome.UPHELD.value, _l("Uphold the appeal")),
            SelectChoice(Outcome.DISMISSED.value, _l("Dismiss the appeal")),
        ],
        validators=[InputRequired()],
    )
    reasons = _text(_l("Reasons"), 4000)
    submit = SubmitField(_l("Decide the appeal"))

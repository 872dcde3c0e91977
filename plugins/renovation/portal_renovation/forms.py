"""The forms of the renovation pages: one per step of a case (R13, R14, R23, R24)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.database import MAX_ID
from portal.web.forms import PortalForm
from portal_renovation.models import (
    CaseChannel,
    CaseKind,
    CaseState,
    ConfirmationMethod,
    CustomerClass,
    FollowUpChannel,
    Severity,
)
from portal_renovation.services import CaseSort, Responsible


def _choices(enum: type) -> list[SelectChoice]:
    return [SelectChoice(member.value, member.label) for member in enum]


def _confirm(label: object) -> BooleanField:
    """The tick a destructive or final step needs before it happens."""
    return BooleanField(label, validators=[DataRequired(_l("Tick the box to confirm."))])


class CaseForm(PortalForm):
    """R14: a call, letter or visit written down as a case."""

    store_id = SelectField(_l("Store"), coerce=int, validators=[DataRequired()])
    member_id = IntegerField(
        _l("Customer number"),
        validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)],
    )
    kind = RadioField(_l("Kind"), validators=[InputRequired()])
    channel = RadioField(_l("Received by"), validators=[InputRequired()])
    severity = RadioField(_l("Severity"), validators=[InputRequired()], default="normal")
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(
        _l("What the customer said"),
        validators=[DataRequired(), Length(max=2000)],
        render_kw={"rows": 5},
    )
    project = StringField(_l("Project (site or contract)"), validators=[Length(max=120)])
    department = StringField(_l("Responsible department"), validators=[Length(max=80)])
    earlier_number = StringField(
        _l("Earlier complaint on the same matter"), validators=[Length(max=32)]
    )
    submit = SubmitField(_l("Log the case"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = _choices(CaseKind)
        self.channel.choices = _choices(CaseChannel)
        self.severity.choices = _choices(Severity)


class HandoverForm(PortalForm):
    """R13: the recorded handover to another employee."""

    to_user_id = SelectField(_l("Hand over to"), coerce=int, validators=[DataRequired()])
    reason = TextAreaField(
        _l("Reason"), validators=[DataRequired(), Length(max=500)], render_kw={"rows": 3}
    )
    confirm = _confirm(_l("I hand this case over; the new owner answers for it from now on."))
    submit = SubmitField(_l("Hand over"))


class RouteForm(PortalForm):
    """R23: who is responsible for the repair."""

    responsible = RadioField(
        _l("Responsible"),
        choices=[
            SelectChoice(Responsible.SUPERVISOR.value, _l("The site supervisor")),
            SelectChoice(Responsible.VENDOR.value, _l("The material vendor")),
        ],
        validators=[InputRequired()],
    )
    supervisor_id = SelectField(_l("Site supervisor"), coerce=int, validators=[Optional()])
    vendor_name = StringField(_l("Vendor"), validators=[Length(max=120)])
    repair_work = TextAreaField(
        _l("What the vendor repairs"), validators=[Length(max=500)], render_kw={"rows": 3}
    )
    submit = SubmitField(_l("Route the repair"))


class AppointmentForm(PortalForm):
    appointment_at = DateTimeLocalField(
        _l("Agreed time"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
    submit = SubmitField(_l("Record the appointment"))


class NoteForm(PortalForm):
    """R23: the customer was contacted as promised."""

    note = TextAreaField(
        _l("What was agreed"), validators=[DataRequired(), Length(max=1000)], render_kw={"rows": 3}
    )
    submit = SubmitField(_l("Record the contact"))


class CloseForm(PortalForm):
    """R24: the customer confirms the resolution; R26: the signature may not be blank."""

    resolution = TextAreaField(
        _l("Resolution"), validators=[DataRequired(), Length(max=1000)], render_kw={"rows": 4}
    )
    confirmed_by = StringField(
        _l("Customer's signature (name as signed)"), validators=[DataRequired(), Length(max=50)]
    )
    method = RadioField(_l("Confirmed"), validators=[InputRequired()])
    confirm = _confirm(_l("The customer confirmed the resolution; close the case."))
    submit = SubmitField(_l("Close the case"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.method.choices = _choices(ConfirmationMethod)


class RevisitForm(PortalForm):
    """R14: the revisit after the resolution."""

    score = RadioField(
        _l("Satisfaction"),
        choices=[SelectChoice(str(n), str(n)) for n in range(1, 6)],
        validators=[InputRequired()],
    )
    note = TextAreaField(
        _l("Note"), validators=[DataRequired(), Length(max=1000)], render_kw={"rows": 3}
    )
    submit = SubmitField(_l("Record the revisit"))


class PenaltyForm(PortalForm):
    """R24: the penalty notice for the responsible employee."""

    employee_id = SelectField(_l("Responsible employee"), coerce=int, validators=[DataRequired()])
    reason = TextAreaField(
        _l("Reason"), validators=[DataRequired(), Length(max=1000)], render_kw={"rows": 3}
    )
    measure = StringField(_l("Measure"), validators=[DataRequired(), Length(max=500)])
    confirm = _confirm(_l("Issue this penalty notice; the employee reads it."))
    submit = SubmitField(_l("Issue the penalty notice"))


class CaseFilterForm(PortalForm):
    class Meta:
        csrf = False

    store = SelectField(_l("Store"), coerce=int, validators=[Optional()])
    state = SelectField(_l("State"), validators=[Optional()])
    severity = SelectField(_l("Severity"), validators=[Optional()])
    owner = SelectField(_l("Owner"), validators=[Optional()])
    sort = SelectField(
        _l("Sort"),
        choices=[
            SelectChoice(CaseSort.NEWEST.value, _l("Newest first")),
            SelectChoice(CaseSort.OLDEST.value, _l("Oldest first")),
            SelectChoice(CaseSort.SEVERITY.value, _l("Most serious first")),
        ],
        validators=[Optional()],
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        everything = [SelectChoice("", _l("All"))]
        self.state.choices = everything + _choices(CaseState)
        self.severity.choices = everything + _choices(Severity)
        self.owner.choices = [
            SelectChoice("", _l("Anyone")),
            SelectChoice("me", _l("Me")),
        ]


# --- R11, R12: classes, follow-ups, projects, revisits --------------------------------------


class ClassForm(PortalForm):
    """R11: the customer's class and region."""

    customer_class = RadioField(_l("Class"), validators=[InputRequired()])
    region = StringField(_l("Region"), validators=[Length(max=60)])
    submit = SubmitField(_l("Save the class"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.customer_class.choices = _choices(CustomerClass)


class FollowUpForm(PortalForm):
    """R11: one follow-up: when, how, what was said."""

    followed_up_on = DateField(_l("Date"), validators=[InputRequired()])
    channel = RadioField(_l("How"), validators=[InputRequired()])
    note = TextAreaField(
        _l("Note"), validators=[DataRequired(), Length(max=1000)], render_kw={"rows": 3}
    )
    submit = SubmitField(_l("Record the follow-up"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.channel.choices = _choices(FollowUpChannel)


class LeadForm(PortalForm):
    """R11: the person responsible for a class in a region."""

    store_id = SelectField(_l("Store"), coerce=int, validators=[DataRequired()])
    region = StringField(_l("Region"), validators=[Length(max=60)])
    customer_class = SelectField(_l("Class"), validators=[InputRequired()])
    user_id = SelectField(_l("Responsible person"), coerce=int, validators=[DataRequired()])
    submit = SubmitField(_l("Name the responsible person"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.customer_class.choices = _choices(CustomerClass)


class DueFilterForm(PortalForm):
    class Meta:
        csrf = False

    store = SelectField(_l("Store"), coerce=int, validators=[Optional()])
    customer_class = SelectField(_l("Class"), validators=[Optional()])
    region = StringField(_l("Region"), validators=[Optional(), Length(max=60)])
    due = BooleanField(_l("Due now only"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.customer_class.choices = [SelectChoice("", _l("All")), *_choices(CustomerClass)]


class ProjectForm(PortalForm):
    """R12: a project delivered to the customer."""

    name = StringField(
        _l("Project (site or contract)"), validators=[DataRequired(), Length(max=120)]
    )
    delivered_on = DateField(_l("Delivered on"), validators=[InputRequired()])
    responsible_id = SelectField(_l("Revisited by"), coerce=int, validators=[DataRequired()])
    submit = SubmitField(_l("Register the project"))


class ProjectRevisitForm(PortalForm):
    """R12: one revisit of a delivered project."""

    visited_on = DateField(_l("Date"), validators=[InputRequired()])
    score = RadioField(
        _l("Satisfaction"),
        choices=[SelectChoice(str(n), str(n)) for n in range(1, 6)],
        validators=[InputRequired()],
    )
    note = TextAreaField(
        _l("Note"), validators=[DataRequired(), Length(max=1000)], render_kw={"rows": 3}
    )
    submit = SubmitField(_l("Record the revisit"))

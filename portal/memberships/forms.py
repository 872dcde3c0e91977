"""Forms of the membership pages. Destructive steps (reject, suspend, terminate, revoke,
end) carry a box to tick: the confirmation step before the change."""

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

from portal.memberships.models import ENTRY_LABELS, EntryKind
from portal.memberships.status import STATUS_LABELS
from portal.web.forms import PortalForm

_DATE = _l("Pick a date.")


def _confirm(label: object) -> BooleanField:
    return BooleanField(label, validators=[DataRequired(_l("Tick the box to confirm."))])


def _reason(required: bool = True) -> TextAreaField:
    checks = [DataRequired(_l("Give the reason."))] if required else [Optional()]
    return TextAreaField(_l("Reason"), validators=[*checks, Length(max=500)])


class ApplyForm(PortalForm):
    type_id = SelectField(_l("Membership type"), coerce=int, validators=[InputRequired()])
    submit = SubmitField(_l("Apply for membership"))


class DecisionForm(PortalForm):
    decision = RadioField(
        _l("Decision"),
        choices=[SelectChoice("approve", _l("Approve")), SelectChoice("reject", _l("Reject"))],
        validators=[InputRequired(_l("Choose approve or reject."))],
    )
    starts_on = DateField(
        _l("First period starts on"),
        validators=[Optional()],
        description=_l("Empty: today."),
    )
    reason = _reason(required=False)
    confirm = BooleanField(_l("I checked the application; a rejection is final."))
    submit = SubmitField(_l("Confirm the decision"))


class RenewForm(PortalForm):
    submit = SubmitField(_l("Add the next period"))


class SuspendForm(PortalForm):
    starts_on = DateField(_l("Suspended from"), validators=[InputRequired(_DATE)])
    ends_on = DateField(_l("Suspended until (included)"), validators=[InputRequired(_DATE)])
    reason = _reason()
    source = StringField(
        _l("Decision or notice"),
        validators=[Optional(), Length(max=64)],
        description=_l("For example the number of the compliance notice."),
    )
    confirm = _confirm(_l("Suspend the membership's rights for these days."))
    submit = SubmitField(_l("Suspend"))


class EndRequestForm(PortalForm):
    reason = _reason()
    confirm = _confirm(_l("Ask the exchange to end this membership."))
    submit = SubmitField(_l("Ask to end the membership"))


class EndForm(PortalForm):
    """The exchange's announcement: the member's requested end, or a termination."""

    ended_by = RadioField(
        _l("How it ends"),
        choices=[
            SelectChoice("member", _l("At the member's request")),
            SelectChoice("announcement", _l("Terminated by announcement")),
        ],
        validators=[InputRequired()],
    )
    announced_on = DateField(_l("Announced on"), validators=[InputRequired(_DATE)])
    reason = _reason()
    source = StringField(_l("Announcement"), validators=[Optional(), Length(max=64)])
    confirm = _confirm(_l("End the membership from the announcement; the refunds are scheduled."))
    submit = SubmitField(_l("End the membership"))


class RevokeForm(PortalForm):
    announced_on = DateField(_l("Announced on"), validators=[InputRequired(_DATE)])
    reason = _reason()
    source = StringField(_l("Decision or notice"), validators=[Optional(), Length(max=64)])
    confirm = _confirm(_l("Revoke the membership (R21); the fees are kept (R16)."))
    submit = SubmitField(_l("Revoke"))


class TransferForm(PortalForm):
    to_member_id = SelectField(_l("Transfer to"), coerce=int, validators=[InputRequired()])
    reason = _reason()
    submit = SubmitField(_l("Ask for the transfer"))


class TransferDecisionForm(PortalForm):
    decision = RadioField(
        _l("Decision"),
        choices=[SelectChoice("approve", _l("Approve")), SelectChoice("reject", _l("Refuse"))],
        validators=[InputRequired()],
    )
    reason = _reason(required=False)
    submit = SubmitField(_l("Confirm the decision"))


class ReceiptForm(PortalForm):
    kind = SelectField(
        _l("Received"),
        choices=[
            SelectChoice(str(k), ENTRY_LABELS[k])
            for k in (EntryKind.DEPOSIT_RECEIVED, EntryKind.ENTRY_FEE, EntryKind.MANAGEMENT_FEE)
        ],
    )
    amount = StringField(
        _l("Amount (CNY)"),
        validators=[DataRequired(_l("Enter the amount."))],
        description=_l("Yuan with at most two decimals, e.g. 100000.00"),
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Record the receipt"))


class MarkPaidForm(PortalForm):
    confirm = _confirm(_l("The refund was paid out."))
    submit = SubmitField(_l("Mark paid"))


class FilterForm(PortalForm):
    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("", _l("All"))]
        + [SelectChoice(str(s), label) for s, label in STATUS_LABELS.items()],
        validators=[Optional()],
    )
    type_id = SelectField(_l("Type"), coerce=int, validators=[Optional()])
    store_id = SelectField(_l("Store"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Filter"))


class TypeForm(PortalForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=64)],
        description=_l("The key plugins know the type by, e.g. exchange.member."),
    )
    store_id = SelectField(_l("Store"), coerce=int, validators=[InputRequired()])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=120)])
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=120)])
    entry_fee = StringField(_l("Entry fee (CNY)"), validators=[DataRequired()], default="0.00")
    management_fee = StringField(
        _l("Yearly management fee (CNY)"), validators=[DataRequired()], default="0.00"
    )
    risk_deposit = StringField(
        _l("Risk deposit (CNY)"), validators=[DataRequired()], default="0.00"
    )
    period_months = IntegerField(
        _l("Period (months)"), default=12, validators=[InputRequired(), NumberRange(1, 120)]
    )
    sla_policy = SelectField(_l("Application deadline policy"))
    is_active = BooleanField(_l("Takes new applications"), default=True)
    rights_en = TextAreaField(_l("Rights (English), one per line"))
    rights_zh = TextAreaField(_l("Rights (Chinese), one per line"))
    obligations_en = TextAreaField(_l("Obligations (English), one per line"))
    obligations_zh = TextAreaField(_l("Obligations (Chinese), one per line"))
    submit = SubmitField(_l("Save"))

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.openings.models import REQUEST_STATUS_LABELS
from portal.web.forms import PortalForm


class AccountRequestForm(PortalForm):
    """R6: the dedicated customer account request form a store manager files."""

    store_id = SelectField(_l("Store"), coerce=int, validators=[DataRequired()])
    for_staff_id = SelectField(
        _l("Employee who will use the account"), coerce=int, validators=[DataRequired()]
    )
    purpose = TextAreaField(
        _l("Purpose"), validators=[DataRequired(), Length(max=500)], render_kw={"rows": 3}
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Send the request to head office"))


class OpenAccountForm(PortalForm):
    account_ref = StringField(_l("Account identifier"), validators=[DataRequired(), Length(max=64)])
    submit = SubmitField(_l("Open the account and tell the store"))


class ReasonForm(PortalForm):
    """Rejecting (head office) or withdrawing (the store) a request: a reason is required."""

    reason = TextAreaField(
        _l("Reason"), validators=[DataRequired(), Length(max=500)], render_kw={"rows": 3}
    )
    submit = SubmitField(_l("Confirm"))


class ActivateForm(PortalForm):
    """An empty form: the CSRF token is the confirmation that a person clicked the button."""

    submit = SubmitField(_l("Activate the account"))


class RequestFilterForm(PortalForm):
    class Meta:
        csrf = False

    store = SelectField(_l("Store"), coerce=int, validators=[Optional()])
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("", _l("All"))]
        + [SelectChoice(str(s), label) for s, label in REQUEST_STATUS_LABELS.items()],
        validators=[Optional()],
    )

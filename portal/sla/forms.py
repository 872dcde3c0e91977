"""Forms of the sla package: leave periods and handing a task over."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.web.forms import PortalForm


class LeaveForm(PortalForm):
    #: only the head of service and admins choose; others record their own leave
    user_id = SelectField(_l("Who is away"), coerce=int, validators=[Optional()])
    starts_at = DateTimeLocalField(
        _l("Away from"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
    ends_at = DateTimeLocalField(
        _l("Back on"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
    deputy_id = SelectField(_l("Deputy"), coerce=int, validators=[DataRequired()])
    reason = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Record leave"))


class ReassignForm(PortalForm):
    user_id = SelectField(_l("Hand to"), coerce=int, validators=[DataRequired()])
    reason = StringField(_l("Why"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Hand over"))

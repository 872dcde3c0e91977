from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Optional
from wtforms.widgets import MonthInput

from portal.reports.compliance import parse_month
from portal.sla.policies import CORE_POLICIES
from portal.web.forms import PortalForm


def policy_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("All kinds"))] + [
        SelectChoice(p.key, p.label) for p in CORE_POLICIES
    ]


class SlaReportForm(PortalForm):
    """Filters of the SLA report (query string; nothing is changed, so no CSRF token)."""

    class Meta:
        csrf = False

    policy = SelectField(_l("Kind of task"), validators=[Optional()])
    store = SelectField(_l("Store"), coerce=int, validators=[Optional()])
    group = SelectField(
        _l("Per"),
        choices=[SelectChoice("store", _l("Store")), SelectChoice("reviewer", _l("Reviewer"))],
        validators=[Optional()],
    )
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])


class MonthField(StringField):
    """A month typed as ``YYYY-MM`` (``<input type="month">``), parsed by the report's own
    rule so the page and the API say the same thing about a wrong one."""

    widget = MonthInput()

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        if valuelist and valuelist[0].strip():
            self.data = parse_month(valuelist[0])  # a ValueError is the field's error

    def _value(self) -> str:
        if self.data is not None:
            return str(self.data)
        return self.raw_data[0] if self.raw_data else ""


class ComplianceReportForm(PortalForm):
    """Filters of the compliance report: the same query names as the API's."""

    class Meta:
        csrf = False

    store_id = SelectField(_l("Store"), coerce=int, validators=[Optional()])
    from_ = MonthField(_l("From month"), name="from", validators=[Optional()])
    to = MonthField(_l("To month"), validators=[Optional()])

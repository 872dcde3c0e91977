from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectChoice, SelectField
from wtforms.validators import Optional

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

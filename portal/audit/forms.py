from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from portal.web.forms import PortalForm


class AuditFilterForm(PortalForm):
    class Meta:
        csrf = False

    action = StringField(_l("Action starts with"), validators=[Optional(), Length(max=80)])
    actor = StringField(_l("Actor login"), validators=[Optional(), Length(max=120)])
    object_type = StringField(_l("Object type"), validators=[Optional(), Length(max=60)])
    object_id = StringField(_l("Object id"), validators=[Optional(), Length(max=60)])
    store = SelectField(_l("Store"), coerce=int, validators=[Optional()])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])

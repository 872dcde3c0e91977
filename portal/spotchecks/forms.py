from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.spotchecks.models import FINDING_LABELS
from portal.spotchecks.services import MAX_SAMPLE_SIZE
from portal.web.forms import PortalForm


class DrawForm(PortalForm):
    """R7: draw a sample for one store, or (store 0) for every store at once."""

    store_id = SelectField(_l("Store"), coerce=int, validators=[InputRequired()])
    size = IntegerField(
        _l("Files per store"),
        validators=[DataRequired(), NumberRange(min=1, max=MAX_SAMPLE_SIZE)],
    )
    submit = SubmitField(_l("Draw the sample"))


class FindingForm(PortalForm):
    finding = RadioField(
        _l("Finding"),
        choices=[SelectChoice(str(k), v) for k, v in FINDING_LABELS.items()],
        validators=[DataRequired()],
    )
    notes = TextAreaField(
        _l("Notes"), validators=[Optional(), Length(max=1000)], render_kw={"rows": 3}
    )
    submit = SubmitField(_l("Record the finding"))


class CheckFilterForm(PortalForm):
    class Meta:
        csrf = False

    store = SelectField(_l("Store"), coerce=int, validators=[Optional()])

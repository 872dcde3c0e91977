"""Forms of the restaurant pages. Amounts are text here: the service checks them (R5
money rules) and says what is wrong next to the field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.web.forms import PortalForm
from portal_restaurant.models import SOURCE_LABELS
from portal_restaurant.services import MAX_PARTY, MAX_REFERENCE, MAX_TABLE_LABEL, SORT_LABELS

SOURCE_CHOICES = [SelectChoice(str(source), label) for source, label in SOURCE_LABELS.items()]


class VisitForm(PortalForm):
    visited_at = DateTimeLocalField(
        _l("When"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    source = SelectField(_l("How the table was taken"), choices=SOURCE_CHOICES)
    party_size = IntegerField(
        _l("Guests"),
        validators=[DataRequired(), NumberRange(min=1, max=MAX_PARTY)],
        render_kw={"inputmode": "numeric", "min": 1, "max": MAX_PARTY},
    )
    table_label = StringField(_l("Table"), validators=[Optional(), Length(max=MAX_TABLE_LABEL)])
    amount = StringField(
        _l("Amount (CNY, optional)"),
        validators=[Optional(), Length(max=20)],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    reservation_ref = StringField(
        _l("Reservation number (optional)"), validators=[Optional(), Length(max=MAX_REFERENCE)]
    )
    #: a fresh random key per form, so a double click records the visit once
    idempotency_key = HiddenField(validators=[Optional(), Length(max=64)])
    submit = SubmitField(_l("Record the visit"))


class LookupForm(PortalForm):
    """Find the customer at the counter by the phone number they give."""

    class Meta:
        csrf = False

    store = SelectField(_l("Store"), coerce=int, validators=[Optional()])
    mobile = StringField(
        _l("Customer's phone number"),
        validators=[Optional(), Length(max=32)],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    submit = SubmitField(_l("Find the customer"))


class VisitFilterForm(PortalForm):
    class Meta:
        csrf = False

    store = SelectField(_l("Store"), coerce=int, validators=[Optional()])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])
    source = SelectField(
        _l("How the table was taken"),
        choices=[SelectChoice("", _l("All")), *SOURCE_CHOICES],
        validators=[Optional()],
    )
    sort = SelectField(
        _l("Order"),
        choices=[SelectChoice(str(key), label) for key, label in SORT_LABELS.items()],
        validators=[Optional()],
    )
    submit = SubmitField(_l("Show"))


class CandidateFilterForm(PortalForm):
    class Meta:
        csrf = False

    store = SelectField(_l("Store"), coerce=int, validators=[Optional()])
    month = StringField(
        _l("Month"),
        validators=[Optional(), Length(max=7)],
        render_kw={"type": "month", "placeholder": "YYYY-MM"},
    )
    submit = SubmitField(_l("Show"))


class StartFileForm(PortalForm):
    submit = SubmitField(_l("Start VIP file"))


class GreetingFilterForm(PortalForm):
    class Meta:
        csrf = False

    store = SelectField(_l("Store"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Show"))

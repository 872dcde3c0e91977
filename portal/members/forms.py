from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from portal.members.contacts import MAX_CONTACTS
from portal.members.models import CONTACT_KIND_LABELS, STATUS_LABELS
from portal.web.forms import PortalForm


class RegistrationForm(PortalForm):
    full_name = StringField(
        _l("Full name"),
        validators=[DataRequired(), Length(max=50)],
        render_kw={"autocomplete": "name"},
    )
    mobile = StringField(
        _l("Mobile number"),
        validators=[DataRequired(), Length(max=32)],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    email = EmailField(_l("E-mail (optional)"), validators=[Optional(), Length(max=254)])
    store_id = SelectField(_l("Store"), coerce=int, validators=[DataRequired()])
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=128)],
        render_kw={"autocomplete": "new-password"},
    )
    password_confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    consent = BooleanField(_l("I accept the privacy terms"))
    submit = SubmitField(_l("Register"))


class ProfileForm(PortalForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=50)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    # R2: anniversaries are picked from a calendar, never typed as free text
    birthday = DateField(_l("Birthday"), validators=[Optional()])
    wedding_anniversary = DateField(_l("Wedding anniversary"), validators=[Optional()])
    submit = SubmitField(_l("Save"))


class MemberFilterForm(PortalForm):
    class Meta:
        csrf = False

    store = SelectField(_l("Store"), coerce=int, validators=[Optional()])
    contact = StringField(
        _l("Phone, e-mail or WeChat ID"), validators=[Optional(), Length(max=254)]
    )
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("", _l("All"))]
        + [SelectChoice(str(s), label) for s, label in STATUS_LABELS.items()],
        validators=[Optional()],
    )
    sort = SelectField(
        _l("Sort by"),
        choices=[SelectChoice("newest", _l("Newest first")), SelectChoice("name", _l("Name"))],
        validators=[Optional()],
    )


# --- R8/R9: customers, contacts, conflicts, handover --------------------------------------------

#: empty rows the contact list offers (no scripts: a longer list is saved and edited again)
CONTACT_ROWS = 4


class ContactRowForm(Form):
    """One contact method; a row with an empty value is ignored."""

    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(str(k), label) for k, label in CONTACT_KIND_LABELS.items()],
        validators=[Optional()],
    )
    value = StringField(_l("Contact"), validators=[Optional(), Length(max=254)])


def _contact_list() -> FieldList:
    return FieldList(
        FormField(ContactRowForm),
        label=_l("Further contacts"),
        min_entries=CONTACT_ROWS,
        max_entries=MAX_CONTACTS + CONTACT_ROWS,
    )


class CustomerForm(PortalForm):
    """R8: staff enter a customer they refer."""

    store_id = SelectField(_l("Store"), coerce=int, validators=[DataRequired()])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=50)])
    mobile = StringField(
        _l("Mobile number"),
        validators=[DataRequired(), Length(max=32)],
        render_kw={"inputmode": "tel"},
    )
    email = EmailField(_l("E-mail (optional)"), validators=[Optional(), Length(max=254)])
    referrer_id = SelectField(_l("Referrer"), coerce=int, validators=[Optional()])
    contacts = _contact_list()
    submit = SubmitField(_l("Enter customer"))


class ContactsForm(PortalForm):
    contacts = _contact_list()
    submit = SubmitField(_l("Save contacts"))


class ResolveConflictForm(PortalForm):
    keep = RadioField(
        _l("Who keeps the customer"),
        choices=[
            SelectChoice("holder", _l("The current referrer")),
            SelectChoice("claimant", _l("The claimant")),
        ],
        validators=[DataRequired()],
    )
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    confirm = BooleanField(
        _l("I have checked both claims; the decision is final."), validators=[DataRequired()]
    )
    submit = SubmitField(_l("Decide"))


class HandoverForm(PortalForm):
    """R9: a successor per customer (``successor_<member id>``) or one for all."""

    all_to = SelectField(_l("Give all remaining customers to"), coerce=int, validators=[Optional()])
    confirm = BooleanField(
        _l("Hand these customers over and tell them who serves them now."),
        validators=[DataRequired()],
    )
    submit = SubmitField(_l("Hand over"))


def handover_form(member_ids: list[int], choices: list[SelectChoice]) -> HandoverForm:
    """A handover form with one successor picker per listed customer."""

    class _Form(HandoverForm):
        pass

    for member_id in member_ids:
        setattr(
            _Form,
            f"successor_{member_id}",
            SelectField(_l("Successor"), coerce=int, choices=choices, validators=[Optional()]),
        )
    form = _Form()
    form.all_to.choices = choices
    return form


class OwnershipReportForm(PortalForm):
    class Meta:
        csrf = False

    store = SelectField(_l("Store"), coerce=int, validators=[Optional()])
    on = DateField(_l("On"), validators=[Optional()])

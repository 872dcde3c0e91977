from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from portal.members.models import STATUS_LABELS
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

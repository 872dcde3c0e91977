from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional

from portal.accounts.integrations import MAX_TOKEN_DAYS, NAME_LENGTH
from portal.accounts.roles import ROLE_LABELS
from portal.web.forms import CheckboxesField, PortalForm


class LoginForm(PortalForm):
    login = StringField(
        _l("Mobile number or username"),
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class PasswordForm(PortalForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=128)],
        render_kw={"autocomplete": "new-password"},
    )
    new_password_confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Change password"))


class ResetPasswordForm(PortalForm):
    new_password = PasswordField(
        _l("New initial password"),
        validators=[DataRequired(), Length(max=128)],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Set password"))


class AccountForm(PortalForm):
    login = StringField(_l("Username"), validators=[DataRequired(), Length(max=32)])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    mobile = StringField(_l("Mobile number"), validators=[Optional(), Length(max=32)])
    id_number = StringField(_l("Resident identity number"), validators=[Optional(), Length(max=32)])
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(), Length(max=128)],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Create account"))


class GrantForm(PortalForm):
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(str(role), label) for role, label in ROLE_LABELS.items()],
        validators=[DataRequired()],
    )
    store_id = SelectField(_l("Store"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Grant role"))


class ConfirmForm(PortalForm):
    """An empty form: the CSRF token is the confirmation that a person clicked the button."""

    submit = SubmitField(_l("Confirm"))


class IntegrationForm(PortalForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(), Length(max=NAME_LENGTH)], render_kw={"size": 30}
    )
    store_id = SelectField(_l("Store"), coerce=int, validators=[Optional()])
    actions = CheckboxesField(_l("Permissions"))
    submit = SubmitField(_l("Create integration"))


class TokenForm(PortalForm):
    days = IntegerField(
        _l("Valid for (days)"),
        default=365,
        validators=[InputRequired(), NumberRange(min=1, max=MAX_TOKEN_DAYS)],
    )
    submit = SubmitField(_l("Issue a new token"))

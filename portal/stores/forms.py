from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, Optional

from portal.web.forms import PortalForm

COMMON_ZONES = [
    "Asia/Shanghai",
    "Asia/Urumqi",
    "Asia/Hong_Kong",
    "Asia/Macau",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Europe/London",
    "America/New_York",
    "UTC",
]


class StoreForm(PortalForm):
    code = StringField(_l("Store code"), validators=[DataRequired(), Length(max=12)])
    name = StringField(_l("Store name"), validators=[DataRequired(), Length(max=120)])
    timezone = SelectField(_l("Time zone"), choices=[SelectChoice(z) for z in COMMON_ZONES])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    phone = StringField(_l("Telephone"), validators=[Optional(), Length(max=32)])
    is_head_office = BooleanField(_l("This is the head office"))
    is_active = BooleanField(_l("Open for registrations"), default=True)
    quiet_start = TimeField(
        _l("Quiet hours from"),
        validators=[Optional()],
        format=["%H:%M", "%H:%M:%S"],
        invalid_value_message=_l("Enter a time as HH:MM, e.g. 21:00."),
    )
    quiet_end = TimeField(
        _l("Quiet hours until"),
        validators=[Optional()],
        format=["%H:%M", "%H:%M:%S"],
        invalid_value_message=_l("Enter a time as HH:MM, e.g. 08:00."),
    )
    submit = SubmitField(_l("Save"))


def store_choices(
    stores: Iterable[Any], first: str, *, with_code: bool = False
) -> list[SelectChoice]:
    """Options for a store picker; ``first`` labels the value 0 (none or all)."""
    return [SelectChoice(0, first)] + [
        SelectChoice(s.id, f"{s.code} · {s.name}" if with_code else s.name) for s in stores
    ]

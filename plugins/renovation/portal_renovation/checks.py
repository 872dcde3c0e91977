"""The field checks every renovation service shares: one message per kind of mistake."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.errors import ValidationFailed
from portal.i18n import zone_of
from portal.stores.models import Store

Errors = dict[str, list[object]]

REQUIRED = _l("This field is required.")
#: what an ``Idempotency-Key`` may hold
#: C0 controls but tab and line breaks, DEL, lone surrogates: never part of a real entry
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
#: how far back a follow-up or revisit may be recorded (a typo beyond)
MAX_DAYS_BACK = 366


def text(
    errors: Errors, field: str, value: str | None, maximum: int, *, required: bool
) -> str | None:
    """The stripped text, or None; a missing required value, one too long or one holding
    control characters is noted in ``errors``."""
    cleaned = (value or "").strip()
    if not cleaned:
        if required:
            errors.setdefault(field, []).append(REQUIRED)
        return None
    if len(cleaned) > maximum:
        errors.setdefault(field, []).append(_l("At most %(n)d characters.", n=maximum))
        return None
    if CONTROL.search(cleaned):
        errors.setdefault(field, []).append(_l("Remove control characters from the text."))
        return None
    return cleaned


def choice(errors: Errors, field: str, value: str | None, enum: type[StrEnum]) -> Any:
    """The enum member named by ``value``, or None with a note in ``errors``."""
    try:
        return enum(value)
    except ValueError:
        errors.setdefault(field, []).append(_l("Choose one of the listed values."))
        return None


def score(errors: Errors, field: str, value: object) -> int | None:
    """A satisfaction score, 1 to 5 (R12, R14)."""
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
        errors.setdefault(field, []).append(_l("Give a score from 1 to 5."))
        return None
    return value


def past_day(errors: Errors, field: str, value: date | None, *, today: date) -> date | None:
    """A day that has happened, within the last year (follow-ups, revisits)."""
    if not isinstance(value, date) or isinstance(value, datetime):
        errors.setdefault(field, []).append(_l("Pick a date from the calendar."))
        return None
    if value > today:
        errors.setdefault(field, []).append(_l("This day lies in the future."))
        return None
    if value < today - timedelta(days=MAX_DAYS_BACK):
        errors.setdefault(field, []).append(_l("Choose a day within the last year."))
        return None
    return value


def raise_errors(errors: Errors) -> None:
    if errors:
        raise ValidationFailed(errors)


def local_today(store: Store | None, now: datetime) -> date:
    """The day it is at the store (None: in the deployment's zone, for lists that span
    stores): dates of the store's records are in its zone."""
    return now.astimezone(zone_of(store)).date()

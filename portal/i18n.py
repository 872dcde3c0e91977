"""Language and time zone selection, and the formatting filters templates use."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import (
    DateTimePattern,
    get_date_format,
    get_datetime_format,
    get_time_format,
    parse_pattern,
)
from flask import current_app, has_request_context, request, session
from flask_babel import format_currency, format_date, format_datetime, get_locale
from flask_login import current_user

from portal.accounts.roles import Role
from portal.members.models import MemberStatus
from portal.members.validators import format_phone

LANGUAGE_NAMES = {"zh_Hans": "简体中文", "en": "English"}


def select_locale() -> str:
    """User preference, then the visitor's choice, then Accept-Language, then the default."""
    available: list[str] = current_app.config["PORTAL_LOCALES"]
    if has_request_context():
        if current_user.is_authenticated and current_user.locale in available:
            return current_user.locale
        chosen = session.get("locale")
        if chosen in available:
            return chosen
        for tag, _quality in request.accept_languages:
            match = _match(tag, available)
            if match:
                return match
    return current_app.config["PORTAL_DEFAULT_LOCALE"]


def _match(tag: str, available: list[str]) -> str | None:
    """``zh``, ``zh-CN``, ``zh-Hans-CN`` -> zh_Hans; ``en-GB`` -> en."""
    lang = tag.replace("-", "_").split("_")[0].lower()
    for locale in available:
        if locale.split("_")[0].lower() == lang:
            return locale
    return None


def select_timezone() -> str:
    return current_app.config["PORTAL_DEFAULT_TIMEZONE"]


def zone_of(store: object | None) -> ZoneInfo:
    tz = getattr(store, "timezone", None) or current_app.config["PORTAL_DEFAULT_TIMEZONE"]
    return ZoneInfo(tz)


#: Babel's named widths; anything else is a pattern of its own
_NAMED_FORMATS = frozenset({"short", "medium", "long", "full"})


@lru_cache(maxsize=256)
def _datetime_pattern(locale: Locale, fmt: str) -> DateTimePattern:
    """The locale's date-and-time pattern for ``fmt``, parsed once per worker.

    Babel formats a named width as a date and a time apart and joins them, parsing the
    patterns each time; lists show dozens of instants a page. Joining the patterns first
    gives the same text (quoted literals stay quoted) in one pass.
    """
    if fmt not in _NAMED_FORMATS:
        return parse_pattern(fmt)
    joined = str(get_datetime_format(fmt, locale))
    time_, date_ = get_time_format(fmt, locale).pattern, get_date_format(fmt, locale).pattern
    return parse_pattern(joined.replace("{0}", time_).replace("{1}", date_))


def local_datetime(value: datetime | None, store: object | None = None, fmt: str = "medium") -> str:
    """An instant shown in the store's time zone (default: the deployment's)."""
    if value is None:
        return ""
    local = value.astimezone(zone_of(store))
    locale = get_locale()
    if locale is None:
        return format_datetime(local, fmt, rebase=False)
    return _datetime_pattern(locale, fmt).apply(local, locale)


def local_date(value: date | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return format_date(value, fmt)


def money(amount: Decimal | None) -> str:
    """CNY through Babel (¥1,234.50 / ¥1,234.50 in each locale's pattern)."""
    if amount is None:
        return ""
    if not isinstance(amount, Decimal):
        raise TypeError("money must be a Decimal")
    return format_currency(amount, "CNY")


def current_language() -> str:
    return str(get_locale() or current_app.config["PORTAL_DEFAULT_LOCALE"])


def init_app(app: object) -> None:
    jinja_filters = app.jinja_env.filters  # type: ignore[attr-defined]
    jinja_filters["local_datetime"] = local_datetime
    jinja_filters["local_date"] = local_date
    jinja_filters["money"] = money
    jinja_filters["phone"] = format_phone
    jinja_filters["role_label"] = lambda role: Role(role).label
    jinja_filters["status_label"] = lambda status: MemberStatus(status).label
    app.jinja_env.globals.update(  # type: ignore[attr-defined]
        LANGUAGE_NAMES=LANGUAGE_NAMES, current_language=current_language
    )

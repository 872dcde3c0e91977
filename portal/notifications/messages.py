"""The texts of notifications, by kind, rendered in the recipient's language.

Each package defines its texts once, at import time, next to the code that sends them::

    messages.define("vip.approved", _l("The VIP file of %(name)s was approved."))

A notification stores only its kind and plain parameters; the text is made when it is
shown or sent, so an in-portal message follows the reader's language and a text message
the recipient's.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

from flask import current_app, has_app_context
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

if TYPE_CHECKING:
    from portal.notifications.models import Notification

log = logging.getLogger(__name__)

_REGISTRY: dict[str, Any] = {}


def define(kind: str, text: Any) -> None:
    """Register the (lazy) text of ``kind``; ``%(name)s`` placeholders take the params.

    Defining a kind again with another text is a programming error (two packages
    claiming one key); the same text again (a module reloaded) is accepted.
    """
    existing = _REGISTRY.get(kind)
    if existing is not None and _source(existing) != _source(text):
        raise ValueError(f"notification kind {kind!r} is already defined")
    _REGISTRY[kind] = text


def is_defined(kind: str) -> bool:
    return kind in _REGISTRY


def _source(text: Any) -> str:
    """The msgid of a lazy string (its untranslated text), for comparing definitions."""
    args = getattr(text, "_args", None)
    return str(args[0]) if args else str(text)


def recipient_locale(notification: Notification) -> str | None:
    """The language the recipient chose: the login's, or the member's login's."""
    user = notification.recipient_user
    if user is None and notification.recipient_member is not None:
        user = notification.recipient_member.user
    return user.locale if user is not None else None


def render(notification: Notification, locale: str | None = None) -> str:
    """The message text in ``locale``, else the recipient's language, else the default.

    Never raises for a bad row: an unknown kind or parameters that do not fit the text
    give a neutral sentence (and a warning in the log) instead of an error page.
    """
    chosen = _supported(locale) or _supported(recipient_locale(notification)) or _default()
    with _in_locale(chosen):
        text = _REGISTRY.get(notification.kind)
        if text is None:
            log.warning("notification %s has unknown kind %r", notification.id, notification.kind)
            return _("You have a new message.")
        try:
            return str(text) % dict(notification.params or {})
        except (KeyError, ValueError, TypeError):
            log.warning(
                "notification %s: parameters do not fit the text of %r",
                notification.id,
                notification.kind,
            )
            return _("You have a new message.")


def _in_locale(locale: str) -> AbstractContextManager[Any]:
    """``force_locale`` only when another language is current: switching reloads the
    catalogues, which a page listing the reader's own messages would pay on every row."""
    current = get_locale() if has_app_context() else None
    return nullcontext() if current is not None and str(current) == locale else force_locale(locale)


def _supported(locale: str | None) -> str | None:
    if not locale or not has_app_context():
        return None
    return locale if locale in current_app.config["PORTAL_LOCALES"] else None


def _default() -> str:
    if has_app_context():
        return str(current_app.config["PORTAL_DEFAULT_LOCALE"])
    return "zh_Hans"

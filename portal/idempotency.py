"""Idempotency keys: the retry key a client sends with a write (``Idempotency-Key``), so a
repeated request is answered with what the first one made instead of making it again."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from portal.errors import ValidationFailed

_KEY = re.compile(r"^[\x21-\x7e]{1,64}$")


def check_key(raw: str | None) -> str | None:
    """The key stripped, None when none was sent; ValidationFailed on ``idempotency_key``
    for anything but 1 to 64 visible ASCII characters."""
    key = (raw or "").strip() or None
    if key is not None and not _KEY.match(key):
        raise ValidationFailed.single(
            "idempotency_key", _l("1 to 64 visible ASCII characters, no spaces.")
        )
    return key

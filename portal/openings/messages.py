"""The notification texts of the openings package (R6), defined once at import time."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.notifications import messages

OPENED = "openings.opened"
REJECTED = "openings.rejected"
ACTIVATED = "openings.activated"

messages.define(
    OPENED,
    _l(
        "Head office opened the dedicated account %(account_ref)s requested in %(number)s. "
        "Activate it in the portal."
    ),
)
messages.define(REJECTED, _l("Head office rejected the account request %(number)s: %(reason)s"))
messages.define(
    ACTIVATED,
    _l("Your dedicated customer account %(account_ref)s (%(number)s) is active."),
)

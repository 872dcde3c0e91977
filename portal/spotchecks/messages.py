"""The notification texts of the spotchecks package (R7), defined once at import time."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.notifications import messages

ISSUE = "spotchecks.issue"

messages.define(
    ISSUE,
    _l("Head office's spot check found an issue in the VIP file of %(name)s: %(notes)s"),
)

"""The notification texts of compliance, defined once at import time."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.notifications import messages

NOTICE_ISSUED = "compliance.notice_issued"
APPEAL_UPHELD = "compliance.appeal_upheld"
APPEAL_DISMISSED = "compliance.appeal_dismissed"
APPEAL_LODGED = "compliance.appeal_lodged"

messages.define(
    NOTICE_ISSUED,
    _l(
        "Compliance notice %(number)s was issued to you. Read and acknowledge it on your "
        "page; you may appeal until %(until)s."
    ),
)
messages.define(
    APPEAL_UPHELD,
    _l("Your appeal against notice %(number)s was upheld: %(reasons)s"),
)
messages.define(
    APPEAL_DISMISSED,
    _l("Your appeal against notice %(number)s was dismissed: %(reasons)s"),
)
messages.define(
    APPEAL_LODGED,
    _l("The member appealed against notice %(number)s; it waits for a decision."),
)

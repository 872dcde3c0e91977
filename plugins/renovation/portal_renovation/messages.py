"""The notification texts of the renovation vertical, defined once at import time."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.notifications import messages

SERIOUS = "renovation.serious"
ESCALATED = "renovation.escalated"
HANDED_OVER = "renovation.handed_over"
ROUTED = "renovation.routed"
PENALTY = "renovation.penalty"
FOLLOW_UP_DUE = "renovation.follow_up_due"
REVISIT_DUE = "renovation.revisit_due"

messages.define(
    SERIOUS,
    _l("Serious case %(number)s for %(customer)s: %(subject)s. Handle it at once."),
)
messages.define(
    ESCALATED,
    _l(
        "Second complaint %(number)s on the same matter as %(earlier)s (%(customer)s): "
        "it is yours to follow as department head."
    ),
)
messages.define(HANDED_OVER, _l("Case %(number)s was handed over to you: %(reason)s"))
messages.define(
    ROUTED,
    _l("Repair %(number)s is yours: call %(customer)s and agree a time for %(subject)s."),
)
messages.define(PENALTY, _l("Penalty notice %(number)s was issued to you: %(measure)s"))
messages.define(
    FOLLOW_UP_DUE,
    _l("Follow-up due %(due)s: %(customer)s, class %(klass)s (R11)."),
)
messages.define(
    REVISIT_DUE,
    _l("Revisit due %(due)s: %(customer)s, project %(project)s (R12)."),
)

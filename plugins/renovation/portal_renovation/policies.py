"""R23: the 48-hour contact promise, a policy of the core SLA engine."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l

from portal.accounts.roles import Role
from portal.sla.policies import SlaPolicy, Step, StepKind, Target

CONTACT_PROMISE = SlaPolicy(
    key="renovation_contact",
    label=_l("Repair contact promise"),
    # R23: when the responsible supervisor has left, contact within 48 hours
    duration=timedelta(hours=48),
    # the store's desk keeps the promise; the manager as department head too
    decider_roles=(Role.STAFF, Role.STORE_MANAGER),
    steps=(
        Step(0.5, StepKind.REMIND, Target.DECIDERS),
        Step(0.75, StepKind.REMIND, Target.DEPUTY_OR_MANAGER),
        Step(1.0, StepKind.ESCALATE, Target.HQ_SERVICE),
        Step(1.5, StepKind.ESCALATE, Target.HQ_HEAD),
    ),
)

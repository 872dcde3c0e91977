"""SLA policies: how long a task may take, when to remind, whom to escalate to.

A policy is data. The core defines the VIP review (R5) and account opening (R6); plugins
add their own through ``portal_sla_policies``; operators override durations in settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from portal.accounts.roles import Role


class Target(StrEnum):
    """Who a step of the escalation chain reaches."""

    #: whoever may decide the task now (the manager, or the deputy during leave)
    DECIDERS = "deciders"
    #: the deciders' deputies and the store's managers
    DEPUTY_OR_MANAGER = "deputy_or_manager"
    HQ_SERVICE = "hq_service"
    HQ_HEAD = "hq_head"


class StepKind(StrEnum):
    #: a reminder: nobody new may decide
    REMIND = "remind"
    #: the target may now decide the task too
    ESCALATE = "escalate"


@dataclass(frozen=True)
class Step:
    """One point of the escalation chain, as a fraction of the window (1.0 is the deadline)."""

    at: float
    kind: StepKind
    target: Target


@dataclass(frozen=True)
class SlaPolicy:
    key: str
    label: object
    duration: timedelta
    #: roles that decide the task in its store (a head-office role decides for every store)
    decider_roles: tuple[Role, ...]
    steps: tuple[Step, ...] = ()
    #: optional business calendar name from settings; None counts wall-clock time
    calendar: str | None = None
    #: the last quarter of the window shows as "due soon"
    due_soon_at: float = 0.75
    extra: dict[str, object] = field(default_factory=dict)

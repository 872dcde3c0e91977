"""Indexes the reports read through.

The SLA report selects tasks by policy and the instant they were decided or breached;
these indexes on ``sla_task`` (a table of the sla package) keep that a range scan
instead of a full scan at any size. They are created in revision ``0006_openings``.
"""

from __future__ import annotations

from sqlalchemy import Index

from portal.sla.models import SlaTask

#: decided tasks of a policy in a period
ix_sla_task_policy_completed = Index(
    "ix_sla_task_policy_completed", SlaTask.policy, SlaTask.completed_at
)
#: breaches of a policy in a period, decided or still open
ix_sla_task_policy_breached = Index(
    "ix_sla_task_policy_breached", SlaTask.policy, SlaTask.breached_at
)

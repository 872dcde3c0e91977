"""Tables of the sla package: tasks with deadlines, their timelines, leave periods."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.database import UTCDateTime
from portal.extensions import db
from portal.stores.models import Store


class TaskState(StrEnum):
    OPEN = "open"
    #: the clock stands still (a file back with staff for correction)
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self])


STATE_LABELS = {
    TaskState.OPEN: _l("Running"),
    TaskState.PAUSED: _l("Paused"),
    TaskState.DONE: _l("Decided"),
    TaskState.CANCELLED: _l("Cancelled"),
}

#: a task still waiting for someone: its clock runs, or stands still while paused
LIVE_STATES = (TaskState.OPEN, TaskState.PAUSED)


class EventKind(StrEnum):
    STARTED = "started"
    REMINDED = "reminded"
    ESCALATED = "escalated"
    BREACHED = "breached"
    PAUSED = "paused"
    RESUMED = "resumed"
    REASSIGNED = "reassigned"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    #: nobody in the store could decide: head office took the task over
    UNCOVERED = "uncovered"

    @property
    def label(self) -> str:
        return str(EVENT_LABELS[self])


EVENT_LABELS = {
    EventKind.STARTED: _l("Started"),
    EventKind.REMINDED: _l("Reminder sent"),
    EventKind.ESCALATED: _l("Escalated"),
    EventKind.BREACHED: _l("Deadline missed"),
    EventKind.PAUSED: _l("Clock paused"),
    EventKind.RESUMED: _l("Clock resumed"),
    EventKind.REASSIGNED: _l("Reassigned"),
    EventKind.COMPLETED: _l("Decided"),
    EventKind.CANCELLED: _l("Cancelled"),
    EventKind.UNCOVERED: _l("Nobody in the store could decide; head office took over"),
}


class SlaTask(db.Model):
    """Something that must be decided within a policy's window (a VIP review, R5)."""

    __tablename__ = "sla_task"
    __table_args__ = (
        # tick: only the rows whose next step is due (cost follows the work, not the table)
        Index("ix_sla_task_state_next_step", "state", "next_step_at"),
        # queues of one store, and head office's queue across stores, by deadline
        Index("ix_sla_task_store_queue", "store_id", "state", "due_at", "id"),
        Index("ix_sla_task_queue", "state", "due_at", "id"),
        Index("ix_sla_task_subject", "subject_type", "subject_id"),
        # the stores of the tasks handed to someone (decision_scope); partial, because
        # most tasks have no assignee and SQLite's statistics would count the NULLs
        Index(
            "ix_sla_task_assignee",
            "assignee_id",
            "state",
            "store_id",
            sqlite_where=text("assignee_id IS NOT NULL"),
            postgresql_where=text("assignee_id IS NOT NULL"),
        ),
        # reports: decisions and breaches of a policy in a period
        Index("ix_sla_task_policy_completed", "policy", "completed_at"),
        Index("ix_sla_task_policy_breached", "policy", "breached_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: key of the SlaPolicy (``vip_review``)
    policy: Mapped[str] = mapped_column(String(40))
    #: what the task is about, e.g. ("vip_file", 17); the owning package reads it
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16), default=TaskState.OPEN)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: the deadline as an absolute instant; moves later when the task resumes after a pause
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: working time left when paused (seconds; negative once overdue); None while running
    remaining_seconds: Mapped[int | None] = mapped_column(Integer)
    #: index into the policy's chain of the next step to fire; None when none is left
    next_step: Mapped[int | None] = mapped_column(Integer)
    #: when that step fires; None when paused, finished or no step is left
    next_step_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: 0 none; 1 head-office service; 2 head of service (see ESCALATION_LEVELS)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    #: the highest target the task escalated to
    escalated_to: Mapped[str | None] = mapped_column(String(32))
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: who head office handed the task to (reassign)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: what the decision was (``approved``, ``rejected``), in the owning package's words
    outcome: Mapped[str | None] = mapped_column(String(40))
    #: decided at or before the deadline (paused time excluded); None until decided
    within_sla: Mapped[bool | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    store: Mapped[Store] = relationship(lazy="joined", innerjoin=True)
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])
    events: Mapped[list[SlaTaskEvent]] = relationship(
        back_populates="task", order_by="SlaTaskEvent.id", passive_deletes=True
    )

    @property
    def state_enum(self) -> TaskState:
        return TaskState(self.state)

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_STATES

    def __repr__(self) -> str:
        return f"<SlaTask {self.id} {self.policy} {self.subject_type}:{self.subject_id}>"


class SlaTaskEvent(db.Model):
    """One entry of a task's timeline; inserted, never changed."""

    __tablename__ = "sla_task_event"
    __table_args__ = (Index("ix_sla_task_event_task", "task_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("sla_task.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(16))
    #: who did it; None for the system (tick)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: step index and target, reason, who was notified ...
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    task: Mapped[SlaTask] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    @property
    def kind_enum(self) -> EventKind:
        return EventKind(self.kind)

    def __repr__(self) -> str:
        return f"<SlaTaskEvent {self.task_id} {self.kind}>"


class LeavePeriod(db.Model):
    """Someone is away from ``starts_at`` to ``ends_at``; ``deputy`` decides for them (R5)."""

    __tablename__ = "leave_period"
    __table_args__ = (
        Index("ix_leave_period_user", "user_id", "starts_at"),
        Index("ix_leave_period_deputy", "deputy_id", "starts_at"),
        Index("ix_leave_period_ends", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: a cancelled period no longer counts; the row stays for the record
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    deputy: Mapped[User] = relationship(foreign_keys=[deputy_id], lazy="joined")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    def is_active_at(self, at: datetime) -> bool:
        return self.cancelled_at is None and self.starts_at <= at < self.ends_at

    def __repr__(self) -> str:
        return f"<LeavePeriod {self.user_id} {self.starts_at:%Y-%m-%d} deputy={self.deputy_id}>"

"""The SLA engine: tasks with deadlines, escalation chains, leave and deputies (R5, R6).

A task carries its deadline as an absolute instant (``due_at``) and the instant of the
next step of its policy's chain (``next_step_at``, indexed), so ``tick`` reads only the
rows whose time has come. Every step instant derives from ``due_at``: a step at fraction
``f`` of the window fires when ``(1 - f)`` of the window is left, so a pause moves every
later step with the deadline.

Who may decide a task (R5): holders of a decider role for the task's store who are not on
leave; the deputies of those on leave; the assignee after a reassignment; head-office
service and the head of service once the task escalated; and, when nobody in the store can
decide, head office as the last resort: a review is never left without a decider.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, false, or_, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from portal import clock
from portal.accounts.models import RoleGrant, User
from portal.accounts.permissions import Action, can, require
from portal.accounts.roles import Role
from portal.audit.services import record
from portal.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portal.events import emit
from portal.notifications import messages
from portal.notifications.models import Channel
from portal.pagination import Page, SortKey, paginate
from portal.sla.models import LIVE_STATES, EventKind, LeavePeriod, SlaTask, SlaTaskEvent, TaskState
from portal.sla.policies import (
    ESCALATION_LEVELS,
    Calendar,
    PolicyTable,
    SlaPolicy,
    Step,
    StepKind,
    Target,
    WallClock,
    build_policy_table,
)
from portal.stores.models import Store

log = logging.getLogger(__name__)

#: how the tick and the system appear in audit events (no database user acts)
SYSTEM_LABEL = "system:sla"
HQ_ROLES = (Role.HQ_SERVICE, Role.HQ_HEAD)
#: leave longer than this is a typo, not a holiday
MAX_LEAVE = timedelta(days=366)

messages.define("sla.reminder", _l("Reminder: %(title)s is due at %(due)s."))
messages.define(
    "sla.escalated", _l("Escalated to you: %(title)s was due at %(due)s and is not decided.")
)
messages.define("sla.breached", _l("Deadline missed: %(title)s was due at %(due)s."))
messages.define(
    "sla.uncovered",
    _l("Nobody in the store can decide %(title)s (due at %(due)s); head office takes it over."),
)
messages.define("sla.reassigned", _l("%(title)s was handed to you; it is due at %(due)s."))
messages.define(
    "sla.deputy",
    _l("You stand in for %(name)s from %(starts)s to %(ends)s and may decide their reviews."),
)


# --- policies -----------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Build the policy table once at start-up (malformed settings stop the portal)."""
    app.extensions["portal.sla"] = _build_table(app)


def reload_policies(app: Flask) -> PolicyTable:
    """Rebuild the table (after a test registered a throwaway plugin)."""
    init_app(app)
    return app.extensions["portal.sla"]


def _build_table(app: Flask) -> PolicyTable:
    """Every loaded plugin's policies, disabled ones included, with their owners: a
    disabled plugin's policy starts no new task (``start_task``), but the tasks already
    running keep their deadlines (docs/decisions.md)."""
    plugins = app.extensions["portal.plugins"]
    contributed: list[tuple[str, SlaPolicy]] = []
    # in registration order, so the first plugin to claim a key keeps it
    for impl in plugins.caller("portal_sla_policies", every_plugin=True).get_hookimpls():
        try:
            contributed.extend((impl.plugin_name, p) for p in impl.function() or ())
        except Exception:
            log.exception("plugin %s failed in portal_sla_policies", impl.plugin_name)
    return build_policy_table(
        contributed, app.config.get("PORTAL_SLA"), app.config.get("PORTAL_CALENDARS")
    )


def policy_table() -> PolicyTable:
    table = current_app.extensions.get("portal.sla")
    if table is None:
        init_app(current_app)
        table = current_app.extensions["portal.sla"]
    return table


def get_policy(key: str) -> SlaPolicy:
    """The policy ``key`` as configured; KeyError for a key no one defines."""
    return policy_table().policies[key]


def calendar_of(policy: SlaPolicy) -> Calendar | WallClock:
    return policy_table().calendar_of(policy)


def _zone(task: SlaTask) -> ZoneInfo:
    return ZoneInfo(task.store.timezone)


def _fraction(policy: SlaPolicy, fraction: float) -> timedelta:
    return timedelta(seconds=round(policy.duration.total_seconds() * fraction))


def step_instant(policy: SlaPolicy, due_at: datetime, step: Step, zone: ZoneInfo) -> datetime:
    """When ``step`` fires for a task due at ``due_at``: when ``1 - at`` of the window is
    left (before the deadline), or ``at - 1`` of it has passed since (after)."""
    calendar = calendar_of(policy)
    if step.at <= 1.0:
        return calendar.subtract(due_at, _fraction(policy, 1.0 - step.at), zone)
    return calendar.add(due_at, _fraction(policy, step.at - 1.0), zone)


def _next_step_at(policy: SlaPolicy, task: SlaTask, index: int | None) -> datetime | None:
    chain = policy.chain
    if index is None or index >= len(chain):
        return None
    return step_instant(policy, task.due_at, chain[index], _zone(task))


# --- tasks --------------------------------------------------------------------------------


def _event(
    session: Session,
    task: SlaTask,
    kind: EventKind,
    *,
    at: datetime,
    actor: Any = None,
    **detail: Any,
) -> SlaTaskEvent:
    event = SlaTaskEvent(
        task_id=task.id,
        at=at,
        kind=kind,
        actor_id=getattr(actor, "id", None),
        detail=detail or None,
    )
    session.add(event)
    return event


def _audit(
    session: Session,
    task: SlaTask,
    action: str,
    *,
    actor: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    record(
        session,
        actor=actor,
        action=action,
        object_type="sla_task",
        object_id=task.id,
        store_id=task.store_id,
        before=before,
        after=after,
        actor_label=None if actor is not None else SYSTEM_LABEL,
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def start_task(
    session: Session,
    *,
    policy: str,
    subject_type: str,
    subject_id: int,
    store_id: int,
    actor: User,
    title: str,
    due_at: datetime | None = None,
) -> SlaTask:
    """Start the clock of ``policy`` for a subject (a submitted VIP file, R5).

    The owning package authorizes the action that starts the task. One live task per
    subject: a second start while one is open or paused is a Conflict. ``due_at`` sets
    the deadline instead of the policy's duration (a rectification notice names its own,
    R19); the reminders still fire at the policy's fractions before and after it.
    """
    chosen = get_policy(policy)
    owner = policy_table().owners.get(chosen.key)
    if owner is not None and not current_app.extensions["portal.plugins"].is_enabled(owner):
        # the plugin is disabled: its running tasks go on, no new one starts
        raise Conflict(_l("This deadline belongs to a plugin that is disabled."))
    store = session.get(Store, store_id)
    if store is None:
        raise NotFound(_l("No such store."))
    if open_task_for(session, subject_type, subject_id) is not None:
        raise Conflict(_l("A deadline is already running for this."))
    now = clock.now()
    if due_at is None:
        due_at = calendar_of(chosen).add(now, chosen.duration, store.zone)
    task = SlaTask(
        policy=chosen.key,
        subject_type=subject_type,
        subject_id=subject_id,
        store_id=store.id,
        store=store,
        title=title[:200],
        state=TaskState.OPEN,
        started_at=now,
        due_at=due_at,
        next_step=0,
        escalation_level=0,
        created_at=now,
        updated_at=now,
    )
    task.next_step_at = _next_step_at(chosen, task, 0)
    session.add(task)
    session.flush()
    _event(session, task, EventKind.STARTED, at=now, actor=actor, due_at=_iso(due_at))
    _audit(
        session,
        task,
        "sla.started",
        actor=actor,
        after={
            "policy": chosen.key,
            "subject": f"{subject_type}:{subject_id}",
            "due_at": _iso(due_at),
        },
    )
    return task


def open_task_for(session: Session, subject_type: str, subject_id: int) -> SlaTask | None:
    """The live (open or paused) task of a subject, if any."""
    return session.scalar(
        select(SlaTask)
        .where(
            SlaTask.subject_type == subject_type,
            SlaTask.subject_id == subject_id,
            SlaTask.state.in_(LIVE_STATES),
        )
        .order_by(SlaTask.id.desc())
        .limit(1)
    )


def get_task(session: Session, task_id: int) -> SlaTask:
    task = session.get(SlaTask, task_id)
    if task is None:
        raise NotFound(_l("Not found."))
    return task


def pause_task(session: Session, task: SlaTask, *, actor: User, reason: str) -> None:
    """Stop the clock (the file went back to staff for correction); the pause shows in the
    timeline and the working time left is kept for ``resume_task``."""
    if task.state != TaskState.OPEN:
        raise Conflict(_l("Only a running deadline can be paused."))
    now = clock.now()
    policy = get_policy(task.policy)
    remaining = calendar_of(policy).between(now, task.due_at, _zone(task))
    task.state = TaskState.PAUSED
    task.remaining_seconds = int(remaining.total_seconds())
    task.next_step_at = None
    task.updated_at = now
    _event(
        session,
        task,
        EventKind.PAUSED,
        at=now,
        actor=actor,
        reason=reason[:500],
        remaining_seconds=task.remaining_seconds,
    )
    _audit(
        session,
        task,
        "sla.paused",
        actor=actor,
        after={"reason": reason[:500], "remaining_seconds": task.remaining_seconds},
    )


def resume_task(session: Session, task: SlaTask, *, actor: User) -> None:
    """Start the clock again with the working time that was left (resubmitted)."""
    if task.state != TaskState.PAUSED:
        raise Conflict(_l("Only a paused deadline can be resumed."))
    now = clock.now()
    policy = get_policy(task.policy)
    remaining = timedelta(seconds=task.remaining_seconds or 0)
    before = {"due_at": _iso(task.due_at)}
    task.due_at = calendar_of(policy).add(now, remaining, _zone(task))
    task.state = TaskState.OPEN
    task.remaining_seconds = None
    task.next_step_at = _next_step_at(policy, task, task.next_step)
    task.updated_at = now
    _event(session, task, EventKind.RESUMED, at=now, actor=actor, due_at=_iso(task.due_at))
    _audit(
        session,
        task,
        "sla.resumed",
        actor=actor,
        before=before,
        after={"due_at": _iso(task.due_at)},
    )


def _finish(session: Session, task: SlaTask, *, state: TaskState, values: dict[str, Any]) -> None:
    """Close a live task with a compare-and-set: of two people finishing it at once, one
    wins and the other hears that it was already decided."""
    result = session.execute(
        update(SlaTask)
        .where(SlaTask.id == task.id, SlaTask.state.in_(LIVE_STATES))
        .values(state=state, next_step_at=None, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.expire(task)
        raise Conflict(_l("This was already decided."))
    for key, value in {"state": state, "next_step_at": None, **values}.items():
        set_committed_value(task, key, value)


def complete_task(session: Session, task: SlaTask, *, actor: User, outcome: str) -> None:
    """The task was decided (R5): record who, when, and whether within the deadline.

    Paused time does not count: a task decided while paused is within the SLA when
    working time was left at the pause.
    """
    require_decider(session, actor, task)
    now = clock.now()
    if task.state == TaskState.PAUSED:
        within = (task.remaining_seconds or 0) >= 0
    else:
        within = now <= task.due_at
    _finish(
        session,
        task,
        state=TaskState.DONE,
        values={
            "completed_at": now,
            "completed_by_id": getattr(actor, "id", None),
            "outcome": outcome[:40],
            "within_sla": within,
            "updated_at": now,
        },
    )
    _event(
        session,
        task,
        EventKind.COMPLETED,
        at=now,
        actor=actor,
        outcome=outcome[:40],
        within_sla=within,
    )
    _audit(
        session,
        task,
        "sla.completed",
        actor=actor,
        after={"outcome": outcome[:40], "within_sla": within},
    )


def cancel_task(session: Session, task: SlaTask, *, actor: User, reason: str) -> None:
    """The subject no longer needs a decision (withdrawn); the owning package authorizes."""
    now = clock.now()
    _finish(session, task, state=TaskState.CANCELLED, values={"updated_at": now})
    _event(session, task, EventKind.CANCELLED, at=now, actor=actor, reason=reason[:500])
    _audit(session, task, "sla.cancelled", actor=actor, after={"reason": reason[:500]})


def timeline(session: Session, task: SlaTask) -> list[SlaTaskEvent]:
    """Everything that happened to the task, oldest first (pauses included)."""
    return list(
        session.scalars(
            select(SlaTaskEvent)
            .where(SlaTaskEvent.task_id == task.id)
            .options(selectinload(SlaTaskEvent.actor))
            .order_by(SlaTaskEvent.id)
        )
    )


# --- deadlines ----------------------------------------------------------------------------


class DeadlineKind(StrEnum):
    REMINDER = "reminder"
    BREACH = "breach"
    ESCALATION = "escalation"

    @property
    def label(self) -> str:
        return str(DEADLINE_LABELS[self])


DEADLINE_LABELS = {
    DeadlineKind.REMINDER: _l("Reminder"),
    DeadlineKind.BREACH: _l("Deadline"),
    DeadlineKind.ESCALATION: _l("Escalation"),
}

TARGET_LABELS = {
    Target.DECIDERS: _l("the reviewer"),
    Target.DEPUTY_OR_MANAGER: _l("the deputy or manager"),
    Target.HQ_SERVICE: _l("head-office service"),
    Target.HQ_HEAD: _l("the head of service"),
}


@dataclass(frozen=True)
class Deadline:
    """One point of a task's chain: a reminder, the deadline itself, or an escalation."""

    step: int
    kind: DeadlineKind
    target: Target
    #: when it fires (for a paused task: if the clock started again now)
    at: datetime
    #: the step already fired (or, for a closed task, its time had come)
    passed: bool
    #: the deadline step (fraction 1.0); escalations after it are counted from it
    is_due: bool

    @property
    def target_label(self) -> str:
        return str(TARGET_LABELS[self.target])

    def left(self, now: datetime) -> timedelta:
        return self.at - now


def deadlines(task: SlaTask, *, now: datetime | None = None) -> list[Deadline]:
    """Every deadline of the task (each reminder, the breach, each escalation), in order,
    with whether it passed: a task shows all its deadlines, not only the nearest."""
    now = now or clock.now()
    policy = get_policy(task.policy)
    zone = _zone(task)
    due_at = task.due_at
    if task.state == TaskState.PAUSED:
        due_at = calendar_of(policy).add(now, timedelta(seconds=task.remaining_seconds or 0), zone)
    fired = task.next_step if task.next_step is not None else len(policy.chain)
    result = []
    for index, step in enumerate(policy.chain):
        at = step_instant(policy, due_at, step, zone)
        if step.at == 1.0:
            kind = DeadlineKind.BREACH
        elif step.kind == StepKind.ESCALATE:
            kind = DeadlineKind.ESCALATION
        else:
            kind = DeadlineKind.REMINDER
        passed = index < fired
        result.append(
            Deadline(
                step=index,
                kind=kind,
                target=step.target,
                at=at,
                passed=passed,
                is_due=step.at == 1.0,
            )
        )
    return result


class QueueBucket(StrEnum):
    ON_TIME = "on_time"
    #: the last quarter of the window (policy.due_soon_at)
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    PAUSED = "paused"


def queue_bucket(task: SlaTask, *, now: datetime | None = None) -> QueueBucket:
    """Where a task shows in a queue: overdue past ``due_at``, due soon in the last
    quarter of its window, else on time (R5)."""
    now = now or clock.now()
    if task.state == TaskState.PAUSED:
        return QueueBucket.PAUSED
    if now > task.due_at:
        return QueueBucket.OVERDUE
    if now >= due_soon_from(task):
        return QueueBucket.DUE_SOON
    return QueueBucket.ON_TIME


def due_soon_from(task: SlaTask) -> datetime:
    """The instant the task enters the last part of its window."""
    policy = get_policy(task.policy)
    return calendar_of(policy).subtract(
        task.due_at, _fraction(policy, 1.0 - policy.due_soon_at), _zone(task)
    )


def due_soon_before(policy_key: str, *, now: datetime, zone: ZoneInfo | None = None) -> datetime:
    """For SQL queues: tasks with ``now < due_at <= this`` are due soon (wall-clock
    policies; for calendar policies ``zone`` is the store's)."""
    policy = get_policy(policy_key)
    return calendar_of(policy).add(
        now, _fraction(policy, 1.0 - policy.due_soon_at), zone or ZoneInfo("UTC")
    )


# --- leave and deputies (R5) --------------------------------------------------------------


def _active_leave_filter(at: datetime) -> ColumnElement[bool]:
    return and_(
        LeavePeriod.cancelled_at.is_(None), LeavePeriod.starts_at <= at, LeavePeriod.ends_at > at
    )


def leave_at(session: Session, user_id: int | None, *, at: datetime) -> LeavePeriod | None:
    """The leave period ``user_id`` is on at ``at``, if any."""
    if user_id is None:
        return None
    return session.scalar(
        select(LeavePeriod)
        .where(LeavePeriod.user_id == user_id, _active_leave_filter(at))
        .order_by(LeavePeriod.starts_at)
        .limit(1)
    )


def deputy_for(session: Session, user: User, *, at: datetime) -> User | None:
    """Who stands in for ``user`` at ``at`` (R5), or None when they are not on leave."""
    leave = leave_at(session, user.id, at=at)
    return leave.deputy if leave is not None else None


def may_record_for_others(actor: Any) -> bool:
    """The head of service and admins record anyone's leave."""
    return bool(actor.has_role(Role.HQ_HEAD) or actor.has_role(Role.ADMIN))


def may_manage_leave_of(actor: Any, user: User) -> bool:
    """A store manager records their own leave; the head of service and admins anyone's."""
    if not can(actor, Action.MANAGE_LEAVE):
        return False
    return user.id == getattr(actor, "id", None) or may_record_for_others(actor)


def _stores_of(user: User) -> set[int | None]:
    return {g.store_id for g in user.grants}


def deputy_candidates(session: Session, user: User) -> list[User]:
    """Accounts that may stand in for ``user``: enabled, holding a grant in one of
    ``user``'s stores or a head-office role; never ``user``."""
    stores = {s for s in _stores_of(user) if s is not None}
    global_ = None in _stores_of(user)
    return _role_holders(
        session,
        User.id != user.id,
        or_(
            RoleGrant.role.in_([str(r) for r in HQ_ROLES]),
            RoleGrant.store_id.in_(stores) if stores else false(),
            and_(RoleGrant.store_id.is_(None), RoleGrant.role != Role.STAFF)
            if global_
            else false(),
        ),
    )


def leave_subjects(session: Session) -> list[User]:
    """Accounts whose leave matters: everyone holding a deciding role."""
    return _role_holders(
        session, RoleGrant.role.in_([Role.STORE_MANAGER, Role.HQ_SERVICE, Role.HQ_HEAD])
    )


def staff_accounts(session: Session) -> list[User]:
    """Every enabled account holding a role: the deputies the head of service picks from."""
    return _role_holders(session)


def _role_holders(session: Session, *conditions: Any) -> list[User]:
    """Enabled accounts holding a role grant that meets ``conditions``, each once, by name."""
    query = (
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(User.is_enabled.is_(True), *conditions)
        .distinct()
        .order_by(User.display_name, User.id)
    )
    return list(session.scalars(query))


def record_leave(
    session: Session,
    *,
    actor: User,
    user: User,
    starts_at: datetime,
    ends_at: datetime,
    deputy: User | None,
    reason: str | None = None,
) -> LeavePeriod:
    """Record that ``user`` is away and who decides for them meanwhile (R5).

    The deputy is required, is not the absent person, is enabled, holds a grant in one of
    the absent person's stores or a head-office role, and is not away themselves at any
    time of the period. Periods of one person do not overlap.
    """
    if not may_manage_leave_of(actor, user):
        raise PermissionDenied(_l("You may only record your own leave."))
    now = clock.now()
    errors: dict[str, list[object]] = {}
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("leave instants must be aware")
    if ends_at <= starts_at:
        errors.setdefault("ends_at", []).append(_l("The end must come after the start."))
    elif ends_at <= now:
        errors.setdefault("ends_at", []).append(_l("This period is already over."))
    elif ends_at - starts_at > MAX_LEAVE:
        errors.setdefault("ends_at", []).append(_l("A leave period lasts at most a year."))
    if deputy is None:
        errors.setdefault("deputy_id", []).append(_l("Name a deputy who decides meanwhile."))
    elif deputy.id == user.id:
        errors.setdefault("deputy_id", []).append(_l("Someone else must stand in."))
    elif not deputy.is_enabled:
        errors.setdefault("deputy_id", []).append(_l("This account is disabled."))
    elif deputy not in deputy_candidates(session, user):
        errors.setdefault("deputy_id", []).append(
            _l("The deputy must work in one of the same stores or at head office.")
        )
    if not user.is_enabled:
        errors.setdefault("user_id", []).append(_l("This account is disabled."))
    if errors:
        raise ValidationFailed(errors)
    assert deputy is not None
    if _overlapping(session, user.id, starts_at, ends_at):
        errors.setdefault("starts_at", []).append(
            _l("This period overlaps leave already recorded.")
        )
    if _overlapping(session, deputy.id, starts_at, ends_at):
        errors.setdefault("deputy_id", []).append(
            _l("The deputy is on leave during this period too.")
        )
    if errors:
        raise ValidationFailed(errors)
    leave = LeavePeriod(
        user_id=user.id,
        user=user,
        starts_at=starts_at,
        ends_at=ends_at,
        deputy_id=deputy.id,
        deputy=deputy,
        reason=(reason or "").strip()[:200] or None,
        created_by_id=getattr(actor, "id", None),
        created_at=now,
    )
    session.add(leave)
    session.flush()
    record(
        session,
        actor=actor,
        action="leave.recorded",
        object_type="leave_period",
        object_id=leave.id,
        after={
            "user_id": user.id,
            "deputy_id": deputy.id,
            "starts_at": _iso(starts_at),
            "ends_at": _iso(ends_at),
            "reason": leave.reason,
        },
    )
    _notify(
        session,
        kind="sla.deputy",
        key=f"leave:{leave.id}:deputy",
        user=deputy,
        params={
            "name": user.display_name,
            "starts": _local(starts_at, None),
            "ends": _local(ends_at, None),
        },
        channels=(Channel.PORTAL,),
        store_id=None,
    )
    return leave


def _overlapping(session: Session, user_id: int, starts_at: datetime, ends_at: datetime) -> bool:
    return (
        session.scalar(
            select(LeavePeriod.id)
            .where(
                LeavePeriod.user_id == user_id,
                LeavePeriod.cancelled_at.is_(None),
                LeavePeriod.starts_at < ends_at,
                LeavePeriod.ends_at > starts_at,
            )
            .limit(1)
        )
        is not None
    )


def get_leave(session: Session, *, actor: User, leave_id: int) -> LeavePeriod:
    """A leave period its person, deputy or a leave manager may see; others get 404."""
    leave = session.get(LeavePeriod, leave_id)
    if leave is None or not _may_see_leave(actor, leave):
        raise NotFound(_l("Not found."))
    return leave


def _may_see_leave(actor: Any, leave: LeavePeriod) -> bool:
    if not getattr(actor, "is_enabled", False):
        return False
    me = getattr(actor, "id", None)
    return me in (leave.user_id, leave.deputy_id, leave.created_by_id) or (
        can(actor, Action.MANAGE_LEAVE) and may_record_for_others(actor)
    )


def cancel_leave(session: Session, *, actor: User, leave: LeavePeriod) -> None:
    """Take back a leave period that has not ended; its deputy no longer stands in."""
    if not may_manage_leave_of(actor, leave.user):
        if not _may_see_leave(actor, leave):
            raise NotFound(_l("Not found."))
        raise PermissionDenied(_l("You may only cancel your own leave."))
    now = clock.now()
    if leave.cancelled_at is not None:
        raise Conflict(_l("This leave was already cancelled."))
    if leave.ends_at <= now:
        raise Conflict(_l("This leave is already over."))
    leave.cancelled_at = now
    record(
        session,
        actor=actor,
        action="leave.cancelled",
        object_type="leave_period",
        object_id=leave.id,
        before={"cancelled_at": None},
        after={"cancelled_at": _iso(now)},
    )


def leave_of(session: Session, user: User, *, limit: int = 50) -> list[LeavePeriod]:
    """``user``'s leave periods, newest first."""
    return list(
        session.scalars(
            select(LeavePeriod)
            .where(LeavePeriod.user_id == user.id)
            .order_by(LeavePeriod.starts_at.desc(), LeavePeriod.id.desc())
            .limit(limit)
        )
    )


def covering(session: Session, deputy: User, *, now: datetime) -> list[LeavePeriod]:
    """Current and coming leave periods in which ``deputy`` stands in."""
    return list(
        session.scalars(
            select(LeavePeriod)
            .where(
                LeavePeriod.deputy_id == deputy.id,
                LeavePeriod.cancelled_at.is_(None),
                LeavePeriod.ends_at > now,
            )
            .order_by(LeavePeriod.starts_at, LeavePeriod.id)
        )
    )


def current_and_coming_leave(
    session: Session, *, actor: User, now: datetime, cursor: str | None, limit: int
) -> Page[LeavePeriod]:
    """Everyone's leave that has not ended (the head of service and admins)."""
    if not (can(actor, Action.MANAGE_LEAVE) and may_record_for_others(actor)):
        raise NotFound(_l("Not found."))
    query = select(LeavePeriod).where(LeavePeriod.cancelled_at.is_(None), LeavePeriod.ends_at > now)
    return paginate(
        session,
        query,
        order=[SortKey(LeavePeriod.ends_at), SortKey(LeavePeriod.id)],
        cursor=cursor,
        limit=limit,
    )


# --- who may decide -----------------------------------------------------------------------


def _effective_grants(session: Session, actor: Any, now: datetime) -> list[tuple[str, int | None]]:
    """The actor's own grants unless on leave, plus those of each person they stand in for."""
    if actor is None or not getattr(actor, "is_enabled", False):
        return []
    me = getattr(actor, "id", None)
    grants = [(str(g.role), g.store_id) for g in actor.grants]
    if me is None:
        return grants
    # one statement for both: the actor's own leave and the leave they stand in for
    leaves = session.scalars(
        select(LeavePeriod).where(
            or_(LeavePeriod.user_id == me, LeavePeriod.deputy_id == me), _active_leave_filter(now)
        )
    ).all()
    if any(leave.user_id == me for leave in leaves):
        return []
    for leave in leaves:
        if leave.user.is_enabled:
            grants += [(str(g.role), g.store_id) for g in leave.user.grants]
    return grants


def _covers(grants: Iterable[tuple[str, int | None]], roles: Iterable[Role], store_id: int) -> bool:
    wanted = {str(r) for r in roles}
    return any(role in wanted and sid in (None, store_id) for role, sid in grants)


def _stores_covered(
    grants: Iterable[tuple[str, int | None]], roles: Iterable[Role]
) -> set[int] | None:
    """Store ids the grants cover for ``roles``; None for every store."""
    wanted = {str(r) for r in roles}
    stores: set[int] = set()
    for role, sid in grants:
        if role in wanted:
            if sid is None:
                return None
            stores.add(sid)
    return stores


def available_deciders(
    session: Session, roles: Sequence[Role], store_id: int, *, now: datetime
) -> list[User]:
    """Who can act for ``roles`` in the store now: holders not on leave, and the deputies
    (themselves present) of holders on leave."""
    holders = list(
        session.scalars(
            select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(
                User.is_enabled.is_(True),
                RoleGrant.role.in_([str(r) for r in roles]),
                or_(RoleGrant.store_id.is_(None), RoleGrant.store_id == store_id),
            )
            .distinct()
            .order_by(User.id)
        )
    )
    if not holders:
        return []
    away = _leave_by_user(session, now)
    result: dict[int, User] = {}
    for holder in holders:
        leave = away.get(holder.id)
        if leave is None:
            result[holder.id] = holder
        elif leave.deputy.is_enabled and leave.deputy_id not in away:
            result[leave.deputy_id] = leave.deputy
    return list(result.values())


def _leave_by_user(session: Session, now: datetime) -> dict[int, LeavePeriod]:
    return {
        leave.user_id: leave
        for leave in session.scalars(select(LeavePeriod).where(_active_leave_filter(now)))
    }


def _holders(session: Session, roles: Sequence[Role], store_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(
                User.is_enabled.is_(True),
                RoleGrant.role.in_([str(r) for r in roles]),
                or_(RoleGrant.store_id.is_(None), RoleGrant.store_id == store_id),
            )
            .distinct()
            .order_by(User.id)
        )
    )


def _assignee_available(session: Session, task: SlaTask, now: datetime) -> bool:
    return (
        task.assignee is not None
        and task.assignee.is_enabled
        and leave_at(session, task.assignee_id, at=now) is None
    )


def is_covered(session: Session, task: SlaTask, *, now: datetime) -> bool:
    """Whether someone other than the last resort can decide the task now."""
    policy = get_policy(task.policy)
    if _assignee_available(session, task, now):
        return True
    if available_deciders(session, policy.decider_roles, task.store_id, now=now):
        return True
    return task.escalation_level >= 1 and bool(
        available_deciders(session, HQ_ROLES, task.store_id, now=now)
    )


def can_decide(session: Session, actor: Any, task: SlaTask, *, now: datetime | None = None) -> bool:
    """Whether ``actor`` may decide ``task`` at ``now`` (R5; see the module docstring)."""
    if actor is None or not getattr(actor, "is_enabled", False) or not task.is_live:
        return False
    now = now or clock.now()
    policy = get_policy(task.policy)
    grants = _effective_grants(session, actor, now)
    if grants and task.assignee_id is not None and task.assignee_id == getattr(actor, "id", None):
        return True  # grants are empty while the assignee is on leave
    if _covers(grants, policy.decider_roles, task.store_id):
        return True
    if task.escalation_level >= 1 and _covers(grants, HQ_ROLES, task.store_id):
        return True
    # the last resort: nobody in the store can decide, so head office does
    own = [(str(g.role), g.store_id) for g in actor.grants]
    return _covers(own, HQ_ROLES, task.store_id) and not is_covered(session, task, now=now)


def may_read(session: Session, actor: Any, task: SlaTask) -> bool:
    """Deciders (now or had the task been live) and SLA report readers of the store."""
    if can(actor, Action.VIEW_SLA_REPORT, task):
        return True
    if task.completed_by_id is not None and task.completed_by_id == getattr(actor, "id", None):
        return True
    if not task.is_live:
        return False
    return can_decide(session, actor, task)


def read_task(session: Session, *, actor: Any, task_id: int) -> SlaTask:
    """A task for its detail view; 404 outside the reader's scope."""
    task = session.get(SlaTask, task_id)
    if task is None or not may_read(session, actor, task):
        raise NotFound(_l("Not found."))
    return task


def require_decider(session: Session, actor: Any, task: SlaTask) -> None:
    """Raise unless ``actor`` may decide ``task`` now: NotFound outside their scope,
    Conflict when already decided, PermissionDenied otherwise."""
    if can_decide(session, actor, task):
        return
    if not may_read(session, actor, task):
        raise NotFound(_l("Not found."))
    if not task.is_live:
        raise Conflict(_l("This was already decided."))
    raise PermissionDenied(_l("You are not allowed to do this."))


@dataclass(frozen=True)
class DecisionScope:
    """The tasks an actor may decide, as a queue needs them: both halves rest on the same
    grants, leave and deputies, worked out once."""

    #: every store holding a task the actor may decide; None: every store
    stores: set[int] | None
    #: the SQL condition over SlaTask (see :func:`decidable`)
    condition: ColumnElement[bool]


def decision_scope(session: Session, actor: Any, *, now: datetime) -> DecisionScope:
    """The stores and the condition of the tasks ``actor`` may decide at ``now``.

    A queue adds ``store_id IN (stores)`` beside the condition: its OR alone leads the
    planners to walk every open task in deadline order, while the store list lets the
    ``(store_id, state, due_at, id)`` index serve a store's queue at any size.
    """
    grants = _effective_grants(session, actor, now)
    return DecisionScope(
        stores=_decidable_stores(session, actor, grants),
        condition=_decidable(actor, grants),
    )


def _decidable_stores(
    session: Session, actor: Any, grants: list[tuple[str, int | None]]
) -> set[int] | None:
    stores: set[int] = set()
    for _role, store_id in grants:
        if store_id is None:
            return None
        stores.add(store_id)
    me = getattr(actor, "id", None)
    if me is not None and grants:
        stores.update(
            session.scalars(
                select(SlaTask.store_id)
                .where(
                    SlaTask.assignee_id.is_not(None),  # lets the partial index serve it
                    SlaTask.assignee_id == me,
                    SlaTask.state.in_((TaskState.OPEN, TaskState.PAUSED)),
                )
                .distinct()
            )
        )
    return stores


def decidable(session: Session, actor: Any, *, now: datetime) -> ColumnElement[bool]:
    """An SQL condition over SlaTask: the tasks ``actor`` may decide at ``now``.

    Combine it with the state and store filters of a queue so the index
    ``(store_id, state, due_at, id)`` or ``(state, due_at, id)`` serves the query. The last
    resort (nobody in the store) is covered through ``tick``, which escalates uncovered
    tasks to head-office service at once.
    """
    return _decidable(actor, _effective_grants(session, actor, now))


def _decidable(actor: Any, grants: list[tuple[str, int | None]]) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = []
    for policy in policy_table().policies.values():
        stores = _stores_covered(grants, policy.decider_roles)
        if stores is None:
            clauses.append(SlaTask.policy == policy.key)
        elif stores:
            clauses.append(and_(SlaTask.policy == policy.key, SlaTask.store_id.in_(sorted(stores))))
    hq = _stores_covered(grants, HQ_ROLES)
    if hq is None:
        clauses.append(SlaTask.escalation_level >= 1)
    elif hq:
        clauses.append(and_(SlaTask.escalation_level >= 1, SlaTask.store_id.in_(sorted(hq))))
    me = getattr(actor, "id", None)
    if me is not None and grants:
        clauses.append(SlaTask.assignee_id == me)
    return or_(*clauses) if clauses else false()


def reassign_candidates(session: Session, task: SlaTask, *, now: datetime) -> list[User]:
    """Who a task may be handed to: present holders of a decider role for its store, or of
    a head-office role."""
    policy = get_policy(task.policy)
    roles = tuple(dict.fromkeys((*policy.decider_roles, *HQ_ROLES)))
    away = _leave_by_user(session, now)
    return [u for u in _holders(session, roles, task.store_id) if u.id not in away]


def reassign(session: Session, task: SlaTask, *, actor: User, to_user: User, reason: str) -> None:
    """Head office hands a task to someone who may decide in its store (R5 escalation)."""
    require(actor, Action.REASSIGN_TASK, task, hide=True)
    if not task.is_live:
        raise Conflict(_l("This was already decided."))
    now = clock.now()
    if to_user not in reassign_candidates(session, task, now=now):
        raise ValidationFailed.single(
            "user_id", _l("Choose someone present who may decide in this store.")
        )
    if not reason.strip():
        raise ValidationFailed.single("reason", _l("Say why the task changes hands."))
    before = {"assignee_id": task.assignee_id}
    task.assignee_id = to_user.id
    task.assignee = to_user
    task.updated_at = now
    _event(
        session,
        task,
        EventKind.REASSIGNED,
        at=now,
        actor=actor,
        to_user_id=to_user.id,
        to=to_user.display_name,
        reason=reason[:500],
    )
    _audit(
        session,
        task,
        "sla.reassigned",
        actor=actor,
        before=before,
        after={"assignee_id": to_user.id, "reason": reason[:500]},
    )
    _notify(
        session,
        kind="sla.reassigned",
        key=f"sla:{task.id}:reassigned:{task.updated_at.timestamp():.0f}:{to_user.id}",
        user=to_user,
        params=_params(task),
        channels=(Channel.PORTAL, Channel.SMS),
        store_id=task.store_id,
    )


# --- recipients of the chain --------------------------------------------------------------


def recipients(session: Session, task: SlaTask, target: Target, *, now: datetime) -> list[User]:
    """The people a step of the chain reaches; never nobody while anyone could decide."""
    policy = get_policy(task.policy)
    people: dict[int, User] = {}

    def add(users: Iterable[User]) -> None:
        for user in users:
            people.setdefault(user.id, user)

    if target == Target.DECIDERS:
        add(available_deciders(session, policy.decider_roles, task.store_id, now=now))
        if _assignee_available(session, task, now):
            add([task.assignee])  # type: ignore[list-item]
        if task.escalation_level >= 1:
            add(available_deciders(session, HQ_ROLES, task.store_id, now=now))
    elif target == Target.DEPUTY_OR_MANAGER:
        away = _leave_by_user(session, now)
        for holder in _holders(session, policy.decider_roles, task.store_id):
            leave = away.get(holder.id)
            if leave is not None and leave.deputy.is_enabled and leave.deputy_id not in away:
                add([leave.deputy])
        add(available_deciders(session, (Role.STORE_MANAGER,), task.store_id, now=now))
        if not people:
            return recipients(session, task, Target.DECIDERS, now=now)
    else:
        role = Role.HQ_SERVICE if target == Target.HQ_SERVICE else Role.HQ_HEAD
        other = Role.HQ_HEAD if role == Role.HQ_SERVICE else Role.HQ_SERVICE
        add(available_deciders(session, (role,), task.store_id, now=now))
        if not people:
            add(available_deciders(session, (other,), task.store_id, now=now))
    if not people:
        # the last resort: head office, even if away, so the task is never orphaned
        add(_holders(session, HQ_ROLES, task.store_id))
    return list(people.values())


def _local(value: datetime, store: Store | None) -> str:
    zone = (
        store.zone if store is not None else ZoneInfo(current_app.config["PORTAL_DEFAULT_TIMEZONE"])
    )
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _params(task: SlaTask) -> dict[str, Any]:
    return {"title": task.title, "due": _local(task.due_at, task.store)}


def _notify(
    session: Session,
    *,
    kind: str,
    key: str,
    user: User,
    params: dict[str, Any],
    channels: Sequence[Channel],
    store_id: int | None,
) -> int:
    from portal.notifications import services as notifications

    rows = notifications.notify(
        session,
        kind=kind,
        key=key,
        params=params,
        user=user,
        channels=tuple(channels),
        store_id=store_id,
    )
    return len(rows)


# --- tick ---------------------------------------------------------------------------------


@dataclass
class TickResult:
    """What one tick did; breaches are counted, never hidden."""

    tasks: int = 0
    reminded: int = 0
    escalated: int = 0
    breached: int = 0
    uncovered: int = 0
    notified: int = 0
    delivered: int = 0
    #: steps another runner fired first (compare-and-set lost)
    skipped: int = 0
    #: things the plugins' ``portal_tick`` did (greetings sent, reminders queued ...)
    plugin_work: int = 0
    details: list[str] = field(default_factory=list, repr=False)

    def add(self, other: TickResult) -> None:
        for name in (
            "tasks",
            "reminded",
            "escalated",
            "breached",
            "uncovered",
            "notified",
            "delivered",
            "skipped",
            "plugin_work",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def __str__(self) -> str:
        return (
            f"tasks {self.tasks}, reminded {self.reminded}, escalated {self.escalated}, "
            f"breached {self.breached}, uncovered {self.uncovered}, notified {self.notified}, "
            f"delivered {self.delivered}, skipped {self.skipped}, "
            f"plugin work {self.plugin_work}"
        )


def _claim(query: Select[tuple[SlaTask]], session: Session) -> Select[tuple[SlaTask]]:
    """On PostgreSQL, lock the rows and skip those another runner holds."""
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True, of=SlaTask)
    return query


def due_steps_query(now: datetime, limit: int) -> Select[tuple[SlaTask]]:
    """Tasks whose next step is due: served by the index (state, next_step_at)."""
    return (
        select(SlaTask)
        .where(SlaTask.state == TaskState.OPEN, SlaTask.next_step_at <= now)
        .order_by(SlaTask.next_step_at, SlaTask.id)
        .limit(limit)
        .execution_options(populate_existing=True)
    )


def tick(session: Session, *, now: datetime, limit: int = 500) -> TickResult:
    """Fire the chain steps that are due, escalate uncovered tasks, deliver due messages.

    Safe with several runners at once: rows are claimed with SKIP LOCKED on PostgreSQL,
    and each step advances with a compare-and-set on ``next_step``, so no step (and no
    notification) happens twice. Costs in proportion to the steps due. Never commits;
    ``flask portal tick`` commits per batch (``limit`` tasks).
    """
    result = TickResult()
    for task in session.scalars(_claim(due_steps_query(now, limit), session)).unique().all():
        result.tasks += 1
        _fire_due_steps(session, task, now=now, result=result)
    _escalate_uncovered(session, now=now, result=result, limit=limit)
    from portal.notifications import services as notifications

    result.delivered = notifications.deliver_due(session, now=now)
    return result


def _fire_due_steps(session: Session, task: SlaTask, *, now: datetime, result: TickResult) -> None:
    policy = policy_table().policies.get(task.policy)
    if policy is None:
        log.error("SLA task %s has unknown policy %r; its steps are parked", task.id, task.policy)
        task.next_step_at = None
        return
    chain = policy.chain
    while (
        task.next_step is not None
        and task.next_step < len(chain)
        and task.next_step_at is not None
        and task.next_step_at <= now
    ):
        index = task.next_step
        step = chain[index]
        scheduled = task.next_step_at
        following = index + 1 if index + 1 < len(chain) else None
        values: dict[str, Any] = {
            "next_step": following,
            "next_step_at": _next_step_at(policy, task, following),
            "updated_at": now,
        }
        breach = step.is_breach and task.breached_at is None
        if breach:
            values["breached_at"] = task.due_at
        level = ESCALATION_LEVELS.get(step.target, 0) if step.kind == StepKind.ESCALATE else 0
        if level > task.escalation_level:
            values["escalation_level"] = level
            values["escalated_to"] = str(step.target)
        claimed = session.execute(
            update(SlaTask)
            .where(
                SlaTask.id == task.id,
                SlaTask.state == TaskState.OPEN,
                SlaTask.next_step == index,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            result.skipped += 1
            session.expire(task)
            return
        for key, value in values.items():
            set_committed_value(task, key, value)
        _record_step(session, task, policy, index, step, scheduled, breach, now, result)


def _record_step(
    session: Session,
    task: SlaTask,
    policy: SlaPolicy,
    index: int,
    step: Step,
    scheduled: datetime,
    breach: bool,
    now: datetime,
    result: TickResult,
) -> None:
    people = recipients(session, task, step.target, now=now)
    detail = {
        "step": index,
        "target": str(step.target),
        "scheduled_at": _iso(scheduled),
        "notified": [u.id for u in people],
    }
    if breach:
        result.breached += 1
        _event(session, task, EventKind.BREACHED, at=now, due_at=_iso(task.due_at))
        _audit(
            session,
            task,
            "sla.breached",
            actor=None,
            after={"policy": policy.key, "due_at": _iso(task.due_at), "breached_at": _iso(now)},
        )
        emit(
            session,
            "sla.breached",
            task_id=task.id,
            policy=policy.key,
            subject_type=task.subject_type,
            subject_id=task.subject_id,
            store_id=task.store_id,
        )
    if step.kind == StepKind.ESCALATE:
        result.escalated += 1
        _event(session, task, EventKind.ESCALATED, at=now, **detail)
        _audit(
            session,
            task,
            "sla.escalated",
            actor=None,
            after={"step": index, "target": str(step.target), "level": task.escalation_level},
        )
        kind = "sla.escalated"
    else:
        result.reminded += 1
        _event(session, task, EventKind.REMINDED, at=now, **detail)
        kind = "sla.breached" if breach else "sla.reminder"
    for person in people:
        result.notified += _notify(
            session,
            kind=kind,
            key=f"sla:{task.id}:{index}:{person.id}",
            user=person,
            params=_params(task),
            channels=(Channel.PORTAL, Channel.SMS),
            store_id=task.store_id,
        )


def uncovered_stores(session: Session, policy: SlaPolicy, *, now: datetime) -> set[int] | None:
    """Stores where nobody can decide tasks of ``policy`` now; None when none is uncovered.

    Costs in proportion to the holders of deciding roles and the stores, not the tasks.
    """
    grants = list(
        session.execute(
            select(RoleGrant.user_id, RoleGrant.store_id)
            .join(User, User.id == RoleGrant.user_id)
            .where(
                User.is_enabled.is_(True),
                RoleGrant.role.in_([str(r) for r in policy.decider_roles]),
            )
        )
    )
    away = _leave_by_user(session, now)
    covered: set[int] = set()
    for user_id, store_id in grants:
        leave = away.get(user_id)
        present = leave is None or (leave.deputy.is_enabled and leave.deputy_id not in away)
        if present:
            if store_id is None:
                return None
            covered.add(store_id)
    all_stores = set(session.scalars(select(Store.id)))
    missing = all_stores - covered
    return missing or None


def _escalate_uncovered(session: Session, *, now: datetime, result: TickResult, limit: int) -> None:
    """R5: a review is never left without a decider. Open tasks that nobody in the store can
    decide go to head-office service at once, with an ``uncovered`` timeline event."""
    for policy in policy_table().policies.values():
        stores = uncovered_stores(session, policy, now=now)
        if not stores:
            continue
        query = _claim(
            select(SlaTask)
            .where(
                SlaTask.store_id.in_(sorted(stores)),
                SlaTask.state == TaskState.OPEN,
                SlaTask.policy == policy.key,
                SlaTask.escalation_level == 0,
            )
            .order_by(SlaTask.store_id, SlaTask.due_at, SlaTask.id)
            .limit(limit)
            .execution_options(populate_existing=True),
            session,
        )
        for task in session.scalars(query).unique().all():
            if _assignee_available(session, task, now):
                continue
            claimed = session.execute(
                update(SlaTask)
                .where(SlaTask.id == task.id, SlaTask.escalation_level == 0)
                .values(escalation_level=1, escalated_to=str(Target.HQ_SERVICE), updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:
                result.skipped += 1
                continue
            set_committed_value(task, "escalation_level", 1)
            set_committed_value(task, "escalated_to", str(Target.HQ_SERVICE))
            set_committed_value(task, "updated_at", now)
            result.uncovered += 1
            people = recipients(session, task, Target.HQ_SERVICE, now=now)
            _event(session, task, EventKind.UNCOVERED, at=now, notified=[u.id for u in people])
            _audit(
                session,
                task,
                "sla.uncovered",
                actor=None,
                after={"level": 1, "target": "hq_service"},
            )
            for person in people:
                result.notified += _notify(
                    session,
                    kind="sla.uncovered",
                    key=f"sla:{task.id}:uncovered:{person.id}",
                    user=person,
                    params=_params(task),
                    channels=(Channel.PORTAL, Channel.SMS),
                    store_id=task.store_id,
                )

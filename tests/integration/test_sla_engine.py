"""The SLA engine on both databases: deadlines, the escalation chain, pauses, tick (R5)."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from portal.accounts.operator import ShellOperator
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from portal.errors import Conflict, NotFound, PermissionDenied
from portal.notifications.models import Notification
from portal.sla import services as sla
from portal.sla.models import EventKind, SlaTask, TaskState
from portal.testing.fixtures import START

H = timedelta(hours=1)


@pytest.fixture
def start(db_session, dummy_store, store_manager):
    def make(policy="vip_review", subject_id=1, store=None):
        task = sla.start_task(
            db_session,
            policy=policy,
            subject_type="vip_file",
            subject_id=subject_id,
            store_id=(store or dummy_store).id,
            actor=store_manager,
            title=f"VIP file {subject_id}",
        )
        db_session.commit()
        return task

    return make


def kinds(db_session, task):
    return [e.kind for e in sla.timeline(db_session, task)]


def notifications_for(db_session, user):
    return db_session.scalars(
        select(Notification).where(Notification.recipient_user_id == user.id)
    ).all()


def test_r5_review_is_due_twelve_hours_after_submission(start):
    task = start()
    assert task.due_at == START + 12 * H
    assert task.state == TaskState.OPEN
    assert task.next_step == 0
    assert task.next_step_at == START + 9 * H  # the reminder at 75 %


def test_r5_a_task_shows_all_its_deadlines(start, clock):
    task = start()
    points = sla.deadlines(task, now=START)
    assert [(d.kind, d.at - START) for d in points] == [
        ("reminder", 9 * H),
        ("reminder", timedelta(hours=10.8)),
        ("breach", 12 * H),
        ("escalation", 18 * H),
    ]
    assert not any(d.passed for d in points)


def test_r5_chain_steps_fire_once_each_at_their_instants(
    db_session, start, clock, store_manager, hq_service, hq_head
):
    task = start()
    clock.set(START + 9 * H - timedelta(seconds=1))
    assert sla.tick(db_session, now=clock.now()).tasks == 0

    clock.set(START + 9 * H)
    result = sla.tick(db_session, now=clock.now())
    db_session.commit()
    assert (result.tasks, result.reminded, result.escalated) == (1, 1, 0)
    assert kinds(db_session, task)[-1] == EventKind.REMINDED
    assert [n.channel for n in notifications_for(db_session, store_manager)] == ["portal"]

    # a second tick at the same instant does nothing more
    again = sla.tick(db_session, now=clock.now())
    assert (again.tasks, again.reminded, again.notified) == (0, 0, 0)

    clock.set(START + 12 * H)
    result = sla.tick(db_session, now=clock.now())
    db_session.commit()
    assert (result.reminded, result.breached, result.escalated) == (1, 1, 1)
    db_session.refresh(task)
    assert task.breached_at == START + 12 * H
    assert task.escalation_level == 1
    assert task.escalated_to == "hq_service"
    assert notifications_for(db_session, hq_service)
    assert not notifications_for(db_session, hq_head)
    assert sla.can_decide(db_session, hq_service, task)
    assert sla.can_decide(db_session, hq_head, task)

    clock.set(START + 18 * H)
    result = sla.tick(db_session, now=clock.now())
    db_session.commit()
    assert result.escalated == 1
    db_session.refresh(task)
    assert task.escalation_level == 2
    assert task.next_step is None
    assert task.next_step_at is None
    assert notifications_for(db_session, hq_head)
    assert kinds(db_session, task) == [
        "started",
        "reminded",
        "reminded",
        "breached",
        "escalated",
        "escalated",
    ]
    assert all(d.passed for d in sla.deadlines(task))
    actions = db_session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "sla_task")
    ).all()
    assert actions.count("sla.breached") == 1
    assert actions.count("sla.escalated") == 2
    label = db_session.scalar(
        select(AuditEvent.actor_label).where(AuditEvent.action == "sla.breached")
    )
    assert label == sla.SYSTEM_LABEL


def test_reminders_go_by_sms_too_when_the_decider_has_a_mobile(
    db_session, start, clock, make_user, dummy_store
):
    manager = make_user("sms.manager", Role.STORE_MANAGER, dummy_store, mobile="+8613800138001")
    start()
    clock.set(START + 9 * H)
    sla.tick(db_session, now=clock.now())
    db_session.commit()
    assert {n.channel for n in notifications_for(db_session, manager)} == {"portal", "sms"}


def test_a_late_tick_fires_every_missed_step_once(db_session, start, clock, store_manager):
    task = start()
    clock.set(START + 20 * H)
    result = sla.tick(db_session, now=clock.now())
    db_session.commit()
    assert (result.reminded, result.breached, result.escalated) == (2, 1, 2)
    assert sla.tick(db_session, now=clock.now()).tasks == 0
    db_session.refresh(task)
    assert task.escalation_level == 2


def test_tick_touches_only_due_rows(db_session, start, clock):
    due = start(subject_id=1)
    clock.advance(2 * H)
    later = start(subject_id=2)
    clock.set(START + 9 * H)
    result = sla.tick(db_session, now=clock.now())
    db_session.commit()
    assert result.tasks == 1
    db_session.refresh(due)
    db_session.refresh(later)
    assert due.next_step == 1
    assert later.next_step == 0
    assert later.updated_at == START + 2 * H


def test_tick_query_uses_the_next_step_index(db_session, start):
    """tick reads only due rows through (state, next_step_at), not the whole table."""
    start()
    compiled = sla.due_steps_query(START, 10).compile(
        db_session.get_bind(), compile_kwargs={"literal_binds": True}
    )
    conn = db_session.connection()
    if conn.dialect.name == "sqlite":
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
    else:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a tiny table would scan
        plan = conn.exec_driver_sql(f"EXPLAIN {compiled}").all()
    assert "ix_sla_task_state_next_step" in " ".join(str(row) for row in plan)


def test_stale_session_cannot_fire_a_step_twice(app, db_session, start, clock):
    """Two runners read the same due task; the compare-and-set lets only one fire it."""
    from sqlalchemy.orm import Session

    from portal.extensions import db

    task = start()
    clock.set(START + 9 * H)
    other = Session(db.engine)
    try:
        stale = other.get(SlaTask, task.id)
        assert stale.next_step == 0
        first = sla.tick(db_session, now=clock.now())
        db_session.commit()
        assert first.reminded == 1
        result = sla.TickResult()
        sla._fire_due_steps(other, stale, now=clock.now(), result=result)
        other.commit()
        assert (result.reminded, result.skipped) == (0, 1)
    finally:
        other.close()
    events = kinds(db_session, task)
    assert events.count("reminded") == 1
    count = db_session.scalar(select(func.count()).select_from(Notification))
    assert count == 1  # in the portal for the one manager (no mobile on file: no SMS)


def test_two_runners_at_once_share_the_work_without_doubling(app, db_session, start, clock):
    """On PostgreSQL the first runner's rows stay locked until it commits and the second
    skips them; SQLite serializes writers, so there the runners take turns."""
    from sqlalchemy.orm import Session

    from portal.extensions import db

    for n in range(1, 4):
        start(subject_id=n)
    clock.set(START + 9 * H)
    first, second = Session(db.engine), Session(db.engine)
    try:
        a = sla.tick(first, now=clock.now(), limit=2)
        if db.engine.dialect.name != "postgresql":
            first.commit()
        b = sla.tick(second, now=clock.now())  # on PostgreSQL: while two rows are locked
        assert (a.tasks, b.tasks) == (2, 1)
        first.commit()
        second.commit()
        assert sla.tick(second, now=clock.now()).tasks == 0
        second.commit()
    finally:
        first.close()
        second.close()
    count = db_session.scalar(
        select(func.count()).select_from(Notification).where(Notification.channel == "portal")
    )
    assert count == 3


def test_pause_and_resume_move_the_deadline(db_session, start, clock, store_manager):
    task = start()
    clock.set(START + 4 * H)
    sla.pause_task(db_session, task, actor=store_manager, reason="ID card photo unreadable")
    db_session.commit()
    assert task.state == TaskState.PAUSED
    assert task.remaining_seconds == 8 * 3600
    assert task.next_step_at is None
    clock.set(START + 30 * H)
    assert sla.tick(db_session, now=clock.now()).tasks == 0
    sla.resume_task(db_session, task, actor=store_manager)
    db_session.commit()
    assert task.due_at == START + 38 * H
    assert task.next_step_at == START + 35 * H
    assert kinds(db_session, task) == ["started", "paused", "resumed"]
    paused = sla.timeline(db_session, task)[1]
    assert paused.detail["reason"] == "ID card photo unreadable"


def test_r5_complete_within_sla_excludes_paused_time(db_session, start, clock, store_manager):
    task = start()
    clock.set(START + 11 * H)
    sla.pause_task(db_session, task, actor=store_manager, reason="fix")
    clock.set(START + 40 * H)
    sla.resume_task(db_session, task, actor=store_manager)
    clock.advance(30 * 60 * timedelta(seconds=1))
    sla.complete_task(db_session, task, actor=store_manager, outcome="approved")
    db_session.commit()
    assert task.state == TaskState.DONE
    assert task.within_sla is True
    assert task.completed_by_id == store_manager.id
    assert task.next_step_at is None


def test_r5_complete_after_deadline_is_recorded_as_breach(db_session, start, clock, store_manager):
    task = start()
    clock.set(START + 13 * H)
    sla.complete_task(db_session, task, actor=store_manager, outcome="rejected")
    db_session.commit()
    assert task.within_sla is False


def test_r5_a_task_is_decided_once(db_session, start, store_manager, hq_service):
    task = start()
    sla.complete_task(db_session, task, actor=store_manager, outcome="approved")
    db_session.commit()
    with pytest.raises(Conflict):
        sla.complete_task(db_session, task, actor=store_manager, outcome="rejected")


def test_one_live_task_per_subject(db_session, start):
    start()
    with pytest.raises(Conflict):
        start()


def test_cancelled_task_leaves_the_tick(db_session, start, clock, store_manager):
    task = start()
    sla.cancel_task(db_session, task, actor=store_manager, reason="withdrawn")
    db_session.commit()
    assert sla.open_task_for(db_session, "vip_file", 1) is None
    clock.set(START + 20 * H)
    assert sla.tick(db_session, now=clock.now()).tasks == 0


def test_deciders_of_a_store(
    db_session, start, make_user, other_store, staff, store_manager, hq_service
):
    task = start()
    other_manager = make_user("other.manager", Role.STORE_MANAGER, other_store)
    assert sla.can_decide(db_session, store_manager, task)
    assert not sla.can_decide(db_session, staff, task)
    assert not sla.can_decide(db_session, other_manager, task)
    assert not sla.can_decide(db_session, hq_service, task)  # not escalated, store covered
    with pytest.raises(NotFound):
        sla.require_decider(db_session, other_manager, task)
    with pytest.raises(PermissionDenied):
        sla.require_decider(db_session, hq_service, task)  # may read, may not decide yet
    assert sla.can_decide(db_session, ShellOperator("test"), task)


def test_decidable_filter_matches_can_decide(
    db_session, start, make_user, other_store, store_manager, hq_service
):
    mine = start(subject_id=1)
    other_manager = make_user("other.manager", Role.STORE_MANAGER, other_store)
    theirs = start(subject_id=2, store=other_store)

    def ids(actor):
        return set(
            db_session.scalars(
                select(SlaTask.id).where(sla.decidable(db_session, actor, now=START))
            )
        )

    assert ids(store_manager) == {mine.id}
    assert ids(other_manager) == {theirs.id}
    assert ids(hq_service) == set()
    mine.escalation_level = 1
    db_session.commit()
    assert ids(hq_service) == {mine.id}


def test_reassign_hands_the_task_over(
    db_session, start, make_user, dummy_store, store_manager, hq_service, staff
):
    task = start()
    second = make_user("second.manager", Role.STORE_MANAGER, dummy_store)
    with pytest.raises(NotFound):
        sla.reassign(db_session, task, actor=store_manager, to_user=second, reason="x")
    from portal.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        sla.reassign(db_session, task, actor=hq_service, to_user=staff, reason="x")
    sla.reassign(db_session, task, actor=hq_service, to_user=second, reason="Wang is ill")
    db_session.commit()
    assert task.assignee_id == second.id
    assert kinds(db_session, task)[-1] == "reassigned"
    assert notifications_for(db_session, second)


def test_queue_buckets(db_session, start, clock):
    task = start()
    assert sla.queue_bucket(task, now=START + 8 * H) == sla.QueueBucket.ON_TIME
    assert sla.queue_bucket(task, now=START + 9 * H) == sla.QueueBucket.DUE_SOON
    assert sla.queue_bucket(task, now=START + 12 * H) == sla.QueueBucket.DUE_SOON
    assert sla.queue_bucket(task, now=START + 13 * H) == sla.QueueBucket.OVERDUE
    assert sla.due_soon_before("vip_review", now=START) == START + 3 * H


def test_tick_command_prints_the_counts(runner, start, clock):
    start()
    clock.set(START + 12 * H)
    result = runner.invoke(args=["portal", "tick"])
    assert result.exit_code == 0, result.output
    assert "reminded 2" in result.output
    assert "breached 1" in result.output
    assert "escalated 1" in result.output


def _locked_error(path) -> sqlite3.OperationalError:
    """SQLite's own "database is locked" (with its error code), from a file another
    connection holds."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(sqlite3.OperationalError) as caught:
            sqlite3.connect(path, timeout=0).execute("CREATE TABLE t (x)")
    finally:
        holder.close()
    return caught.value


def test_a_one_shot_tick_on_a_locked_database_says_so_and_exits_75(runner, monkeypatch, tmp_path):
    """Cron reads 75 (EX_TEMPFAIL) as "try again"; the operator reads one line, no traceback."""
    from portal.sla import runner as sla_runner

    orig = _locked_error(tmp_path / "held.db")

    def locked(batch: int) -> None:
        raise OperationalError("UPDATE sla_tasks", {}, orig)

    monkeypatch.setattr(sla_runner, "run_once", locked)
    result = runner.invoke(args=["portal", "tick"])
    assert result.exit_code == 75
    assert "database unavailable, nothing done: database is locked" in result.output
    assert "Traceback" not in result.output


class RepairPolicies:
    """A throwaway plugin adding a 48-hour policy and trying to take the VIP review's key."""

    @staticmethod
    def policies():
        from portal.sla.policies import SlaPolicy

        return [
            SlaPolicy("renovation_repair", "Repair", 48 * H, (Role.STORE_MANAGER,)),
            SlaPolicy("vip_review", "Stolen", H, (Role.STAFF,)),
        ]


def test_plugins_add_policies_and_cannot_take_a_core_key(app, db_session, dummy_store, staff):
    from portal import hookimpl

    class Plugin:
        @hookimpl
        def portal_sla_policies(self):
            return RepairPolicies.policies()

    plugins = app.extensions["portal.plugins"]
    plugins.register(Plugin(), "throwaway-sla")
    try:
        table = sla.reload_policies(app)
        assert table.policies["vip_review"].duration == 12 * H
        task = sla.start_task(
            db_session,
            policy="renovation_repair",
            subject_type="repair",
            subject_id=1,
            store_id=dummy_store.id,
            actor=staff,
            title="Leaking tap",
        )
        assert task.due_at == START + 48 * H
        assert [d.kind for d in sla.deadlines(task)] == ["breach"]
    finally:
        plugins.unregister("throwaway-sla")
        sla.reload_policies(app)

"""R26: ``flask portal purge`` deletes the core's service records past their period, in
batches, only when told to, and leaves one audit event per policy (counts, not rows)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.accounts.models import LoginAttempt
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from portal.sla import services as sla
from portal.sla.models import SlaTask, SlaTaskEvent

#: START is 2026-11-23 10:00 in Shanghai: three years back, 2023-11-23 00:00 there
CUTOFF = datetime(2023, 11, 22, 16, 0, tzinfo=UTC)
JUST_BEFORE = CUTOFF - timedelta(seconds=1)


def _attempt(session: Any, at: datetime) -> None:
    session.add(
        LoginAttempt(login="someone", ip_address="10.0.0.1", succeeded=False, attempted_at=at)
    )


def _message(session: Any, user: Any, at: datetime, status: str, n: int) -> None:
    session.add(
        Notification(
            channel="portal",
            recipient=f"u:{user.id}",
            recipient_user_id=user.id,
            kind="test.message",
            params={},
            dedupe_key=f"test-{n}",
            status=status,
            not_before=at,
            created_at=at,
        )
    )


@pytest.fixture
def old_world(db_session, clock, admin, store_manager, dummy_store):
    """Records on both sides of the cut-off, finished and not."""
    for at in (JUST_BEFORE, JUST_BEFORE - timedelta(days=400), JUST_BEFORE - timedelta(days=1)):
        _attempt(db_session, at)
    _attempt(db_session, CUTOFF)  # the first instant of the day still kept
    _attempt(db_session, clock.now())
    _message(db_session, admin, JUST_BEFORE, "sent", 1)
    _message(db_session, admin, JUST_BEFORE, "pending", 2)  # not delivered yet: open work
    _message(db_session, admin, clock.now(), "sent", 3)
    now = clock.now()
    clock.set(JUST_BEFORE - timedelta(hours=2))
    tasks = []
    for n in range(3):
        tasks.append(
            sla.start_task(
                db_session,
                policy="vip_review",
                subject_type="test",
                subject_id=n,
                store_id=dummy_store.id,
                actor=store_manager,
                title=f"task {n}",
            )
        )
    clock.set(JUST_BEFORE)
    sla.complete_task(db_session, tasks[0], actor=store_manager, outcome="approved")
    sla.cancel_task(db_session, tasks[1], actor=store_manager, reason="withdrawn")
    # tasks[2] is still running, however old
    clock.set(now)
    db_session.commit()
    return tasks


def _count(session: Any, model: Any) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def _purge_events(session: Any) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.action == "records.purged").order_by(AuditEvent.id)
        )
    )


def test_r26_the_dry_run_says_what_would_go_and_deletes_nothing(runner, db_session, old_world):
    result = runner.invoke(args=["portal", "purge"])
    assert result.exit_code == 0, result.output
    assert "Dry run" in result.output
    assert "login_attempts: Login attempts\n  kept 3 years: 3 started before 2023-11-23" in (
        result.output
    )
    assert "notifications" in result.output
    assert _count(db_session, LoginAttempt) == 5
    assert _count(db_session, Notification) == 3
    assert _purge_events(db_session) == []


def test_r26_apply_asks_first_and_a_no_deletes_nothing(runner, db_session, old_world):
    result = runner.invoke(args=["portal", "purge", "--apply"], input="n\n")
    assert result.exit_code == 1
    assert "Aborted" in result.output
    assert _count(db_session, LoginAttempt) == 5


def test_r26_apply_deletes_in_batches_what_passed_its_period_and_audits_the_counts(
    runner, db_session, old_world
):
    result = runner.invoke(args=["portal", "purge", "--apply", "--yes", "--batch", "1"])
    assert result.exit_code == 0, result.output
    # login attempts: the three before the cut-off; the one at it and today's stay
    kept = db_session.scalars(select(LoginAttempt.attempted_at).order_by(LoginAttempt.id)).all()
    assert kept == [CUTOFF, datetime(2026, 11, 23, 2, 0, tzinfo=UTC)]
    # notifications: the old delivered one goes; pending and recent stay
    assert sorted(db_session.scalars(select(Notification.dedupe_key))) == ["test-2", "test-3"]
    # SLA tasks: the decided and the cancelled go with their timelines; the running stays
    task_ids = set(db_session.scalars(select(SlaTask.id)))
    assert task_ids == {old_world[2].id}
    assert set(db_session.scalars(select(SlaTaskEvent.task_id))) == task_ids
    counts = {e.object_id: e.after["deleted"] for e in _purge_events(db_session)}
    assert counts["login_attempts"] == 3
    assert counts["notifications"] == 1
    assert counts["sla_tasks"] == 2
    assert all(e.actor_label.startswith("cli:") for e in _purge_events(db_session))
    # a second run finds nothing more, and says so in its own events
    again = runner.invoke(args=["portal", "purge", "--apply", "--yes"])
    assert again.exit_code == 0, again.output
    assert {e.after["deleted"] for e in _purge_events(db_session)[len(counts) :]} == {0}


def test_r26_the_period_is_set_per_policy(app, runner, db_session, old_world, clock):
    recent = clock.now() - timedelta(days=400)
    _attempt(db_session, recent)
    db_session.commit()
    app.config["PORTAL_RETENTION_LOGIN_ATTEMPTS"] = 1
    try:
        result = runner.invoke(
            args=["portal", "purge", "--apply", "--yes", "--policy", "login_attempts"]
        )
    finally:
        del app.config["PORTAL_RETENTION_LOGIN_ATTEMPTS"]
    assert result.exit_code == 0, result.output
    assert "kept 1 year:" in result.output
    assert _count(db_session, LoginAttempt) == 1  # only today's
    assert _count(db_session, Notification) == 3  # other policies were not run
    assert [e.object_id for e in _purge_events(db_session)] == ["login_attempts"]


def test_r26_a_wrong_period_or_policy_is_a_clear_error_and_deletes_nothing(
    app, runner, db_session, old_world
):
    app.config["PORTAL_RETENTION_NOTIFICATIONS"] = "soon"
    try:
        result = runner.invoke(args=["portal", "purge", "--apply", "--yes"])
    finally:
        del app.config["PORTAL_RETENTION_NOTIFICATIONS"]
    assert result.exit_code == 1
    assert "PORTAL_RETENTION_NOTIFICATIONS: a whole number of years" in result.output
    unknown = runner.invoke(args=["portal", "purge", "--policy", "members"])
    assert unknown.exit_code == 1
    assert "No retention policy members" in unknown.output
    assert _count(db_session, LoginAttempt) == 5


def test_r26_audit_events_are_evidence_and_never_purged(runner, db_session, old_world, clock):
    before = _count(db_session, AuditEvent)
    clock.advance(timedelta(days=365 * 10))
    result = runner.invoke(args=["portal", "purge", "--apply", "--yes"])
    assert result.exit_code == 0, result.output
    assert _count(db_session, AuditEvent) == before + len(_purge_events(db_session))

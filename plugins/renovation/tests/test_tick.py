"""Reminders from ``flask portal tick`` (R11, R12): through the real command, and once only
when two tick runners work at the same moment on two connections."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from portal_renovation import followups, revisits
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.notifications.models import Notification


@pytest.fixture
def due_work(db_session, staff, store_manager, customer, dummy_store, clock):
    """A class A customer and a delivered project, both due a month from START."""
    followups.set_lead(
        db_session,
        actor=store_manager,
        store_id=dummy_store.id,
        region="",
        customer_class="A",
        user_id=staff.id,
    )
    followups.class_customer(
        db_session, actor=staff, member_id=customer.id, customer_class="A", region=""
    )
    revisits.register_project(
        db_session,
        actor=staff,
        member_id=customer.id,
        name="项目",
        delivered_on=date(2026, 11, 23),
        responsible_id=staff.id,
    )
    db_session.commit()
    clock.advance(timedelta(days=30))  # 2026-12-23 in Shanghai: both are due


def _reminders(db_session) -> list[str]:
    kinds = ("renovation.follow_up_due", "renovation.revisit_due")
    return sorted(db_session.scalars(select(Notification.kind).where(Notification.kind.in_(kinds))))


def test_the_tick_command_reminds_the_responsible_person(runner, db_session, due_work):
    result = runner.invoke(args=["portal", "tick"])
    assert result.exit_code == 0, result.output
    assert _reminders(db_session) == ["renovation.follow_up_due", "renovation.revisit_due"]
    assert runner.invoke(args=["portal", "tick"]).exit_code == 0
    assert len(_reminders(db_session)) == 2


def test_two_tick_runners_at_once_remind_once(app, db_session, due_work, clock):
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    now = clock.now()

    def runner() -> None:
        try:
            with app.app_context(), Session(db.engine) as session:
                barrier.wait()
                followups.remind_due(session, now=now)
                revisits.remind_due(session, now=now)
                session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert (
        db_session.scalar(
            select(func.count(Notification.id)).where(
                Notification.kind.in_(("renovation.follow_up_due", "renovation.revisit_due"))
            )
        )
        == 2
    )

"""Leave and deputies (R5): who may decide a review while its manager is away."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.roles import Role
from portal.errors import PermissionDenied, ValidationFailed
from portal.sla import services as sla
from portal.sla.models import EventKind, SlaTask
from portal.testing.fixtures import START

H = timedelta(hours=1)
D = timedelta(days=1)


@pytest.fixture
def deputy(make_user, dummy_store):
    return make_user("deputy", Role.STAFF, dummy_store)


@pytest.fixture
def task(db_session, dummy_store, store_manager):
    task = sla.start_task(
        db_session,
        policy="vip_review",
        subject_type="vip_file",
        subject_id=7,
        store_id=dummy_store.id,
        actor=store_manager,
        title="VIP file 7",
    )
    db_session.commit()
    return task


def leave(db_session, manager, deputy, *, starts=START, ends=START + 2 * D, actor=None):
    period = sla.record_leave(
        db_session,
        actor=actor or manager,
        user=manager,
        starts_at=starts,
        ends_at=ends,
        deputy=deputy,
        reason="Annual leave",
    )
    db_session.commit()
    return period


def errors_of(excinfo):
    return set(excinfo.value.errors)


def test_r5_deputy_decides_during_leave_and_not_after(
    db_session, clock, task, store_manager, deputy
):
    assert not sla.can_decide(db_session, deputy, task)
    leave(db_session, store_manager, deputy, starts=START + H, ends=START + 5 * H)
    assert not sla.can_decide(db_session, deputy, task, now=START)
    assert sla.can_decide(db_session, store_manager, task, now=START)

    clock.set(START + 2 * H)
    assert sla.can_decide(db_session, deputy, task)
    assert not sla.can_decide(db_session, store_manager, task)  # away: the deputy decides
    assert sla.deputy_for(db_session, store_manager, at=clock.now()) == deputy
    ids = db_session.scalars(
        select(SlaTask.id).where(sla.decidable(db_session, deputy, now=clock.now()))
    ).all()
    assert ids == [task.id]

    clock.set(START + 5 * H)
    assert not sla.can_decide(db_session, deputy, task)
    assert sla.can_decide(db_session, store_manager, task)
    assert sla.deputy_for(db_session, store_manager, at=clock.now()) is None


def test_r5_the_deputy_is_reminded_during_leave(db_session, clock, task, store_manager, deputy):
    from portal.notifications.models import Notification

    leave(db_session, store_manager, deputy)
    clock.set(START + 9 * H)
    sla.tick(db_session, now=clock.now())
    db_session.commit()
    recipients = set(db_session.scalars(select(Notification.recipient_user_id).distinct()).all())
    assert recipients == {deputy.id}


def test_r5_leave_needs_a_valid_deputy(
    db_session, store_manager, deputy, make_user, other_store, hq_service
):
    stranger = make_user("stranger", Role.STAFF, other_store)
    disabled = make_user("gone", Role.STAFF, store_manager.grants[0].store)
    disabled.is_enabled = False
    db_session.commit()
    for wrong in (None, store_manager, stranger, disabled):
        with pytest.raises(ValidationFailed) as excinfo:
            leave(db_session, store_manager, wrong)
        assert errors_of(excinfo) == {"deputy_id"}
        db_session.rollback()
    # head office may stand in for any store
    assert leave(db_session, store_manager, hq_service).deputy_id == hq_service.id


def test_r5_leave_periods_are_checked(db_session, clock, store_manager, deputy, make_user):
    with pytest.raises(ValidationFailed) as excinfo:
        leave(db_session, store_manager, deputy, starts=START + D, ends=START)
    assert errors_of(excinfo) == {"ends_at"}
    with pytest.raises(ValidationFailed) as excinfo:
        leave(db_session, store_manager, deputy, starts=START - 2 * D, ends=START - D)
    assert errors_of(excinfo) == {"ends_at"}
    leave(db_session, store_manager, deputy)
    with pytest.raises(ValidationFailed) as excinfo:
        leave(db_session, store_manager, deputy, starts=START + D, ends=START + 3 * D)
    assert errors_of(excinfo) == {"starts_at"}


def test_r5_a_deputy_on_leave_at_the_same_time_is_refused(
    db_session, store_manager, deputy, make_user, dummy_store, admin
):
    second = make_user("second", Role.STAFF, dummy_store)
    sla.record_leave(
        db_session,
        actor=admin,
        user=deputy,
        starts_at=START + D,
        ends_at=START + 3 * D,
        deputy=second,
        reason=None,
    )
    db_session.commit()
    with pytest.raises(ValidationFailed) as excinfo:
        leave(db_session, store_manager, deputy)
    assert errors_of(excinfo) == {"deputy_id"}


def test_only_the_head_of_service_or_an_admin_records_leave_for_others(
    db_session, store_manager, deputy, make_user, dummy_store, hq_head, hq_service
):
    second = make_user("second.manager", Role.STORE_MANAGER, dummy_store)
    with pytest.raises(PermissionDenied):
        leave(db_session, second, deputy, actor=store_manager)
    with pytest.raises(PermissionDenied):
        leave(db_session, hq_service, deputy, actor=hq_service)  # no MANAGE_LEAVE
    period = leave(db_session, second, deputy, actor=hq_head)
    assert period.created_by_id == hq_head.id


def test_cancelled_leave_no_longer_counts(db_session, clock, task, store_manager, deputy):
    period = leave(db_session, store_manager, deputy)
    assert sla.can_decide(db_session, deputy, task)
    sla.cancel_leave(db_session, actor=store_manager, leave=period)
    db_session.commit()
    assert not sla.can_decide(db_session, deputy, task)
    assert sla.can_decide(db_session, store_manager, task)


def test_r5_uncovered_review_goes_to_head_office_at_once(
    db_session, clock, task, store_manager, deputy, hq_service, hq_head, admin, make_user
):
    """Manager and deputy both away: nobody in the store can decide, head office can.

    A deputy's own deputy does not inherit the manager's powers (no chains of proxies)."""
    leave(db_session, store_manager, deputy, starts=START, ends=START + 3 * D)
    colleague = make_user("colleague", Role.STAFF, store_manager.grants[0].store)
    sla.record_leave(
        db_session,
        actor=admin,
        user=deputy,
        starts_at=START + H,
        ends_at=START + 5 * H,
        deputy=colleague,
        reason=None,
    )
    db_session.commit()
    clock.set(START + 2 * H)
    assert not sla.can_decide(db_session, deputy, task)
    assert not sla.can_decide(db_session, store_manager, task)
    assert not sla.can_decide(db_session, colleague, task)
    # the last resort holds even before tick marks the task
    assert sla.can_decide(db_session, hq_service, task)
    assert sla.can_decide(db_session, hq_head, task)

    result = sla.tick(db_session, now=clock.now())
    db_session.commit()
    assert result.uncovered == 1
    db_session.refresh(task)
    assert task.escalation_level == 1
    events = sla.timeline(db_session, task)
    assert EventKind.UNCOVERED in [e.kind for e in events]
    ids = db_session.scalars(
        select(SlaTask.id).where(sla.decidable(db_session, hq_service, now=clock.now()))
    ).all()
    assert ids == [task.id]
    # the next tick does not mark it again
    assert sla.tick(db_session, now=clock.now()).uncovered == 0


def test_a_store_without_any_manager_is_covered_by_head_office(
    db_session, clock, make_store, staff, hq_service
):
    empty = make_store(code="GZ01", name="广州店")
    task = sla.start_task(
        db_session,
        policy="vip_review",
        subject_type="vip_file",
        subject_id=8,
        store_id=empty.id,
        actor=staff,
        title="VIP file 8",
    )
    db_session.commit()
    assert sla.can_decide(db_session, hq_service, task)
    assert sla.tick(db_session, now=clock.now()).uncovered == 1


def test_r6_account_opening_is_decided_by_head_office_and_its_deputies(
    db_session, clock, dummy_store, store_manager, hq_service, hq_head, make_user
):
    task = sla.start_task(
        db_session,
        policy="account_opening",
        subject_type="account_request",
        subject_id=1,
        store_id=dummy_store.id,
        actor=store_manager,
        title="Account for 西安高新店",
    )
    db_session.commit()
    assert sla.can_decide(db_session, hq_service, task)
    assert sla.can_decide(db_session, hq_head, task)
    assert not sla.can_decide(db_session, store_manager, task)

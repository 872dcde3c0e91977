"""The membership engine through its services, on both databases (R15, R16, R21)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import werkzeug.exceptions

from portal.errors import Conflict
from portal.memberships import ledger, lifecycle
from portal.memberships.models import EntryKind
from portal.memberships.status import MembershipStatus
from portal.memberships.testing import active_membership, dummy_type


@pytest.fixture
def mtype(db_session, admin, dummy_store):
    return dummy_type(db_session, admin=admin, store=dummy_store)


@pytest.fixture
def membership(db_session, member, mtype, store_manager, finance):
    membership = active_membership(
        db_session, member=member, mtype=mtype, reviewer=store_manager, finance=finance
    )
    db_session.commit()
    return membership


def test_r15_application_is_numbered_and_approval_starts_a_year_long_period(db_session, membership):
    assert membership.number.startswith("HY-2026-")
    assert [(p.starts_on, p.ends_on) for p in membership.periods] == [
        (date(2026, 11, 23), date(2027, 11, 22))
    ]
    assert lifecycle.status_of(membership, date(2026, 11, 23)) is MembershipStatus.ACTIVE
    assert lifecycle.status_of(membership, date(2027, 11, 23)) is MembershipStatus.LAPSED
    assert lifecycle.current_membership(db_session, membership.member) == membership
    kinds = [e.kind for e in membership.events]
    assert kinds == ["applied", "approved"]


def test_r18_suspension_refuses_renewal_and_ends_by_itself(
    db_session, membership, compliance, store_manager
):
    start = date(2026, 11, 23)
    lifecycle.suspend(
        db_session,
        membership,
        starts_on=start,
        ends_on=start + timedelta(days=29),
        actor=compliance,
        reason="R18 training first",
        source="notice:HG-2026-000001",
    )
    assert lifecycle.is_suspended(membership, start)
    assert not lifecycle.is_suspended(membership, start + timedelta(days=30))
    with pytest.raises(werkzeug.exceptions.Conflict) as refused:
        lifecycle.renew(db_session, actor=store_manager, membership=membership)
    assert isinstance(refused.value, Conflict)
    assert "suspended until" in str(refused.value.message)


def test_r16_r21_revocation_schedules_40_and_60_percent_and_keeps_the_fees(
    db_session, membership, compliance, finance
):
    entries = lifecycle.revoke(
        db_session,
        membership,
        announced_on=date(2026, 11, 30),
        actor=compliance,
        reason="R21 rented out",
        source="notice:HG-2026-000002",
    )
    assert [(e.kind, e.amount, e.due_on) for e in entries] == [
        (EntryKind.REFUND_SCHEDULED, Decimal("40000.00"), date(2027, 3, 30)),
        (EntryKind.REFUND_SCHEDULED, Decimal("60000.00"), date(2027, 5, 30)),
        (EntryKind.FORFEITED, Decimal("7000.00"), None),
    ]
    assert lifecycle.status_of(membership, date(2026, 11, 30)) is MembershipStatus.REVOKED
    lifecycle.offset_deposit(
        db_session,
        membership,
        amount=Decimal("10000.00"),
        actor=compliance,
        reason="R18 compensation",
        source="notice:HG-2026-000003",
    )
    first = ledger.mark_paid(db_session, actor=finance, tranche=entries[0])
    assert first.amount == Decimal("40000.00")
    with pytest.raises(Conflict):
        ledger.mark_paid(db_session, actor=finance, tranche=entries[0])
    second = ledger.mark_paid(db_session, actor=finance, tranche=entries[1])
    assert second.amount == Decimal("50000.00")
    assert ledger.balance_of(db_session, membership).deposit_held == Decimal("0.00")
    with pytest.raises(werkzeug.exceptions.Conflict):
        lifecycle.revoke(
            db_session,
            membership,
            announced_on=date(2026, 12, 1),
            actor=compliance,
            reason="again",
            source="notice:x",
        )


def test_transfer_keeps_the_old_holder_in_the_events(
    db_session, membership, make_member, store_manager
):
    other = make_member(full_name="李明华", mobile="13900139000")
    old = membership.member_id
    lifecycle.request_transfer(
        db_session,
        actor=membership.member.user,
        membership=membership,
        to_member=other,
        reason="merger",
    )
    event = lifecycle.decide_transfer(
        db_session, actor=store_manager, membership=membership, approve=True, reason=None
    )
    assert membership.member_id == other.id
    assert (event.member_id, event.other_member_id) == (old, other.id)


def test_of_two_reviewers_deciding_at_once_the_second_gets_409(
    db_session, member, mtype, store_manager
):
    from sqlalchemy import update

    from portal.memberships.models import Membership

    membership = lifecycle.apply(
        db_session, actor=member.user, member=member, membership_type=mtype
    )
    db_session.commit()
    assert membership.version == 1  # this reviewer opened it
    # the other reviewer's approval lands between this one's read and write
    db_session.execute(
        update(Membership)
        .where(Membership.id == membership.id)
        .values(version=2)
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(werkzeug.exceptions.Conflict):
        lifecycle.decide(db_session, actor=store_manager, membership=membership, approve=True)
    db_session.rollback()
    assert membership.decision is None

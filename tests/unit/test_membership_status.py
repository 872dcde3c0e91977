"""The computed membership status (R15, R18, R21): a pure function of dates."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.memberships.status import Facts, MembershipStatus, Span, compute_status

START = date(2026, 1, 1)
YEAR = Span(START, date(2026, 12, 31))
days = st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31))


def test_r15_statuses_follow_the_decision_the_period_and_the_end():
    assert compute_status(Facts(None), START) is MembershipStatus.APPLIED
    assert compute_status(Facts("rejected"), START) is MembershipStatus.REJECTED
    approved = Facts("approved", periods=(YEAR,))
    assert compute_status(approved, START - timedelta(days=1)) is MembershipStatus.APPROVED
    assert compute_status(approved, START) is MembershipStatus.ACTIVE
    assert compute_status(approved, date(2027, 1, 1)) is MembershipStatus.LAPSED
    revoked = Facts("approved", periods=(YEAR,), ended_on=date(2026, 6, 1), ended_by="revocation")
    assert compute_status(revoked, date(2026, 5, 31)) is MembershipStatus.ACTIVE
    assert compute_status(revoked, date(2026, 6, 1)) is MembershipStatus.REVOKED


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a shared CI machine
@given(on=days, starts=days, length=st.integers(0, 400))
def test_r18_suspended_exactly_on_the_suspension_days_inside_a_period(on, starts, length):
    suspension = Span(starts, starts + timedelta(days=length))
    status = compute_status(Facts("approved", periods=(YEAR,), suspensions=(suspension,)), on)
    if not YEAR.covers(on):
        assert status in (MembershipStatus.APPROVED, MembershipStatus.LAPSED)
    elif suspension.covers(on):
        assert status is MembershipStatus.SUSPENDED
    else:
        assert status is MembershipStatus.ACTIVE


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a shared CI machine
@given(on=days, ended_on=days, ended_by=st.sampled_from(["member", "announcement", "revocation"]))
def test_r21_an_announced_end_wins_from_its_day_on_and_never_before(on, ended_on, ended_by):
    facts = Facts(
        "approved",
        periods=(YEAR,),
        suspensions=(YEAR,),
        ended_on=ended_on,
        ended_by=ended_by,
    )
    final = {
        "member": MembershipStatus.ENDED,
        "announcement": MembershipStatus.TERMINATED,
        "revocation": MembershipStatus.REVOKED,
    }[ended_by]
    assert (compute_status(facts, on) is final) == (on >= ended_on)

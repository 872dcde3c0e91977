"""R26: the cut-off arithmetic of the retention periods, on every day, leap days included."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.records.retention import (
    RetentionConfigError,
    RetentionPolicy,
    anniversary,
    cutoff_date,
    cutoff_instant,
    period_years,
    policies,
)

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
years = st.integers(min_value=1, max_value=30)
RELAXED = settings(deadline=None, max_examples=400)


@RELAXED
@given(start=days, today=days, n=years)
def test_r26_a_record_is_past_its_period_exactly_when_its_last_day_is_over(start, today, n):
    """Civil Code art. 203: the period ends at 24:00 of its last day; the record may go
    from the next day on, and not a day earlier."""
    assert (start < cutoff_date(today, n)) == (anniversary(start, n) < today)


@RELAXED
@given(start=days, n=years)
def test_r26_a_record_is_kept_at_least_n_full_years_of_365_days(start, n):
    first_day_it_may_go = cutoff_date_inverse(start, n)
    assert (first_day_it_may_go - start).days >= 365 * n + 1


def cutoff_date_inverse(start: date, n: int) -> date:
    """The first day on which ``start`` is before the cut-off, found by walking."""
    day = anniversary(start, n)
    while not start < cutoff_date(day, n):
        day = day.fromordinal(day.toordinal() + 1)
    return day


@RELAXED
@given(a=days, b=days, n=years)
def test_r26_the_last_day_never_comes_earlier_for_a_later_record(a, b, n):
    if a <= b:
        assert anniversary(a, n) <= anniversary(b, n)


def test_r26_a_record_of_29_february_is_kept_to_28_february_and_goes_on_1_march():
    assert anniversary(date(2024, 2, 29), 3) == date(2027, 2, 28)
    assert not date(2024, 2, 29) < cutoff_date(date(2027, 2, 28), 3)
    assert date(2024, 2, 29) < cutoff_date(date(2027, 3, 1), 3)
    # into a leap year the day exists
    assert anniversary(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_r26_on_29_february_the_records_of_28_february_three_years_back_may_go():
    assert cutoff_date(date(2028, 2, 29), 3) == date(2025, 3, 1)
    assert date(2025, 2, 28) < cutoff_date(date(2028, 2, 29), 3)


def test_r26_the_cutoff_is_midnight_in_the_deployments_zone():
    shanghai = ZoneInfo("Asia/Shanghai")
    instant = cutoff_instant(date(2023, 11, 23), shanghai)
    assert instant == datetime.fromisoformat("2023-11-22T16:00:00+00:00")


def _policy(key: str) -> RetentionPolicy:
    from portal.accounts.models import LoginAttempt

    return RetentionPolicy(key=key, label=key, table=LoginAttempt.__table__, clock="attempted_at")


def test_r26_the_period_comes_from_the_setting_or_the_default():
    policy = _policy("login_attempts")
    assert period_years(policy, {}) == 3
    assert period_years(policy, {"PORTAL_RETENTION_LOGIN_ATTEMPTS": "1"}) == 1
    for wrong in (0, -2, "three", True, None):
        with pytest.raises(RetentionConfigError, match="PORTAL_RETENTION_LOGIN_ATTEMPTS"):
            period_years(policy, {"PORTAL_RETENTION_LOGIN_ATTEMPTS": wrong})


def test_r26_a_key_declared_twice_is_refused():
    with pytest.raises(RetentionConfigError, match="declared twice"):
        policies([_policy("notifications")])


def test_r26_a_policy_on_a_missing_column_is_refused():
    from portal.accounts.models import LoginAttempt

    wrong = RetentionPolicy(key="x", label="x", table=LoginAttempt.__table__, clock="nope")
    with pytest.raises(RetentionConfigError, match="nope"):
        policies([wrong])

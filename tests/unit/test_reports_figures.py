"""The SLA report's arithmetic (R5): percentiles as PostgreSQL's percentile_cont, periods
as whole days in the store's zone."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.errors import ValidationFailed
from portal.reports.services import MAX_DAYS, Period, check_period, default_period, percentile

values = st.lists(st.floats(min_value=0, max_value=10**7, allow_nan=False), min_size=1, max_size=60)


def test_r5_percentile_of_a_hand_computed_set():
    hours = [1, 2, 3, 4, 5, 14]
    assert percentile(hours, 0.5) == 3.5
    assert percentile(hours, 0.9) == 9.5
    assert percentile([7], 0.9) == 7
    assert percentile([], 0.5) is None


@given(values)
def test_r5_median_is_the_statistics_median(data):
    assert percentile(data, 0.5) == pytest.approx(statistics.median(data))


@given(st.lists(st.floats(min_value=0, max_value=10**7, allow_nan=False), min_size=2))
def test_r5_p90_is_linear_interpolation_between_ranks(data):
    # statistics' "inclusive" method is the same definition as percentile_cont
    expected = statistics.quantiles(data, n=10, method="inclusive")[8]
    assert percentile(data, 0.9) == pytest.approx(expected, rel=1e-9, abs=1e-6)


@given(values, st.floats(min_value=0, max_value=1), st.floats(min_value=0, max_value=1))
def test_r5_percentiles_are_ordered_and_within_the_data(data, q1, q2):
    low, high = sorted((q1, q2))
    assert min(data) <= percentile(data, low) <= percentile(data, high) <= max(data)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_r5_default_period_is_the_last_30_days_today_included(today):
    period = default_period(today)
    assert period.end == today
    assert (period.end - period.start).days == 29


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 1, 1)),
    st.integers(min_value=0, max_value=400),
    st.sampled_from(["Asia/Shanghai", "Asia/Urumqi", "Europe/London", "America/New_York"]),
)
def test_r5_period_bounds_are_local_midnights(start, days, zone_name):
    zone = ZoneInfo(zone_name)
    period = Period(start, start + timedelta(days=days))
    first, after = period.bounds(zone)
    assert first.tzinfo == UTC
    assert first.astimezone(zone).replace(tzinfo=None) == datetime.combine(
        start, datetime.min.time()
    )
    assert after.astimezone(zone).date() == period.end + timedelta(days=1)
    assert after.astimezone(zone).hour == 0


def test_r5_shanghai_day_starts_at_16_utc_the_day_before():
    first, after = Period(date(2026, 11, 23), date(2026, 11, 23)).bounds(ZoneInfo("Asia/Shanghai"))
    assert first == datetime(2026, 11, 22, 16, tzinfo=UTC)
    assert after - first == timedelta(days=1)


def test_r5_reversed_or_long_periods_are_refused():
    today = date(2026, 11, 23)
    with pytest.raises(ValidationFailed):
        check_period(date(2026, 11, 20), date(2026, 11, 1), today)
    with pytest.raises(ValidationFailed):
        check_period(date(2020, 1, 1), today, today)
    assert check_period(None, None, today) == default_period(today)
    assert MAX_DAYS >= 366

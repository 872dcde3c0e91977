"""Calendar-correct month arithmetic behind the follow-up cadences (R11) and the revisit
plan (R12), checked on every date hypothesis can think of."""

from __future__ import annotations

import calendar
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from portal_renovation.followups import next_due
from portal_renovation.models import CustomerClass
from portal_renovation.months import add_months
from portal_renovation.revisits import next_revisit_after, revisit_due

days = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))
months = st.integers(min_value=-240, max_value=240)


@given(day=days, n=months)
def test_adding_months_lands_in_the_right_month(day, n):
    moved = add_months(day, n)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == n


@given(day=days, n=months)
def test_the_day_is_kept_or_clamped_to_the_months_end(day, n):
    moved = add_months(day, n)
    last = calendar.monthrange(moved.year, moved.month)[1]
    assert moved.day == min(day.day, last)


@given(day=days, a=st.integers(0, 120), b=st.integers(0, 120))
def test_later_months_are_never_earlier_days(day, a, b):
    if a <= b:
        assert add_months(day, a) <= add_months(day, b)


@given(day=st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 28)), n=months)
def test_days_every_month_has_go_there_and_back(day, n):
    if day.day <= 28:
        assert add_months(add_months(day, n), -n) == day


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 8, 31), 3, date(2026, 11, 30)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
    ],
)
def test_examples(day, n, expected):
    assert add_months(day, n) == expected


@given(day=days, klass=st.sampled_from(list(CustomerClass)))
def test_r11_the_cadence_of_each_class(day, klass):
    months_later = {CustomerClass.A: 1, CustomerClass.B: 3, CustomerClass.C: 6}[klass]
    assert next_due(day, klass) == add_months(day, months_later)


@given(delivered=days)
def test_r12_monthly_in_the_first_year_quarterly_after(delivered):
    plan = [revisit_due(delivered, n) for n in range(1, 21)]
    assert plan[:12] == [add_months(delivered, m) for m in range(1, 13)]
    assert plan[12:] == [add_months(delivered, 12 + 3 * q) for q in range(1, 9)]
    assert plan == sorted(plan)
    assert len(set(plan)) == len(plan)


@given(delivered=days, offset=st.integers(min_value=-40, max_value=4000))
def test_r12_the_next_revisit_is_the_first_due_date_after_the_visit(delivered, offset):
    day = date.fromordinal(delivered.toordinal() + offset)
    nxt = next_revisit_after(delivered, day)
    assert nxt > day
    plan = [revisit_due(delivered, n) for n in range(1, 80)]
    assert nxt in plan
    earlier = [d for d in plan if d < nxt]
    assert all(d <= day for d in earlier)


def test_r12_the_first_revisit_is_a_month_after_delivery():
    assert next_revisit_after(date(2026, 1, 31), None) == date(2026, 2, 28)
    with pytest.raises(ValueError, match="from 1"):
        revisit_due(date(2026, 1, 1), 0)

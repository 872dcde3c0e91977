"""R22 month arithmetic in the store's zone, and the day an anniversary is celebrated."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st
from portal_restaurant import months

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
ZONES = st.sampled_from([SHANGHAI, NEW_YORK, ZoneInfo("UTC"), ZoneInfo("Asia/Kolkata")])
MONTHS = st.dates(min_value=date(2001, 1, 1), max_value=date(2098, 12, 31)).map(months.first_of)
#: up to a minute either side of a boundary, to the microsecond
NEAR = st.integers(min_value=0, max_value=60_000_000).map(lambda us: timedelta(microseconds=us))


def test_r22_half_past_midnight_on_the_first_in_shanghai_is_the_new_month():
    # 00:30 on 1 November in Xi'an is 16:30 UTC on 31 October
    instant = datetime(2026, 10, 31, 16, 30, tzinfo=UTC)
    assert months.month_of(instant, SHANGHAI) == date(2026, 11, 1)
    start, end = months.month_bounds(date(2026, 11, 1), SHANGHAI)
    assert start == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert start <= instant < end


@given(month=MONTHS, zone=ZONES, delta=NEAR)
def test_r22_the_start_of_a_month_belongs_to_it_and_the_instant_before_does_not(month, zone, delta):
    start, _end = months.month_bounds(month, zone)
    assert months.month_of(start + delta, zone) == month
    assert months.month_of(start - delta - timedelta(microseconds=1), zone) == (
        months.previous_month(month)
    )


@given(month=MONTHS, zone=ZONES, delta=NEAR)
def test_r22_the_end_of_a_month_is_the_start_of_the_next(month, zone, delta):
    _start, end = months.month_bounds(month, zone)
    assert months.month_bounds(months.next_month(month), zone)[0] == end
    assert months.month_of(end - delta - timedelta(microseconds=1), zone) == month
    assert months.month_of(end + delta, zone) == months.next_month(month)


@given(
    instant=st.datetimes(
        min_value=datetime(2001, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
        max_value=datetime(2098, 12, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    )
)
def test_r22_every_instant_falls_in_exactly_the_month_whose_bounds_hold_it(instant):
    month = months.month_of(instant, SHANGHAI)
    start, end = months.month_bounds(month, SHANGHAI)
    assert start <= instant < end


@given(month=MONTHS)
def test_next_and_previous_month_undo_each_other(month):
    assert months.previous_month(months.next_month(month)) == month
    assert months.next_month(months.previous_month(month)) == month
    assert months.next_month(month) > month


def test_months_parse_as_yyyy_mm_only():
    assert months.parse_month("2026-11") == date(2026, 11, 1)
    assert months.format_month(date(2026, 1, 1)) == "2026-01"
    for wrong in ("2026-13", "2026-00", "26-11", "2026-1", "", None, "2026-11-01", "1999-12"):
        assert months.parse_month(wrong) is None


def test_a_29_february_birthday_is_greeted_on_28_february_in_common_years():
    born = date(1992, 2, 29)
    assert months.anniversary_in(2027, born) == date(2027, 2, 28)
    assert months.anniversary_in(2028, born) == date(2028, 2, 29)
    assert months.month_days_celebrated_on(date(2027, 2, 28)) == [(2, 28), (2, 29)]
    assert months.month_days_celebrated_on(date(2028, 2, 28)) == [(2, 28)]
    assert months.month_days_celebrated_on(date(2000, 2, 28)) == [(2, 28)]  # 2000 is leap


@given(original=st.dates(min_value=date(1920, 1, 1)), year=st.integers(2001, 2098))
def test_every_anniversary_falls_once_a_year_on_a_day_that_celebrates_it(original, year):
    day = months.anniversary_in(year, original)
    assert day.year == year
    assert (original.month, original.day) in months.month_days_celebrated_on(day)

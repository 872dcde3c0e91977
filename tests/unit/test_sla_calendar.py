"""Business-calendar arithmetic of the SLA engine (hypothesis properties)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.sla.policies import WALL_CLOCK, SlaConfigError, parse_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")  # no DST
BERLIN = ZoneInfo("Europe/Berlin")  # DST: clocks move in March and October
ZONES = st.sampled_from([SHANGHAI, BERLIN, ZoneInfo("UTC")])

OFFICE = parse_calendar(
    "office",
    {
        "hours": "09:00-12:00, 13:00-18:00",
        "days": "mon-fri",
        "holidays": ["2026-10-01", "2026-10-02", "2026-10-05"],
        "workdays": ["2026-09-27", "2026-10-10"],
    },
)
NIGHT = parse_calendar("night", {"hours": "00:00-02:30, 22:00-24:00", "days": "sun-thu"})
CALENDARS = st.sampled_from([OFFICE, NIGHT])

instants = st.datetimes(
    min_value=datetime(2025, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
    max_value=datetime(2028, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
durations = st.integers(min_value=0, max_value=200 * 3600).map(lambda s: timedelta(seconds=s))


def local(day: date, hh: int, mm: int = 0, zone: ZoneInfo = SHANGHAI) -> datetime:
    return datetime.combine(day, time(hh, mm), zone).astimezone(UTC)


def test_working_hours_skip_lunch_nights_and_weekends():
    friday = date(2026, 11, 20)
    start = local(friday, 17)
    assert OFFICE.add(start, timedelta(hours=1), SHANGHAI) == local(friday, 18)
    # one hour more spills into Monday morning
    assert OFFICE.add(start, timedelta(hours=2), SHANGHAI) == local(date(2026, 11, 23), 10)
    assert OFFICE.add(local(friday, 11), timedelta(hours=2), SHANGHAI) == local(friday, 14)


def test_holidays_and_make_up_workdays():
    # 2026-09-30 is a Wednesday; 1, 2 Oct are holidays, 3-4 the weekend, 5 a holiday
    wednesday = local(date(2026, 9, 30), 17)
    assert OFFICE.add(wednesday, timedelta(hours=2), SHANGHAI) == local(date(2026, 10, 6), 10)
    # Sunday 27 September is a make-up working day (调休)
    saturday = local(date(2026, 9, 26), 12)
    assert OFFICE.add(saturday, timedelta(hours=1), SHANGHAI) == local(date(2026, 9, 27), 10)


def test_start_outside_working_hours_counts_from_the_next_opening():
    sunday_night = local(date(2026, 11, 22), 23)
    # Monday holds 8 working hours; the other 4 end Tuesday at 14:00 (lunch excluded)
    assert OFFICE.add(sunday_night, timedelta(hours=12), SHANGHAI) == local(date(2026, 11, 24), 14)
    assert OFFICE.between(sunday_night, local(date(2026, 11, 23), 9), SHANGHAI) == timedelta(0)


def test_working_time_across_a_dst_change_is_real_elapsed_time():
    berlin_night = parse_calendar("all", {"hours": "00:00-24:00", "days": "mon-sun"})
    before = datetime(2026, 3, 28, 12, tzinfo=UTC)
    after = datetime(2026, 3, 30, 12, tzinfo=UTC)
    assert berlin_night.between(before, after, BERLIN) == timedelta(hours=48)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"hours": "9-18"}, "not like"),
        ({"hours": "18:00-09:00"}, "ends before"),
        ({"hours": "09:00-13:00, 12:00-18:00"}, "overlap"),
        ({"days": "monday-funday"}, "not a weekday"),
        ({"holidays": ["2026-13-01"]}, "not a date"),
        ({"holidays": "2026-10-01"}, "list of dates"),
        ({"days": ""}, "no working time"),
        ({"hour": "09:00-18:00"}, "unknown keys"),
    ],
)
def test_malformed_calendars_are_refused(spec, message):
    with pytest.raises(SlaConfigError, match=message):
        parse_calendar("bad", spec)


def test_day_ranges_wrap_around_the_week():
    assert parse_calendar("c", {"days": "fri-mon"}).weekdays == {4, 5, 6, 0}
    assert parse_calendar("c", {"days": "mon, wed,sat"}).weekdays == {0, 2, 5}


@given(start=instants, a=durations, b=durations, zone=ZONES)
def test_wall_clock_is_plain_addition(start, a, b, zone):
    assert WALL_CLOCK.add(start, a, zone) == start + a
    assert WALL_CLOCK.subtract(start, a, zone) == start - a
    assert WALL_CLOCK.between(start, start + a + b, zone) == a + b


@settings(max_examples=60, deadline=None)
@given(start=instants, a=durations, b=durations, zone=ZONES, calendar=CALENDARS)
def test_adding_more_working_time_never_ends_earlier(start, a, b, zone, calendar):
    small, large = sorted((a, b))
    assert calendar.add(start, small, zone) <= calendar.add(start, large, zone)
    assert calendar.add(start, small, zone) >= start


@settings(max_examples=60, deadline=None)
@given(start=instants, amount=durations, zone=ZONES, calendar=CALENDARS)
def test_add_then_measure_gives_the_amount_back(start, amount, zone, calendar):
    end = calendar.add(start, amount, zone)
    assert calendar.between(start, end, zone) == amount


@settings(max_examples=60, deadline=None)
@given(end=instants, amount=durations, zone=ZONES, calendar=CALENDARS)
def test_subtract_is_the_inverse_of_add(end, amount, zone, calendar):
    begin = calendar.subtract(end, amount, zone)
    assert begin <= end
    assert calendar.between(begin, end, zone) == amount


@settings(max_examples=60, deadline=None)
@given(
    start=instants,
    window=durations,
    pause_after=durations,
    pause_for=durations,
    zone=ZONES,
    calendar=CALENDARS,
)
def test_pause_and_resume_keep_the_working_time_left(
    start, window, pause_after, pause_for, zone, calendar
):
    """What the engine does: remaining = between(paused, due); due' = add(resumed, remaining)."""
    due = calendar.add(start, window, zone)
    paused = start + pause_after
    remaining = calendar.between(paused, due, zone)
    resumed = paused + pause_for
    new_due = calendar.add(resumed, remaining, zone)
    assert calendar.between(resumed, new_due, zone) == remaining
    # working time spent before the pause plus what is left is the whole window, when the
    # pause came before the deadline
    if paused <= due:
        spent = calendar.between(start, paused, zone)
        assert spent + remaining == window

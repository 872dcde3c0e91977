"""Quiet-hours arithmetic: windows across midnight, time zones, daylight saving."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.notifications.quiet_hours import (
    QuietHours,
    parse_hhmm,
    parse_window,
    release_at,
    window_of,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
NIGHT = QuietHours(time(21), time(8))

zones = st.sampled_from(
    [SHANGHAI, NEW_YORK, ZoneInfo("Europe/London"), ZoneInfo("Asia/Urumqi"), ZoneInfo("UTC")]
)
minutes = st.integers(0, 24 * 60 - 1).map(lambda m: time(m // 60, m % 60))
windows = st.tuples(minutes, minutes).filter(lambda t: t[0] != t[1]).map(lambda t: QuietHours(*t))
# hypothesis takes naive bounds and attaches the zone itself
instants = st.datetimes(
    min_value=datetime(2020, 1, 1),  # noqa: DTZ001
    max_value=datetime(2035, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)


def test_parse_window_reads_hh_mm_pairs():
    assert parse_window("21:00-08:00") == NIGHT
    assert parse_window(" 22:30 - 07:15 ") == QuietHours(time(22, 30), time(7, 15))
    assert parse_window("") is None
    assert parse_window(None) is None
    assert parse_window("08:00-08:00") is None  # start equal to end: no quiet hours


@pytest.mark.parametrize("text", ["21-08", "24:00-08:00", "21:00", "9:00-8:00", "21:60-08:00"])
def test_parse_window_refuses_malformed_text(text):
    with pytest.raises(ValueError, match=r"HH:MM|quiet hours"):
        parse_window(text)


def test_parse_hhmm():
    assert parse_hhmm("00:00") == time(0)
    assert parse_hhmm("23:59") == time(23, 59)
    with pytest.raises(ValueError, match="HH:MM"):
        parse_hhmm("7:5")


def test_a_store_window_overrides_the_default_and_equal_times_switch_it_off():
    assert window_of(None, None, NIGHT) == NIGHT
    assert window_of(time(22), None, NIGHT) == NIGHT  # half a window is no window
    assert window_of(time(22), time(7), NIGHT) == QuietHours(time(22), time(7))
    assert window_of(time(0), time(0), NIGHT) is None
    assert window_of(None, None, None) is None


def test_window_across_midnight_contains_the_night_and_excludes_its_end():
    assert NIGHT.contains(time(21))
    assert NIGHT.contains(time(23, 59))
    assert NIGHT.contains(time(3))
    assert not NIGHT.contains(time(8))
    assert not NIGHT.contains(time(12))
    assert not NIGHT.contains(time(20, 59))


def test_sms_at_three_in_the_morning_in_shanghai_waits_until_eight():
    now = datetime(2026, 11, 24, 3, 0, tzinfo=SHANGHAI).astimezone(UTC)
    assert release_at(now, NIGHT, SHANGHAI) == datetime(2026, 11, 24, 8, 0, tzinfo=SHANGHAI)


def test_sms_late_in_the_evening_waits_until_the_next_morning():
    now = datetime(2026, 11, 24, 22, 15, tzinfo=SHANGHAI).astimezone(UTC)
    assert release_at(now, NIGHT, SHANGHAI) == datetime(2026, 11, 25, 8, 0, tzinfo=SHANGHAI)


def test_daytime_is_not_quiet():
    now = datetime(2026, 11, 24, 14, 0, tzinfo=SHANGHAI).astimezone(UTC)
    assert release_at(now, NIGHT, SHANGHAI) is None
    assert release_at(now, None, SHANGHAI) is None


def test_the_same_instant_is_quiet_in_one_zone_and_not_in_another():
    now = datetime(2026, 11, 24, 3, 0, tzinfo=SHANGHAI).astimezone(UTC)  # 14:00 in New York
    assert release_at(now, NIGHT, NEW_YORK) is None
    night_in_new_york = datetime(2026, 11, 24, 3, 0, tzinfo=NEW_YORK).astimezone(UTC)
    assert release_at(night_in_new_york, NIGHT, NEW_YORK) == datetime(
        2026, 11, 24, 8, 0, tzinfo=NEW_YORK
    )


def test_window_within_one_day():
    lunch = QuietHours(time(12), time(13, 30))
    now = datetime(2026, 11, 24, 12, 45, tzinfo=SHANGHAI).astimezone(UTC)
    assert release_at(now, lunch, SHANGHAI) == datetime(2026, 11, 24, 13, 30, tzinfo=SHANGHAI)


def test_end_in_a_daylight_saving_gap_is_released_after_the_jump():
    # 2027-03-14 02:00 EST jumps to 03:00 EDT; 02:30 never happens on that night
    window = QuietHours(time(22), time(2, 30))
    now = datetime(2027, 3, 14, 1, 30, tzinfo=NEW_YORK).astimezone(UTC)
    released = release_at(now, window, NEW_YORK)
    assert released is not None
    assert released > now
    assert released.astimezone(NEW_YORK).time() >= time(3)


def test_a_window_ending_in_the_gap_ends_with_the_jump_not_a_minute_later():
    # found by hypothesis: London jumps from 01:00 GMT to 02:00 BST on 31 March 2024, so a
    # window ending at 01:01 ends at the jump, 01:00 UTC (02:00 BST is outside 02:01-01:01)
    london = ZoneInfo("Europe/London")
    now = datetime(2024, 3, 30, 2, 1, tzinfo=UTC)
    released = release_at(now, QuietHours(time(2, 1), time(1, 1)), london)
    assert released == datetime(2024, 3, 31, 1, 0, tzinfo=UTC)


@settings(max_examples=500, deadline=None)
@given(now=instants, window=windows, zone=zones)
def test_release_is_the_first_moment_after_the_window(now, window, zone):
    released = release_at(now, window, zone)
    local = now.astimezone(zone)
    if released is None:
        assert not window.contains(local.time())
        return
    assert window.contains(local.time())
    assert released >= now
    # never more than a day (plus a daylight-saving hour) later
    assert released - now <= timedelta(hours=25)
    # the release is on a whole minute of the window's end, or just after a clock jump
    released_local = released.astimezone(zone)
    if released_local.time().replace(second=0, microsecond=0) == window.end:
        assert released_local.second == 0
    else:  # only where clocks jump
        assert zone.key in {"America/New_York", "Europe/London"}
    # one minute before the release (when it is after now) is still inside the window,
    # unless a daylight-saving jump moved the wall clock
    before = released - timedelta(minutes=1)
    if before > now and released_local.utcoffset() == before.astimezone(zone).utcoffset():
        assert window.contains(before.astimezone(zone).time())


@settings(max_examples=300, deadline=None)
@given(now=instants, window=windows)
def test_in_a_zone_without_daylight_saving_the_release_is_exactly_the_window_end(now, window):
    released = release_at(now, window, SHANGHAI)
    if released is not None:
        local = released.astimezone(SHANGHAI)
        assert local.time() == window.end
        assert timedelta(0) < released - now <= timedelta(hours=24)
        assert not window.contains(local.time())

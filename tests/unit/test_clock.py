"""The portal's one source of "now": aware UTC, frozen and moved by tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from flask import Flask

from portal import clock
from portal.clock import Clock, FrozenClock

START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_system_clock_is_aware_utc():
    before = datetime.now(UTC)
    now = Clock().now()
    assert now.tzinfo is UTC
    assert before <= now <= datetime.now(UTC)


def test_frozen_clock_stands_still_until_moved():
    frozen = FrozenClock(START)
    assert frozen.now() == frozen.now() == START
    frozen.advance(timedelta(hours=12))
    assert frozen.now() == START + timedelta(hours=12)
    frozen.set(START - timedelta(days=1))
    assert frozen.now() == START - timedelta(days=1)


def test_frozen_clock_keeps_utc_whatever_zone_it_is_given():
    beijing = timezone(timedelta(hours=8))
    frozen = FrozenClock(datetime(2026, 11, 23, 10, 0, tzinfo=beijing))
    assert frozen.now() == START
    assert frozen.now().utcoffset() == timedelta(0)
    frozen.set(datetime(2026, 11, 24, 8, 0, tzinfo=beijing))
    assert frozen.now() == datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    assert frozen.now().utcoffset() == timedelta(0)


def test_frozen_clock_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="aware"):
        FrozenClock(datetime(2026, 11, 23, 2, 0))  # noqa: DTZ001


def test_now_outside_an_app_is_the_system_time():
    now = clock.now()
    assert now.tzinfo is not None
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)


def test_now_inside_an_app_follows_the_apps_clock():
    app = Flask(__name__)
    frozen = FrozenClock(START)
    app.extensions["portal.clock"] = frozen
    with app.app_context():
        assert clock.now() == START
        frozen.advance(timedelta(minutes=15))
        assert clock.now() == START + timedelta(minutes=15)


def test_now_inside_an_app_without_a_clock_is_the_system_time():
    with Flask(__name__).app_context():
        assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_the_portal_app_fixture_starts_at_the_frozen_instant(app, clock):
    assert clock.now() == START
    assert app.extensions["portal.clock"] is clock

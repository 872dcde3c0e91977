"""The compliance report's calendar (R18, R19): months in the store's zone, around local
midnight at month ends; periods of at most 36 months; due weeks; the CSV."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask_babel import Babel
from hypothesis import given
from hypothesis import strategies as st

from portal.errors import ValidationFailed
from portal.reports.compliance import (
    MAX_MONTHS,
    CaseReport,
    Month,
    MonthPeriod,
    MonthRow,
    OpenRectification,
    WeekCount,
    check_months,
    default_months,
    due_weeks,
    month_of,
    parse_month,
)
from portal.reports.views import compliance_csv, days_left

ZONES = st.sampled_from(
    ["Asia/Shanghai", "Asia/Urumqi", "Europe/London", "America/New_York", "Pacific/Chatham"]
)
months = st.builds(Month, st.integers(min_value=2000, max_value=2090), st.integers(1, 12))


@given(months, ZONES, st.integers(min_value=-3 * 3600, max_value=3 * 3600))
def test_r18_an_instant_near_local_midnight_at_a_month_end_counts_in_the_local_month(
    month, zone_name, seconds
):
    zone = ZoneInfo(zone_name)
    first, after = MonthPeriod(month, month).bounds(zone)
    assert first.tzinfo == UTC
    assert first.astimezone(zone).replace(tzinfo=None) == datetime.combine(
        month.first_day, datetime.min.time()
    )
    assert after.astimezone(zone).replace(tzinfo=None) == datetime.combine(
        month.shifted(1).first_day, datetime.min.time()
    )
    instant = first + timedelta(seconds=seconds)
    expected = month if seconds >= 0 else month.shifted(-1)
    assert month_of(instant, zone) == expected
    assert (first <= instant < after) == (month_of(instant, zone) == month)


def test_r18_the_last_evening_of_january_in_utc_is_february_in_shanghai():
    assert month_of(datetime(2026, 1, 31, 16, 30, tzinfo=UTC), ZoneInfo("Asia/Shanghai")) == (
        Month(2026, 2)
    )
    assert month_of(datetime(2026, 1, 31, 15, 59, tzinfo=UTC), ZoneInfo("Asia/Shanghai")) == (
        Month(2026, 1)
    )


@given(months, st.integers(min_value=-400, max_value=400))
def test_r18_month_arithmetic(month, n):
    moved = month.shifted(n)
    assert moved.shifted(-n) == month
    assert moved.index - month.index == n
    assert month.shifted(12) == Month(month.year + 1, month.month)
    low, high = sorted((month, moved))
    assert len(MonthPeriod(low, high).months) == abs(n) + 1


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)))
def test_r18_default_period_is_the_last_12_months_this_one_included(today):
    period = default_months(today)
    assert period.last == Month(today.year, today.month)
    assert len(period.months) == 12
    assert check_months(None, None, today) == period


def test_r18_periods_of_at_most_36_months():
    today = date(2026, 11, 23)
    assert len(check_months(Month(2023, 12), Month(2026, 11), today).months) == MAX_MONTHS
    with pytest.raises(ValidationFailed) as too_long:
        check_months(Month(2023, 11), Month(2026, 11), today)
    assert list(too_long.value.errors) == ["to"]
    with pytest.raises(ValidationFailed):
        check_months(Month(2026, 11), Month(2026, 10), today)
    # one end given: a year from the start (not past this month), or a year up to the end
    assert check_months(Month(2026, 3), None, today) == MonthPeriod(Month(2026, 3), Month(2026, 11))
    assert check_months(Month(2025, 1), None, today).last == Month(2025, 12)
    assert check_months(None, Month(2026, 6), today).first == Month(2025, 7)


def test_r18_months_are_written_yyyy_mm():
    assert parse_month(" 2026-02 ") == Month(2026, 2)
    assert str(Month(2026, 3)) == "2026-03"
    for wrong in (
        "2026-13",
        "2026-00",
        "2026-1",
        "26-01",
        "2026/01",
        "0001-01",
        "\u0662\u0660\u0662\u0666-01",
        "",
    ):
        with pytest.raises(ValueError, match="YYYY-MM"):
            parse_month(wrong)


def test_r19_due_weeks_put_the_overdue_first_then_every_week_in_between():
    today = date(2026, 11, 25)  # a Wednesday
    weeks = due_weeks(
        Counter(
            {
                (date(2026, 11, 24), today): 2,  # overdue
                (date(2026, 11, 25), today): 1,  # due today: week of 23 Nov
                (date(2026, 11, 29), today): 1,  # Sunday, same week
                (date(2026, 12, 14), today): 3,
                (date(2026, 11, 20), date(2026, 11, 19)): 1,  # another zone, not yet due
            }
        )
    )
    assert weeks == [
        WeekCount(None, 2),
        WeekCount(date(2026, 11, 16), 1),
        WeekCount(date(2026, 11, 23), 2),
        WeekCount(date(2026, 11, 30), 0),
        WeekCount(date(2026, 12, 7), 0),
        WeekCount(date(2026, 12, 14), 3),
    ]
    assert due_weeks(Counter()) == [WeekCount(None, 0)]


@pytest.fixture
def babel_app():
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        yield app


def test_r18_csv_has_a_row_a_month_in_ladder_order_and_the_total(babel_app):
    november = MonthRow(Month(2026, 11), opened=3, decided=2)
    november.count("revocation")
    total = MonthRow(None, opened=3, decided=2)
    total.count("revocation")
    period = MonthPeriod(Month(2026, 11), Month(2026, 11))
    rows = list(
        csv.reader(io.StringIO(compliance_csv(CaseReport(period, None, [november], total))))
    )
    assert rows[0][:4] == ["Month", "Cases opened", "Cases decided", "Oral warning"]
    assert rows[0][-1] == "Referral to the judicial authorities"
    assert rows[1] == ["2026-11", "3", "2", "0", "0", "0", "0", "1", "0", "0"]
    assert rows[2][0] == "All"


def test_r19_days_left_or_overdue(babel_app):
    def item(days: int) -> OpenRectification:
        return OpenRectification(1, date(2026, 11, 23), days, 1, "C", "M", 1, "N", "S")

    assert days_left(item(1)) == "1 day left"
    assert days_left(item(9)) == "9 days left"
    assert days_left(item(0)) == "Last day today"
    assert days_left(item(-3)) == "Overdue by 3 days"
    assert item(-1).overdue
    assert not item(0).overdue

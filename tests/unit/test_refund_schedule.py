"""R16: the refund schedule of a risk deposit: calendar months and whole fen."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.memberships.policies import (
    WHOLE_AT_ANNOUNCEMENT,
    EndedBy,
    RefundPolicy,
    RefundTranche,
)
from portal.memberships.refunds import RefundDue, RefundPart, add_months, refund_schedule

EXCHANGE = RefundPolicy((RefundTranche(4, Decimal("0.40")), RefundTranche(6, Decimal("0.60"))))

deposits = st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal(10**9), places=2, allow_nan=False
)
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2200, 12, 31))


@st.composite
def policies(draw: st.DrawFn) -> RefundPolicy:
    """Any valid policy: 1-6 tranches, shares in basis points adding up to one, months
    in order (two tranches may fall due in the same month)."""
    count = draw(st.integers(1, 6))
    cuts = sorted(
        draw(st.lists(st.integers(1, 9_999), min_size=count - 1, max_size=count - 1, unique=True))
    )
    points = [b - a for a, b in zip([0, *cuts], [*cuts, 10_000], strict=True)]
    months = sorted(draw(st.lists(st.integers(0, 120), min_size=count, max_size=count)))
    return RefundPolicy(
        tuple(RefundTranche(m, Decimal(p) / 10_000) for m, p in zip(months, points, strict=True)),
        refund_fees_on_revocation=draw(st.booleans()),
    )


def test_r16_the_exchange_default_pays_40_after_four_months_and_60_after_six():
    assert refund_schedule(Decimal("50000.00"), date(2026, 3, 15), EXCHANGE) == [
        RefundDue(date(2026, 7, 15), Decimal("20000.00")),
        RefundDue(date(2026, 9, 15), Decimal("30000.00")),
    ]


@pytest.mark.parametrize(
    ("announced", "first"),
    [
        (date(2026, 10, 31), date(2027, 2, 28)),
        (date(2027, 10, 31), date(2028, 2, 29)),  # leap year
        (date(2026, 10, 30), date(2027, 2, 28)),
        (date(2026, 10, 28), date(2027, 2, 28)),
        (date(2026, 8, 31), date(2026, 12, 31)),
        (date(2026, 12, 31), date(2027, 4, 30)),
    ],
)
def test_r16_month_arithmetic_clamps_to_the_end_of_a_shorter_month(announced, first):
    schedule = refund_schedule(Decimal("100.00"), announced, EXCHANGE)
    assert schedule[0].due_on == first


def test_r16_the_remainder_of_the_rounding_goes_to_the_last_tranche():
    thirds = RefundPolicy(
        (
            RefundTranche(1, Decimal("0.3333")),
            RefundTranche(2, Decimal("0.3333")),
            RefundTranche(3, Decimal("0.3334")),
        )
    )
    schedule = refund_schedule(Decimal("0.05"), date(2026, 1, 1), thirds)
    assert [due.amount for due in schedule] == [Decimal("0.01"), Decimal("0.01"), Decimal("0.03")]
    schedule = refund_schedule(Decimal("100.00"), date(2026, 1, 1), thirds)
    assert [due.amount for due in schedule] == [
        Decimal("33.33"),
        Decimal("33.33"),
        Decimal("33.34"),
    ]


def test_r16_a_tranche_that_comes_to_nothing_is_left_out():
    assert refund_schedule(Decimal("0.01"), date(2026, 1, 1), EXCHANGE) == [
        RefundDue(date(2026, 7, 1), Decimal("0.01"))
    ]
    assert refund_schedule(Decimal("0.00"), date(2026, 1, 1), EXCHANGE) == []


def test_r16_revocation_keeps_the_fees_unless_the_policy_refunds_them():
    fees = Decimal("8000.00")
    announced = date(2026, 5, 20)
    revoked = refund_schedule(
        Decimal("1000.00"), announced, EXCHANGE, ended_by=EndedBy.REVOCATION, fees=fees
    )
    assert all(due.part is RefundPart.DEPOSIT for due in revoked)
    assert sum(due.amount for due in revoked) == Decimal("1000.00")
    generous = RefundPolicy(EXCHANGE.tranches, refund_fees_on_revocation=True)
    refunded = refund_schedule(
        Decimal("1000.00"), announced, generous, ended_by="revocation", fees=fees
    )
    assert refunded[0] == RefundDue(announced, fees, RefundPart.FEES)
    for ended_by in (EndedBy.MEMBER, EndedBy.ANNOUNCEMENT):
        schedule = refund_schedule(
            Decimal("1000.00"), announced, EXCHANGE, ended_by=ended_by, fees=fees
        )
        assert schedule[0] == RefundDue(announced, fees, RefundPart.FEES)


def test_r16_without_a_policy_the_deposit_comes_back_whole_at_the_announcement():
    assert refund_schedule(Decimal("12.34"), date(2026, 2, 3), WHOLE_AT_ANNOUNCEMENT) == [
        RefundDue(date(2026, 2, 3), Decimal("12.34"))
    ]


@pytest.mark.parametrize(
    "amount", [Decimal("-0.01"), Decimal("1.001"), Decimal("NaN"), Decimal("Infinity"), 10, 1.5]
)
def test_r16_amounts_must_be_whole_fen_decimals(amount):
    with pytest.raises(ValueError, match="the deposit"):
        refund_schedule(amount, date(2026, 1, 1), EXCHANGE)
    with pytest.raises(ValueError, match="the fees"):
        refund_schedule(Decimal("1.00"), date(2026, 1, 1), EXCHANGE, fees=amount)


def test_r16_an_unknown_way_of_ending_is_refused():
    with pytest.raises(ValueError, match="EndedBy"):
        refund_schedule(Decimal("1.00"), date(2026, 1, 1), EXCHANGE, ended_by="expelled")


@pytest.mark.parametrize(
    "tranches",
    [
        (),
        (RefundTranche(4, Decimal("0.40")),),
        (RefundTranche(6, Decimal("0.60")), RefundTranche(4, Decimal("0.40"))),
        (RefundTranche(4, Decimal("0.50")), RefundTranche(6, Decimal("0.60"))),
    ],
)
def test_r16_a_policy_must_refund_the_whole_deposit_in_order(tranches):
    with pytest.raises(ValueError, match="tranche"):
        RefundPolicy(tranches)


@pytest.mark.parametrize(
    ("months", "share"), [(-1, Decimal("1")), (1, Decimal("0")), (1, Decimal("1.01"))]
)
def test_r16_a_tranche_is_due_after_the_announcement_with_a_share_of_the_deposit(months, share):
    with pytest.raises(ValueError, match="tranche"):
        RefundTranche(months, share)


@given(deposit=deposits, announced=days, policy=policies())
def test_r16_property_the_tranches_add_up_to_the_deposit_to_the_fen(deposit, announced, policy):
    schedule = refund_schedule(deposit, announced, policy)
    assert sum(due.amount for due in schedule) == deposit
    assert all(
        due.amount > 0 and due.amount == due.amount.quantize(Decimal("0.01")) for due in schedule
    )


@given(
    deposit=deposits,
    announced=days,
    policy=policies(),
    fees=deposits,
    ended_by=st.sampled_from(EndedBy),
)
def test_r16_property_due_dates_are_in_order_and_never_before_the_announcement(
    deposit, announced, policy, fees, ended_by
):
    schedule = refund_schedule(deposit, announced, policy, ended_by=ended_by, fees=fees)
    dates = [due.due_on for due in schedule]
    assert dates == sorted(dates)
    assert all(day >= announced for day in dates)
    latest = add_months(announced, policy.tranches[-1].months_after)
    assert all(day <= latest for day in dates)


@given(day=days, months=st.integers(0, 240))
def test_r16_property_add_months_lands_in_the_right_month_clamped_to_its_end(day, months):
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day == day.day or ((moved + timedelta(days=1)).day == 1 and moved.day < day.day)
    assert moved >= day


@given(day=days, first=st.integers(0, 120), second=st.integers(0, 120))
def test_r16_property_add_months_is_monotone(day, first, second):
    low, high = sorted((first, second))
    assert add_months(day, low) <= add_months(day, high)


def test_r16_add_months_refuses_going_back():
    with pytest.raises(ValueError, match="negative"):
        add_months(date(2026, 1, 1), -1)

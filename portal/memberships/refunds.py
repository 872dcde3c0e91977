"""R16: the refund schedule of a risk deposit, computed from a :class:`RefundPolicy`.

Pure date and money arithmetic, no database: the deposit ledger (next issue) stores what
this computes. Two decisions a careful operator would expect, stated once here:

- *Calendar months.* A tranche due ``n`` months after the announcement falls on the same
  day of the month ``n`` months later, or on that month's last day when it is shorter:
  31 October + 4 months is 28 February (29 in a leap year), never 3 March.
- *No fen lost or created.* Every tranche but the last is the deposit times its share,
  rounded *down* to the fen; the last tranche takes whatever is left, so the tranches
  always add up to the deposit exactly and the rounding remainder (at most one fen per
  earlier tranche) is paid with the last one, never early. A tranche that comes to 0.00
  (a tiny deposit) is left out: there is nothing to pay.
- *Fees.* Entry and management fees are not part of the deposit. On revocation they are
  kept unless the policy says ``refund_fees_on_revocation``; when they are refunded, they
  are due at the announcement, since unlike the deposit they secure nothing.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from portal.memberships.policies import EndedBy, RefundPolicy

FEN = Decimal("0.01")


class RefundPart(StrEnum):
    DEPOSIT = "deposit"
    FEES = "fees"


@dataclass(frozen=True)
class RefundDue:
    """One payment of a refund: ``amount`` CNY due on ``due_on`` (store-zone calendar day)."""

    due_on: date
    amount: Decimal
    part: RefundPart = RefundPart.DEPOSIT


def add_months(day: date, months: int) -> date:
    """``day`` moved ``months`` calendar months on, clamped to the end of a shorter month."""
    if months < 0:
        raise ValueError("months cannot be negative")
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _check_money(amount: Decimal, what: str) -> None:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValueError(f"the {what} must be a finite Decimal")
    if amount < 0:
        raise ValueError(f"the {what} cannot be negative")
    if amount != amount.quantize(FEN):
        raise ValueError(f"the {what} is counted in whole fen (two decimal places)")


def refund_schedule(
    deposit: Decimal,
    announced_on: date,
    policy: RefundPolicy,
    *,
    ended_by: EndedBy | str = EndedBy.ANNOUNCEMENT,
    fees: Decimal = Decimal("0.00"),
) -> list[RefundDue]:
    """R16: what is refunded when, once the end of a membership was announced on
    ``announced_on``: the deposit's tranches in the order they fall due, and ``fees``
    (entry and management fees paid) unless a revocation keeps them."""
    _check_money(deposit, "deposit")
    _check_money(fees, "fees")
    ended_by = EndedBy(ended_by)
    schedule: list[RefundDue] = []
    keeps_fees = ended_by is EndedBy.REVOCATION and not policy.refund_fees_on_revocation
    if fees and not keeps_fees:
        schedule.append(RefundDue(announced_on, fees, RefundPart.FEES))
    left = deposit
    *earlier, last = policy.tranches
    for tranche in earlier:
        amount = (deposit * tranche.share).quantize(FEN, rounding=ROUND_DOWN)
        left -= amount
        if amount:
            schedule.append(RefundDue(add_months(announced_on, tranche.months_after), amount))
    if left:
        schedule.append(RefundDue(add_months(announced_on, last.months_after), left))
    return schedule

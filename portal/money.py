"""Money: CNY amounts as ``Decimal`` with two places, never float (``Numeric(14, 2)``)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

#: the largest amount a ``Numeric(14, 2)`` column holds
MAX_AMOUNT = Decimal("999999999999.99")
FEN = Decimal("0.01")


def parse_amount(raw: Decimal | str | int) -> Decimal | None:
    """``raw`` as a positive CNY amount with at most two decimals, or None when it is not one.

    A third decimal is a typing error, not a fen to round away, so it is refused too.
    """
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value <= 0 or value > MAX_AMOUNT:
        return None
    if value != value.quantize(FEN):
        return None
    return value.quantize(FEN)

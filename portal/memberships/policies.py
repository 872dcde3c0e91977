"""What a vertical supplies to the membership engine: rights and obligations per membership
type (R15) and the deposit refund policy (R16), through ``portal_rights_and_obligations``
and ``portal_refund_policy``."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class EndedBy(StrEnum):
    """How a membership ended: the ``ended_by`` argument of ``portal_refund_policy``."""

    MEMBER = "member"  # the member ended it
    ANNOUNCEMENT = "announcement"  # the exchange terminated it by announcement
    REVOCATION = "revocation"  # R21: revoked


@dataclass(frozen=True)
class RightsAndObligations:
    """R15: what a membership type entitles to and binds to; items are translated text."""

    rights: tuple[str, ...]
    obligations: tuple[str, ...]


@dataclass(frozen=True)
class RefundTranche:
    """One part of a deposit refund: ``share`` of the deposit, due ``months_after``
    calendar months after the announcement that the membership ended."""

    months_after: int
    share: Decimal

    def __post_init__(self) -> None:
        if self.months_after < 0:
            raise ValueError("a tranche cannot fall due before the announcement")
        if not Decimal(0) < self.share <= Decimal(1):
            raise ValueError("a tranche's share lies in (0, 1]")


@dataclass(frozen=True)
class RefundPolicy:
    """R16: how a risk deposit is refunded once a membership has ended.

    The exchange's default is ``(RefundTranche(4, Decimal("0.40")), RefundTranche(6,
    Decimal("0.60")))``; on revocation the entry and management fees are kept unless
    ``refund_fees_on_revocation``.
    """

    tranches: tuple[RefundTranche, ...]
    refund_fees_on_revocation: bool = False

    def __post_init__(self) -> None:
        if not self.tranches:
            raise ValueError("a refund policy needs at least one tranche")
        if sum(t.share for t in self.tranches) != Decimal(1):
            raise ValueError("the tranches' shares must add up to the whole deposit")
        months = [t.months_after for t in self.tranches]
        if months != sorted(months):
            raise ValueError("tranches are listed in the order they fall due")


#: with no plugin's policy: the whole deposit back at the announcement (the hookspec's promise)
WHOLE_AT_ANNOUNCEMENT = RefundPolicy((RefundTranche(0, Decimal(1)),))

"""The deposit ledger's balances, derived from insert-only lines (R16, R18)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.memberships.ledger import balance
from portal.memberships.models import EntryKind, LedgerEntry
from portal.memberships.policies import RefundPolicy, RefundTranche
from portal.memberships.refunds import refund_schedule

EXCHANGE = RefundPolicy((RefundTranche(4, Decimal("0.40")), RefundTranche(6, Decimal("0.60"))))
fen = st.integers(1, 10**9).map(lambda n: Decimal(n).scaleb(-2))


def line(id_: int, kind: EntryKind, amount: Decimal, **fields) -> LedgerEntry:
    return LedgerEntry(id=id_, kind=kind, amount=amount, **fields)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a shared CI machine
@given(deposit=fen, offset_share=st.integers(0, 100), pay_first=st.booleans())
def test_r16_held_deposit_is_received_minus_paid_offset_and_comes_to_zero_when_all_is_paid(
    deposit, offset_share, pay_first
):
    entries = [line(1, EntryKind.DEPOSIT_RECEIVED, deposit)]
    for i, due in enumerate(refund_schedule(deposit, date(2026, 11, 30), EXCHANGE), start=2):
        entries.append(
            line(i, EntryKind.REFUND_SCHEDULED, due.amount, part="deposit", due_on=due.due_on)
        )
    tranches = [e for e in entries if e.kind == EntryKind.REFUND_SCHEDULED]
    next_id = len(entries) + 1
    if pay_first:  # the 40% is paid before the compensation decision
        entries.append(
            line(
                next_id,
                EntryKind.REFUND_PAID,
                tranches[0].amount,
                part="deposit",
                tranche_id=tranches[0].id,
            )
        )
        next_id += 1
    held = balance(entries).deposit_held
    offset = (held * offset_share / 100).quantize(Decimal("0.01"))
    if offset:
        entries.append(line(next_id, EntryKind.OFFSET, offset, part="deposit"))
        next_id += 1
    after_offset = balance(entries)
    assert after_offset.deposit_held == held - offset
    assert after_offset.refunds_unpaid == after_offset.deposit_held  # never promises more
    for tranche in after_offset.tranches:
        if tranche.paid is None and tranche.outstanding:
            entries.append(
                line(
                    next_id,
                    EntryKind.REFUND_PAID,
                    tranche.outstanding,
                    part="deposit",
                    tranche_id=tranche.entry.id,
                )
            )
            next_id += 1
    final = balance(entries)
    assert final.deposit_held == Decimal("0.00")
    assert final.refunds_unpaid == Decimal("0.00")
    assert final.deposit_received == deposit


def test_r16_forfeited_fees_do_not_touch_the_deposit():
    entries = [
        line(1, EntryKind.ENTRY_FEE, Decimal("5000.00")),
        line(2, EntryKind.DEPOSIT_RECEIVED, Decimal("100000.00")),
        line(3, EntryKind.FORFEITED, Decimal("5000.00"), part="fees"),
    ]
    result = balance(entries)
    assert (result.fees_paid, result.fees_forfeited, result.deposit_held) == (
        Decimal("5000.00"),
        Decimal("5000.00"),
        Decimal("100000.00"),
    )

"""The fee and deposit ledger of a membership (R16): insert-only lines, derived balances.

Held deposit = received - refunds paid - offsets - forfeited (of the deposit). A refund
tranche is scheduled at the end's announcement; an offset written after that shrinks the
unpaid tranches, the latest first, so the tranches never promise money the deposit no
longer holds. A tranche is paid once: a unique index on the payment's ``tranche_id``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from portal import clock
from portal.accounts.models import User
from portal.accounts.permissions import Action, require, stores_in_scope
from portal.audit.services import record
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.i18n import zone_of
from portal.memberships.models import EntryKind, LedgerEntry, Membership
from portal.memberships.policies import EndedBy
from portal.memberships.refunds import RefundPart, refund_schedule
from portal.memberships.services import refund_policy
from portal.money import parse_amount
from portal.pagination import Page, SortKey, paginate

ZERO = Decimal("0.00")
FEE_KINDS = (EntryKind.ENTRY_FEE, EntryKind.MANAGEMENT_FEE)
#: what finance records as received
RECEIPT_KINDS = (*FEE_KINDS, EntryKind.DEPOSIT_RECEIVED)


@dataclass(frozen=True)
class Tranche:
    """A scheduled refund with what is left of it after later offsets, and its payment."""

    entry: LedgerEntry
    outstanding: Decimal
    paid: LedgerEntry | None = None


@dataclass(frozen=True)
class Balance:
    deposit_received: Decimal = ZERO
    deposit_held: Decimal = ZERO
    fees_paid: Decimal = ZERO
    fees_forfeited: Decimal = ZERO
    offsets: Decimal = ZERO
    refunds_paid: Decimal = ZERO
    #: scheduled and not yet paid (after offsets)
    refunds_unpaid: Decimal = ZERO
    tranches: tuple[Tranche, ...] = field(default_factory=tuple)


def _is_deposit(entry: LedgerEntry) -> bool:
    return entry.part in (None, RefundPart.DEPOSIT)


def tranches(entries: Sequence[LedgerEntry]) -> list[Tranche]:
    """Pure: the scheduled refunds in the order the lines were written, each with its
    outstanding amount. An offset reduces the deposit tranches unpaid at its time, latest
    due first; a payment settles what was outstanding when it was made."""
    outstanding: dict[int, Decimal] = {}
    paid: dict[int, LedgerEntry] = {}
    order: list[LedgerEntry] = []
    for entry in sorted(entries, key=lambda e: e.id):
        if entry.kind == EntryKind.REFUND_SCHEDULED:
            outstanding[entry.id] = entry.amount
            order.append(entry)
        elif entry.kind == EntryKind.REFUND_PAID and entry.tranche_id is not None:
            paid[entry.tranche_id] = entry
            outstanding[entry.tranche_id] = ZERO
        elif entry.kind == EntryKind.OFFSET:
            left = entry.amount
            for tranche in sorted(order, key=lambda t: (t.due_on, t.id), reverse=True):
                if left <= 0:
                    break
                if tranche.id in paid or not _is_deposit(tranche):
                    continue
                taken = min(left, outstanding[tranche.id])
                outstanding[tranche.id] -= taken
                left -= taken
    return [Tranche(e, outstanding[e.id], paid.get(e.id)) for e in order]


def balance(entries: Sequence[LedgerEntry]) -> Balance:
    """Pure: every balance of a membership, summed from its ledger lines (R16)."""

    def total(kinds: Iterable[EntryKind], deposit: bool | None = None) -> Decimal:
        wanted = {str(k) for k in kinds}
        return sum(
            (
                e.amount
                for e in entries
                if e.kind in wanted and (deposit is None or _is_deposit(e) == deposit)
            ),
            ZERO,
        )

    received = total([EntryKind.DEPOSIT_RECEIVED])
    paid = total([EntryKind.REFUND_PAID], deposit=True)
    offsets = total([EntryKind.OFFSET])
    forfeited = total([EntryKind.FORFEITED], deposit=True)
    planned = tuple(tranches(entries))
    return Balance(
        deposit_received=received,
        deposit_held=received - paid - offsets - forfeited,
        fees_paid=total(FEE_KINDS),
        fees_forfeited=total([EntryKind.FORFEITED], deposit=False),
        offsets=offsets,
        refunds_paid=total([EntryKind.REFUND_PAID]),
        refunds_unpaid=sum((t.outstanding for t in planned if t.paid is None), ZERO),
        tranches=planned,
    )


def entries_of(session: Session, membership: Membership) -> list[LedgerEntry]:
    return list(
        session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.membership_id == membership.id)
            .order_by(LedgerEntry.id)
        )
    )


def balance_of(session: Session, membership: Membership) -> Balance:
    return balance(entries_of(session, membership))


def _line(
    session: Session,
    membership: Membership,
    kind: EntryKind,
    amount: Decimal,
    *,
    actor: User,
    part: RefundPart | None = None,
    due_on: date | None = None,
    tranche_id: int | None = None,
    note: str | None = None,
    source: str | None = None,
    idempotency_key: str | None = None,
) -> LedgerEntry:
    entry = LedgerEntry(
        membership_id=membership.id,
        store_id=membership.store_id,
        kind=kind,
        amount=amount,
        part=part,
        due_on=due_on,
        tranche_id=tranche_id,
        note=(note or "").strip()[:500] or None,
        source=(source or None) and source[:64],
        recorded_by_id=actor.id,
        recorded_at=clock.now(),
        idempotency_key=idempotency_key,
    )
    session.add(entry)
    session.flush()
    return entry


def _audit(session: Session, actor: User, entry: LedgerEntry, before: Balance) -> None:
    record(
        session,
        actor=actor,
        action=f"membership.ledger.{entry.kind}",
        object_type="membership",
        object_id=entry.membership_id,
        store_id=entry.store_id,
        before={"deposit_held": str(before.deposit_held)},
        after={**entry.as_dict(), "entry_id": entry.id},
    )


def _replayed(
    session: Session, key: str | None, membership: Membership, kind: str
) -> LedgerEntry | None:
    """The line a retry with the same ``Idempotency-Key`` already wrote; a key reused for
    something else is a Conflict."""
    if key is None:
        return None
    entry = session.scalar(select(LedgerEntry).where(LedgerEntry.idempotency_key == key))
    if entry is not None and (entry.membership_id != membership.id or entry.kind != kind):
        raise Conflict(_l("This Idempotency-Key was already used for another request."))
    return entry


def record_receipt(
    session: Session,
    *,
    actor: User,
    membership: Membership,
    kind: EntryKind,
    amount: Decimal | str,
    note: str | None = None,
    idempotency_key: str | None = None,
) -> LedgerEntry:
    """Finance records a fee or the risk deposit as received (R16)."""
    require(actor, Action.MANAGE_DEPOSITS, membership, hide=True)
    if kind not in RECEIPT_KINDS:
        raise ValidationFailed.single("kind", _l("Choose a fee or the risk deposit."))
    value = parse_amount(amount)
    if value is None:
        raise ValidationFailed.single(
            "amount", _l("Enter a positive amount in yuan with at most two decimals.")
        )
    replay = _replayed(session, idempotency_key, membership, kind)
    if replay is not None:
        return replay
    if membership.decision != "approved" or membership.ended_on is not None:
        raise Conflict(_l("Payments are recorded for approved memberships that have not ended."))
    before = balance_of(session, membership)
    entry = _line(
        session, membership, kind, value, actor=actor, note=note, idempotency_key=idempotency_key
    )
    _audit(session, actor, entry, before)
    return entry


def schedule_refunds(
    session: Session,
    membership: Membership,
    *,
    announced_on: date,
    ended_by: EndedBy,
    actor: User,
    source: str | None,
) -> list[LedgerEntry]:
    """R16: the refund schedule of the deposit held at the announcement, from the type's
    refund policy; fees paid are forfeited on revocation unless the policy refunds them.
    The caller authorizes (the end of the membership)."""
    before = balance_of(session, membership)
    policy = refund_policy(membership.type.code, ended_by)
    written: list[LedgerEntry] = []
    for due in refund_schedule(
        before.deposit_held, announced_on, policy, ended_by=ended_by, fees=before.fees_paid
    ):
        written.append(
            _line(
                session,
                membership,
                EntryKind.REFUND_SCHEDULED,
                due.amount,
                actor=actor,
                part=due.part,
                due_on=due.due_on,
                source=source,
            )
        )
    refunds_fees = any(e.part == RefundPart.FEES for e in written)
    if ended_by is EndedBy.REVOCATION and before.fees_paid and not refunds_fees:
        written.append(
            _line(
                session,
                membership,
                EntryKind.FORFEITED,
                before.fees_paid,
                actor=actor,
                part=RefundPart.FEES,
                note="R16",
                source=source,
            )
        )
    for entry in written:
        _audit(session, actor, entry, before)
    return written


def offset(
    session: Session,
    membership: Membership,
    *,
    amount: Decimal,
    actor: User,
    reason: str,
    source: str | None,
) -> LedgerEntry:
    """A compensation paid from the deposit; at most the deposit held. The caller authorizes."""
    value = parse_amount(amount)
    if value is None:
        raise ValidationFailed.single(
            "amount", _l("Enter a positive amount in yuan with at most two decimals.")
        )
    before = balance_of(session, membership)
    if value > before.deposit_held:
        raise Conflict(_l("The deposit holds only %(held)s yuan.", held=str(before.deposit_held)))
    entry = _line(
        session,
        membership,
        EntryKind.OFFSET,
        value,
        actor=actor,
        part=RefundPart.DEPOSIT,
        note=reason,
        source=source,
    )
    _audit(session, actor, entry, before)
    return entry


def get_tranche(session: Session, *, actor: User, tranche_id: int) -> LedgerEntry:
    entry = session.get(LedgerEntry, tranche_id)
    if entry is None or entry.kind != EntryKind.REFUND_SCHEDULED:
        raise NotFound(_l("No such refund."))
    require(actor, Action.MANAGE_DEPOSITS, entry, hide=True)
    return entry


def mark_paid(
    session: Session,
    *,
    actor: User,
    tranche: LedgerEntry,
    idempotency_key: str | None = None,
) -> LedgerEntry:
    """Finance marks a scheduled refund paid, for what is outstanding of it. Paid once: of
    two people marking it at once, one writes the payment and the other gets 409."""
    require(actor, Action.MANAGE_DEPOSITS, tranche, hide=True)
    membership = session.get(Membership, tranche.membership_id)
    assert membership is not None  # a ledger line always belongs to a membership
    replay = _replayed(session, idempotency_key, membership, EntryKind.REFUND_PAID)
    if replay is not None:
        if replay.tranche_id != tranche.id:
            raise Conflict(_l("This Idempotency-Key was already used for another request."))
        return replay
    before = balance_of(session, membership)
    state = next(t for t in before.tranches if t.entry.id == tranche.id)
    if state.paid is not None:
        raise Conflict(_l("This refund was already paid."))
    if state.outstanding <= 0:
        raise Conflict(_l("Nothing is left of this refund after the offsets."))
    try:
        with session.begin_nested():
            entry = _line(
                session,
                membership,
                EntryKind.REFUND_PAID,
                state.outstanding,
                actor=actor,
                part=RefundPart(tranche.part or RefundPart.DEPOSIT),
                tranche_id=tranche.id,
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        raise Conflict(_l("This refund was already paid.")) from None
    _audit(session, actor, entry, before)
    return entry


def _unpaid() -> Select[tuple[LedgerEntry]]:
    payment = aliased(LedgerEntry)
    return select(LedgerEntry).where(
        LedgerEntry.kind == EntryKind.REFUND_SCHEDULED,
        ~exists().where(
            and_(payment.tranche_id == LedgerEntry.id, payment.kind == EntryKind.REFUND_PAID)
        ),
    )


def refunds_due(
    session: Session,
    *,
    actor: User,
    within_days: int,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[LedgerEntry]:
    """Unpaid scheduled refunds falling due within ``within_days`` from today (overdue ones
    included), in the actor's stores (none without MANAGE_DEPOSITS), earliest first."""
    horizon = clock.now().astimezone(zone_of(None)).date() + timedelta(days=within_days)
    query = _unpaid().where(LedgerEntry.due_on <= horizon)
    stores = stores_in_scope(actor, Action.MANAGE_DEPOSITS)
    if stores is not None:
        query = query.where(LedgerEntry.store_id.in_(stores))
    return paginate(
        session,
        query,
        order=[SortKey(LedgerEntry.due_on), SortKey(LedgerEntry.id)],
        cursor=cursor,
        limit=limit,
    )

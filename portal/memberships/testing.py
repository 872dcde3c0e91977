"""Factories for tests and demo data of memberships: ``dummy_type`` (the exchange's member
type of a store) and ``active_membership`` (applied, approved and paid for). Plain
functions, so every test module and the demo code can call them without a conftest."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.members.models import Member
from portal.memberships import ledger, lifecycle, types
from portal.memberships.models import EntryKind, Membership, MembershipType
from portal.stores.models import Store

#: the exchange plugin's type code; its hooks supply the terms and the 40/60 refund policy
EXCHANGE_MEMBER = "exchange.member"


def dummy_type(
    session: Session,
    *,
    admin: User,
    store: Store,
    code: str = EXCHANGE_MEMBER,
    deposit: str = "100000.00",
) -> MembershipType:
    return types.create_type(
        session,
        actor=admin,
        data=types.TypeData(
            code=code,
            store_id=store.id,
            name_en="Exchange member unit",
            name_zh="交易所会员单位",
            entry_fee="5000.00",
            management_fee="2000.00",
            risk_deposit=deposit,
        ),
    )


def active_membership(
    session: Session,
    *,
    member: Member,
    mtype: MembershipType,
    reviewer: User,
    finance: User | None = None,
    starts_on: date | None = None,
) -> Membership:
    """A membership the member applied for and ``reviewer`` approved; with ``finance``,
    its entry fee, management fee and risk deposit are recorded as received."""
    assert member.user is not None
    membership = lifecycle.apply(session, actor=member.user, member=member, membership_type=mtype)
    lifecycle.decide(
        session, actor=reviewer, membership=membership, approve=True, starts_on=starts_on
    )
    if finance is not None:
        for kind, amount in (
            (EntryKind.ENTRY_FEE, mtype.entry_fee),
            (EntryKind.MANAGEMENT_FEE, mtype.management_fee),
            (EntryKind.DEPOSIT_RECEIVED, mtype.risk_deposit),
        ):
            if amount > Decimal(0):
                ledger.record_receipt(
                    session, actor=finance, membership=membership, kind=kind, amount=amount
                )
    return membership

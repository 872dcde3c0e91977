"""Demo data of the restaurant vertical, added on top of the core's demo (``make run``).

At XA01, as ``staff.xa`` (李娜): a customer with two visits this month (a VIP candidate
with a "Start VIP file" button for her), one with a visit this month and one last month
(not a candidate), and a visit with an amount for each approved VIP of hers (recorded
as VIP consumption, R5). Everything goes through the services, so it passes the rules.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import clock
from portal.accounts.models import User
from portal.members.models import Member
from portal.stores.models import Store
from portal.vip import services as vip
from portal.vip.models import VipFile, VipStatus
from portal_restaurant import months, services
from portal_restaurant.services import VisitData

STORE = "XA01"
STAFF = "staff.xa"


def _visit(
    at: datetime,
    source: str,
    party: int,
    table: str,
    *,
    amount: Decimal | None = None,
    reference: str | None = None,
) -> VisitData:
    return VisitData(
        visited_at=at,
        source=source,
        party_size=party,
        table_label=table,
        amount=amount,
        reservation_ref=reference,
    )


def add_demo_visits(session: Session) -> int:
    """Record the demo's visits; returns how many. Nothing when XA01 or 李娜 are missing."""
    store = session.scalar(select(Store).where(Store.code == STORE))
    staff = session.scalar(select(User).where(User.login == STAFF))
    if store is None or staff is None:
        return 0
    now = clock.now()
    month_start = months.month_bounds(months.month_of(now, store.zone), store.zone)[0]
    filed = select(VipFile.member_id)
    customers = list(
        session.scalars(
            select(Member)
            .where(
                Member.store_id == store.id,
                Member.referrer_id == staff.id,
                Member.id.not_in(filed),
            )
            .order_by(Member.id)
            .limit(2)
        )
    )
    # this month's visits lie between the month's start and now, whatever today is
    early, late = (month_start + (now - month_start) * share for share in (0.3, 0.7))
    plan: list[tuple[Member, VisitData]] = []
    if customers:
        plan += [
            (customers[0], _visit(early, "reservation", 4, "牡丹厅", reference="R-DEMO-1")),
            (customers[0], _visit(late, "walk_in", 2, "A12")),
        ]
    if len(customers) > 1:
        plan += [
            (customers[1], _visit(late, "walk_in", 3, "B3")),
            (customers[1], _visit(month_start - timedelta(days=5), "reservation", 6, "牡丹厅")),
        ]
    approved = session.scalars(
        select(VipFile).where(
            VipFile.store_id == store.id,
            VipFile.referrer_id == staff.id,
            VipFile.status == VipStatus.APPROVED,
        )
    )
    for file in list(approved):
        if vip.approved_file_of(session, file.member) is not None:
            at = now - timedelta(hours=2)
            plan.append((file.member, _visit(at, "reservation", 2, "C8", amount=Decimal("368.00"))))
    for member, data in plan:
        services.record_visit(session, actor=staff, member=member, data=data)
    return len(plan)

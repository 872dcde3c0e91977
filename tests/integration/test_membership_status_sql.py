"""The lists' SQL status filter and the Python status computation are one rule (R15, R18):
for memberships in every state, on every day around their events, each membership is
listed under exactly the status ``status_of`` gives it, on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.memberships import lifecycle
from portal.memberships.listing import status_condition
from portal.memberships.models import Membership
from portal.memberships.policies import EndedBy
from portal.memberships.status import MembershipStatus
from portal.memberships.testing import active_membership, dummy_type


def test_every_membership_is_listed_under_the_status_it_computes_to(
    db_session, admin, hq_service, compliance, make_member, dummy_store
):
    mtype = dummy_type(db_session, admin=admin, store=dummy_store)

    def firm(n: int):
        return make_member(
            full_name=f"会员单位{'甲乙丙丁戊己庚辛'[n - 1]}", mobile=f"1380013{n:04d}"
        )

    first = firm(1)
    applied = lifecycle.apply(db_session, actor=first.user, member=first, membership_type=mtype)
    second = firm(2)
    rejected = lifecycle.apply(db_session, actor=second.user, member=second, membership_type=mtype)
    lifecycle.decide(
        db_session, actor=hq_service, membership=rejected, approve=False, reason="材料不全"
    )
    active = active_membership(db_session, member=firm(3), mtype=mtype, reviewer=hq_service)
    today = lifecycle.today(active)
    later = active_membership(
        db_session,
        member=firm(4),
        mtype=mtype,
        reviewer=hq_service,
        starts_on=today + timedelta(days=3),
    )
    suspended = active_membership(db_session, member=firm(5), mtype=mtype, reviewer=hq_service)
    lifecycle.suspend(
        db_session,
        suspended,
        starts_on=today + timedelta(days=1),
        ends_on=today + timedelta(days=2),
        actor=compliance,
        reason="暂停两日",
        source="test",
    )
    for n, ended_by in enumerate(EndedBy, start=6):
        ending = active_membership(db_session, member=firm(n), mtype=mtype, reviewer=hq_service)
        if ended_by is EndedBy.MEMBER:
            lifecycle.request_end(
                db_session, actor=ending.member.user, membership=ending, reason="退出"
            )
        lifecycle.announce_end(
            db_session,
            actor=hq_service,
            membership=ending,
            notice=lifecycle.EndNotice(today + timedelta(days=1), ended_by, "公告"),
        )
    db_session.commit()

    memberships = list(db_session.scalars(select(Membership)))
    assert applied in memberships
    assert later in memberships
    period_end = active.periods[-1].ends_on
    days = [today + timedelta(days=d) for d in range(-1, 5)]
    days += [period_end, period_end + timedelta(days=1)]
    seen: set[MembershipStatus] = set()
    for day in days:
        for status in MembershipStatus:
            listed = set(
                db_session.scalars(select(Membership.id).where(status_condition(status, day)))
            )
            computed = {m.id for m in memberships if lifecycle.status_of(m, day) is status}
            assert listed == computed, (day, status)
            seen |= {status} if computed else set()
    assert seen == set(MembershipStatus)

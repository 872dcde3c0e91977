"""Demo data of the renovation vertical, added on top of the core's demo (``make run``).

At XA01, as the desk ``staff.xa`` (李娜) and the manager ``manager.xa`` (陈立华): a repair
with its supervisor ``staff.xa2`` and an agreed time, one sent to a vendor with a repair
notice, one whose supervisor has left (``staff.xa.left``) with the 48-hour promise
running; a serious complaint, its second complaint escalated and closed with the
customer's confirmation, waiting for the revisit, and a penalty notice; classed customers
with their responsible persons and a follow-up; two delivered projects, one revisit due.
Everything goes through the services, so it passes the rules.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import clock
from portal.accounts.models import User
from portal.members.models import Member
from portal.stores.models import Store
from portal_renovation import checks, followups, revisits, services
from portal_renovation.months import add_months

STORE = "XA01"


def _user(session: Session, login: str) -> User | None:
    return session.scalar(select(User).where(User.login == login))


def add_demo_data(session: Session) -> int:
    """Add the demo's cases, classes and projects; returns how many cases. Nothing when
    the core's XA01 people are missing."""
    store = session.scalar(select(Store).where(Store.code == STORE))
    desk, manager, supervisor, departed = (
        _user(session, login) for login in ("staff.xa", "manager.xa", "staff.xa2", "staff.xa.left")
    )
    if store is None or desk is None or manager is None or supervisor is None:
        return 0
    customers = list(
        session.scalars(
            select(Member).where(Member.store_id == store.id).order_by(Member.id).limit(4)
        )
    )
    if len(customers) < 2:
        return 0
    first, second = customers[0], customers[1]

    def case(member: Member, **fields: str) -> services.RenovationCase:
        data = {
            "store_id": store.id,
            "member_id": member.id,
            "kind": "repair",
            "channel": "call",
            "severity": "normal",
            **fields,
        }
        return services.log_case(session, actor=desk, data=services.NewCase(**data))

    booked = case(first, subject="卫生间地漏返味", description="客户来电 卫生间地漏有异味")
    services.route_repair(
        session, actor=desk, case=booked, responsible="supervisor", supervisor_id=supervisor.id
    )
    services.record_appointment(
        session, actor=supervisor, case=booked, appointment_at=clock.now() + timedelta(days=1)
    )
    vendor = case(second, subject="橱柜门铰链松动", description="客户来函 橱柜门下垂")
    services.route_repair(
        session,
        actor=desk,
        case=vendor,
        responsible="vendor",
        vendor_name="欧派橱柜西安售后",
        repair_work="更换两扇橱柜门的铰链",
    )
    if departed is not None:
        promised = case(first, subject="木地板起拱", description="客户来访 卧室木地板起拱")
        services.route_repair(
            session, actor=desk, case=promised, responsible="supervisor", supervisor_id=departed.id
        )
    complaint = case(
        second,
        kind="complaint",
        channel="visit",
        severity="serious",
        subject="施工噪音扰民",
        description="客户到店投诉 周末早上七点开始施工",
        department="工程部",
    )
    again = case(
        second,
        kind="complaint",
        subject="施工噪音仍未解决",
        description="客户再次来电 噪音问题没有改善",
        earlier_number=complaint.number,
    )
    services.close_case(
        session,
        actor=manager,
        case=again,
        resolution="施工时间调整为工作日9点至18点 并向楼下邻居致歉",
        confirmed_by=second.full_name,
        method="signed",
    )
    services.issue_penalty(
        session,
        actor=manager,
        case=complaint,
        employee_id=supervisor.id,
        reason="未按约定时间施工 引起客户二次投诉",
        measure="书面警告",
    )
    _service_rhythm(session, store, customers, desk=desk, manager=manager, other=supervisor)
    session.flush()
    return 4 + (departed is not None)


def _service_rhythm(
    session: Session,
    store: Store,
    customers: list[Member],
    *,
    desk: User,
    manager: User,
    other: User,
) -> None:
    """R11 classes, responsible persons and a follow-up; R12 projects, one revisit due."""
    for klass, region, person in (("A", "高新区", desk), ("B", "", other), ("C", "", other)):
        followups.set_lead(
            session,
            actor=manager,
            store_id=store.id,
            region=region,
            customer_class=klass,
            user_id=person.id,
        )
    for member, klass, region in zip(
        customers, ("A", "B", "C", "A"), ("高新区", "", "", ""), strict=False
    ):
        followups.class_customer(
            session, actor=desk, member_id=member.id, customer_class=klass, region=region
        )
    today = checks.local_today(store, clock.now())
    followups.record_follow_up(
        session,
        actor=desk,
        member_id=customers[0].id,
        followed_up_on=today - timedelta(days=3),
        channel="call",
        note="电话回访 客户对售后维修满意",
    )
    revisits.register_project(
        session,
        actor=desk,
        member_id=customers[0].id,
        name="高新花园 5-2-801",
        delivered_on=add_months(today, -1) - timedelta(days=2),
        responsible_id=desk.id,
    )
    older = revisits.register_project(
        session,
        actor=desk,
        member_id=customers[1].id,
        name="曲江池畔 3-1-1201",
        delivered_on=add_months(today, -14),
        responsible_id=other.id,
    )
    revisits.record_revisit(
        session,
        actor=other,
        project=older,
        visited_on=today - timedelta(days=20),
        score=4,
        note="墙面有细微裂缝 已安排修补",
    )

"""One world of objects and the people who act on them, for tests that walk every route.

``build_world(session)`` creates two stores, one person per role (store roles bound to the
first store, head-office roles store-less), a member with a login and a second member of
the other store, and one object of every kind a URL names (core and bundled plugins), so a
test can fill every rule's arguments from ``World.ids``; ``ARGUMENTS`` and its blueprint and
endpoint overrides say which id fills which URL argument. Plain functions: a module- or
session-scoped fixture can build it once, unlike the function-scoped factories of
``portal.testing.fixtures``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import RoleGrant, User
from portal.accounts.operator import ShellOperator
from portal.accounts.roles import Role
from portal.accounts.services import NewAccount, create_account, grant_role, issue_api_token
from portal.compliance import appeals, cases, decisions
from portal.members import ownership
from portal.members.models import Member, OwnershipConflict
from portal.members.services import Registration, register_member
from portal.memberships import lifecycle
from portal.memberships.testing import active_membership, dummy_type
from portal.notifications import services as notifications
from portal.notifications.models import Channel
from portal.openings import services as openings
from portal.sla import services as sla
from portal.spotchecks import services as spotchecks
from portal.stores.models import Store
from portal.stores.services import StoreData, create_store
from portal.testing.fixtures import PASSWORD, START
from portal.vip import services as vip
from portal.vip.models import VipFile
from portal.vip.testing import ID_NUMBERS, complete_values, dummy_customer, dummy_vip_file

_SETUP = ShellOperator("test-setup")

#: URL argument (``app.url_map``) -> the world's id it is filled with, unless the blueprint
#: or the endpoint says otherwise
ARGUMENTS = {
    "member_id": "member",
    "store_id": "store",
    "user_id": "user",
    "grant_id": "grant",
    "notification_id": "notification",
    "case_id": "case",
    "file_id": "file",
    "stage": "stage",
    "request_id": "request",
    "check_id": "check",
    "item_id": "item",
    "leave_id": "leave",
    "task_id": "task",
    "name": "plugin",
    "membership_id": "membership",
    "step_name": "step",
    "entry_id": "entry",
    "type_id": "membership_type",
    "attachment_id": "attachment",
    "notice_id": "notice",
    "appeal_id": "appeal",
    "visit_id": "visit",
    "penalty_id": "penalty",
    "project_id": "project",
    "integration_id": "integration",
    "token_id": "integration_token",
}
_COMPLIANCE = {"case_id": "compliance_case"}
_RENOVATION = {"case_id": "renovation_case", "member_id": "customer"}
#: blueprints whose arguments name other objects than the default
BLUEPRINT_ARGUMENTS = {
    "compliance": _COMPLIANCE,
    "compliance_api": _COMPLIANCE,
    "renovation": _RENOVATION,
    "renovation_api": _RENOVATION,
    "renovation_service": _RENOVATION,
    "renovation_service_api": _RENOVATION,
    "restaurant": {"member_id": "customer"},
}
#: endpoints whose arguments name other objects than their blueprint's
ENDPOINT_ARGUMENTS = {
    # R9: the departing employee is the staff member who refers the customers
    "ownership.handover_referrer": {"user_id": "staff"},
    "renovation.show_repair_notice": {"case_id": "repair_case"},
    "renovation.download_repair_notice": {"case_id": "repair_case"},
    "vip.record_consumption": {"file_id": "approved_file"},
    "vip_api.record_consumption": {"file_id": "approved_file"},
    # the answers that end a request each get a request of their own
    "openings.open_account": {"request_id": "request_to_open"},
    "openings_api.open_account": {"request_id": "request_to_open_api"},
    "openings.reject_request": {"request_id": "request_to_reject"},
    "openings_api.reject_request": {"request_id": "request_to_reject_api"},
    "openings.cancel_request": {"request_id": "request_to_cancel"},
    "openings_api.cancel_request": {"request_id": "request_to_cancel_api"},
}


@dataclass
class World:
    """The people (by name) and the ids every URL argument is filled from."""

    store: Store
    other_store: Store
    people: dict[str, User]
    ids: dict[str, Any] = field(default_factory=dict)

    def token(self, session: Session, person: str) -> dict[str, str]:
        """Headers with a fresh bearer token of ``person``."""
        plain, _token = issue_api_token(session, user=self.people[person], name="world", days=1)
        session.commit()
        return {"Authorization": f"Bearer {plain}"}


def new_store(session: Session, code: str, name: str) -> Store:
    store = create_store(session, actor=_SETUP, data=StoreData(code=code, name=name))  # type: ignore[arg-type]
    session.flush()
    return store


def new_user(
    session: Session,
    login: str,
    role: Role | None = None,
    store: Store | None = None,
    **fields: Any,
) -> User:
    """A staff account with at most one grant, bound to ``store`` when given."""
    user = create_account(
        session,
        actor=_SETUP,  # type: ignore[arg-type]
        data=NewAccount(
            login=login,
            display_name=fields.pop("display_name", login.title()),
            password=PASSWORD,
            **fields,
        ),
    )
    if role is not None:
        grant_role(session, actor=_SETUP, user=user, role=role, store=store)  # type: ignore[arg-type]
    session.flush()
    return user


def new_member(session: Session, store: Store, full_name: str, mobile: str) -> Member:
    """A self-registered member (R1) with a login, ``member.user``."""
    member = register_member(
        session,
        data=Registration(
            full_name=full_name,
            mobile=mobile,
            store_id=store.id,
            password=PASSWORD,
            consent=True,
        ),
        terms_version="test",
    )
    session.flush()
    return member


def build_world(session: Session) -> World:
    """Every kind of object once, in the first store unless said otherwise; commits."""
    store = new_store(session, "XA01", "西安高新店")
    other_store = new_store(session, "BJ01", "北京朝阳店")
    people = {
        "admin": new_user(session, "admin", Role.ADMIN),
        "staff": new_user(session, "staff", Role.STAFF, store),
        "manager": new_user(session, "manager", Role.STORE_MANAGER, store),
        "hq_service": new_user(session, "hq.service", Role.HQ_SERVICE),
        "hq_head": new_user(session, "hq.head", Role.HQ_HEAD),
        "compliance": new_user(session, "compliance", Role.COMPLIANCE),
        "finance": new_user(session, "finance", Role.FINANCE),
        "other_manager": new_user(session, "other.manager", Role.STORE_MANAGER, other_store),
        "li": new_user(session, "li.na", Role.STAFF, store, display_name="李娜"),
    }
    clerk = new_user(session, "clerk", Role.STAFF, other_store)
    member = new_member(session, store, "王建国", "13800138000")
    other_member = new_member(session, other_store, "刘洋", "13300133000")
    people["member"] = member.user
    people["other_member"] = other_member.user
    world = World(store=store, other_store=other_store, people=people)
    world.ids.update(
        {
            "member": member.id,
            "other_member": other_member.id,
            "store": store.id,
            "user": clerk.id,
            "staff": people["staff"].id,
            "manager": people["manager"].id,
            "li": people["li"].id,
            "plugin": "restaurant",  # a bundled plugin; a name, not an id
        }
    )
    _vip_lifecycle(session, world)
    _memberships_and_compliance(session, world, member)
    _plugin_objects(session, world)
    _integration(session, world)
    grant = session.scalar(select(RoleGrant).where(RoleGrant.user_id == clerk.id))
    assert grant is not None
    world.ids["grant"] = grant.id
    session.commit()
    return world


def _customer_with_file(
    session: Session,
    staff: User,
    store: int,
    full_name: str,
    mobile: str,
    id_number: str,
    *,
    submit: bool = True,
) -> tuple[Member, VipFile]:
    """A customer referred by ``staff`` with a complete VIP file, submitted or a draft."""
    customer = dummy_customer(session, staff, store_id=store, full_name=full_name, mobile=mobile)
    values = complete_values(full_name=full_name, mobile=mobile, id_number=id_number)
    return customer, dummy_vip_file(session, staff, customer, values=values, submit=submit)


def _vip_lifecycle(session: Session, world: World) -> None:
    """Customers referred by ``staff`` (R8): a submitted file with its review task (R5), an
    ownership conflict, a complete draft (R4), an approved file drawn in a spot check (R7),
    an account request (R6), leave with a deputy, and an unread message of the admin."""
    staff, manager, li = (world.people[n] for n in ("staff", "manager", "li"))
    store = world.store.id
    customer = dummy_customer(session, staff, store_id=store, mobile="13900139000")
    file = dummy_vip_file(session, staff, customer)
    conflict = ownership.enter_customer(
        session, actor=li, store_id=store, full_name="王建国", mobile="13900139000"
    )
    assert isinstance(conflict, OwnershipConflict), conflict
    draft_customer, draft_file = _customer_with_file(
        session, staff, store, "李秀英", "13700137000", ID_NUMBERS[1], submit=False
    )
    approved_customer, approved_file = _customer_with_file(
        session, staff, store, "张伟", "13600136000", ID_NUMBERS[3]
    )
    vip.approve(session, actor=manager, file=approved_file)
    fresh_customer = dummy_customer(
        session, staff, store_id=store, full_name="赵敏", mobile="13500135000"
    )
    check = spotchecks.draw_sample(
        session, actor=world.people["hq_service"], store_id=store, size=1
    )
    request, *to_end = (
        openings.request_account(
            session,
            actor=manager,
            store_id=store,
            for_staff_id=staff.id,
            purpose=f"第{n}个专属账户",
        )
        for n in range(1, 8)
    )
    leave = sla.record_leave(
        session,
        actor=manager,
        user=manager,
        starts_at=START + timedelta(days=7),
        ends_at=START + timedelta(days=9),
        deputy=li,
        reason="Annual leave",
    )
    (notification,) = notifications.notify(
        session,
        kind="vip.approved",
        params={"name": "王建国"},
        key="world:1",
        user=world.people["admin"],
        channels=[Channel.PORTAL],
    )
    session.flush()
    world.ids.update(
        {
            "customer": customer.id,
            "file": file.id,
            "task": vip.task_of(session, file).id,
            "case": conflict.id,
            "draft_customer": draft_customer.id,
            "draft_file": draft_file.id,
            "draft_version": draft_file.version,  # an edit of the draft names it (R4)
            "approved_customer": approved_customer.id,
            "approved_file": approved_file.id,
            "check": check.id,
            "item": check.items[0].id,
            "fresh_customer": fresh_customer.id,
            # a request for each answer that ends one, on the pages and over the API, so
            # the others stay pending whatever order they come in
            "request": request.id,
            **{
                f"request_to_{answer}{via}": to_end.pop().id
                for answer in ("open", "reject", "cancel")
                for via in ("", "_api")
            },
            "leave": leave.id,
            "notification": notification.id,
            "stage": 1,
        }
    )


def _memberships_and_compliance(session: Session, world: World, member: Member) -> None:
    """R16: the member's membership, revoked with its deposit held (a refund tranche);
    R17-R21: a case against the member with evidence and a note, decided in a notice it
    appealed."""
    people = world.people
    membership = active_membership(
        session,
        member=member,
        mtype=dummy_type(session, admin=people["admin"], store=world.store),
        reviewer=people["manager"],
        finance=people["finance"],
    )
    tranche, *_rest = lifecycle.revoke(
        session,
        membership,
        announced_on=START.date(),
        actor=people["manager"],
        reason="R21",
        source="test",
    )
    compliance = people["compliance"]
    case = cases.open_case(
        session,
        actor=compliance,
        data=cases.NewCase(
            member_id=member.id, codes=["EX-P01"], subject="开户审核", description="抽查"
        ),
    )
    attachment = cases.add_attachment(
        session,
        actor=compliance,
        case=case,
        filename="evidence.png",
        content=b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
    )
    cases.add_note(session, actor=compliance, case=case, text="证据")
    notice = decisions.decide(
        session,
        actor=compliance,
        case=case,
        data=decisions.DecisionInput(measures=["oral_warning"], reasons="口头警告"),
    )
    appeal = appeals.lodge_appeal(session, actor=member.user, notice=notice, grounds="不服")
    session.flush()
    world.ids.update(
        {
            "membership": membership.id,
            "step": "suspend",
            "entry": tranche.id,
            "membership_type": membership.type_id,
            "compliance_case": case.id,
            "attachment": attachment.id,
            "notice": notice.id,
            "appeal": appeal.id,
        }
    )


def _integration(session: Session, world: World) -> None:
    """An integration of the first store (a reservation system) with one token."""
    from portal.accounts import integrations

    integration = integrations.create_integration(
        session,
        actor=world.people["admin"],
        data=integrations.NewIntegration(
            name="订位系统", store=world.store, actions=["restaurant.record_visit"]
        ),
    )
    _plain, token = integrations.issue_integration_token(
        session, actor=world.people["admin"], integration=integration, days=30
    )
    session.flush()
    world.ids.update({"integration": integration.id, "integration_token": token.id})


def _plugin_objects(session: Session, world: World) -> None:
    """A restaurant visit (R22); a renovation complaint with a penalty notice (R24), a
    repair sent to its vendor with a repair notice (R23), a delivered project (R12)."""
    from portal_renovation import revisits
    from portal_renovation import services as renovation
    from portal_restaurant import services as restaurant

    staff, manager = world.people["staff"], world.people["manager"]
    customer = session.get(Member, world.ids["customer"])
    assert customer is not None
    visit, _created = restaurant.record_visit(
        session,
        actor=staff,
        member=customer,
        data=restaurant.VisitData(
            visited_at=START - timedelta(hours=1), source="reservation", party_size=2
        ),
    )
    complaint = renovation.log_case(
        session,
        actor=staff,
        data=renovation.NewCase(
            store_id=world.store.id,
            member_id=customer.id,
            kind="complaint",
            channel="call",
            severity="normal",
            subject="卫生间漏水",
            description="客户来电反映卫生间地面渗水到楼下",
        ),
    )
    penalty = renovation.issue_penalty(
        session,
        actor=manager,
        case=complaint,
        employee_id=staff.id,
        reason="未按时回复客户",
        measure="书面警告",
    )
    repair = renovation.log_case(
        session,
        actor=staff,
        data=renovation.NewCase(
            store_id=world.store.id,
            member_id=customer.id,
            kind="repair",
            channel="call",
            severity="normal",
            subject="橱柜门脱落",
            description="厨房吊柜门铰链脱落",
        ),
    )
    renovation.route_repair(
        session,
        actor=staff,
        case=repair,
        responsible="vendor",
        vendor_name="欧派家居",
        repair_work="更换吊柜门铰链",
    )
    project = revisits.register_project(
        session,
        actor=staff,
        member_id=customer.id,
        name="高新路25号装修",
        delivered_on=date(2026, 10, 1),
        responsible_id=staff.id,
    )
    session.flush()
    world.ids.update(
        {
            "visit": visit.id,
            "renovation_case": complaint.id,
            "penalty": penalty.id,
            "repair_case": repair.id,
            "project": project.id,
        }
    )

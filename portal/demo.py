"""Demo data for a first look: three stores and a head office, one login per role, members.

Deterministic (a fixed random seed), loaded once by ``flask portal setup``.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from portal import clock
from portal.accounts import services as accounts
from portal.accounts.operator import ShellOperator
from portal.accounts.roles import Role
from portal.members.models import Member, MemberSource, MemberStatus
from portal.members.services import Registration, register_member
from portal.stores import services as stores

DEMO_PASSWORD = "huiyuan-demo"  # noqa: S105 - printed to the operator; demo databases only

STORES = [
    stores.StoreData(
        code="HQ",
        name="会员服务总部",
        is_head_office=True,
        address="西安市高新区科技路48号创业广场B座12层",
    ),
    stores.StoreData(code="XA01", name="西安高新店", address="西安市高新路25号"),
    stores.StoreData(code="BJ01", name="北京朝阳店", address="北京市朝阳区建国路88号"),
    stores.StoreData(code="SH01", name="上海静安店", address="上海市静安区南京西路1266号"),
]

STAFF = [
    ("admin", "系统管理员", Role.ADMIN, None, "13900000001"),
    ("hq.service", "总部客服 周敏", Role.HQ_SERVICE, None, "13900000002"),
    ("compliance", "合规专员 韩雪", Role.COMPLIANCE, None, "13900000003"),
    ("manager.xa", "店长 陈立华", Role.STORE_MANAGER, "XA01", "13900000004"),
    ("staff.xa", "客服 李娜", Role.STAFF, "XA01", "13900000005"),
    ("manager.bj", "店长 赵强", Role.STORE_MANAGER, "BJ01", "13900000006"),
    ("staff.bj", "客服 孙悦", Role.STAFF, "BJ01", "13900000007"),
    ("staff.sh", "客服 吴凡", Role.STAFF, "SH01", "13900000008"),
]

MEMBER_LOGIN = "13800000001"

DEMO_LOGINS = [(login, str(role.label)) for login, _n, role, _s, _m in STAFF] + [
    (MEMBER_LOGIN, "Member")
]

SURNAMES = [
    "王",
    "李",
    "张",
    "刘",
    "陈",
    "杨",
    "黄",
    "赵",
    "吴",
    "周",
    "徐",
    "孙",
    "马",
    "朱",
    "胡",
    "郭",
    "何",
    "林",
    "罗",
    "高",
    "欧阳",
    "司马",
]
GIVEN = [
    "建国",
    "秀英",
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "子涵",
    "雨桐",
]


def load_demo_data(session: Session) -> None:
    rng = random.Random(20261123)
    operator: Any = ShellOperator("demo-data")
    by_code = {}
    for data in STORES:
        store = stores.create_store(session, actor=operator, data=data)
        by_code[store.code] = store
    staff_by_store: dict[str, list[int]] = {}
    for login, name, role, code, mobile in STAFF:
        user = accounts.create_account(
            session,
            actor=operator,
            data=accounts.NewAccount(
                login=login, display_name=name, password=DEMO_PASSWORD, mobile=mobile
            ),
        )
        accounts.grant_role(
            session, actor=operator, user=user, role=role, store=by_code[code] if code else None
        )
        if code:
            staff_by_store.setdefault(code, []).append(user.id)

    demo_member = register_member(
        session,
        data=Registration(
            full_name="王建国",
            mobile=MEMBER_LOGIN,
            store_id=by_code["XA01"].id,
            password=DEMO_PASSWORD,
            consent=True,
            email="wang.jianguo@example.cn",
        ),
        terms_version="2026-01",
    )
    demo_member.status = MemberStatus.ACTIVE
    demo_member.referrer_id = staff_by_store["XA01"][1]
    demo_member.address = "西安市高新路25号3单元501室"
    demo_member.birthday = date(1985, 5, 20)

    now = clock.now()
    statuses = (
        [MemberStatus.REGISTERED] * 3
        + [MemberStatus.ACTIVE] * 6
        + [MemberStatus.SUSPENDED, MemberStatus.CLOSED]
    )
    used: set[str] = {MEMBER_LOGIN}
    for i in range(40):
        code = ("XA01", "BJ01", "SH01")[i % 3]
        mobile = f"13{rng.randint(5, 9)}{rng.randint(0, 99999999):08d}"
        if mobile in used:
            continue
        used.add(mobile)
        created = now - timedelta(days=rng.randint(0, 90), minutes=rng.randint(0, 1440))
        status = rng.choice(statuses)
        session.add(
            Member(
                store_id=by_code[code].id,
                full_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                mobile="+86" + mobile,
                status=status,
                source=MemberSource.STAFF,
                referrer_id=(
                    rng.choice(staff_by_store[code])
                    if status is not MemberStatus.REGISTERED
                    else None
                ),
                birthday=date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28)),
                created_at=created,
                updated_at=created,
            )
        )
    session.flush()

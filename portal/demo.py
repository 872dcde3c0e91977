"""Demo data for a first look: three stores and a head office, one login per role, members,
and every VIP-lifecycle flow in some state (files, reviews, leave, ownership, openings, spot
checks, SLA figures, notifications).

Deterministic where it can be (a fixed random seed; only the spot check's sample is drawn by
the service with the OS's entropy), loaded once by ``flask portal setup`` into an empty
database.

Everything is done through the services, as the people of the demo stores would have done
it. To make things happen "hours ago", the app's clock is swapped for a ``FrozenClock``
that walks forward from 45 days ago to now; ``sla.tick`` runs at every instant a reminder,
an escalation or a quiet-hours release falls due, so the SLA timelines, breaches and the
notification outbox are the ones the portal would have produced. The app's own clock
object is put back afterwards.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.cn import ric

from portal import clock
from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.accounts.operator import ShellOperator
from portal.accounts.roles import Role
from portal.clock import FrozenClock
from portal.members import ownership
from portal.members.models import ContactKind, Member, MemberSource, MemberStatus
from portal.members.services import (
    ProfileChanges,
    Registration,
    register_member,
    update_profile,
)
from portal.notifications import services as notifications
from portal.notifications.models import Notification, NotificationStatus
from portal.openings import services as openings
from portal.sla import services as sla
from portal.sla.models import SlaTask, TaskState
from portal.spotchecks import services as spotchecks
from portal.stores import services as stores
from portal.stores.models import Store
from portal.vip import services as vip
from portal.vip.testing import complete_values

DEMO_PASSWORD = "huiyuan-demo"  # noqa: S105 - printed to the operator; demo databases only

#: XA01 keeps its own quiet hours for text messages; the other stores follow the default
XA_QUIET = (time(22, 0), time(7, 0))

STORES = [
    stores.StoreData(
        code="HQ",
        name="会员服务总部",
        is_head_office=True,
        address="西安市高新区科技路48号创业广场B座12层",
    ),
    stores.StoreData(
        code="XA01",
        name="西安高新店",
        address="西安市高新路25号",
        quiet_start=XA_QUIET[0],
        quiet_end=XA_QUIET[1],
    ),
    stores.StoreData(code="BJ01", name="北京朝阳店", address="北京市朝阳区建国路88号"),
    stores.StoreData(code="SH01", name="上海静安店", address="上海市静安区南京西路1266号"),
]

#: R3: a staff member of XA01 who is also entered as a customer there
INSIDER_ID_NUMBER = "610113199001010019"


@dataclass(frozen=True)
class DemoAccount:
    login: str
    name: str
    role: Role
    store: str | None
    mobile: str
    id_number: str | None = None
    #: printed by ``flask portal setup`` (the logins worth trying)
    listed: bool = True


STAFF = [
    DemoAccount("admin", "系统管理员", Role.ADMIN, None, "13900000001"),
    DemoAccount("hq.service", "总部客服 周敏", Role.HQ_SERVICE, None, "13900000002"),
    DemoAccount("hq.head", "客服总监 郑凯", Role.HQ_HEAD, None, "13900000009"),
    DemoAccount("compliance", "合规专员 韩雪", Role.COMPLIANCE, None, "13900000003"),
    DemoAccount("finance", "财务 许静", Role.FINANCE, None, "13900000014"),
    DemoAccount("manager.xa", "店长 陈立华", Role.STORE_MANAGER, "XA01", "13900000004"),
    DemoAccount("staff.xa", "客服 李娜", Role.STAFF, "XA01", "13900000005"),
    DemoAccount("staff.xa2", "客服 王磊", Role.STAFF, "XA01", "13900000010"),
    DemoAccount("manager.bj", "店长 赵强", Role.STORE_MANAGER, "BJ01", "13900000006"),
    DemoAccount("staff.bj", "客服 孙悦", Role.STAFF, "BJ01", "13900000007"),
    DemoAccount("staff.sh", "客服 吴凡", Role.STAFF, "SH01", "13900000008"),
    # not printed: the referrer of BJ01's waiting files, a departed (disabled) account,
    # and the R3 insider
    DemoAccount("staff.bj2", "客服 马超", Role.STAFF, "BJ01", "13900000011", listed=False),
    DemoAccount("staff.xa.left", "客服 胡杰", Role.STAFF, "XA01", "13900000012", listed=False),
    DemoAccount(
        "staff.xa.liu",
        "客服 刘洋",
        Role.STAFF,
        "XA01",
        "13900000013",
        id_number=INSIDER_ID_NUMBER,
        listed=False,
    ),
]

MEMBER_LOGIN = "13800000001"

DEMO_LOGINS = [
    (a.login, f"{a.role.label} ({a.store})" if a.store else a.role.label) for a in STAFF if a.listed
] + [(MEMBER_LOGIN, f"{_l('Member')} (XA01)")]

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
EMPLOYERS = [
    "陕西华为技术有限公司",
    "西安交通大学第一附属医院",
    "中国银行西安高新支行",
    "陕西延长石油(集团)有限责任公司",
    "西安市第一中学",
    "隆基绿能科技股份有限公司",
    "北京字节跳动科技有限公司",
    "中信建投证券股份有限公司",
]
PREFERENCES = [
    "不吃辣; 喜欢靠窗的包间",
    "素食, 不喝酒; 生日前一周联系",
    "喜欢清淡的粤菜, 对花生过敏",
    "商务宴请为主, 需要安静的包间和投影",
    "带两个孩子, 需要儿童座椅",
    "喜欢普洱茶, 每次点红烧肉",
]
REJECTIONS = [
    "客户表示暂不需要VIP服务, 本人未签字确认",
    "身份证号与客户出示的证件不符",
    "工作单位无法核实, 客户拒绝提供单位电话",
]

#: the regions of the identity numbers: 西安雁塔 for XA01, 北京朝阳 for BJ01 (雁塔 numbers
#: exist from 1983 on, so the customers are born 1983 or later)
REGIONS = {"XA01": "610113", "BJ01": "110105"}


def id_number(region: str, birthday: date, sequence: int) -> str:
    """A valid mainland identity number (R3 compares them; stdnum checks the digit)."""
    body = f"{region}{birthday:%Y%m%d}{sequence % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # the digit is computed over body


class _Demo:
    """The demo's people acting through the services on a clock that walks forward."""

    def __init__(self, session: Session, frozen: FrozenClock, now: datetime) -> None:
        self.session = session
        self.clock = frozen
        self.now = now
        self.rng = random.Random(20261123)
        self._queue: list[tuple[datetime, int, Callable[[], None]]] = []
        self._seq = 0
        self.users: dict[str, User] = {}
        self.stores: dict[str, Store] = {}
        self.mobiles: set[str] = set()
        self._serial: dict[str, int] = {}

    # --- time ----------------------------------------------------------------------------

    def zone(self, code: str = "XA01") -> ZoneInfo:
        return ZoneInfo(self.stores[code].timezone if code in self.stores else "Asia/Shanghai")

    def ago(self, **delta: float) -> datetime:
        return self.now - timedelta(**delta)

    def local(self, days_ago: int, hhmm: str, code: str = "XA01") -> datetime:
        """``hhmm`` local time of the store, ``days_ago`` calendar days before today."""
        zone = self.zone(code)
        today = self.now.astimezone(zone).date()
        hour, minute = (int(x) for x in hhmm.split(":"))
        day = today - timedelta(days=days_ago)
        return datetime.combine(day, time(hour, minute), zone).astimezone(UTC)

    def on(self, at: datetime, action: Callable[[], None]) -> None:
        """Do ``action`` when the clock reaches ``at`` (never after now)."""
        heapq.heappush(self._queue, (min(at, self.now), self._seq, action))
        self._seq += 1

    def run(self) -> None:
        while self._queue:
            at, _seq, action = heapq.heappop(self._queue)
            self.advance(at)
            action()
            self.session.flush()
        self.advance(self.now)

    def advance(self, until: datetime) -> None:
        """Move the clock to ``until``, ticking at every instant something falls due on the
        way (a chain step of an SLA task, a text message waiting out quiet hours), as cron
        running ``flask portal tick`` every minute would."""
        until = max(until, self.clock.now())
        for _ in range(10_000):
            step = self.session.scalar(
                select(SlaTask.next_step_at)
                .where(SlaTask.state == TaskState.OPEN, SlaTask.next_step_at <= until)
                .order_by(SlaTask.next_step_at)
                .limit(1)
            )
            message = self.session.scalar(
                select(Notification.not_before)
                .where(
                    Notification.status == NotificationStatus.PENDING.value,
                    Notification.not_before <= until,
                )
                .order_by(Notification.not_before)
                .limit(1)
            )
            due = [t for t in (step, message) if t is not None]
            if not due:
                break
            instant = max(min(due), self.clock.now())
            self.clock.set(instant)
            sla.tick(self.session, now=instant)
            self.session.flush()
        self.clock.set(until)

    # --- people ----------------------------------------------------------------------------

    def mobile(self, code: str) -> str:
        """A fresh mobile number for a customer of the store (15802910001 ...)."""
        self._serial[code] = self._serial.get(code, 0) + 1
        prefix = {"XA01": "1580291", "BJ01": "1581001"}.get(code, "1582101")
        number = f"{prefix}{self._serial[code]:04d}"
        self.mobiles.add(number)
        return number

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def customer(
        self,
        code: str,
        referrer: str,
        *,
        full_name: str | None = None,
        mobile: str | None = None,
        landline: str | None = None,
        wechat: str | None = None,
        email: str | None = None,
    ) -> Member:
        """R8: a customer entered by their referrer, with every contact method."""
        contacts: list[tuple[ContactKind, str]] = []
        if landline:
            contacts.append((ContactKind.LANDLINE, landline))
        if wechat:
            contacts.append((ContactKind.WECHAT, wechat))
        member = ownership.enter_customer(
            self.session,
            actor=self.users[referrer],
            store_id=self.stores[code].id,
            full_name=full_name or self.name(),
            mobile=mobile or self.mobile(code),
            email=email,
            contacts=contacts,
        )
        assert isinstance(member, Member), member
        self.mobiles.add(mobile or "")
        return member

    def vip_file(
        self,
        code: str,
        referrer: str,
        *,
        entered: datetime,
        submitted: datetime | None = None,
        decision: tuple[datetime, str, str, str | None] | None = None,
        consumption: tuple[tuple[datetime, str, str], ...] = (),
        complete: bool = True,
        full_name: str | None = None,
        mobile: str | None = None,
        landline: str | None = None,
        wechat: str | None = None,
        id_no: str | None = None,
    ) -> dict[str, Any]:
        """A customer and their VIP file, taken through its states at the given instants.

        ``decision`` is (when, who, "approved"/"rejected"/"returned", reason).
        """
        state: dict[str, Any] = {}
        name = full_name or self.name()
        phone = mobile or self.mobile(code)
        birthday = date(
            self.rng.randint(1983, 1999), self.rng.randint(1, 12), self.rng.randint(1, 28)
        )
        number = id_no or id_number(REGIONS[code], birthday, self.rng.randint(100, 999))
        flat = f"{self.rng.randint(1, 6)}单元{self.rng.randint(1, 28)}0{self.rng.randint(1, 4)}室"
        address = (
            f"北京市朝阳区建国路{self.rng.randint(1, 199)}号{flat}"
            if code == "BJ01"
            else f"西安市高新区科技路{self.rng.randint(1, 199)}号{flat}"
        )
        values = complete_values(
            full_name=name,
            mobile=phone,
            id_number=number,
            employer=self.rng.choice(EMPLOYERS),
            address=address,
            other_phone=landline,
            wechat=wechat,
            birthday=birthday,
            preferences=self.rng.choice(PREFERENCES),
            contact_time=self.rng.choice(["morning", "afternoon", "evening", "any"]),
        )
        if not complete:
            values = {k: values[k] for k in ("full_name", "mobile", "employer")}

        def enter() -> None:
            member = self.customer(
                code, referrer, full_name=name, mobile=phone, landline=landline, wechat=wechat
            )
            file = vip.start_file(self.session, actor=self.users[referrer], member=member)
            vip.save_draft(self.session, actor=self.users[referrer], file=file, values=values)
            state["member"], state["file"] = member, file

        self.on(entered, enter)
        if submitted is not None:
            self.on(
                submitted,
                lambda: vip.submit(self.session, actor=self.users[referrer], file=state["file"]),
            )
        if decision is not None:
            at, who, outcome, reason = decision

            def decide() -> None:
                actor, file = self.users[who], state["file"]
                if outcome == "approved":
                    vip.approve(self.session, actor=actor, file=file, reason=reason)
                elif outcome == "rejected":
                    vip.reject(self.session, actor=actor, file=file, reason=reason or "")
                else:
                    vip.return_for_correction(
                        self.session, actor=actor, file=file, reason=reason or ""
                    )

            self.on(at, decide)
        for at, amount, note in consumption:

            def spend(at: datetime = at, amount: str = amount, note: str = note) -> None:
                vip.record_consumption(
                    self.session,
                    actor=self.users[referrer],
                    file_or_member=state["file"],
                    amount=Decimal(amount),
                    occurred_at=at,
                    note=note,
                )

            self.on(at + timedelta(minutes=20), spend)
        return state


def load_demo_data(session: Session) -> None:
    """Load the demo into an empty database (``flask portal setup`` commits)."""
    now = clock.now()
    with clock.frozen_from(now - timedelta(days=45)) as frozen:
        demo = _Demo(session, frozen, now)
        _people(demo)
        _ownership(demo)
        _history(demo)
        _current_files(demo)
        _bj01_leave(demo)
        _openings(demo)
        _spot_check(demo)
        _inbox(demo)
        demo.run()
        _background_members(demo)
    session.flush()
    # the verticals add theirs on top, in real time, through their own services
    current_app.extensions["portal.plugins"].caller("portal_demo_data")(session=session)


def _people(demo: _Demo) -> None:
    """Stores, accounts and roles (45 days ago), the demo member, the departed account."""
    session = demo.session
    operator: Any = ShellOperator("demo-data")
    for data in STORES:
        store = stores.create_store(session, actor=operator, data=data)
        demo.stores[store.code] = store
    for account in STAFF:
        user = accounts.create_account(
            session,
            actor=operator,
            data=accounts.NewAccount(
                login=account.login,
                display_name=account.name,
                password=DEMO_PASSWORD,
                mobile=account.mobile,
                id_number=account.id_number,
            ),
        )
        accounts.grant_role(
            session,
            actor=operator,
            user=user,
            role=account.role,
            store=demo.stores[account.store] if account.store else None,
        )
        demo.users[account.login] = user

    demo_member = register_member(
        session,
        data=Registration(
            full_name="王建国",
            mobile=MEMBER_LOGIN,
            store_id=demo.stores["XA01"].id,
            password=DEMO_PASSWORD,
            consent=True,
            email="wang.jianguo@example.cn",
        ),
        terms_version="2026-01",
    )
    demo_member.status = MemberStatus.ACTIVE  # no service activates a self-registered member
    session.flush()
    manager = demo.users["manager.xa"]
    update_profile(
        session,
        actor=manager,
        member=demo_member,
        changes=ProfileChanges(address="西安市高新路25号3单元501室", birthday=date(1985, 5, 20)),
        today=demo.clock.now().date(),
    )
    ownership.change_referrer(
        session, actor=manager, member=demo_member, referrer=demo.users["staff.xa"]
    )

    # R9: 胡杰 served five customers, then left; the handover page lists them
    for i in range(5):
        demo.on(
            demo.local(40 - 2 * i, "10:30"),
            lambda: demo.customer("XA01", "staff.xa.left", landline=None),
        )
    demo.on(
        demo.local(6, "18:00"),
        lambda: accounts.set_account_enabled(
            session, actor=demo.users["admin"], user=demo.users["staff.xa.left"], enabled=False
        ),
    )


def _ownership(demo: _Demo) -> None:
    """R8: customers with mobile, landline and WeChat per referrer; one open conflict."""
    entries = [
        ("manager.xa", "029-88321001", "chenlh_vip01"),
        ("manager.xa", "029-88321002", None),
        ("staff.xa", "029-88321101", "lina_kh_001"),
        ("staff.xa", "029-88321102", "lina_kh_002"),
        ("staff.xa", None, "lina_kh_003"),
        ("staff.xa2", "029-88321201", "wanglei_kh01"),
        ("staff.xa2", "029-88321202", None),
    ]
    held: dict[str, Member] = {}
    for i, (referrer, landline, wechat) in enumerate(entries):

        def enter(
            i: int = i, referrer: str = referrer, landline: Any = landline, wechat: Any = wechat
        ) -> None:
            held[str(i)] = demo.customer("XA01", referrer, landline=landline, wechat=wechat)

        demo.on(demo.local(25 - 2 * i, "11:15"), enter)

    def add_wechat() -> None:
        # the customer gave their WeChat later; every contact stays unique in the store
        member = held["3"]
        contacts = [(c.kind, c.value) for c in member.contacts]
        ownership.set_contacts(
            demo.session,
            actor=demo.users["staff.xa"],
            member=member,
            contacts=[*contacts, (ContactKind.WECHAT, "lina_kh_002b")],
        )

    demo.on(demo.local(5, "16:40"), add_wechat)

    def claim() -> None:
        # staff.xa2 enters a customer whose mobile is already李娜's customer's: a case opens
        taken = held["2"]
        case = ownership.enter_customer(
            demo.session,
            actor=demo.users["staff.xa2"],
            store_id=demo.stores["XA01"].id,
            full_name=taken.full_name,
            mobile=taken.mobile,
            contacts=[(ContactKind.WECHAT, "wanglei_new01")],
        )
        assert isinstance(case, ownership.OwnershipConflict), case

    demo.on(demo.local(1, "15:20"), claim)


def _history(demo: _Demo) -> None:
    """About thirty reviews over the last 30 days, some decided late (for /reports/sla)."""
    rng = demo.rng
    for i in range(30):
        code = "BJ01" if i % 3 == 2 else "XA01"
        days = rng.randint(5 if code == "BJ01" else 4, 29)
        hour, minute = rng.randint(9, 17), rng.choice([0, 10, 20, 30, 40, 50])
        submitted = demo.local(days, f"{hour:02d}:{minute:02d}", code)
        late = rng.random() < 0.25
        delay = timedelta(hours=rng.uniform(12.5, 19) if late else rng.uniform(0.4, 10))
        decided = submitted + delay
        zone = demo.zone(code)
        local = decided.astimezone(zone)
        if local.hour >= 22 or local.hour < 8:
            # nobody reviews at night: the next morning, at 08:xx
            day = local.date() + timedelta(days=1 if local.hour >= 22 else 0)
            decided = datetime.combine(day, time(8, rng.randint(5, 55)), zone).astimezone(UTC)
        manager = "manager.bj" if code == "BJ01" else "manager.xa"
        overdue = decided - submitted > timedelta(hours=12)
        decider = "hq.service" if overdue and rng.random() < 0.5 else manager
        staff = ("staff.bj", "staff.bj2") if code == "BJ01" else ("staff.xa", "staff.xa2")
        approved = rng.random() < 0.8
        spending: tuple[tuple[datetime, str, str], ...] = ()
        if approved and i % 3 == 0:
            spent = decided + timedelta(days=rng.randint(1, 3), hours=rng.randint(1, 6))
            if spent < demo.now - timedelta(hours=2):
                amount = f"{rng.randint(180, 3200)}.{rng.choice(['00', '50'])}"
                spending = ((spent, amount, rng.choice(["包间晚宴", "商务午餐", "家庭聚餐"])),)
        demo.vip_file(
            code,
            staff[i % 2],
            entered=submitted - timedelta(hours=rng.randint(2, 30)),
            submitted=submitted,
            decision=(
                decided,
                decider,
                "approved" if approved else "rejected",
                None if approved else rng.choice(REJECTIONS),
            ),
            consumption=spending,
        )

    # last night at 23:15 the manager approved one; its text message to the referrer waits
    # for the end of XA01's quiet hours (22:00-07:00) in the outbox
    night = demo.local(0, "23:15")
    if night > demo.now - timedelta(minutes=10):
        night = demo.local(1, "23:15")
    demo.vip_file(
        "XA01",
        "staff.xa",
        entered=night - timedelta(hours=9),
        submitted=night - timedelta(hours=7),
        decision=(night, "manager.xa", "approved", None),
    )


def _current_files(demo: _Demo) -> None:
    """XA01's files in every state (R4, R5), and the R3 insider's prepared file."""
    demo.vip_file("XA01", "staff.xa2", entered=demo.ago(hours=20), complete=False)
    demo.vip_file(
        "XA01",
        "staff.xa",
        entered=demo.ago(hours=5),
        submitted=demo.ago(hours=2),
        wechat="zhaoyt_2026",
    )
    demo.vip_file(
        "XA01",
        "staff.xa2",
        entered=demo.ago(hours=26),
        submitted=demo.ago(hours=10),
        landline="029-88321301",
    )
    demo.vip_file("XA01", "staff.xa", entered=demo.ago(hours=30), submitted=demo.ago(hours=13))
    demo.vip_file(
        "XA01",
        "staff.xa2",
        entered=demo.ago(hours=28),
        submitted=demo.ago(hours=7),
        decision=(
            demo.ago(hours=4),
            "manager.xa",
            "returned",
            "工作单位请写到具体部门; 地址缺少单元和门牌号, 请与客户核对后重新提交",
        ),
    )
    approved_at = demo.local(3, "15:05")
    demo.vip_file(
        "XA01",
        "staff.xa",
        entered=demo.local(4, "16:00"),
        submitted=demo.local(3, "10:30"),
        decision=(approved_at, "manager.xa", "approved", "资料齐全"),
        landline="029-88321401",
        wechat="gaoming_1978",
        consumption=(
            (demo.local(2, "19:40"), "1288.00", "包间晚宴 8人"),
            (demo.local(1, "12:30"), "356.50", "商务午餐"),
        ),
    )
    demo.vip_file(
        "XA01",
        "staff.xa",
        entered=demo.local(3, "17:00"),
        submitted=demo.local(2, "11:00"),
        decision=(demo.local(2, "16:20"), "manager.xa", "rejected", REJECTIONS[1]),
    )
    # R3: 刘洋 works at XA01 and is entered as a customer; submitting the file is refused
    demo.vip_file(
        "XA01",
        "staff.xa",
        entered=demo.ago(hours=22),
        full_name="刘洋",
        mobile="13900000013",
        id_no=INSIDER_ID_NUMBER,
    )


def _bj01_leave(demo: _Demo) -> None:
    """R5: BJ01's manager is on leave; 孙悦 (staff.bj) decides meanwhile."""

    def leave() -> None:
        manager = demo.users["manager.bj"]
        notifications.mark_all_read(demo.session, user=manager)  # read before leaving
        sla.record_leave(
            demo.session,
            actor=manager,
            user=manager,
            starts_at=demo.local(2, "00:00", "BJ01"),
            ends_at=demo.local(-5, "00:00", "BJ01"),
            deputy=demo.users["staff.bj"],
            reason="年假",
        )

    demo.on(demo.local(3, "17:30", "BJ01"), leave)
    for hours in (5, 1.5):
        demo.vip_file(
            "BJ01",
            "staff.bj2",
            entered=demo.ago(hours=hours + 20),
            submitted=demo.ago(hours=hours),
        )


def _openings(demo: _Demo) -> None:
    """R6: account requests activated, rejected, opened, and one waiting (nearly overdue)."""
    session, users, store = demo.session, demo.users, demo.stores
    made: dict[str, Any] = {}

    def request(key: str, manager: str, code: str, for_staff: str, purpose: str) -> None:
        made[key] = openings.request_account(
            session,
            actor=users[manager],
            store_id=store[code].id,
            for_staff_id=users[for_staff].id,
            purpose=purpose,
            notes="请开通后短信告知店长",
        )

    demo.on(
        demo.local(12, "10:00"),
        lambda: request(
            "activated",
            "manager.xa",
            "XA01",
            "staff.xa2",
            "王磊负责高新区企业客户, 需要专属客户账户建档",
        ),
    )
    demo.on(
        demo.local(12, "14:30"),
        lambda: openings.open_account(
            session, actor=users["hq.service"], req=made["activated"], account_ref="ZB-XA01-0007"
        ),
    )
    demo.on(
        demo.local(11, "09:40"),
        lambda: openings.activate_account(
            session, actor=users["manager.xa"], req=made["activated"]
        ),
    )
    demo.on(
        demo.local(8, "11:00", "BJ01"),
        lambda: request("rejected", "manager.bj", "BJ01", "staff.bj", "孙悦接手朝阳区VIP客户"),
    )
    demo.on(
        demo.local(8, "16:00", "BJ01"),
        lambda: openings.reject_request(
            session,
            actor=users["hq.service"],
            req=made["rejected"],
            reason="孙悦已有专属账户 ZB-BJ01-0003, 请勿重复申请",
        ),
    )
    demo.on(
        demo.local(4, "09:30", "BJ01"),
        lambda: request(
            "opened", "manager.bj", "BJ01", "staff.bj2", "新员工马超入职, 需要专属客户账户"
        ),
    )
    demo.on(
        demo.local(4, "13:00", "BJ01"),
        lambda: openings.open_account(
            session, actor=users["hq.head"], req=made["opened"], account_ref="ZB-BJ01-0011"
        ),
    )
    demo.on(
        demo.ago(hours=11),
        lambda: request(
            "waiting", "manager.xa", "XA01", "staff.xa", "李娜的VIP客户增多, 申请第二个专属账户"
        ),
    )


def _spot_check(demo: _Demo) -> None:
    """R7: head office samples XA01's approved VIPs; one finding is an issue."""
    made: dict[str, Any] = {}

    def draw() -> None:
        made["check"] = spotchecks.draw_sample(
            demo.session, actor=demo.users["hq.service"], store_id=demo.stores["XA01"].id, size=5
        )

    def findings() -> None:
        items = sorted(made["check"].items, key=lambda item: item.id)
        for n, item in enumerate(items):
            issue = n == 0
            spotchecks.record_finding(
                demo.session,
                actor=demo.users["hq.service"],
                item=item,
                finding="issue" if issue else "ok",
                notes="工作单位只写了集团名称, 缺少具体部门; 请补充后回复" if issue else None,
            )

    demo.on(demo.local(2, "10:00"), draw)
    demo.on(demo.local(1, "14:10"), findings)


def _inbox(demo: _Demo) -> None:
    """Everyone read their messages yesterday morning; what came after stays unread."""

    def read() -> None:
        for login in ("manager.xa", "staff.xa", "staff.xa2", "hq.service", "hq.head", "staff.bj"):
            notifications.mark_all_read(demo.session, user=demo.users[login])

    demo.on(demo.local(1, "09:00"), read)


def _background_members(demo: _Demo) -> None:
    """Forty members across the stores in every status, for the member lists."""
    session, rng, now = demo.session, demo.rng, demo.now
    staff_by_store: dict[str, list[int]] = {}
    for account in STAFF:
        user = demo.users[account.login]
        if account.store and account.listed:
            staff_by_store.setdefault(account.store, []).append(user.id)
    statuses = (
        [MemberStatus.REGISTERED] * 3
        + [MemberStatus.ACTIVE] * 6
        + [MemberStatus.SUSPENDED, MemberStatus.CLOSED]
    )
    used: set[str] = {MEMBER_LOGIN, *demo.mobiles}
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
                store_id=demo.stores[code].id,
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

"""Demo data of the exchange vertical, added on top of the core's demo (``make run``).

The exchange's membership department ``JY01`` and six member firms, as they would stand
after half a year of work: the head-office reviewer ``hq.service`` decides applications,
``finance`` records fees and deposits and pays refunds, ``compliance`` works cases and
``hq.head`` decides appeals. The firm 秦丰商贸 logs in as ``13800000101`` and finds a
written circular waiting for its acknowledgement. Everything goes through the services,
on a clock that starts 200 days ago, so every rule is checked as it would be live.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import clock
from portal.accounts.models import User
from portal.accounts.operator import ShellOperator
from portal.clock import FrozenClock
from portal.compliance import cases, decisions, rectifications
from portal.compliance.models import ComplianceCase
from portal.members.models import Member
from portal.members.services import Registration, register_member
from portal.memberships import ledger, lifecycle, types
from portal.memberships.models import EntryKind, Membership, MembershipType
from portal.memberships.policies import EndedBy
from portal.stores import services as stores
from portal.stores.models import Store
from portal_exchange.membership import MEMBER

STORE = stores.StoreData(
    code="JY01", name="汇源商品交易所 会员部", address="西安市未央区凤城八路168号交易大厦"
)
#: the member firm whose login the README lists
FIRM_LOGIN = "13800000101"
PASSWORD = "huiyuan-demo"  # noqa: S105 - the core demo's password; demo databases only
DAYS_BACK = 200


def _user(session: Session, login: str) -> User:
    user = session.scalar(select(User).where(User.login == login))
    assert user is not None, f"the core demo has no {login}"
    return user


class _Exchange:
    """The people and the type of the demo, and the clock it moves on."""

    def __init__(self, session: Session, store: Store, frozen: FrozenClock) -> None:
        self.session = session
        self.store = store
        self.clock = frozen
        self.start = frozen.now()
        self.reviewer = _user(session, "hq.service")
        self.finance = _user(session, "finance")
        self.officer = _user(session, "compliance")
        self.mtype: MembershipType = types.create_type(
            session,
            actor=_user(session, "admin"),
            data=types.TypeData(
                code=MEMBER,
                store_id=store.id,
                name_en="Member unit of the exchange",
                name_zh="交易所会员单位",
                entry_fee="50000.00",
                management_fee="20000.00",
                risk_deposit="200000.00",
            ),
        )

    def day(self, n: int) -> None:
        """Move the clock to 10:00 in the store's zone, ``n`` days after the start."""
        zone = self.store.zone
        local = (self.start.astimezone(zone) + timedelta(days=n)).date()
        self.clock.set(datetime.combine(local, time(10), zone))

    def today(self) -> date:
        return clock.now().astimezone(self.store.zone).date()

    def firm(self, name: str, mobile: str) -> Member:
        return register_member(
            self.session,
            data=Registration(
                full_name=name,
                mobile=mobile,
                store_id=self.store.id,
                password=PASSWORD,
                consent=True,
                locale="zh_Hans",
            ),
            terms_version="2026-01",
        )

    def member_of(self, firm: Member, *, paid: bool = True) -> Membership:
        """The firm applies, the reviewer approves, finance records what it paid."""
        assert firm.user is not None
        membership = lifecycle.apply(
            self.session, actor=firm.user, member=firm, membership_type=self.mtype
        )
        lifecycle.decide(self.session, actor=self.reviewer, membership=membership, approve=True)
        if paid:
            for kind, amount in (
                (EntryKind.ENTRY_FEE, self.mtype.entry_fee),
                (EntryKind.MANAGEMENT_FEE, self.mtype.management_fee),
                (EntryKind.DEPOSIT_RECEIVED, self.mtype.risk_deposit),
            ):
                ledger.record_receipt(
                    self.session,
                    actor=self.finance,
                    membership=membership,
                    kind=kind,
                    amount=amount,
                )
        return membership

    def case(self, firm: Member, codes: list[str], subject: str, note: str) -> ComplianceCase:
        case = cases.open_case(
            self.session,
            actor=self.officer,
            data=cases.NewCase(
                member_id=firm.id, codes=codes, subject=subject, description=subject
            ),
        )
        cases.start_investigation(self.session, actor=self.officer, case=case)
        cases.add_note(self.session, actor=self.officer, case=case, text=note)
        return case

    def decide(
        self,
        case: ComplianceCase,
        reasons: str,
        *,
        measures: list[str] | None = None,
        override_reason: str | None = None,
        **period: date,
    ) -> None:
        """The officer decides what the ladder proposes for the case (R18), or
        ``measures`` with the reason for overriding it."""
        proposal = decisions.proposal_for(self.session, case)
        decisions.decide(
            self.session,
            actor=self.officer,
            case=case,
            data=decisions.DecisionInput(
                measures=measures or [m.value for m in proposal.measures],
                reasons=reasons,
                override_reason=override_reason,
                **period,
            ),
        )


def add_demo_data(session: Session) -> int:
    """Add the exchange's department, firms, memberships and cases; returns how many
    memberships. Nothing when the department exists already or the core's people are missing."""
    if session.scalar(select(Store).where(Store.code == STORE.code)) is not None:
        return 0
    if session.scalar(select(User).where(User.login == "finance")) is None:
        return 0
    store = stores.create_store(session, actor=ShellOperator("demo-data"), data=STORE)
    with clock.frozen_from(clock.now() - timedelta(days=DAYS_BACK)) as frozen:
        ex = _Exchange(session, store, frozen)
        qinfeng = ex.firm("西安秦丰商贸有限公司", FIRM_LOGIN)
        huaqing = ex.firm("陕西华清实业有限公司", "13800000102")
        weishui = ex.firm("渭水贸易有限责任公司", "13800000103")
        weiyang = ex.firm("未央物产有限公司", "13800000104")
        qujiang = ex.firm("曲江农产品经营有限公司", "13800000105")
        changan = ex.firm("长安大宗商品服务有限公司", "13800000106")
        memberships = [ex.member_of(firm) for firm in (qinfeng, huaqing, weishui, weiyang)]
        ex.member_of(qujiang, paid=False)

        # 未央物产 asks to leave; the announcement starts its refunds (R16)
        ex.day(40)
        lifecycle.request_end(
            session, actor=weiyang.user, membership=memberships[3], reason="公司业务调整 退出会员"
        )
        ex.day(50)
        lifecycle.announce_end(
            session,
            actor=ex.reviewer,
            membership=memberships[3],
            notice=lifecycle.EndNotice(ex.today(), EndedBy.MEMBER, "经会员申请 公告终止"),
        )

        # 渭水贸易 rented its seat out: revoked (R21), fees kept, deposit refunded 40/60
        ex.day(82)
        rented = ex.case(
            weishui, ["EX-V01"], "出租会员资格", "查实将交易席位出租给第三方使用 有租赁合同为证"
        )
        ex.decide(rented, "依据会员管理办法第二十条 取消会员资格")

        # four months after 未央物产's announcement finance has paid its fees back and 40%
        ex.day(175)
        for tranche in ledger.refunds_due(session, actor=ex.finance, within_days=0).items:
            ledger.mark_paid(session, actor=ex.finance, tranche=tranche)

        # 华清实业 traded without instructions: suspended for 30 days (R18)
        ex.day(195)
        unauthorised = ex.case(
            huaqing, ["EX-P02"], "未经客户委托代为交易", "客户投诉 三笔交易无委托记录"
        )
        ex.decide(
            unauthorised,
            "暂停会员资格三十日",
            measures=["suspension"],
            override_reason="三笔交易 情节较重 直接暂停",
            starts_on=ex.today(),
            ends_on=ex.today() + timedelta(days=29),
        )

        # 曲江 did not report its new legal representative: rectify within 15 days (R19)
        unreported = ex.case(
            qujiang, ["EX-R01"], "法定代表人变更未书面报告", "工商信息显示法人已变更 未报交易所"
        )
        rectifications.issue_rectification(
            session,
            actor=ex.officer,
            case=unreported,
            requirement="十五日内书面报告法定代表人变更并提交营业执照复印件",
            deadline=ex.today() + timedelta(days=15),
        )

        # 秦丰商贸: a written circular waits for its acknowledgement and may be appealed
        ex.day(DAYS_BACK - 1)
        admission = ex.case(
            qinfeng, ["EX-P01"], "未严格审核交易商准入条件", "抽查十户开户资料 两户缺身份证明"
        )
        ex.decide(
            admission,
            "通报批评 限期完善开户审核流程",
            measures=["written_circular"],
            override_reason="涉及两户 口头警告不足以纠正",
        )

        # 长安 applied yesterday too: its application waits in the review queue under its SLA
        assert changan.user is not None
        lifecycle.apply(session, actor=changan.user, member=changan, membership_type=ex.mtype)
    session.flush()
    return len(memberships) + 2

"""The exchange demo on top of the core's (``flask portal setup``): every membership state
and every compliance flow has something to show at JY01, and the pages answer its logins."""

from __future__ import annotations

from decimal import Decimal

from portal_exchange.demo import FIRM_LOGIN, PASSWORD
from sqlalchemy import select

from portal.accounts.models import User
from portal.compliance.models import ComplianceCase, Notice, Rectification
from portal.members.models import Member
from portal.memberships import ledger, lifecycle
from portal.memberships.models import EntryKind, Membership
from portal.memberships.refunds import add_months
from portal.memberships.status import MembershipStatus
from portal.stores.models import Store

PAGES = {
    "hq.service": ["/memberships/", "/memberships/queue"],
    "finance": ["/memberships/refunds"],
    "compliance": ["/compliance/cases", "/compliance/appeals"],
}


def _log_in(app, login):
    client = app.test_client()
    response = client.post("/login", data={"login": login, "password": PASSWORD})
    assert response.status_code == 302, login
    return client


def test_the_demo_shows_every_membership_state_and_compliance_flow(app, runner, db_session):
    result = runner.invoke(args=["portal", "setup"])
    assert result.exit_code == 0, result.output
    store = db_session.scalar(select(Store).where(Store.code == "JY01"))
    memberships = list(
        db_session.scalars(
            select(Membership).where(Membership.store_id == store.id).order_by(Membership.id)
        )
    )
    statuses = {m.member.full_name: lifecycle.status_of(m, lifecycle.today(m)) for m in memberships}
    assert sorted(statuses.values()) == sorted(
        [
            MembershipStatus.ACTIVE,
            MembershipStatus.SUSPENDED,
            MembershipStatus.REVOKED,
            MembershipStatus.ENDED,
            MembershipStatus.ACTIVE,
            MembershipStatus.APPLIED,
        ]
    )

    # R16 on revocation: the fees are kept, the deposit comes back 40% after four months
    # and 60% after six
    revoked = next(m for m in memberships if statuses[m.member.full_name] == "revoked")
    entries = ledger.entries_of(db_session, revoked)
    forfeited = sum(e.amount for e in entries if e.kind == EntryKind.FORFEITED)
    assert forfeited == Decimal("70000.00")
    assert [(t.entry.due_on, t.entry.amount) for t in ledger.tranches(entries)] == [
        (add_months(revoked.ended_on, 4), Decimal("80000.00")),
        (add_months(revoked.ended_on, 6), Decimal("120000.00")),
    ]
    ended = next(m for m in memberships if statuses[m.member.full_name] == "ended")
    assert [t.paid is not None for t in ledger.tranches(ledger.entries_of(db_session, ended))] == [
        True,
        True,
        False,
    ]

    cases = list(
        db_session.scalars(select(ComplianceCase).where(ComplianceCase.store_id == store.id))
    )
    assert len(cases) == 4
    assert db_session.scalar(select(Rectification).where(Rectification.state == "open"))
    firm = db_session.scalar(
        select(Member)
        .join(Member.user)
        .where(User.login == f"+86{FIRM_LOGIN}", Member.store_id == store.id)
    )
    notice = db_session.scalar(select(Notice).where(Notice.member_id == firm.id))
    assert notice.acknowledged_at is None

    client = _log_in(app, FIRM_LOGIN)
    page = client.get(f"/members/{firm.id}").get_data(as_text=True)
    assert notice.number in page
    assert client.get(f"/compliance/notices/{notice.id}").status_code == 200
    for login, urls in PAGES.items():
        client = _log_in(app, login)
        for url in urls:
            assert client.get(url).status_code == 200, (login, url)
        for membership in memberships:
            assert client.get(f"/memberships/{membership.id}").status_code == 200, login

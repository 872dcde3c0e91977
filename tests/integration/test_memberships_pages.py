"""The membership pages through the Flask client, on both databases (R15, R16)."""

from __future__ import annotations

from decimal import Decimal

from portal.extensions import db
from portal.memberships import lifecycle
from portal.memberships.models import EntryKind, LedgerEntry, Membership
from portal.memberships.testing import dummy_type


def test_r15_member_applies_reviewer_decides_in_queue_and_member_sees_rights(
    client, login, db_session, admin, dummy_store, member, store_manager, finance
):
    mtype = dummy_type(db_session, admin=admin, store=dummy_store)
    db_session.commit()
    login(member.user)
    page = client.get(f"/memberships/apply?member_id={member.id}")
    assert page.status_code == 200
    response = client.post(f"/memberships/apply?member_id={member.id}", data={"type_id": mtype.id})
    assert response.status_code == 302
    membership = db.session.scalar(db.select(Membership))
    client.get("/logout")

    login(store_manager)
    queue = client.get("/memberships/queue").get_data(as_text=True)
    assert membership.number in queue
    refused = client.post(
        f"/memberships/{membership.id}/decide", data={"decision": "reject", "reason": "no"}
    )
    assert refused.status_code == 422  # a rejection needs the box ticked
    approved = client.post(f"/memberships/{membership.id}/decide", data={"decision": "approve"})
    assert approved.status_code == 302
    listed = client.get("/memberships/?status=active").get_data(as_text=True)
    assert membership.number in listed
    assert membership.number not in client.get("/memberships/?status=applied").get_data(
        as_text=True
    )
    client.get("/logout")

    login(finance)
    receipt = client.post(
        f"/memberships/{membership.id}/receipts",
        data={"kind": "deposit_received", "amount": "100000.00"},
    )
    assert receipt.status_code == 302
    bad = client.post(
        f"/memberships/{membership.id}/receipts",
        data={"kind": "deposit_received", "amount": "12.345"},
    )
    assert bad.status_code == 422
    client.get("/logout")

    login(member.user)
    mine = client.get("/memberships/mine").get_data(as_text=True)
    assert "Transfer or end the membership under these rules" in mine  # the plugin's R15 terms
    assert "100,000.00" in mine


def test_r16_finance_sees_refunds_due_in_tabs_and_marks_one_paid_once(
    client, login, db_session, admin, dummy_store, member, store_manager, finance, clock
):
    from datetime import date, timedelta

    from portal.memberships.testing import active_membership

    mtype = dummy_type(db_session, admin=admin, store=dummy_store)
    membership = active_membership(
        db_session, member=member, mtype=mtype, reviewer=store_manager, finance=finance
    )
    lifecycle.announce_end(
        db_session,
        actor=store_manager,
        membership=membership,
        notice=lifecycle.EndNotice(date(2026, 11, 23), "announcement", "the exchange closes"),
    )
    db_session.commit()
    clock.advance(timedelta(days=100))  # 2027-03-03: the 40% falls due on 2027-03-23
    login(finance)
    soon = client.get("/memberships/refunds?within=30").get_data(as_text=True)
    assert membership.number in soon
    assert "40,000.00" in soon
    assert "60,000.00" not in soon
    later = client.get("/memberships/refunds?within=90").get_data(as_text=True)
    assert "60,000.00" in later
    tranche = db.session.scalar(
        db.select(LedgerEntry)
        .where(LedgerEntry.kind == EntryKind.REFUND_SCHEDULED, LedgerEntry.part == "deposit")
        .order_by(LedgerEntry.due_on)
    )
    assert client.post(f"/memberships/refunds/{tranche.id}/paid", data={}).status_code == 422
    paid = client.post(f"/memberships/refunds/{tranche.id}/paid", data={"confirm": "y"})
    assert paid.status_code == 302
    again = client.post(f"/memberships/refunds/{tranche.id}/paid", data={"confirm": "y"})
    assert again.status_code == 409
    payments = db.session.scalars(
        db.select(LedgerEntry).where(
            LedgerEntry.kind == EntryKind.REFUND_PAID, LedgerEntry.part == "deposit"
        )
    ).all()
    assert [p.amount for p in payments] == [Decimal("40000.00")]


def test_membership_outside_ones_scope_answers_404(
    client, login, db_session, admin, dummy_store, other_store, member, store_manager, make_user
):
    from portal.accounts.roles import Role
    from portal.memberships.testing import active_membership

    mtype = dummy_type(db_session, admin=admin, store=dummy_store)
    membership = active_membership(db_session, member=member, mtype=mtype, reviewer=store_manager)
    outsider = make_user("other_manager", Role.STORE_MANAGER, other_store)
    db_session.commit()
    login(outsider)
    assert client.get(f"/memberships/{membership.id}").status_code == 404
    assert client.get(f"/memberships/{membership.id}/revoke").status_code == 404


def test_types_admin_creates_a_type_with_its_own_terms(client, login, admin, dummy_store):
    login(admin)
    response = client.post(
        "/memberships/types/new",
        data={
            "code": "exchange.special",
            "store_id": dummy_store.id,
            "name_en": "Special member",
            "name_zh": "特别会员",
            "entry_fee": "0",
            "management_fee": "1000.00",
            "risk_deposit": "50000.00",
            "period_months": "12",
            "sla_policy": "membership_application",
            "is_active": "y",
            "rights_en": "Trade\nVote",
            "rights_zh": "交易\n表决",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    listing = client.get("/memberships/types").get_data(as_text=True)
    assert "exchange.special" in listing
    wrong = client.post("/memberships/types/new", data={"code": "x y", "store_id": dummy_store.id})
    assert wrong.status_code == 422


def test_r18_member_page_marks_the_rights_suspended_until_the_end_date(
    client, login, db_session, admin, dummy_store, member, store_manager, compliance, finance
):
    from datetime import date

    from portal.memberships.testing import active_membership

    mtype = dummy_type(db_session, admin=admin, store=dummy_store)
    membership = active_membership(
        db_session, member=member, mtype=mtype, reviewer=store_manager, finance=finance
    )
    lifecycle.suspend(
        db_session,
        membership,
        starts_on=date(2026, 11, 23),
        ends_on=date(2026, 12, 31),
        actor=compliance,
        reason="R18",
        source="notice:HG-2026-000009",
    )
    db_session.commit()
    login(member.user)
    page = client.get(f"/members/{member.id}").get_data(as_text=True)
    assert 'data-status="suspended"' in page
    assert "Suspended until Dec 31, 2026" in page
    assert "<s>Transfer or end the membership under these rules</s>" in page
    assert "100,000.00" in page

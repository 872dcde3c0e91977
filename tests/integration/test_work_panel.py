"""The staff home page links each role to its work; reviewers see their queue's counts."""

from __future__ import annotations

from datetime import timedelta

from portal import clock
from portal.sla import services as sla
from portal.vip.testing import dummy_customer, dummy_vip_file


def test_manager_sees_the_review_queue_with_counts(
    db_session, login, staff, store_manager, dummy_store
):
    dummy_vip_file(db_session, staff, dummy_customer(db_session, staff, store_id=dummy_store.id))
    body = login(store_manager).get("/home").get_data(as_text=True)
    assert "VIP files waiting for review" in body
    assert "All: 1" in body
    assert "Overdue: 0" in body
    assert 'href="/vip/review"' in body


def test_staff_sees_their_files_but_no_queue(login, staff):
    body = login(staff).get("/home").get_data(as_text=True)
    assert "My VIP files" in body
    assert "Enter a new customer" in body
    assert "VIP files waiting for review" not in body
    assert 'href="/vip/review"' not in body


def test_a_deputy_on_leave_cover_sees_the_queue(db_session, login, staff, store_manager):
    now = clock.now()
    sla.record_leave(
        db_session,
        actor=store_manager,
        user=store_manager,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=2),
        deputy=staff,
    )
    db_session.commit()
    body = login(staff).get("/home").get_data(as_text=True)
    assert "VIP files waiting for review" in body
    assert "Leave and deputies" in body


def test_the_referrer_starts_a_vip_file_from_the_customer_page(
    db_session, login, staff, dummy_store
):
    member = dummy_customer(db_session, staff, store_id=dummy_store.id)
    db_session.commit()
    body = login(staff).get(f"/members/{member.id}").get_data(as_text=True)
    assert f'href="/vip/files/new?member={member.id}"' in body


def test_members_have_no_vip_work_pages(login, member):
    client = login(member.user)
    assert client.get("/vip/review").status_code == 403
    assert client.get("/vip/files").status_code == 403


def test_finance_compliance_and_reviewers_find_their_membership_work(
    login, finance, compliance, hq_service, hq_head
):
    """R15-R19: each role is sent to its own queue, and to no one else's."""
    expected = {
        finance: ["/memberships/refunds"],
        compliance: ["/compliance/cases", "/compliance/appeals"],
        hq_service: ["/memberships/queue"],
        hq_head: ["/memberships/queue", "/compliance/appeals", "/compliance/cases"],
    }
    every = {url for urls in expected.values() for url in urls}
    for user, urls in expected.items():
        body = login(user).get("/home").get_data(as_text=True)
        for url in every:
            assert (f'href="{url}"' in body) == (url in urls), (user.login, url)

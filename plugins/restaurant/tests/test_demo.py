"""The demo's visits at XA01: a candidate, a near miss and an approved VIP's dinner."""

from __future__ import annotations

from portal_restaurant import demo, services
from sqlalchemy import func, select

from portal.accounts.roles import Role
from portal.vip import services as vip
from portal.vip.models import Consumption
from portal.vip.testing import dummy_customer, dummy_vip_file


def test_demo_visits_make_one_candidate_and_record_a_vips_dinner(
    db_session, make_user, dummy_store, store_manager
):
    li = make_user("staff.xa", Role.STAFF, dummy_store)
    first = dummy_customer(db_session, li, store_id=dummy_store.id, mobile="13900000101")
    dummy_customer(db_session, li, store_id=dummy_store.id, mobile="13900000102")
    regular = dummy_customer(db_session, li, store_id=dummy_store.id, mobile="13900000103")
    file = dummy_vip_file(db_session, li, regular)
    vip.approve(db_session, actor=store_manager, file=file)
    db_session.commit()

    assert demo.add_demo_visits(db_session) == 5
    db_session.commit()
    page = services.candidates(
        db_session, actor=li, store=dummy_store, month=services.this_month(dummy_store)
    )
    assert [c.member.id for c in page.items] == [first.id]
    assert db_session.scalar(select(func.count()).select_from(Consumption)) == 1


def test_demo_visits_need_the_demo_store_and_staff(db_session):
    assert demo.add_demo_visits(db_session) == 0

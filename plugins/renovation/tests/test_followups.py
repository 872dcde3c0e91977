"""R11: customer classes, the responsible person per region, follow-ups and the due list,
through the services, the pages, the API and the tick."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from portal_renovation import followups
from portal_renovation.models import CustomerClass
from sqlalchemy import select

from portal.accounts.roles import Role
from portal.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portal.notifications.models import Notification

TODAY = date(2026, 11, 23)  # START in Shanghai


@pytest.fixture
def classed(db_session, staff, customer):
    row = followups.class_customer(
        db_session, actor=staff, member_id=customer.id, customer_class="A", region="曲江新区"
    )
    db_session.commit()
    return row


def test_r11_a_class_a_customer_is_due_a_month_after_classing(classed):
    assert classed.next_due_on == date(2026, 12, 23)
    assert classed.region == "曲江新区"


def test_r11_each_follow_up_moves_the_due_date_by_the_cadence(db_session, staff, classed, clock):
    followups.record_follow_up(
        db_session,
        actor=staff,
        member_id=classed.member_id,
        followed_up_on=TODAY,
        channel="call",
        note="回访装修满意度",
    )
    db_session.commit()
    assert classed.next_due_on == date(2026, 12, 23)
    followups.class_customer(
        db_session, actor=staff, member_id=classed.member_id, customer_class="C", region=""
    )
    db_session.commit()
    assert classed.next_due_on == date(2027, 5, 23)  # C: twice a year, from the follow-up


def test_r11_an_older_follow_up_does_not_move_the_due_date_back(db_session, staff, classed):
    for day in (TODAY, TODAY - timedelta(days=40)):
        followups.record_follow_up(
            db_session,
            actor=staff,
            member_id=classed.member_id,
            followed_up_on=day,
            channel="visit",
            note="上门",
        )
    db_session.commit()
    assert classed.last_follow_up_on == TODAY


def test_r11_a_follow_up_needs_a_class_a_past_day_and_a_note(db_session, staff, customer, classed):
    with pytest.raises(ValidationFailed) as exc:
        followups.record_follow_up(
            db_session,
            actor=staff,
            member_id=customer.id,
            followed_up_on=TODAY + timedelta(days=1),
            channel="pigeon",
            note="",
        )
    assert set(exc.value.errors) == {"followed_up_on", "channel", "note"}


def test_r11_an_unclassed_customer_is_classed_first(db_session, staff, make_member):
    other = make_member(full_name="李四海", mobile="13900139000")
    with pytest.raises(Conflict):
        followups.record_follow_up(
            db_session,
            actor=staff,
            member_id=other.id,
            followed_up_on=TODAY,
            channel="call",
            note="x",
        )


def test_r11_the_responsible_person_of_the_region_or_else_the_store(
    db_session, store_manager, staff, colleague, classed, dummy_store
):
    assert followups.responsible_for(db_session, classed) is None
    followups.set_lead(
        db_session,
        actor=store_manager,
        store_id=dummy_store.id,
        region="",
        customer_class="A",
        user_id=colleague.id,
    )
    db_session.commit()
    assert followups.responsible_for(db_session, classed) == colleague
    followups.set_lead(
        db_session,
        actor=store_manager,
        store_id=dummy_store.id,
        region="曲江新区",
        customer_class="A",
        user_id=staff.id,
    )
    db_session.commit()
    assert followups.responsible_for(db_session, classed) == staff
    with pytest.raises(PermissionDenied):
        followups.set_lead(
            db_session,
            actor=staff,
            store_id=dummy_store.id,
            region="",
            customer_class="B",
            user_id=staff.id,
        )


def test_r11_the_due_list_is_sorted_by_due_date_and_scoped(
    db_session, staff, make_member, classed, make_user, other_store
):
    later = make_member(full_name="李四海", mobile="13900139000")
    followups.class_customer(
        db_session, actor=staff, member_id=later.id, customer_class="C", region=""
    )
    db_session.commit()
    page = followups.due_list(db_session, actor=staff)
    assert [r.member_id for r in page.items] == [classed.member_id, later.id]
    only_c = followups.due_list(
        db_session, actor=staff, flt=followups.DueFilter(customer_class=CustomerClass.C)
    )
    assert [r.member_id for r in only_c.items] == [later.id]
    first = followups.due_list(db_session, actor=staff, limit=1)
    rest = followups.due_list(db_session, actor=staff, limit=1, cursor=first.next_cursor)
    assert [r.member_id for r in rest.items] == [later.id]
    due_now = followups.due_list(db_session, actor=staff, flt=followups.DueFilter(due_by=TODAY))
    assert due_now.items == []
    outsider = make_user("outsider", Role.STORE_MANAGER, other_store)
    assert followups.due_list(db_session, actor=outsider).items == []
    with pytest.raises(NotFound):
        followups.get_customer(db_session, actor=outsider, member_id=later.id)


def test_r11_the_tick_reminds_the_responsible_person_once(
    app, db_session, store_manager, colleague, classed, dummy_store, clock
):
    followups.set_lead(
        db_session,
        actor=store_manager,
        store_id=dummy_store.id,
        region="",
        customer_class="A",
        user_id=colleague.id,
    )
    db_session.commit()
    hook = app.extensions["portal.plugins"]
    assert followups.remind_due(db_session, now=clock.now()) == 0
    clock.advance(timedelta(days=30))  # 2026-12-23 10:00 in Shanghai
    assert followups.remind_due(db_session, now=clock.now()) == 1
    db_session.commit()
    assert followups.remind_due(db_session, now=clock.now()) == 0  # a second runner adds nothing
    sent = list(
        db_session.scalars(
            select(Notification).where(Notification.kind == "renovation.follow_up_due")
        )
    )
    assert [n.recipient_user_id for n in sent] == [colleague.id]
    assert hook is not None


# --- pages and API --------------------------------------------------------------------------


def test_the_pages_class_a_customer_and_record_a_follow_up(
    client, login, staff, customer, db_session
):
    login(staff)
    response = client.post(
        f"/renovation/customers/{customer.id}/class", data={"customer_class": "B", "region": ""}
    )
    assert response.status_code == 302
    response = client.post(
        f"/renovation/customers/{customer.id}/follow-up",
        data={"followed_up_on": "2026-11-20", "channel": "call", "note": "电话回访"},
    )
    assert response.status_code == 302
    body = client.get(f"/renovation/customers/{customer.id}", headers={"Accept-Language": "en"})
    text = body.get_data(as_text=True)
    assert "电话回访" in text
    assert "Feb 20, 2027" in text  # B: a quarter after the follow-up
    due = client.get("/renovation/follow-ups").get_data(as_text=True)
    assert customer.full_name in due
    bad = client.post(
        f"/renovation/customers/{customer.id}/follow-up",
        data={"followed_up_on": "2099-01-01", "channel": "call", "note": "x"},
        headers={"Accept-Language": "en"},
    )
    assert bad.status_code == 422
    assert "This day lies in the future." in bad.get_data(as_text=True)


def test_the_manager_names_a_responsible_person_on_the_page(
    client, login, store_manager, colleague, dummy_store
):
    login(store_manager)
    response = client.post(
        "/renovation/leads",
        data={
            "store_id": dummy_store.id,
            "region": "高新区",
            "customer_class": "A",
            "user_id": colleague.id,
        },
    )
    assert response.status_code == 302
    assert "高新区" in client.get("/renovation/leads").get_data(as_text=True)


def test_the_api_classes_follows_up_and_lists_the_due(
    client, api_token, staff, customer, db_session
):
    headers = api_token(staff)
    url = f"/api/v1/renovation/customers/{customer.id}"
    response = client.post(f"{url}/class", json={"customer_class": "A"}, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["next_due_on"] == "2026-12-23"
    keyed = {**headers, "Idempotency-Key": "fu-1"}
    body = {"followed_up_on": "2026-11-23", "channel": "visit", "note": "上门回访"}
    first = client.post(f"{url}/follow-ups", json=body, headers=keyed)
    again = client.post(f"{url}/follow-ups", json=body, headers=keyed)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"]
    assert len(client.get(f"{url}/follow-ups", headers=headers).get_json()["items"]) == 1
    due = client.get("/api/v1/renovation/follow-ups/due", headers=headers).get_json()
    assert [r["member_id"] for r in due["items"]] == [customer.id]
    wrong = client.post(f"{url}/class", json={"customer_class": "D"}, headers=headers)
    assert wrong.status_code == 422


def test_r11_the_due_list_page_asks_the_same_queries_for_any_number_of_rows(
    client, login, db_session, staff, make_member
):
    from sqlalchemy import event

    from portal.extensions import db

    def rows(n):
        for i in range(n):
            member = make_member(
                full_name="王" + "甲乙丙丁戊己庚辛"[len(seen)], mobile=f"1390000{len(seen):04d}"
            )
            followups.class_customer(
                db_session, actor=staff, member_id=member.id, customer_class="B", region=f"区{i}"
            )
            seen.append(member)
        db_session.commit()

    def statements():
        count = []
        listener = lambda *args: count.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/renovation/follow-ups").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(count)

    seen: list = []
    login(staff)
    rows(2)
    few = statements()
    rows(5)
    assert statements() == few

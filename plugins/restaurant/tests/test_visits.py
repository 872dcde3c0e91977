"""R22 visits: recorded on the page and over the API, idempotently, in the store's scope;
R5: an approved VIP's amount also becomes VIP consumption, nobody else's."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from portal_restaurant import services
from portal_restaurant.models import Visit
from sqlalchemy import func, select

from portal.accounts.roles import Role
from portal.audit.services import AuditFilter, filtered_events
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.members.models import MemberStatus
from portal.testing.fixtures import START
from portal.vip import services as vip
from portal.vip.models import Consumption
from portal.vip.testing import dummy_customer

API = "/api/v1/restaurant/visits"


def body(member: Any, **changes: Any) -> dict[str, Any]:
    return {
        "member_id": member.id,
        "visited_at": (START - timedelta(hours=1)).isoformat(),
        "source": "walk_in",
        "party_size": 4,
        "table_label": "A12",
        "amount": "368.00",
        **changes,
    }


def count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


# --- the service ---------------------------------------------------------------------------------


def test_r22_a_visit_is_recorded_with_audit_and_event(db_session, staff, customer, visit):
    row = visit(staff, customer, table_label=" A  12 ", amount="88.5", reservation_ref="R-1")
    assert row.store_id == customer.store_id
    assert row.table_label == "A 12"
    assert row.amount == Decimal("88.50")
    assert row.consumption_id is None  # R5: not a VIP, no consumption
    assert count(Consumption) == 0
    event = db_session.scalar(filtered_events(AuditFilter(action="restaurant.visit_recorded")))
    assert event.object_id == str(row.id)
    assert event.after["amount"] == "88.50"


def test_r5_an_approved_vips_amount_is_recorded_as_consumption(
    db_session, staff, approved_vip, visit
):
    row = visit(staff, approved_vip, amount="368.00", table_label="A12")
    consumption = db_session.get(Consumption, row.consumption_id)
    assert consumption.amount == Decimal("368.00")
    assert consumption.occurred_at == row.visited_at
    assert consumption.member_id == approved_vip.id
    without_amount = visit(staff, approved_vip)
    assert without_amount.consumption_id is None


def test_r5_a_consumption_key_chosen_elsewhere_cannot_capture_the_visits_consumption(
    db_session, staff, approved_vip, visit
):
    """The core's consumption keys are one namespace for every client: a key that anyone
    can guess from the next visit id would replay (or refuse) somebody else's recording."""
    upcoming = (db_session.scalar(select(func.max(Visit.id))) or 0) + 1
    guessed = vip.record_consumption(
        db_session,
        actor=staff,
        file_or_member=approved_vip,
        amount="1.00",
        occurred_at=START - timedelta(hours=2),
        idempotency_key=f"restaurant-visit-{upcoming}",
    )
    db_session.commit()
    row = visit(staff, approved_vip, amount="368.00")
    assert row.id == upcoming
    assert row.consumption_id != guessed.id
    assert db_session.get(Consumption, row.consumption_id).amount == Decimal("368.00")
    assert count(Consumption) == 2


def test_r22_wrong_values_are_named_field_by_field_and_nothing_is_saved(
    db_session, staff, customer
):
    data = services.VisitData(
        visited_at=START + timedelta(hours=1),
        source="takeaway",
        party_size=0,
        table_label="x" * 21,
        amount="12.345",
        reservation_ref="with space",
    )
    with pytest.raises(ValidationFailed) as caught:
        services.record_visit(db_session, actor=staff, member=customer, data=data)
    assert set(caught.value.errors) == {
        "visited_at",
        "source",
        "party_size",
        "table_label",
        "amount",
        "reservation_ref",
    }
    db_session.rollback()
    assert count(Visit) == 0


def test_a_closed_member_record_takes_no_visits(db_session, staff, customer):
    customer.status = MemberStatus.CLOSED
    db_session.commit()
    data = services.VisitData(visited_at=START, source="walk_in", party_size=2)
    with pytest.raises(Conflict):
        services.record_visit(db_session, actor=staff, member=customer, data=data)


def test_a_visit_at_another_store_is_not_found(db_session, make_user, other_store, customer):
    stranger = make_user("staff.bj", Role.STAFF, other_store)
    data = services.VisitData(visited_at=START, source="walk_in", party_size=2)
    with pytest.raises(NotFound):
        services.record_visit(db_session, actor=stranger, member=customer, data=data)


def test_the_same_key_twice_stores_one_visit_and_another_body_conflicts(
    db_session, staff, customer
):
    data = services.VisitData(visited_at=START, source="walk_in", party_size=2)
    first, created = services.record_visit(
        db_session, actor=staff, member=customer, data=data, idempotency_key="pos-1"
    )
    db_session.commit()
    again, created_again = services.record_visit(
        db_session, actor=staff, member=customer, data=data, idempotency_key="pos-1"
    )
    assert (created, created_again) == (True, False)
    assert again.id == first.id
    other = services.VisitData(visited_at=START, source="walk_in", party_size=3)
    with pytest.raises(Conflict):
        services.record_visit(
            db_session, actor=staff, member=customer, data=other, idempotency_key="pos-1"
        )


def test_an_idempotency_key_is_the_senders_own(db_session, make_user, staff, customer, other_store):
    """Two POS systems, or two stores, may pick the same key: each records its own visit,
    and nobody learns or blocks what another account sent with it."""
    data = services.VisitData(visited_at=START, source="walk_in", party_size=2)
    first, _created = services.record_visit(
        db_session, actor=staff, member=customer, data=data, idempotency_key="pos-1"
    )
    db_session.commit()
    colleague = make_user("staff.2", Role.STAFF, customer.store)
    second, created = services.record_visit(
        db_session, actor=colleague, member=customer, data=data, idempotency_key="pos-1"
    )
    db_session.commit()
    assert created
    assert second.id != first.id
    stranger = make_user("staff.bj", Role.STAFF, other_store)
    theirs = dummy_customer(db_session, stranger, store_id=other_store.id)
    third, created = services.record_visit(
        db_session, actor=stranger, member=theirs, data=data, idempotency_key="pos-1"
    )
    db_session.commit()
    assert created
    assert third.store_id == other_store.id
    again, created = services.record_visit(
        db_session, actor=staff, member=customer, data=data, idempotency_key="pos-1"
    )
    assert (again.id, created) == (first.id, False)
    assert count(Visit) == 3


# --- the API -------------------------------------------------------------------------------------


def test_api_records_a_visit_201_then_replays_it_200_and_refuses_another_body_409(
    client, api_token, staff, customer
):
    headers = {**api_token(staff), "Idempotency-Key": "pos-20261123-0001"}
    created = client.post(API, json=body(customer), headers=headers)
    assert created.status_code == 201, created.json
    assert created.json["source"] == "walk_in"
    assert created.json["amount"] == "368.00"
    replay = client.post(API, json=body(customer), headers=headers)
    assert replay.status_code == 200
    assert replay.json["id"] == created.json["id"]
    clash = client.post(API, json=body(customer, party_size=5), headers=headers)
    assert clash.status_code == 409
    assert "idempotency key" in clash.json["status"]
    assert count(Visit) == 1


def test_api_finds_the_customer_by_phone_within_the_store(
    client, api_token, staff, customer, dummy_store
):
    payload = body(customer, member_id=None, store_id=dummy_store.id, mobile="139 1234 5678")
    created = client.post(API, json=payload, headers=api_token(staff))
    assert created.status_code == 201, created.json
    assert created.json["member_id"] == customer.id
    unknown = client.post(API, json={**payload, "mobile": "13700000000"}, headers=api_token(staff))
    assert unknown.status_code == 404
    missing = client.post(API, json={**payload, "mobile": None}, headers=api_token(staff))
    assert missing.status_code == 422
    assert "member_id" in missing.json["errors"]["json"]


def test_r5_api_visit_of_an_approved_vip_carries_its_consumption(
    client, api_token, staff, approved_vip
):
    created = client.post(API, json=body(approved_vip), headers=api_token(staff))
    assert created.status_code == 201
    assert created.json["consumption_id"] is not None
    assert count(Consumption) == 1


def test_api_two_posts_with_the_same_key_at_once_store_one_visit(
    app, client, api_token, staff, approved_vip
):
    headers = {**api_token(staff), "Idempotency-Key": "race-1"}
    payload = body(approved_vip)
    db.session.remove()
    barrier = threading.Barrier(2, timeout=30)
    answers: list[Any] = []

    def post() -> None:
        barrier.wait()
        answer = app.test_client().post(API, json=payload, headers=headers)
        answers.append((answer.status_code, answer.json.get("id")))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(status for status, _id in answers) == [200, 201], answers
    assert len({visit_id for _status, visit_id in answers}) == 1
    assert count(Visit) == 3  # the two of the approved_vip fixture and this one
    assert count(Consumption) == 1


def test_api_lists_the_stores_visits_with_filters_and_cursor(
    client, api_token, staff, customer, visit, dummy_store
):
    for days in range(3):
        visit(staff, customer, at=START - timedelta(days=days, hours=1), source="walk_in")
    visit(staff, customer, at=START - timedelta(days=40), source="reservation")
    headers = api_token(staff)
    first = client.get(f"{API}?limit=2", headers=headers)
    assert first.status_code == 200
    assert len(first.json["items"]) == 2
    rest = client.get(f"{API}?limit=2&cursor={first.json['next_cursor']}", headers=headers)
    assert len(rest.json["items"]) == 2
    assert rest.json["next_cursor"] is None
    walk_ins = client.get(f"{API}?source=walk_in&since=2026-11-22", headers=headers)
    assert len(walk_ins.json["items"]) == 2
    oldest = client.get(f"{API}?sort=oldest&store_id={dummy_store.id}", headers=headers)
    assert oldest.json["items"][0]["source"] == "reservation"
    backwards = client.get(f"{API}?since=2026-11-22&until=2026-11-01", headers=headers)
    assert backwards.status_code == 422
    assert "until" in backwards.json["errors"]["query"]


def test_api_another_stores_staff_get_404(client, api_token, make_user, other_store, customer):
    stranger = make_user("staff.bj", Role.STAFF, other_store)
    headers = api_token(stranger)
    assert client.post(API, json=body(customer), headers=headers).status_code == 404
    listed = client.get(f"{API}?store_id={customer.store_id}", headers=headers)
    assert listed.status_code == 404
    assert count(Visit) == 0


def test_api_shows_one_visit_within_the_stores_scope(
    client, api_token, staff, customer, visit, make_user, other_store
):
    row = visit(staff, customer, table_label="A1")
    shown = client.get(f"{API}/{row.id}", headers=api_token(staff))
    assert shown.status_code == 200
    assert shown.json["table_label"] == "A1"
    stranger = make_user("staff.bj", Role.STAFF, other_store)
    assert client.get(f"{API}/{row.id}", headers=api_token(stranger)).status_code == 404
    assert client.get(f"{API}/{row.id + 1}", headers=api_token(staff)).status_code == 404


def test_api_needs_a_token(client, customer):
    assert client.post(API, json=body(customer)).status_code == 401
    assert client.get(API).status_code == 401


def test_api_the_visit_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/restaurant/visits"])
    assert "get" in paths["/api/v1/restaurant/candidates"]
    assert "get" in paths["/api/v1/restaurant/greetings"]
    assert "get" in paths["/api/v1/restaurant/visits/{visit_id}"]
    parameters = paths["/api/v1/restaurant/visits"]["post"]["parameters"]
    assert any(p["name"] == "Idempotency-Key" for p in parameters)


# --- the pages -----------------------------------------------------------------------------------


def test_staff_find_the_customer_by_phone_and_record_a_visit(login, staff, customer):
    client = login(staff)
    found = client.get("/restaurant/visits/new?mobile=13912345678")
    assert found.status_code == 200
    assert f"/restaurant/visits/new?member={customer.id}" in found.get_data(as_text=True)
    form = client.get(f"/restaurant/visits/new?member={customer.id}")
    assert form.status_code == 200
    data = {
        "visited_at": "2026-11-23T09:30",
        "source": "reservation",
        "party_size": "6",
        "table_label": "牡丹厅",
        "amount": "1288",
        "reservation_ref": "R-88",
        "idempotency_key": "form-key-1",
    }
    saved = client.post(f"/restaurant/visits/new?member={customer.id}", data=data)
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith(f"/members/{customer.id}")
    double_click = client.post(f"/restaurant/visits/new?member={customer.id}", data=data)
    assert double_click.status_code == 302
    rows = list(db.session.scalars(select(Visit)))
    assert len(rows) == 1
    assert rows[0].visited_at.isoformat() == "2026-11-23T01:30:00+00:00"  # 09:30 in Xi'an
    member_page = client.get(f"/members/{customer.id}").get_data(as_text=True)
    assert "Restaurant visits" in member_page
    assert "牡丹厅" in member_page
    assert "Record a visit" in member_page


def test_the_visit_form_shows_errors_next_to_the_fields(login, staff, customer):
    client = login(staff)
    wrong = client.post(
        f"/restaurant/visits/new?member={customer.id}",
        data={
            "visited_at": "2026-11-23T09:30",
            "source": "walk_in",
            "party_size": "2",
            "amount": "-5",
        },
    )
    assert wrong.status_code == 422
    assert "Enter an amount above zero" in wrong.get_data(as_text=True)
    assert count(Visit) == 0


def test_the_visit_list_filters_by_source_and_sorts(login, staff, customer, visit):
    visit(
        staff,
        customer,
        at=START - timedelta(hours=3),
        source="walk_in",
        party_size=8,
        table_label="散台八",
    )
    # labels no CSRF token or asset hash can contain
    visit(
        staff, customer, at=START - timedelta(hours=2), source="reservation", table_label="包间七"
    )
    client = login(staff)
    page = client.get("/restaurant/visits").get_data(as_text=True)
    assert "Walk-in table" in page
    assert "包间七" in page
    walk_ins = client.get("/restaurant/visits?source=walk_in").get_data(as_text=True)
    assert "包间七" not in walk_ins
    assert "sort=party" in page  # the Guests heading sorts by party size
    by_party = client.get("/restaurant/visits?sort=party").get_data(as_text=True)
    assert by_party.index("散台八") < by_party.index("包间七")  # 8 guests before 2
    newest = client.get("/restaurant/visits").get_data(as_text=True)
    assert newest.index("包间七") < newest.index("散台八")
    backwards = client.get("/restaurant/visits?since=2026-11-23&until=2026-11-01")
    assert backwards.status_code == 422
    assert "The end date lies before the start date." in backwards.get_data(as_text=True)


def test_pages_of_another_store_answer_404(login, make_user, other_store, customer, dummy_store):
    stranger = make_user("staff.bj", Role.STAFF, other_store)
    client = login(stranger)
    assert client.get(f"/restaurant/visits/new?member={customer.id}").status_code == 404
    assert client.get(f"/restaurant/visits?store={dummy_store.id}").status_code == 404
    assert client.get(f"/restaurant/candidates?store={dummy_store.id}").status_code == 404


def test_members_have_no_visit_pages(login, member):
    client = login(member.user)
    assert client.get("/restaurant/visits").status_code == 404
    assert client.get("/restaurant/visits/new").status_code == 404


def test_a_customer_sees_their_own_visits_on_their_page(
    db_session, login, staff, make_member, visit
):
    own = make_member(full_name="李秀英", mobile="13811112222")
    visit(staff, own, table_label="C3")
    page = login(own.user).get(f"/members/{own.id}").get_data(as_text=True)
    assert "C3" in page
    assert "Record a visit" not in page


def test_a_customers_recent_visits_are_read_through_the_scope_check(
    db_session, make_user, other_store, staff, make_member, customer, visit
):
    """The member page's section reads through the service, which checks the reader."""
    own = make_member(full_name="李秀英", mobile="13811112222")
    visit(staff, own, table_label="C3")
    visit(staff, customer, table_label="D4")
    assert [
        v.table_label for v in services.member_visits(db_session, actor=own.user, member=own)
    ] == ["C3"]
    assert [v.table_label for v in services.member_visits(db_session, actor=staff, member=own)] == [
        "C3"
    ]
    for reader in (make_user("staff.bj", Role.STAFF, other_store), own.user):
        with pytest.raises(NotFound):
            services.member_visits(db_session, actor=reader, member=customer)


def test_a_staff_customer_of_another_referrer_can_still_have_visits(
    db_session, make_user, dummy_store, visit
):
    colleague = make_user("staff2", Role.STAFF, dummy_store)
    theirs = dummy_customer(db_session, colleague, store_id=dummy_store.id, mobile="13900001111")
    db_session.commit()
    manager = make_user("manager2", Role.STORE_MANAGER, dummy_store)
    assert visit(manager, theirs).recorded_by_id == manager.id


def test_api_errors_speak_chinese_to_a_chinese_client(client, api_token, staff, customer):
    """Every message of a refused request is translated, the validators' included."""
    headers = {**api_token(staff), "Accept-Language": "zh-CN"}
    refused = client.post(
        API,
        json=body(
            customer,
            source="takeaway",
            party_size=0,
            visited_at="2026-11-23T09:30:00",
            amount="NaN",
        ),
        headers=headers,
    )
    queried = client.get(f"{API}?source=takeaway&sort=cheapest&since=2026-13-01", headers=headers)
    messages = [
        (field, message)
        for response, where in ((refused, "json"), (queried, "query"))
        for field, listed in response.json["errors"][where].items()
        for message in listed
    ]
    assert {field for field, _message in messages} == {
        "source",
        "party_size",
        "visited_at",
        "amount",
        "sort",
        "since",
    }
    untranslated = [m for _field, m in messages if not any("\u4e00" <= ch <= "\u9fff" for ch in m)]
    assert untranslated == []


def test_api_refuses_a_third_decimal_instead_of_rounding_it_away(
    client, api_token, staff, customer
):
    """Money rule as on the page: 12.345 is a typing error, not 12.34 (nor 12.35)."""
    headers = api_token(staff)
    for amount in ("12.345", 12.345, "0.001"):
        refused = client.post(API, json=body(customer, amount=amount), headers=headers)
        assert refused.status_code == 422, (amount, refused.json)
        assert "amount" in refused.json["errors"]["json"]
    assert count(Visit) == 0
    accepted = client.post(API, json=body(customer, amount=368.5), headers=headers)
    assert accepted.status_code == 201
    assert accepted.json["amount"] == "368.50"


def test_api_a_store_id_beside_the_member_id_must_be_the_customers(
    client, api_token, staff, customer, other_store
):
    """A POS sending its own store with a customer of another store learns of the mix-up
    instead of recording the meal at the other store."""
    headers = api_token(staff)
    mixed = client.post(API, json=body(customer, store_id=other_store.id), headers=headers)
    assert mixed.status_code == 422
    assert "store_id" in mixed.json["errors"]["json"]
    assert count(Visit) == 0
    matching = client.post(API, json=body(customer, store_id=customer.store_id), headers=headers)
    assert matching.status_code == 201

"""Finding a customer by any contact method, inside one's scope only (R8, R10)."""

from __future__ import annotations

import pytest

from portal.members import ownership
from portal.members.models import ContactKind

API = "/api/v1/members/"


@pytest.fixture
def customer(db_session, staff, dummy_store):
    member = ownership.enter_customer(
        db_session,
        actor=staff,
        store_id=dummy_store.id,
        full_name="赵丽华",
        mobile="13911112222",
        contacts=[(ContactKind.WECHAT, "zhao_lihua"), (ContactKind.LANDLINE, "029-88886666")],
    )
    db_session.commit()
    return member


@pytest.mark.parametrize(
    "text", ["13911112222", "+86 139 1111 2222", "ZHAO_LIHUA", "029-88886666", "02988886666"]
)
def test_finds_a_customer_by_any_contact_as_typed(login, store_manager, customer, text):
    body = login(store_manager).get("/members", query_string={"contact": text}).get_data(True)
    assert "赵丽华" in body


def test_text_that_is_no_contact_finds_nobody(login, store_manager, customer):
    response = login(store_manager).get("/members", query_string={"contact": "hello world!"})
    assert response.status_code == 200
    assert "赵丽华" not in response.get_data(as_text=True)


def test_r10_lookup_stays_inside_the_scope(db_session, login, make_user, other_store, customer):
    from portal.accounts.roles import Role

    neighbour = make_user("neighbour", Role.STORE_MANAGER, other_store)
    body = login(neighbour).get("/members", query_string={"contact": "13911112222"}).get_data(True)
    assert "赵丽华" not in body


def test_api_lookup_masks_the_mobile_for_other_staff(
    db_session, client, api_token, make_user, dummy_store, customer
):
    from portal.accounts.roles import Role

    colleague = make_user("colleague", Role.STAFF, dummy_store)
    response = client.get(API, query_string={"contact": "zhao_lihua"}, headers=api_token(colleague))
    assert response.status_code == 200
    [item] = response.get_json()["items"]
    assert item["full_name"] == "赵丽华"
    assert "1111" not in item["mobile"]

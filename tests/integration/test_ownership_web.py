"""Ownership pages and API: entering customers, cases, handover, counts, masking (R8-R10)."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from portal.accounts.operator import ShellOperator
from portal.accounts.roles import Role
from portal.accounts.services import set_account_enabled
from portal.audit.models import AuditEvent
from portal.members import ownership
from portal.members.models import Member, OwnershipConflict
from portal.testing.fixtures import PASSWORD

OPERATOR = ShellOperator("test")


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def li(make_user, dummy_store):
    return make_user("li.na", Role.STAFF, dummy_store, display_name="李娜")


@pytest.fixture
def customer(db_session, staff, dummy_store):
    """A customer of ``staff`` with a landline and a WeChat ID."""
    member = ownership.enter_customer(
        db_session,
        actor=staff,
        store_id=dummy_store.id,
        full_name="张伟明",
        mobile="13900139000",
        contacts=[("landline", "029-88886666"), ("wechat", "zhangwm_1")],
    )
    db_session.commit()
    return member


def form_data(**fields):
    data = {"store_id": fields.pop("store_id"), "full_name": "张伟明", "mobile": "139 0013 9000"}
    for i, (kind, value) in enumerate(fields.pop("contacts", [])):
        data[f"contacts-{i}-kind"] = kind
        data[f"contacts-{i}-value"] = value
    data.update(fields)
    return data


# --- entering customers -----------------------------------------------------------------------


def test_r8_staff_enter_a_customer_on_the_form(login, staff, dummy_store, db_session):
    client = login(staff)
    page = client.get("/customers/new")
    assert page.status_code == 200
    assert 'name="contacts-3-value"' in text_of(page)  # several contact rows
    assert 'name="referrer_id"' not in text_of(page)  # staff refer themselves
    response = client.post(
        "/customers/new",
        data=form_data(
            store_id=dummy_store.id, contacts=[("wechat", "ZhangWM_1"), ("email", "z@qq.com")]
        ),
    )
    assert response.status_code == 302
    member = db_session.scalar(select(Member).where(Member.full_name == "张伟明"))
    assert response.headers["Location"].endswith(f"/members/{member.id}")
    assert member.referrer_id == staff.id
    assert sorted(c.kind for c in member.contacts) == ["email", "mobile", "wechat"]


def test_r8_wrong_contacts_answer_422_next_to_the_list(login, staff, dummy_store, db_session):
    response = login(staff).post(
        "/customers/new",
        data=form_data(store_id=dummy_store.id, contacts=[("landline", "88886666")]),
    )
    assert response.status_code == 422
    assert "area code" in text_of(response)
    assert db_session.scalar(select(Member.id)) is None


def test_r8_second_referrer_is_sent_to_the_case(login, li, customer, dummy_store, db_session):
    response = login(li).post(
        "/customers/new",
        data=form_data(
            store_id=dummy_store.id, mobile="13700137000", contacts=[("wechat", "zhangwm_1")]
        ),
    )
    assert response.status_code == 302
    case = db_session.scalar(select(OwnershipConflict))
    assert response.headers["Location"].endswith(f"/ownership/conflicts/{case.id}")
    page = login(li).get(f"/ownership/conflicts/{case.id}")
    assert page.status_code == 200
    assert "The store manager will decide this case." in text_of(page)
    assert "137 0013 7000" in text_of(page)  # the claimant sees what they entered
    assert "139 0013 9000" not in text_of(page)  # but the customer's own number masked
    assert db_session.scalar(select(Member.id).where(Member.mobile == "+8613700137000")) is None


def test_r8_own_customer_again_goes_to_their_file(login, staff, customer, dummy_store):
    response = login(staff).post("/customers/new", data=form_data(store_id=dummy_store.id))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/members/{customer.id}")


@pytest.mark.parametrize("who", ["hq_service", "compliance"])
def test_head_office_does_not_enter_customers(request, login, who, dummy_store):
    assert login(request.getfixturevalue(who)).get("/customers/new").status_code == 404


def test_manager_enters_a_customer_for_a_referrer(
    login, store_manager, li, dummy_store, db_session
):
    response = login(store_manager).post(
        "/customers/new", data=form_data(store_id=dummy_store.id, referrer_id=li.id)
    )
    assert response.status_code == 302
    assert db_session.scalar(select(Member.referrer_id)) == li.id


# --- the member page: contacts and history ----------------------------------------------------


def test_r10_contacts_are_masked_for_those_who_do_not_own_the_customer(
    login, li, staff, store_manager, customer, db_session
):
    page = text_of(login(li).get(f"/members/{customer.id}"))
    assert "139****9000" in page
    assert "029****6666" in page
    assert "z****" in page
    assert "zhangwm_1" not in page
    assert "8888 6666" not in page
    assert "Edit contacts" not in page
    page = text_of(login(staff).get(f"/members/{customer.id}"))  # the referrer
    assert "zhangwm_1" in page
    assert "029 8888 6666" in page
    assert "Edit contacts" in page
    assert "Referrers over time" in page
    assert "Entered by the referrer" in page
    reads = lambda: db_session.scalars(  # noqa: E731
        select(AuditEvent.actor_id).where(AuditEvent.action == "member.file_read")
    ).all()
    assert reads() == []  # the referrer's own read is not logged
    page = text_of(login(store_manager).get(f"/members/{customer.id}"))
    assert "zhangwm_1" in page
    assert reads() == [store_manager.id]  # R10: anyone else's full read is


def test_r8_referrer_edits_the_contact_list(login, staff, customer, db_session):
    client = login(staff)
    page = client.get(f"/members/{customer.id}/contacts")
    assert page.status_code == 200
    assert 'value="zhangwm_1"' in text_of(page)
    response = client.post(
        f"/members/{customer.id}/contacts",
        data={"contacts-0-kind": "email", "contacts-0-value": "Zhang@QQ.com"},
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert sorted((c.kind, c.value) for c in customer.contacts) == [
        ("email", "zhang@qq.com"),
        ("mobile", "+8613900139000"),
    ]


def test_r8_contact_clash_on_the_contact_page_names_nobody(
    login, li, customer, dummy_store, db_session
):
    mine = ownership.enter_customer(
        db_session, actor=li, store_id=dummy_store.id, full_name="刘洋洋", mobile="13700137000"
    )
    db_session.commit()
    response = login(li).post(
        f"/members/{mine.id}/contacts",
        data={"contacts-0-kind": "wechat", "contacts-0-value": "ZHANGWM_1"},
    )
    assert response.status_code == 409
    assert "already registered with this store for another customer" in text_of(response)
    assert "张伟明" not in text_of(response)


def test_r8_other_staff_may_not_edit_contacts(login, li, customer):
    assert login(li).get(f"/members/{customer.id}/contacts").status_code == 404


# --- conflicts: queue, case, decision ---------------------------------------------------------


@pytest.fixture
def case(db_session, li, customer, dummy_store):
    found = ownership.enter_customer(
        db_session, actor=li, store_id=dummy_store.id, full_name="张伟明", mobile="13900139000"
    )
    db_session.commit()
    return found


def test_r8_manager_decides_a_case_on_its_page(login, store_manager, case, li, staff, db_session):
    client = login(store_manager)
    queue = text_of(client.get("/ownership/conflicts"))
    assert f"#{case.id}" in queue
    page = client.get(f"/ownership/conflicts/{case.id}")
    assert "cannot be undone" in text_of(page)
    missing = client.post(
        f"/ownership/conflicts/{case.id}", data={"keep": "claimant", "reason": "x"}
    )
    assert missing.status_code == 422  # the confirmation is required
    response = client.post(
        f"/ownership/conflicts/{case.id}",
        data={"keep": "claimant", "reason": "李娜 met him first", "confirm": "y"},
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Member, case.member_id).referrer_id == li.id
    assert f"#{case.id}" not in text_of(client.get("/ownership/conflicts"))
    again = client.post(
        f"/ownership/conflicts/{case.id}", data={"keep": "holder", "reason": "no", "confirm": "y"}
    )
    assert again.status_code == 302
    assert "already decided" in text_of(client.get(again.headers["Location"]))
    assert db_session.get(Member, case.member_id).referrer_id == li.id


def test_r8_cases_are_404_outside_their_circle(login, case, make_user, other_store, dummy_store):
    stranger = make_user("boss", Role.STORE_MANAGER, other_store)
    assert login(stranger).get(f"/ownership/conflicts/{case.id}").status_code == 404
    bystander = make_user("zhao.min", Role.STAFF, dummy_store)
    assert login(bystander).get(f"/ownership/conflicts/{case.id}").status_code == 404


def test_r8_claimant_lists_their_own_cases(login, li, case):
    page = text_of(login(li).get("/ownership/conflicts"))
    assert "Cases I opened" in page
    assert f"#{case.id}" in page
    assert "Open cases to decide" not in page


# --- handover ---------------------------------------------------------------------------------


def test_r9_handover_pages(login, store_manager, staff, li, customer, db_session, dummy_store):
    set_account_enabled(db_session, actor=OPERATOR, user=staff, enabled=False)  # type: ignore[arg-type]
    db_session.commit()
    client = login(store_manager)
    overview = text_of(client.get("/ownership/handover"))
    assert "Staff" in overview
    assert "Disabled" in overview
    url = f"/ownership/handover/{dummy_store.id}/{staff.id}"
    page = client.get(url)
    assert page.status_code == 200
    assert f'name="successor_{customer.id}"' in text_of(page)
    assert "139 0013 9000" in text_of(page)  # the manager sees the store's contacts
    refused = client.post(url, data={f"successor_{customer.id}": li.id})
    assert refused.status_code == 422  # not confirmed
    response = client.post(url, data={f"successor_{customer.id}": li.id, "confirm": "y"})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Member, customer.id).referrer_id == li.id
    page = text_of(client.get(f"/members/{customer.id}"))
    assert "Handover" in page


def test_r9_handover_needs_a_successor(login, store_manager, staff, customer, dummy_store):
    response = login(store_manager).post(
        f"/ownership/handover/{dummy_store.id}/{staff.id}", data={"confirm": "y"}
    )
    assert response.status_code == 422
    assert "Choose a successor" in text_of(response)


def test_r9_staff_and_other_stores_cannot_hand_over(
    login, staff, make_user, other_store, dummy_store
):
    assert login(staff).get("/ownership/handover").status_code == 404
    stranger = make_user("boss", Role.STORE_MANAGER, other_store)
    assert (
        login(stranger).get(f"/ownership/handover/{dummy_store.id}/{staff.id}").status_code == 404
    )
    assert login(stranger).get(f"/ownership/handover?store={dummy_store.id}").status_code == 404


def test_r9_a_departed_referrer_cannot_log_in_or_use_a_token(
    client, staff, customer, api_token, db_session
):
    headers = api_token(staff)
    assert client.get(f"/api/v1/members/{customer.id}", headers=headers).status_code == 200
    set_account_enabled(db_session, actor=OPERATOR, user=staff, enabled=False)  # type: ignore[arg-type]
    db_session.commit()
    assert client.get(f"/api/v1/members/{customer.id}", headers=headers).status_code == 401
    response = client.post("/login", data={"login": staff.login, "password": PASSWORD})
    assert response.status_code != 302


def test_report_counts_customers_per_referrer(login, store_manager, staff, customer, dummy_store):
    page = login(store_manager).get(f"/ownership/report?store={dummy_store.id}")
    assert page.status_code == 200
    assert re.search(rf'data-referrer="{staff.id}"><td>Staff</td><td>1</td>', text_of(page))
    before = login(store_manager).get(f"/ownership/report?store={dummy_store.id}&on=2026-11-01")
    assert "No customer had a referrer then." in text_of(before)


def test_report_is_for_managers_and_head_office(login, staff, hq_service, customer, dummy_store):
    assert login(staff).get("/ownership/report").status_code == 404
    assert login(hq_service).get(f"/ownership/report?store={dummy_store.id}").status_code == 200


# --- API --------------------------------------------------------------------------------------


def test_api_enter_customer_conflict_and_resolution(
    client, api_token, staff, li, store_manager, dummy_store, db_session
):
    body = {
        "store_id": dummy_store.id,
        "full_name": "张伟明",
        "mobile": "13900139000",
        "contacts": [{"kind": "wechat", "value": "ZhangWM_1"}],
    }
    created = client.post("/api/v1/members/customers", json=body, headers=api_token(staff))
    assert created.status_code == 201, created.json
    member_id = created.json["id"]
    again = client.post("/api/v1/members/customers", json=body, headers=api_token(staff))
    assert (again.status_code, again.json["member_id"]) == (409, member_id)
    claimed = client.post("/api/v1/members/customers", json=body, headers=api_token(li))
    assert claimed.status_code == 202
    case_id = claimed.json["id"]
    assert (claimed.json["member_id"], claimed.json["status"]) == (member_id, "open")
    manager = api_token(store_manager)
    queue = client.get("/api/v1/members/conflicts", headers=manager)
    assert [c["id"] for c in queue.json["items"]] == [case_id]
    mine = client.get("/api/v1/members/conflicts?mine=true", headers=api_token(li))
    assert [c["id"] for c in mine.json["items"]] == [case_id]
    url = f"/api/v1/members/conflicts/{case_id}/resolve"
    bad = client.post(url, json={"keep": "claimant", "reason": ""}, headers=manager)
    assert bad.status_code == 422
    assert (
        client.post(
            url, json={"keep": "claimant", "reason": "x"}, headers=api_token(li)
        ).status_code
        == 403
    )
    done = client.post(url, json={"keep": "claimant", "reason": "first met"}, headers=manager)
    assert (done.status_code, done.json["kept_referrer_id"]) == (200, li.id)
    late = client.post(url, json={"keep": "holder", "reason": "late"}, headers=manager)
    assert late.status_code == 409
    history = client.get(f"/api/v1/members/{member_id}/ownership", headers=manager)
    assert [h["reason"] for h in history.json] == ["entered", "conflict_decision"]


def test_api_contacts_masked_per_viewer_and_replaced_by_the_referrer(
    client, api_token, staff, li, customer
):
    url = f"/api/v1/members/{customer.id}/contacts"
    masked = client.get(url, headers=api_token(li)).json["contacts"]
    assert {c["value"] for c in masked} == {"139****9000", "029****6666", "z****"}
    full = client.get(url, headers=api_token(staff)).json["contacts"]
    assert "zhangwm_1" in {c["value"] for c in full}
    put = client.put(
        url, json={"contacts": [{"kind": "email", "value": "Z@qq.com"}]}, headers=api_token(staff)
    )
    assert put.status_code == 200
    assert {c["value"] for c in put.json["contacts"]} == {"+8613900139000", "z@qq.com"}
    assert client.put(url, json={"contacts": []}, headers=api_token(li)).status_code == 403


def test_api_handover_and_report(
    client, api_token, db_session, staff, li, store_manager, customer, dummy_store
):
    set_account_enabled(db_session, actor=OPERATOR, user=staff, enabled=False)  # type: ignore[arg-type]
    db_session.commit()
    manager = api_token(store_manager)
    rows = client.get(f"/api/v1/members/handover?store={dummy_store.id}", headers=manager).json
    assert rows == [
        {"referrer_id": staff.id, "referrer_name": "Staff", "departed": True, "customers": 1}
    ]
    response = client.post(
        "/api/v1/members/handover",
        json={"store_id": dummy_store.id, "from_referrer_id": staff.id, "all_to": li.id},
        headers=manager,
    )
    assert (response.status_code, response.json) == (200, {"handed_over": 1})
    report = client.get(f"/api/v1/members/ownership-report?store={dummy_store.id}", headers=manager)
    assert [(r["referrer_id"], r["customers"]) for r in report.json] == [(li.id, 1)]


def test_api_out_of_scope_is_404(
    client, api_token, make_user, other_store, customer, dummy_store, staff
):
    stranger = api_token(make_user("boss", Role.STORE_MANAGER, other_store))
    assert (
        client.get(f"/api/v1/members/{customer.id}/contacts", headers=stranger).status_code == 404
    )
    assert (
        client.get(f"/api/v1/members/{customer.id}/ownership", headers=stranger).status_code == 404
    )
    assert (
        client.get(f"/api/v1/members/handover?store={dummy_store.id}", headers=stranger).status_code
        == 404
    )
    assert (
        client.get(
            f"/api/v1/members/ownership-report?store={dummy_store.id}", headers=stranger
        ).status_code
        == 404
    )
    body = {"store_id": dummy_store.id, "full_name": "刘洋洋", "mobile": "13700137000"}
    assert client.post("/api/v1/members/customers", json=body, headers=stranger).status_code == 404


@pytest.mark.parametrize(
    "query",
    ["cursor=%27+OR+1%3D1", "store=18446744073709551616", "store=-1", "on=yesterday", "store=abc"],
)
@pytest.mark.parametrize(
    "page", ["/ownership/conflicts", "/ownership/handover", "/ownership/report"]
)
def test_ownership_pages_refuse_hostile_query_strings(login, store_manager, customer, page, query):
    status = login(store_manager).get(f"{page}?{query}").status_code
    assert status in (200, 404, 422)


def test_handover_list_refuses_a_tampered_cursor(
    login, store_manager, staff, customer, dummy_store
):
    url = f"/ownership/handover/{dummy_store.id}/{staff.id}?cursor=WzFd"  # one value, ok shape
    assert login(store_manager).get(url).status_code == 200
    bad = login(store_manager).get(f"/ownership/handover/{dummy_store.id}/{staff.id}?cursor=xyz")
    assert bad.status_code == 422

"""The case API under /api/v1/renovation (R13, R14, R23, R24, R25)."""

from __future__ import annotations

from portal_renovation.models import RenovationCase
from sqlalchemy import func, select

from portal.accounts.roles import Role

API = "/api/v1/renovation"


def _body(store, member, **fields):
    return {
        "store_id": store.id,
        "member_id": member.id,
        "kind": "repair",
        "channel": "call",
        "severity": "normal",
        "subject": "地板起拱",
        "description": "客户来电反映卧室地板起拱",
        **fields,
    }


def test_log_a_case_and_walk_it_to_the_revisit(
    client, api_token, staff, supervisor, store_manager, dummy_store, customer
):
    headers = api_token(staff)
    response = client.post(f"{API}/cases", json=_body(dummy_store, customer), headers=headers)
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["number"] == "ZXKF-2026-000001"
    assert case["owner_id"] == staff.id
    url = f"{API}/cases/{case['id']}"
    routed = client.post(
        f"{url}/route",
        json={"responsible": "supervisor", "supervisor_id": supervisor.id},
        headers=headers,
    )
    assert routed.status_code == 200, routed.get_json()
    assert routed.get_json()["route"] == "supervisor"
    booked = client.post(
        f"{url}/appointment",
        json={"appointment_at": "2026-11-25T14:30:00+08:00"},
        headers=api_token(supervisor),
    )
    assert booked.status_code == 200, booked.get_json()
    closed = client.post(
        f"{url}/close",
        json={"resolution": "重新铺设", "confirmed_by": "王建国", "method": "on_site"},
        headers=headers,
    )
    assert closed.get_json()["state"] == "closed"
    revisited = client.post(f"{url}/revisit", json={"score": 5, "note": "满意"}, headers=headers)
    assert revisited.get_json()["state"] == "revisited"
    assert client.get(url, headers=headers).get_json()["revisit_score"] == 5


def test_the_idempotency_key_logs_a_case_once(
    client, api_token, staff, dummy_store, customer, db_session
):
    headers = {**api_token(staff), "Idempotency-Key": "desk-42"}
    first = client.post(f"{API}/cases", json=_body(dummy_store, customer), headers=headers)
    again = client.post(f"{API}/cases", json=_body(dummy_store, customer), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"]
    assert db_session.scalar(select(func.count(RenovationCase.id))) == 1


def test_wrong_fields_are_named_in_the_error_body(client, api_token, staff, dummy_store, customer):
    response = client.post(
        f"{API}/cases",
        json=_body(dummy_store, customer, kind="gripe", subject=""),
        headers=api_token(staff),
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]
    assert set(errors) == {"kind", "subject"}


def test_r24_a_second_complaint_shows_its_escalation(
    client, api_token, staff, dummy_store, customer, dummy_case
):
    response = client.post(
        f"{API}/cases",
        json=_body(dummy_store, customer, kind="complaint", earlier_number=dummy_case.number),
        headers=api_token(staff),
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["earlier_case_id"] == dummy_case.id
    assert body["escalated_at"] is not None


def test_r23_a_promise_shows_its_deadline(
    client, api_token, staff, supervisor, dummy_repair, db_session
):
    supervisor.is_enabled = False
    db_session.commit()
    response = client.post(
        f"{API}/cases/{dummy_repair.id}/route",
        json={"responsible": "supervisor", "supervisor_id": supervisor.id},
        headers=api_token(staff),
    )
    body = response.get_json()
    assert body["route"] == "promise"
    assert body["contact_due_at"] == "2026-11-25T02:00:00+00:00"
    contacted = client.post(
        f"{API}/cases/{dummy_repair.id}/contact", json={"note": "已联系"}, headers=api_token(staff)
    )
    assert contacted.get_json()["contact_due_at"] is None


def test_list_filters_pages_and_scope(
    client, api_token, staff, make_case, make_user, other_store, colleague
):
    make_case(severity="minor")
    serious = make_case(severity="serious")
    make_case(actor=colleague)
    headers = api_token(staff)
    body = client.get(f"{API}/cases?severity=serious", headers=headers).get_json()
    assert [c["id"] for c in body["items"]] == [serious.id]
    page = client.get(f"{API}/cases?limit=2", headers=headers).get_json()
    assert len(page["items"]) == 2
    rest = client.get(f"{API}/cases?limit=2&cursor={page['next_cursor']}", headers=headers)
    assert len(rest.get_json()["items"]) == 1
    mine = client.get(f"{API}/cases?owner={staff.id}", headers=headers).get_json()
    assert len(mine["items"]) == 2
    outsider = make_user("outsider", Role.STORE_MANAGER, other_store)
    assert client.get(f"{API}/cases", headers=api_token(outsider)).get_json()["items"] == []
    assert client.get(f"{API}/cases/{serious.id}", headers=api_token(outsider)).status_code == 404


def test_r13_a_colleague_is_refused_with_403(client, api_token, colleague, dummy_case):
    response = client.post(
        f"{API}/cases/{dummy_case.id}/close",
        json={"resolution": "r", "confirmed_by": "王建国", "method": "phone"},
        headers=api_token(colleague),
    )
    assert response.status_code == 403


def test_r24_penalties_over_the_api(client, api_token, store_manager, staff, dummy_case):
    response = client.post(
        f"{API}/cases/{dummy_case.id}/penalties",
        json={"employee_id": staff.id, "reason": "推诿", "measure": "警告"},
        headers=api_token(store_manager),
    )
    assert response.status_code == 201
    number = response.get_json()["number"]
    mine = client.get(f"{API}/penalties", headers=api_token(staff)).get_json()
    assert [n["number"] for n in mine["items"]] == [number]
    notice_id = response.get_json()["id"]
    shown = client.get(f"{API}/penalties/{notice_id}", headers=api_token(staff))
    assert shown.get_json()["measure"] == "警告"
    refused = client.post(
        f"{API}/cases/{dummy_case.id}/penalties",
        json={"employee_id": staff.id, "reason": "r", "measure": "m"},
        headers=api_token(staff),
    )
    assert refused.status_code == 403


def test_the_api_needs_a_token(client):
    assert client.get(f"{API}/cases").status_code == 401
    assert client.post(f"{API}/cases", json={}).status_code == 401

"""VIP files over JSON: drafts, submission, the queue, decisions and consumption (R2-R5)."""

from __future__ import annotations

import pytest

from portal.accounts.roles import Role
from portal.vip.testing import ID_NUMBERS, dummy_customer, dummy_vip_file

VALUES = {
    "id_number": ID_NUMBERS[0],
    "employer": "陕西华为技术有限公司",
    "address": "西安市高新路25号3单元501室",
    "birthday": "1985-04-12",
    "preferences": "不吃辣",
}


@pytest.fixture
def customer(db_session, staff, dummy_store):
    member = dummy_customer(db_session, staff, store_id=dummy_store.id)
    db_session.commit()
    return member


def test_r4_draft_patch_submit_through_the_api(client, api_token, staff, customer, store_manager):
    headers = api_token(staff)
    created = client.post("/api/v1/vip/files", json={"member_id": customer.id}, headers=headers)
    assert created.status_code == 201, created.json
    body = created.json
    assert body["status"] == "draft"
    assert body["missing"]["1"] == ["id_number", "employer", "address"]
    url = f"/api/v1/vip/files/{body['id']}"

    incomplete = client.post(f"{url}/submit", headers=headers)
    assert incomplete.status_code == 422
    assert "id_number" in incomplete.json["errors"]["json"]

    wrong = client.patch(
        url, json={"values": {"mobile": "400-810-8888", "employer": "西安市"}}, headers=headers
    )
    assert wrong.status_code == 422
    assert set(wrong.json["errors"]["json"]) == {"mobile", "employer"}

    stale = client.patch(
        url, json={"values": VALUES, "version": body["version"] + 1}, headers=headers
    )
    assert stale.status_code == 409
    saved = client.patch(url, json={"values": VALUES, "version": body["version"]}, headers=headers)
    assert saved.status_code == 200
    assert saved.json["missing"] == {"1": [], "2": []}
    assert saved.json["data"]["id_number"] == ID_NUMBERS[0]

    submitted = client.post(f"{url}/submit", headers=headers)
    assert submitted.status_code == 200
    assert submitted.json["status"] == "submitted"
    assert submitted.json["round"] == 1
    listed = client.get("/api/v1/vip/files?status=submitted", headers=headers)
    assert [f["id"] for f in listed.json["items"]] == [body["id"]]


def test_r5_queue_decision_and_consumption_through_the_api(
    client, api_token, db_session, staff, customer, store_manager
):
    file = dummy_vip_file(db_session, staff, customer)
    manager = api_token(store_manager)
    queue = client.get("/api/v1/vip/review", headers=manager)
    assert queue.status_code == 200
    assert [i["file"]["id"] for i in queue.json["items"]] == [file.id]
    assert queue.json["items"][0]["seconds_left"] == 12 * 3600
    assert queue.json["counts"] == {"all": 1, "due_soon": 0, "overdue": 0}

    headers = {**api_token(staff), "Idempotency-Key": "till-7-0001"}
    consumption = {"amount": "368.00", "occurred_at": "2026-11-23T01:30:00+00:00"}
    url = f"/api/v1/vip/files/{file.id}"
    refused = client.post(f"{url}/consumption", json=consumption, headers=headers)
    assert refused.status_code == 409
    assert "approved VIPs only" in refused.json["status"]

    no_reason = client.post(f"{url}/decision", json={"decision": "return"}, headers=manager)
    assert no_reason.status_code == 422
    approved = client.post(
        f"{url}/decision", json={"decision": "approve", "version": file.version}, headers=manager
    )
    assert approved.status_code == 200
    assert approved.json["status"] == "approved"
    assert approved.json["decided_by_name"] == "Manager"

    first = client.post(f"{url}/consumption", json=consumption, headers=headers)
    again = client.post(f"{url}/consumption", json=consumption, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json["id"] == again.json["id"]
    assert first.json["amount"] == "368.00"
    listed = client.get(f"{url}/consumption", headers=headers)
    assert [c["id"] for c in listed.json["items"]] == [first.json["id"]]


def test_r5_api_hides_files_from_other_stores(
    client, api_token, db_session, staff, customer, store_manager, make_user, other_store
):
    file = dummy_vip_file(db_session, staff, customer)
    outsider = api_token(make_user("bj.manager", Role.STORE_MANAGER, other_store))
    assert client.get(f"/api/v1/vip/files/{file.id}", headers=outsider).status_code == 404
    decided = client.post(
        f"/api/v1/vip/files/{file.id}/decision", json={"decision": "approve"}, headers=outsider
    )
    assert decided.status_code == 404
    assert client.get("/api/v1/vip/review", headers=outsider).json["items"] == []
    assert client.get("/api/v1/vip/files").status_code == 401


def test_r3_api_refuses_an_insider_with_the_reason(
    client, api_token, db_session, staff, customer, make_user, other_store
):
    make_user("bj.staff", Role.STAFF, other_store, id_number=ID_NUMBERS[0])
    file = dummy_vip_file(db_session, staff, customer, submit=False)
    response = client.post(f"/api/v1/vip/files/{file.id}/submit", headers=api_token(staff))
    assert response.status_code == 422
    assert "staff" in response.json["errors"]["json"]["id_number"][0]

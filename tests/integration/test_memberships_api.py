"""The membership API under /api/v1/memberships, on both databases (R15, R16, R21)."""

from __future__ import annotations

from datetime import timedelta

from portal.memberships.testing import dummy_type


def test_r16_api_apply_decide_pay_revoke_and_mark_paid_with_idempotency_keys(
    client, api_token, db_session, admin, dummy_store, member, store_manager, finance, clock
):
    mtype = dummy_type(db_session, admin=admin, store=dummy_store)
    db_session.commit()
    as_member, as_manager, as_finance = (
        api_token(member.user),
        api_token(store_manager),
        api_token(finance),
    )
    applied = client.post(
        "/api/v1/memberships/",
        json={"member_id": member.id, "type_id": mtype.id},
        headers=as_member,
    )
    assert applied.status_code == 201, applied.json
    mid = applied.json["membership"]["id"]
    assert applied.json["membership"]["status"] == "applied"
    twice = client.post(
        "/api/v1/memberships/",
        json={"member_id": member.id, "type_id": mtype.id},
        headers=as_member,
    )
    assert twice.status_code == 409
    decided = client.post(
        f"/api/v1/memberships/{mid}/decision", json={"approve": True}, headers=as_manager
    )
    assert decided.json["membership"]["status"] == "active"
    assert "Obey the exchange's rules and regulations" in decided.json["terms"]["obligations"]

    receipt = {"kind": "deposit_received", "amount": "100000.00"}
    headers = {**as_finance, "Idempotency-Key": "dep-1"}
    first = client.post(f"/api/v1/memberships/{mid}/ledger", json=receipt, headers=headers)
    retry = client.post(f"/api/v1/memberships/{mid}/ledger", json=receipt, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert first.json["id"] == retry.json["id"]
    wrong = client.post(
        f"/api/v1/memberships/{mid}/ledger",
        json={**receipt, "amount": "1.001"},
        headers=as_finance,
    )
    assert wrong.status_code == 422

    ended = client.post(
        f"/api/v1/memberships/{mid}/end",
        json={"ended_by": "revocation", "announced_on": "2026-11-23", "reason": "R21 rented out"},
        headers=as_manager,
    )
    assert ended.status_code == 200, ended.json
    assert ended.json["membership"]["status"] == "revoked"
    assert [(t["due_on"], t["outstanding"]) for t in ended.json["balance"]["tranches"]] == [
        ("2027-03-23", "40000.00"),
        ("2027-05-23", "60000.00"),
    ]
    assert client.post(f"/api/v1/memberships/{mid}/renewal", headers=as_manager).status_code == 409

    clock.advance(timedelta(days=120))
    as_member, as_finance = api_token(member.user), api_token(finance)  # fresh day-long tokens
    due = client.get("/api/v1/memberships/refunds-due?within_days=30", headers=as_finance)
    assert [e["amount"] for e in due.json["items"]] == ["40000.00"]
    tranche = due.json["items"][0]["id"]
    key = {**as_finance, "Idempotency-Key": "pay-1"}
    paid = client.post(f"/api/v1/memberships/refunds/{tranche}/paid", headers=key)
    replay = client.post(f"/api/v1/memberships/refunds/{tranche}/paid", headers=key)
    assert paid.status_code == replay.status_code == 201
    assert paid.json["id"] == replay.json["id"]
    again = client.post(
        f"/api/v1/memberships/refunds/{tranche}/paid",
        headers={**as_finance, "Idempotency-Key": "x"},
    )
    assert again.status_code == 409
    assert client.get(f"/api/v1/memberships/{mid}", headers=as_member).status_code == 200
    assert (
        client.post(f"/api/v1/memberships/refunds/{tranche}/paid", headers=as_member).status_code
        == 404
    )


def test_membership_api_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "/api/v1/memberships/refunds/{entry_id}/paid" in paths
    assert "/api/v1/memberships/{membership_id}/end" in paths

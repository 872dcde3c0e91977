"""Integration tokens (issue 7): an admin registers a POS with a store and actions, issues it
a token shown once; the POS acts only within that scope, and revoked or expired tokens end."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import ApiToken, IdempotencyRecord
from portal.audit.models import AuditEvent

API = "/api/v1/integrations"


def test_admin_registers_an_integration_and_its_token_is_shown_once(
    client, api_token, admin, dummy_store, db_session
):
    as_admin = api_token(admin)
    created = client.post(
        f"{API}/",
        json={"name": "POS 01", "store_id": dummy_store.id, "actions": ["list_members"]},
        headers=as_admin,
    )
    assert created.status_code == 201, created.json
    assert created.json["login"] == "integration: POS 01"
    assert created.json["tokens"] == []
    url = f"{API}/{created.json['id']}"

    issued = client.post(
        f"{url}/tokens", json={"days": 90}, headers={**as_admin, "Idempotency-Key": "k-1"}
    )
    assert issued.status_code == 201
    plain = issued.json["token"]
    # only the digest is kept, and not even a retry record holds the plain token
    assert db_session.scalar(select(ApiToken).where(ApiToken.token_digest == plain)) is None
    digest = hashlib.sha256(plain.encode()).hexdigest()
    assert db_session.scalar(select(ApiToken.id).where(ApiToken.token_digest == digest))
    kept = db_session.scalars(select(IdempotencyRecord.response_body)).all()
    assert not any(plain.encode() in (body or b"") for body in kept)
    shown = client.get(url, headers=as_admin)
    assert [t["id"] for t in shown.json["tokens"]] == [issued.json["id"]]
    assert plain not in shown.get_data(as_text=True)

    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {plain}"})
    assert me.status_code == 200
    assert me.json["login"] == "integration: POS 01"
    listed = client.get(f"{API}/", headers=as_admin)
    assert [i["name"] for i in listed.json["items"]] == ["POS 01"]
    actions = {a["name"] for a in client.get(f"{API}/actions", headers=as_admin).json}
    assert "record_consumption" in actions
    assert not actions & {"manage_users", "manage_plugins", "manage_stores", "view_audit"}


@pytest.mark.parametrize("actions", [["manage_users"], ["view_audit"], [], ["no_such_action"]])
def test_integrations_never_get_administration_or_unknown_actions(
    client, api_token, admin, dummy_store, actions
):
    refused = client.post(
        f"{API}/",
        json={"name": "Export", "store_id": None, "actions": actions},
        headers=api_token(admin),
    )
    assert refused.status_code == 422
    assert "actions" in refused.json["errors"]["json"]


def test_only_administrators_manage_integrations(client, api_token, store_manager, integration):
    headers = api_token(store_manager)
    assert client.get(f"{API}/", headers=headers).status_code == 404
    # to anyone else the integrations do not exist, registering included
    created = client.post(
        f"{API}/", json={"name": "x", "actions": ["view_member"]}, headers=headers
    )
    assert created.status_code == 404
    assert client.get(f"{API}/{integration.id}", headers=headers).status_code == 404
    assert client.delete(f"{API}/{integration.id}", headers=headers).status_code == 404
    assert client.get(f"{API}/").status_code == 401


def test_an_integration_cannot_log_in(client, integration):
    login = integration.user.login
    assert (
        client.post(
            "/api/v1/auth/tokens", json={"login": login, "password": "!integration"}
        ).status_code
        == 401
    )
    page = client.post("/login", data={"login": login, "password": "!integration"})
    assert page.status_code == 401


def test_scope_is_its_store_and_its_actions(
    client, api_token, integration, make_member, other_store, db_session
):
    ours = make_member()
    theirs = make_member(full_name="李华", mobile="13900000001", store=other_store)
    headers = api_token(integration.user)
    assert client.get(f"/api/v1/members/{ours.id}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/members/{theirs.id}", headers=headers).status_code == 404
    listed = client.get("/api/v1/members/", headers=headers)
    assert [m["id"] for m in listed.json["items"]] == [ours.id]
    # edit_member is not in its scope
    patched = client.patch(
        f"/api/v1/members/{ours.id}", json={"email": "a@example.com"}, headers=headers
    )
    assert patched.status_code in (403, 404)
    assert client.get("/api/v1/stores/", headers=headers).status_code == 200


def test_writes_are_attributed_to_the_integration(
    client, api_token, make_integration, dummy_store, make_member, db_session
):
    crm = make_integration("CRM sync", None, ["view_member", "edit_member"])
    member = make_member()
    headers = api_token(crm.user)
    changed = client.patch(
        f"/api/v1/members/{member.id}", json={"email": "wang@example.com"}, headers=headers
    )
    assert changed.status_code == 200, changed.json
    labels = db_session.scalars(
        select(AuditEvent.actor_label).where(AuditEvent.actor_id == crm.user_id)
    ).all()
    assert labels
    assert set(labels) == {"integration: CRM sync"}


def test_revoked_and_expired_tokens_answer_401(
    client, api_token, admin, integration, clock, db_session
):
    as_admin = api_token(admin)
    url = f"{API}/{integration.id}"
    first = client.post(f"{url}/tokens", json={"days": 1}, headers=as_admin).json
    second = client.post(f"{url}/tokens", json={"days": 30}, headers=as_admin).json
    bearer = {"Authorization": f"Bearer {first['token']}"}
    rotated = {"Authorization": f"Bearer {second['token']}"}
    assert client.get("/api/v1/auth/me", headers=bearer).status_code == 200

    clock.advance(timedelta(days=1, seconds=1))
    as_admin = api_token(admin)  # the fixture's token lasts a day too
    assert client.get("/api/v1/auth/me", headers=bearer).status_code == 401
    assert client.get("/api/v1/auth/me", headers=rotated).status_code == 200

    assert client.delete(f"{url}/tokens/{second['id']}", headers=as_admin).status_code == 204
    assert client.get("/api/v1/auth/me", headers=rotated).status_code == 401

    third = client.post(f"{url}/tokens", json={"days": 30}, headers=as_admin).json
    assert client.delete(url, headers=as_admin).status_code == 204
    gone = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {third['token']}"})
    assert gone.status_code == 401
    refused = client.post(f"{url}/tokens", json={"days": 30}, headers=as_admin)
    assert refused.status_code == 409
    actions = db_session.scalars(
        select(AuditEvent.action).where(AuditEvent.actor_id == admin.id)
    ).all()
    assert {"api_token.issued", "api_token.revoked", "integration.revoked"} <= set(actions)


def test_another_integrations_token_is_not_found(client, api_token, admin, make_integration):
    one = make_integration("POS A", None, ["list_members"])
    two = make_integration("POS B", None, ["list_members"])
    as_admin = api_token(admin)
    token = client.post(f"{API}/{one.id}/tokens", json={"days": 30}, headers=as_admin).json
    wrong = client.delete(f"{API}/{two.id}/tokens/{token['id']}", headers=as_admin)
    assert wrong.status_code == 404


def test_names_are_unique_regardless_of_case(client, api_token, admin, integration):
    again = client.post(
        f"{API}/", json={"name": "pos 01", "actions": ["list_members"]}, headers=api_token(admin)
    )
    assert again.status_code == 422
    assert "name" in again.json["errors"]["json"]


def test_a_pos_records_consumption_of_its_stores_vip_once(
    client, api_token, integration, staff, store_manager, dummy_store, db_session
):
    from portal.vip import services as vip
    from portal.vip.testing import dummy_customer, dummy_vip_file

    customer = dummy_customer(db_session, staff, store_id=dummy_store.id)
    file = dummy_vip_file(db_session, staff, customer)
    vip.approve(db_session, actor=store_manager, file=file)
    db_session.commit()
    headers = {**api_token(integration.user), "Idempotency-Key": "till-7-000123"}
    body = {"amount": "368.00", "occurred_at": "2026-11-23T01:30:00+00:00"}
    url = f"/api/v1/vip/files/{file.id}/consumption"
    first = client.post(url, json=body, headers=headers)
    again = client.post(url, json=body, headers=headers)
    assert first.status_code == again.status_code == 201, first.json
    assert first.json["id"] == again.json["id"]
    recorded = db_session.scalar(
        select(AuditEvent).where(AuditEvent.actor_id == integration.user_id)
    )
    assert recorded.actor_label == "integration: POS 01"

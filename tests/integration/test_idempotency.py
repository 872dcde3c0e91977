"""``Idempotency-Key`` on every API write (issue 7): a retry answers the first response
without doing the work again; another request under the same key, a key still in flight or
a malformed key are refused clearly."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select, text

from portal.accounts.models import IdempotencyRecord
from portal.accounts.roles import Role
from portal.api.idempotency import HEADER
from portal.idempotency import advisory_lock_id, fingerprint
from portal.members.models import Member
from portal.testing.fixtures import START

CUSTOMER = {"full_name": "赵德明", "mobile": "13712345678"}


def _customer(store) -> dict[str, object]:
    return {**CUSTOMER, "store_id": store.id}


def test_a_retry_answers_the_first_response_and_writes_once(
    client, api_token, staff, dummy_store, db_session
):
    headers = {**api_token(staff), HEADER: "till-7-0001"}
    first = client.post("/api/v1/members/customers", json=_customer(dummy_store), headers=headers)
    again = client.post("/api/v1/members/customers", json=_customer(dummy_store), headers=headers)
    assert first.status_code == again.status_code == 201, first.json
    assert again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert db_session.scalar(select(func.count()).select_from(Member)) == 1


def test_the_same_key_with_another_request_is_refused(client, api_token, staff, dummy_store):
    headers = {**api_token(staff), HEADER: "k"}
    assert (
        client.post(
            "/api/v1/members/customers", json=_customer(dummy_store), headers=headers
        ).status_code
        == 201
    )
    other = client.post(
        "/api/v1/members/customers",
        json={**_customer(dummy_store), "full_name": "钱学文", "mobile": "13712345679"},
        headers=headers,
    )
    assert other.status_code == 422
    assert "different request" in other.json["errors"]["json"]["idempotency_key"][0]


def test_keys_are_per_account(client, api_token, staff, make_user, dummy_store, db_session):
    colleague = make_user("staff2", Role.STAFF, dummy_store)
    mine = client.post(
        "/api/v1/members/customers",
        json=_customer(dummy_store),
        headers={**api_token(staff), HEADER: "shared"},
    )
    theirs = client.post(
        "/api/v1/members/customers",
        json={**_customer(dummy_store), "full_name": "钱学文", "mobile": "13712345679"},
        headers={**api_token(colleague), HEADER: "shared"},
    )
    assert mine.status_code == theirs.status_code == 201
    assert mine.json["id"] != theirs.json["id"]


def test_a_failed_request_does_not_use_up_its_key(client, api_token, staff, dummy_store):
    headers = {**api_token(staff), HEADER: "retry-me"}
    wrong = client.post(
        "/api/v1/members/customers",
        json={**_customer(dummy_store), "mobile": "12"},
        headers=headers,
    )
    assert wrong.status_code == 422
    fixed = client.post("/api/v1/members/customers", json=_customer(dummy_store), headers=headers)
    assert fixed.status_code == 201


def test_a_malformed_key_is_a_clear_422(client, api_token, staff, dummy_store):
    for key in ("x" * 65, "with space", "键", ""):  # empty: refused, not taken for none
        refused = client.post(
            "/api/v1/members/customers",
            json=_customer(dummy_store),
            headers={**api_token(staff), HEADER: key.encode().decode("latin-1")},
        )
        assert refused.status_code == 422
        assert "idempotency_key" in refused.json["errors"]["json"]


def test_keys_expire_after_the_configured_hours(client, api_token, staff, dummy_store, clock, app):
    headers = {HEADER: "daily"}
    first = client.post(
        "/api/v1/members/customers",
        json=_customer(dummy_store),
        headers={**api_token(staff), **headers},
    )
    assert first.status_code == 201
    clock.set(START + timedelta(hours=app.config.get("PORTAL_IDEMPOTENCY_HOURS", 24), seconds=1))
    other = client.post(
        "/api/v1/members/customers",
        json={**_customer(dummy_store), "full_name": "钱学文", "mobile": "13712345679"},
        headers={**api_token(staff), **headers},
    )
    assert other.status_code == 201  # a new request: the old key has gone


def test_a_claim_without_its_answer_is_in_flight(client, api_token, staff, dummy_store, db_session):
    """A claim committed with its write but not yet answered (or whose answer was lost in a
    crash) is never done again: 409 with Retry-After."""
    body = _customer(dummy_store)
    db_session.add(
        IdempotencyRecord(
            account_id=staff.id,
            key="busy",
            fingerprint=fingerprint(
                "POST", "/api/v1/members/customers", "", json.dumps(body).encode()
            ),
            created_at=START,
            expires_at=START + timedelta(hours=24),
        )
    )
    db_session.commit()
    refused = client.post(
        "/api/v1/members/customers", json=body, headers={**api_token(staff), HEADER: "busy"}
    )
    assert refused.status_code == 409
    assert refused.headers["Retry-After"] == "1"
    assert db_session.scalar(select(func.count()).select_from(Member)) == 0


def test_a_concurrent_duplicate_answers_409_with_retry_after(
    client, api_token, staff, dummy_store, app, db_session
):
    """While the first request's transaction holds (account, key), a duplicate answers at
    once. On PostgreSQL that is a transaction-scoped advisory lock; on SQLite the single
    writer makes the duplicate wait instead, so it sees the finished first request."""
    headers = {**api_token(staff), HEADER: "in-flight"}
    if db_session.get_bind().dialect.name != "postgresql":
        first = client.post(
            "/api/v1/members/customers", json=_customer(dummy_store), headers=headers
        )
        again = client.post(
            "/api/v1/members/customers", json=_customer(dummy_store), headers=headers
        )
        assert again.get_data() == first.get_data()
        return
    with db_session.get_bind().connect() as other, other.begin():
        # what a first request in flight holds until it commits
        locked = other.scalar(
            text("SELECT pg_try_advisory_xact_lock(:id)"),
            {"id": advisory_lock_id(staff.id, "in-flight")},
        )
        assert locked
        duplicate = client.post(
            "/api/v1/members/customers", json=_customer(dummy_store), headers=headers
        )
    assert duplicate.status_code == 409
    assert duplicate.headers["Retry-After"] == "1"
    assert "still being processed" in duplicate.json["status"]
    assert db_session.scalar(select(func.count()).select_from(Member)) == 0
    done = client.post("/api/v1/members/customers", json=_customer(dummy_store), headers=headers)
    assert done.status_code == 201


def test_every_write_operation_documents_the_header(client):
    """Endpoints with their own domain-level keys document theirs; token issuing answers a
    secret that is never kept, so a retry makes another token and there is no header."""
    spec = client.get("/api/v1/openapi.json").json
    secrets = {
        ("post", "/api/v1/auth/tokens"),
        ("post", "/api/v1/integrations/{integration_id}/tokens"),
    }
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in ("post", "put", "patch", "delete") or (method, path) in secrets:
                continue
            headers = [
                p["name"] for p in operation.get("parameters", []) if p.get("in") == "header"
            ]
            assert headers.count(HEADER) == 1, (method, path)


def test_two_identical_requests_at_once_write_once(app, api_token, staff, dummy_store, db_session):
    """Two threads, each with its own connection, send the same keyed request together:
    one writes; the other is answered 409 (still in flight) or the first response."""
    import threading

    headers = {**api_token(staff), HEADER: "twice-at-once"}
    body = _customer(dummy_store)
    barrier = threading.Barrier(2, timeout=30)
    answers: list[tuple[int, bytes]] = []

    def send() -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/members/customers", json=body, headers=headers)
        answers.append((response.status_code, response.get_data()))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    statuses = sorted(status for status, _body in answers)
    assert statuses in ([201, 201], [201, 409]), answers
    if statuses == [201, 201]:
        assert answers[0][1] == answers[1][1]
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Member)) == 1


def test_the_tick_forgets_every_accounts_expired_keys(
    client, api_token, staff, make_user, dummy_store, clock, app, db_session
):
    """A claim forgets only its own account's expired keys; the tick forgets everyone's."""
    from portal.sla import runner

    other = make_user("other-writer", Role.STAFF, dummy_store)
    for who, mobile in ((staff, "13712345678"), (other, "13712345679")):
        answer = client.post(
            "/api/v1/members/customers",
            json={**_customer(dummy_store), "mobile": mobile},
            headers={**api_token(who), HEADER: "kept-a-day"},
        )
        assert answer.status_code == 201
    hours = app.config.get("PORTAL_IDEMPOTENCY_HOURS", 24)
    clock.set(START + timedelta(hours=hours) - timedelta(seconds=1))
    runner.run_once()
    assert db_session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 2
    clock.set(START + timedelta(hours=hours, seconds=1))
    runner.run_once()
    assert db_session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0

"""R6: a store requests a dedicated customer account, head office opens it within 12 hours
(deputy when the head is on leave), the store activates it; pages and API."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from portal.openings import services
from portal.openings.models import AccountRequest, RequestStatus
from portal.sla import services as sla
from portal.sla.models import SlaTask
from portal.testing.fixtures import START


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def filed(db_session, store_manager, staff, dummy_store):
    """A request filed by the store manager for the staff member."""
    req = services.request_account(
        db_session,
        actor=store_manager,
        store_id=dummy_store.id,
        for_staff_id=staff.id,
        purpose="为VIP客户建档",
    )
    db_session.commit()
    return req


def post_request(client, store, staff):
    return client.post(
        "/openings/new",
        data={"store_id": store.id, "for_staff_id": staff.id, "purpose": "为VIP客户建档"},
    )


def test_r6_request_open_within_12_hours_then_activate(
    login, client, db_session, store_manager, staff, hq_service, dummy_store
):
    response = post_request(login(store_manager), dummy_store, staff)
    assert response.status_code == 302, text_of(response)
    req = db_session.scalar(select(AccountRequest))
    assert req.number == "ZBKF-2026-000001"
    assert response.headers["Location"] == f"/openings/{req.id}"

    page = text_of(client.get(f"/openings/{req.id}"))
    assert "ZBKF-2026-000001" in page
    # R6: head office has 12 hours; the deadline shows on the request
    assert f'data-due="{(START + timedelta(hours=12)).isoformat()}"' in page
    assert 'class="panel sla-task"' in page  # every deadline and the timeline (engine's panel)
    task = db_session.scalar(select(SlaTask).where(SlaTask.subject_id == req.id))
    assert task.policy == "account_opening"
    assert task.due_at == START + timedelta(hours=12)

    hq = login(hq_service)
    queue = text_of(hq.get("/openings/queue"))
    assert "ZBKF-2026-000001" in queue
    assert hq.get(f"/openings/{req.id}/open").status_code == 200  # the confirmation page
    response = hq.post(f"/openings/{req.id}/open", data={"account_ref": "VIP-XA01-0007"})
    assert response.status_code == 302
    db_session.expire_all()
    req = db_session.get(AccountRequest, req.id)
    assert req.status == RequestStatus.OPENED
    assert req.account_ref == "VIP-XA01-0007"
    assert req.opened_by_id == hq_service.id
    task = db_session.get(SlaTask, task.id)
    assert task.state == "done"
    assert task.within_sla is True
    # the store is told
    told = db_session.scalars(
        select(Notification).where(Notification.kind == "openings.opened")
    ).all()
    assert [n.recipient_user_id for n in told] == [store_manager.id]
    assert "ZBKF-2026-000001" not in text_of(hq.get("/openings/queue"))

    manager = login(store_manager)
    assert "VIP-XA01-0007" in text_of(manager.get(f"/openings/{req.id}"))
    assert manager.get(f"/openings/{req.id}/activate").status_code == 200
    assert manager.post(f"/openings/{req.id}/activate").status_code == 302
    db_session.expire_all()
    req = db_session.get(AccountRequest, req.id)
    assert req.status == RequestStatus.ACTIVATED
    assert req.activated_by_id == store_manager.id
    actions = db_session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "account_request")
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["openings.requested", "openings.opened", "openings.activated"]


def test_r6_queue_shows_overdue_and_due_soon_apart(
    login, clock, db_session, store_manager, staff, hq_service, dummy_store
):
    first = services.request_account(
        db_session,
        actor=store_manager,
        store_id=dummy_store.id,
        for_staff_id=staff.id,
        purpose="first",
    )
    db_session.commit()
    clock.advance(timedelta(hours=4))
    second = services.request_account(
        db_session,
        actor=store_manager,
        store_id=dummy_store.id,
        for_staff_id=staff.id,
        purpose="second",
    )
    db_session.commit()
    clock.advance(timedelta(hours=9))  # first: 13 h old (overdue); second: 9 h (due soon)
    queue = services.head_office_queue(db_session, actor=hq_service, now=clock.now())
    assert [e.request.id for e in queue.overdue] == [first.id]
    assert [e.request.id for e in queue.due_soon] == [second.id]
    page = text_of(login(hq_service).get("/openings/queue"))
    assert page.index(first.number) < page.index(second.number)
    assert 'data-urgency="overdue"' in page
    assert 'data-urgency="due_soon"' in page


def test_r6_head_on_leave_their_deputy_opens(
    login, clock, db_session, make_user, store_manager, staff, dummy_store, filed
):
    head = make_user("hq.head", Role.HQ_HEAD)
    deputy = make_user("compliance", Role.COMPLIANCE)
    sla.record_leave(
        db_session,
        actor=head,
        user=head,
        starts_at=clock.now() - timedelta(hours=1),
        ends_at=clock.now() + timedelta(days=2),
        deputy=deputy,
    )
    db_session.commit()

    # the head is away: their grants do not decide meanwhile
    assert login(head).post(
        f"/openings/{filed.id}/open", data={"account_ref": "X1"}
    ).status_code in (403, 404)
    client = login(deputy)
    assert filed.number in text_of(client.get("/openings/queue"))
    response = client.post(f"/openings/{filed.id}/open", data={"account_ref": "VIP-XA01-0008"})
    assert response.status_code == 302
    db_session.expire_all()
    req = db_session.get(AccountRequest, filed.id)
    assert req.status == RequestStatus.OPENED
    assert req.opened_by_id == deputy.id


def test_r6_rejection_with_reason_is_shown_to_the_store(
    login, db_session, store_manager, hq_service, filed
):
    hq = login(hq_service)
    response = hq.post(f"/openings/{filed.id}/reject", data={"reason": ""})
    assert response.status_code == 422
    assert 'id="reason-error"' in text_of(response)
    response = hq.post(f"/openings/{filed.id}/reject", data={"reason": "用途不明确"})
    assert response.status_code == 302
    db_session.expire_all()
    req = db_session.get(AccountRequest, filed.id)
    assert req.status == RequestStatus.REJECTED
    assert "用途不明确" in text_of(login(store_manager).get(f"/openings/{filed.id}"))
    # decided: a second decision is refused and says so
    response = login(hq_service).post(f"/openings/{filed.id}/open", data={"account_ref": "Z"})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(AccountRequest, filed.id).status == RequestStatus.REJECTED


def test_r6_bad_form_answers_422_and_saves_nothing(
    login, db_session, store_manager, dummy_store, other_store, make_user
):
    stranger = make_user("lina", Role.STAFF, other_store)
    client = login(store_manager)
    response = client.post(
        "/openings/new",
        data={"store_id": dummy_store.id, "for_staff_id": stranger.id, "purpose": ""},
    )
    assert response.status_code == 422
    assert db_session.scalar(select(AccountRequest)) is None


def test_r6_only_store_managers_request_and_only_their_store(
    login, staff, store_manager, dummy_store, other_store, make_user, api_token, client
):
    assert login(staff).get("/openings/new").status_code == 404
    other = make_user("other.manager", Role.STORE_MANAGER, other_store)
    response = client.post(
        "/api/v1/openings/",
        json={"store_id": dummy_store.id, "for_staff_id": staff.id, "purpose": "x"},
        headers=api_token(other),
    )
    assert response.status_code == 404


def test_r6_other_store_cannot_see_the_request(
    login, make_user, other_store, filed, api_token, client
):
    other = make_user("other.manager", Role.STORE_MANAGER, other_store)
    assert login(other).get(f"/openings/{filed.id}").status_code == 404
    assert client.get(f"/api/v1/openings/{filed.id}", headers=api_token(other)).status_code == 404
    assert filed.number not in text_of(login(other).get("/openings"))


def test_r6_store_manager_cannot_open_their_own_request(login, store_manager, filed):
    assert login(store_manager).get(f"/openings/{filed.id}/open").status_code in (403, 404)


def test_r6_api_flow(client, api_token, db_session, store_manager, staff, hq_service, dummy_store):
    manager = api_token(store_manager)
    response = client.post(
        "/api/v1/openings/",
        json={"store_id": dummy_store.id, "for_staff_id": staff.id, "purpose": "建档"},
        headers=manager,
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["number"] == "ZBKF-2026-000001"
    assert body["due_at"] == (START + timedelta(hours=12)).isoformat()
    hq = api_token(hq_service)
    queue = client.get("/api/v1/openings/queue", headers=hq).json
    assert [e["request"]["id"] for e in queue["items"]] == [body["id"]]
    assert queue["items"][0]["urgency"] == "on_time"
    opened = client.post(
        f"/api/v1/openings/{body['id']}/open", json={"account_ref": "A-1"}, headers=hq
    )
    assert opened.status_code == 200
    assert opened.json["status"] == "opened"
    again = client.post(
        f"/api/v1/openings/{body['id']}/open", json={"account_ref": "A-2"}, headers=hq
    )
    assert again.status_code == 409
    activated = client.post(f"/api/v1/openings/{body['id']}/activate", headers=manager)
    assert activated.status_code == 200
    assert activated.json["status"] == "activated"
    listed = client.get("/api/v1/openings/", headers=manager).json
    assert [r["number"] for r in listed["items"]] == ["ZBKF-2026-000001"]


def test_r6_store_withdraws_a_waiting_request(login, db_session, store_manager, filed):
    client = login(store_manager)
    assert client.get(f"/openings/{filed.id}/cancel").status_code == 200
    assert (
        client.post(f"/openings/{filed.id}/cancel", data={"reason": "不再需要"}).status_code == 302
    )
    db_session.expire_all()
    assert db_session.get(AccountRequest, filed.id).status == RequestStatus.CANCELLED
    assert sla.open_task_for(db_session, "account_request", filed.id) is None


def test_r25_numbers_count_up_per_year(db_session, store_manager, staff, dummy_store, clock):
    numbers = []
    for _ in range(3):
        numbers.append(
            services.request_account(
                db_session,
                actor=store_manager,
                store_id=dummy_store.id,
                for_staff_id=staff.id,
                purpose="p",
            ).number
        )
    assert numbers == ["ZBKF-2026-000001", "ZBKF-2026-000002", "ZBKF-2026-000003"]
    assert all(re.fullmatch(r"ZBKF-\d{4}-\d{6}", n) for n in numbers)

"""SLA pages and API: leave, a task's deadlines and timeline, handing a task over."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.roles import Role
from portal.sla import services as sla
from portal.sla.models import LeavePeriod
from portal.testing.fixtures import START

H = timedelta(hours=1)


@pytest.fixture
def deputy(make_user, dummy_store):
    return make_user("deputy", Role.STAFF, dummy_store, display_name="Deputy Li")


@pytest.fixture
def task(db_session, dummy_store, store_manager):
    task = sla.start_task(
        db_session,
        policy="vip_review",
        subject_type="vip_file",
        subject_id=3,
        store_id=dummy_store.id,
        actor=store_manager,
        title="VIP file of 王建国",
    )
    db_session.commit()
    return task


# Form times are in the deployment's zone (Asia/Shanghai): START is 10:00 there.
FORM = {"starts_at": "2026-11-23T10:00", "ends_at": "2026-11-25T18:00", "reason": "Holiday"}


def test_r5_manager_records_own_leave_in_the_browser(login, db_session, store_manager, deputy):
    client = login(store_manager)
    page = client.get("/leave")
    assert page.status_code == 200
    assert "Deputy Li" in page.get_data(as_text=True)
    response = client.post("/leave", data={**FORM, "deputy_id": deputy.id})
    assert response.status_code == 302, response.get_data(as_text=True)
    leave = db_session.scalar(select(LeavePeriod))
    assert leave.user_id == store_manager.id
    assert leave.starts_at == START
    assert leave.ends_at == START + 2 * 24 * H + 8 * H


def test_leave_form_errors_answer_422_and_save_nothing(login, db_session, store_manager, deputy):
    client = login(store_manager)
    response = client.post(
        "/leave",
        data={**FORM, "ends_at": "2026-11-22T10:00", "deputy_id": deputy.id},
    )
    assert response.status_code == 422
    assert "The end must come after the start." in response.get_data(as_text=True)
    response = client.post("/leave", data={**FORM, "deputy_id": store_manager.id})
    assert response.status_code == 422
    assert db_session.scalar(select(LeavePeriod)) is None


def test_head_of_service_records_leave_for_a_manager(
    login, db_session, hq_head, store_manager, deputy
):
    client = login(hq_head)
    page = client.get("/leave").get_data(as_text=True)
    assert "Who is away" in page
    response = client.post(
        "/leave", data={**FORM, "user_id": store_manager.id, "deputy_id": deputy.id}
    )
    assert response.status_code == 302
    leave = db_session.scalar(select(LeavePeriod))
    assert (leave.user_id, leave.created_by_id) == (store_manager.id, hq_head.id)


def test_cancel_leave_asks_first(login, db_session, store_manager, deputy):
    leave = sla.record_leave(
        db_session,
        actor=store_manager,
        user=store_manager,
        starts_at=START + H,
        ends_at=START + 5 * H,
        deputy=deputy,
    )
    db_session.commit()
    client = login(store_manager)
    confirm = client.get(f"/leave/{leave.id}/cancel")
    assert confirm.status_code == 200
    assert "Cancel leave" in confirm.get_data(as_text=True)
    assert client.post(f"/leave/{leave.id}/cancel").status_code == 302
    db_session.expire_all()
    assert db_session.get(LeavePeriod, leave.id).cancelled_at == START


def test_leave_of_others_is_hidden(
    login, db_session, store_manager, deputy, make_user, other_store
):
    leave = sla.record_leave(
        db_session,
        actor=store_manager,
        user=store_manager,
        starts_at=START + H,
        ends_at=START + 5 * H,
        deputy=deputy,
    )
    db_session.commit()
    stranger = make_user("stranger", Role.STORE_MANAGER, other_store)
    assert login(stranger).get(f"/leave/{leave.id}/cancel").status_code == 404


def test_staff_without_cover_has_no_leave_page(login, staff):
    assert login(staff).get("/leave").status_code == 404


def test_task_page_shows_every_deadline_and_the_timeline(login, task, store_manager):
    page = login(store_manager).get(f"/sla/tasks/{task.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('data-kind="reminder"') == 2
    assert html.count('data-kind="breach"') == 1
    assert html.count('data-kind="escalation"') == 1
    assert 'data-kind="started"' in html
    # 12 h after 10:00 in Shanghai, shown in the store's zone
    assert "10:00:00" in html or "10:00" in html


def test_task_page_is_404_out_of_scope(login, task, make_user, other_store):
    stranger = make_user("stranger", Role.STORE_MANAGER, other_store)
    assert login(stranger).get(f"/sla/tasks/{task.id}").status_code == 404


def test_head_office_hands_a_task_over(login, db_session, task, hq_service, make_user, dummy_store):
    second = make_user("second", Role.STORE_MANAGER, dummy_store, display_name="Second Wang")
    client = login(hq_service)
    form = client.get(f"/sla/tasks/{task.id}/reassign")
    assert form.status_code == 200
    assert "Second Wang" in form.get_data(as_text=True)
    bad = client.post(f"/sla/tasks/{task.id}/reassign", data={"user_id": second.id, "reason": ""})
    assert bad.status_code == 422
    done = client.post(
        f"/sla/tasks/{task.id}/reassign", data={"user_id": second.id, "reason": "Wang is ill"}
    )
    assert done.status_code == 302
    db_session.expire_all()
    assert db_session.get(type(task), task.id).assignee_id == second.id


def test_reassign_page_is_404_for_store_managers(login, task, store_manager):
    assert login(store_manager).get(f"/sla/tasks/{task.id}/reassign").status_code == 404


# --- API ----------------------------------------------------------------------------------


def test_api_leave_round_trip(client, api_token, store_manager, deputy):
    headers = api_token(store_manager)
    body = {
        "deputy_id": deputy.id,
        "starts_at": (START + H).isoformat(),
        "ends_at": (START + 9 * H).isoformat(),
        "reason": "Doctor",
    }
    created = client.post("/api/v1/sla/leave", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    leave_id = created.get_json()["id"]
    listed = client.get("/api/v1/sla/leave", headers=headers).get_json()
    assert [p["id"] for p in listed["mine"]] == [leave_id]
    assert client.delete(f"/api/v1/sla/leave/{leave_id}", headers=headers).status_code == 204
    assert client.delete(f"/api/v1/sla/leave/{leave_id}", headers=headers).status_code == 409


def test_api_leave_validation(client, api_token, store_manager):
    headers = api_token(store_manager)
    response = client.post(
        "/api/v1/sla/leave",
        json={
            "deputy_id": store_manager.id,
            "starts_at": START.isoformat(),
            "ends_at": (START + H).isoformat(),
        },
        headers=headers,
    )
    assert response.status_code == 422
    assert "deputy_id" in response.get_json()["errors"]["json"]


def test_api_task_lists_deadlines_and_timeline(client, api_token, task, store_manager):
    body = client.get(f"/api/v1/sla/tasks/{task.id}", headers=api_token(store_manager)).get_json()
    assert [d["kind"] for d in body["deadlines"]] == [
        "reminder",
        "reminder",
        "breach",
        "escalation",
    ]
    assert [e["kind"] for e in body["timeline"]] == ["started"]
    assert body["due_at"].startswith("2026-11-23T14:00")


def test_api_task_is_404_out_of_scope(client, api_token, task, make_user, other_store, staff):
    stranger = make_user("stranger", Role.STORE_MANAGER, other_store)
    assert (
        client.get(f"/api/v1/sla/tasks/{task.id}", headers=api_token(stranger)).status_code == 404
    )
    assert client.get(f"/api/v1/sla/tasks/{task.id}", headers=api_token(staff)).status_code == 404
    assert client.get("/api/v1/sla/tasks/999999", headers=api_token(stranger)).status_code == 404


def test_api_reassign(client, api_token, task, hq_service, store_manager, make_user, dummy_store):
    second = make_user("second", Role.STORE_MANAGER, dummy_store)
    response = client.post(
        f"/api/v1/sla/tasks/{task.id}/reassign",
        json={"user_id": second.id, "reason": "cover"},
        headers=api_token(hq_service),
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["assignee_id"] == second.id
    assert response.get_json()["timeline"][-1]["kind"] == "reassigned"
    refused = client.post(
        f"/api/v1/sla/tasks/{task.id}/reassign",
        json={"user_id": second.id, "reason": "cover"},
        headers=api_token(store_manager),
    )
    assert refused.status_code == 404

"""The VIP pages: a referrer fills in and submits a file, a manager reviews it (R2-R5)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from portal.vip.models import Consumption, VipFile, VipStatus
from portal.vip.testing import ID_NUMBERS, dummy_customer, dummy_vip_file

STAGE_1 = {
    "full_name": "王建国",
    "mobile": "139 1234 5678",
    "id_number": ID_NUMBERS[0],
    "employer": "陕西华为技术有限公司",
    "address": "西安市高新路25号3单元501室",
    "email": "",
    "wechat": "",
    "other_phone": "029-88886666",
}
STAGE_2 = {
    "birthday": "1985-04-12",
    "wedding_anniversary": "",
    "other_anniversary": "",
    "other_anniversary_label": "",
    "preferences": "不吃辣; 喜欢靠窗的包间",
    "household_notes": "",
    "contact_time": "evening",
}


@pytest.fixture
def customer(db_session, staff, dummy_store):
    member = dummy_customer(db_session, staff, store_id=dummy_store.id)
    db_session.commit()
    return member


@pytest.fixture
def submitted(db_session, staff, customer, store_manager):
    return dummy_vip_file(db_session, staff, customer)


def as_user(client, login, user):
    client.post("/logout")
    return login(user)


def test_r4_referrer_starts_fills_in_and_submits_a_file(
    client, login, staff, customer, store_manager
):
    login(staff)
    page = client.get("/vip/files/new")
    assert page.status_code == 200
    assert f"/vip/files/new?member={customer.id}" in page.get_data(as_text=True)
    assert client.get(f"/vip/files/new?member={customer.id}").status_code == 200
    started = client.post(f"/vip/files/new?member={customer.id}")
    assert started.status_code == 302
    file_url = started.headers["Location"].rsplit("/stage/", 1)[0]
    assert client.get(f"{file_url}/stage/1").status_code == 200

    # R4: a draft saves partially
    saved = client.post(f"{file_url}/stage/1", data={**STAGE_1, "id_number": "", "save": "1"})
    assert saved.status_code == 302
    # R2: a landline as the contact is refused next to its field, nothing saved
    wrong = client.post(f"{file_url}/stage/1", data={**STAGE_1, "mobile": "029-88886666"})
    assert wrong.status_code == 422
    assert "must be a mobile, not a landline" in wrong.get_data(as_text=True)

    # R4: submission refused while incomplete, with the missing fields listed
    refused = client.post(f"{file_url}/submit")
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Resident identity number" in text
    assert "Birthday" in text

    assert client.post(f"{file_url}/stage/1", data={**STAGE_1, "next": "1"}).status_code == 302
    assert client.get(f"{file_url}/stage/2").status_code == 200
    assert client.post(f"{file_url}/stage/2", data=STAGE_2).status_code == 302
    assert client.get(f"{file_url}/submit").status_code == 200
    done = client.post(f"{file_url}/submit")
    assert done.status_code == 302
    mine = client.get("/vip/files?status=submitted").get_data(as_text=True)
    assert "王建国" in mine
    shown = client.get(file_url).get_data(as_text=True)
    assert 'data-status="submitted"' in shown


def test_r2_a_typed_date_is_refused(client, login, db_session, staff, customer):
    file = dummy_vip_file(db_session, staff, customer, submit=False)
    login(staff)
    response = client.post(
        f"/vip/files/{file.id}/stage/2", data={**STAGE_2, "birthday": "四月十二"}
    )
    assert response.status_code == 422


def test_r5_manager_sees_the_queue_and_approves(
    client, login, db_session, submitted, store_manager
):
    login(store_manager)
    queue = client.get("/vip/review")
    assert queue.status_code == 200
    text = queue.get_data(as_text=True)
    assert "王建国" in text
    assert "12 h 00 min left" in text
    assert "Due soon (0)" in text
    assert "Overdue (0)" in text
    assert client.get("/vip/review?bucket=overdue").status_code == 200
    assert client.get(f"/vip/files/{submitted.id}").status_code == 200
    assert client.get(f"/vip/files/{submitted.id}/decide").status_code == 200
    no_reason = client.post(
        f"/vip/files/{submitted.id}/decide", data={"decision": "reject", "reason": ""}
    )
    assert no_reason.status_code == 422
    approved = client.post(
        f"/vip/files/{submitted.id}/decide",
        data={"decision": "approve", "version": str(submitted.version)},
    )
    assert approved.status_code == 302
    again = client.post(f"/vip/files/{submitted.id}/decide", data={"decision": "approve"})
    assert again.status_code == 409
    assert "already decided by Manager" in again.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(VipFile, submitted.id).status == VipStatus.APPROVED


def test_r10_a_managers_read_of_the_file_is_logged(
    client, login, db_session, submitted, store_manager
):
    login(store_manager)
    client.get(f"/vip/files/{submitted.id}")
    reads = db_session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "vip.file_read", AuditEvent.object_id == str(submitted.id)
        )
    ).all()
    assert [r.actor_id for r in reads] == [store_manager.id]


def test_r5_staff_and_other_stores_get_404(
    client, login, submitted, make_user, dummy_store, other_store
):
    colleague = make_user("colleague", Role.STAFF, dummy_store)
    login(colleague)
    assert client.get(f"/vip/files/{submitted.id}").status_code == 404
    assert (
        client.post(f"/vip/files/{submitted.id}/decide", data={"decision": "approve"}).status_code
        == 404
    )
    client.post("/logout")
    login(make_user("bj.manager", Role.STORE_MANAGER, other_store))
    assert client.get(f"/vip/files/{submitted.id}").status_code == 404
    assert client.get(f"/vip/files/{submitted.id}/decide").status_code == 404
    assert "王建国" not in client.get("/vip/review").get_data(as_text=True)


def test_r5_consumption_page_refuses_files_not_approved(
    client, login, db_session, staff, submitted, store_manager
):
    login(staff)
    page = client.get(f"/vip/files/{submitted.id}/consumption")
    assert "approved VIPs only" in page.get_data(as_text=True)
    form = {"amount": "368.00", "occurred_at": "2026-11-23T09:30", "note": "包间"}
    assert client.post(f"/vip/files/{submitted.id}/consumption", data=form).status_code == 409
    client.post("/logout")
    login(store_manager)
    client.post(f"/vip/files/{submitted.id}/decide", data={"decision": "approve"})
    client.post("/logout")
    login(staff)
    recorded = client.post(
        f"/vip/files/{submitted.id}/consumption", data={**form, "idempotency_key": "k-1"}
    )
    assert recorded.status_code == 302
    # a double click with the same form stores it once
    client.post(f"/vip/files/{submitted.id}/consumption", data={**form, "idempotency_key": "k-1"})
    assert len(db_session.scalars(select(Consumption)).all()) == 1
    shown = client.get(f"/vip/files/{submitted.id}").get_data(as_text=True)
    assert "368.00" in shown
    assert "包间" in shown


def test_r5_returned_file_goes_back_to_the_referrer(
    client, login, db_session, staff, submitted, store_manager
):
    login(store_manager)
    returned = client.post(
        f"/vip/files/{submitted.id}/decide",
        data={"decision": "return", "reason": "单位请写全称"},
    )
    assert returned.status_code == 302
    client.post("/logout")
    login(staff)
    page = client.get(f"/vip/files/{submitted.id}/stage/1").get_data(as_text=True)
    assert "单位请写全称" in page
    assert client.get("/vip/files?status=returned").status_code == 200
    assert client.post(f"/vip/files/{submitted.id}/submit").status_code == 302


def test_r5_the_file_timeline_shows_the_pause(
    client, login, db_session, clock, staff, submitted, store_manager
):
    from datetime import timedelta

    from portal.vip import services

    services.return_for_correction(
        db_session, actor=store_manager, file=submitted, reason="地址不全"
    )
    db_session.commit()
    clock.advance(timedelta(hours=3))
    services.submit(db_session, actor=staff, file=submitted)
    db_session.commit()
    login(staff)
    page = client.get(f"/vip/files/{submitted.id}").get_data(as_text=True)
    assert 'data-kind="paused"' in page
    assert 'data-kind="resumed"' in page
    assert "地址不全" in page


def test_r5_head_office_decides_or_reassigns_an_escalated_review(
    client, login, db_session, clock, submitted, hq_service
):
    from datetime import timedelta

    from portal.sla import services as sla

    login(hq_service)
    assert "王建国" not in client.get("/vip/review").get_data(as_text=True)
    clock.advance(timedelta(hours=12, minutes=1))
    sla.tick(db_session, now=clock.now())
    db_session.commit()
    queue = client.get("/vip/review?bucket=overdue").get_data(as_text=True)
    assert "王建国" in queue
    assert "/sla/tasks/" in queue
    assert "/reassign" in queue
    assert client.get(f"/vip/files/{submitted.id}/decide").status_code == 200


def test_r3_admin_records_a_staff_members_identity_number(client, login, db_session, admin):
    from portal.accounts.models import User

    login(admin)
    form = {
        "login": "new.cook",
        "display_name": "赵师傅",
        "password": "correct-horse-battery",
        "id_number": "11010519491231002x",
    }
    wrong = client.post("/admin/accounts/new", data={**form, "id_number": "110105194912310021"})
    assert wrong.status_code == 422
    assert "resident identity number" in wrong.get_data(as_text=True)
    assert client.post("/admin/accounts/new", data=form).status_code == 302
    user = db_session.scalar(select(User).where(User.login == "new.cook"))
    assert user.id_number == "11010519491231002X"

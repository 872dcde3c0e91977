"""The case pages through the Flask client: forms, confirmations, scope (R13, R14, R23, R24)."""

from __future__ import annotations

from portal_renovation.models import CaseState, PenaltyNotice, RenovationCase
from sqlalchemy import func, select

from portal.accounts.roles import Role

EN = {"Accept-Language": "en"}


def _case_form(store, member, **fields):
    return {
        "store_id": store.id,
        "member_id": member.id,
        "kind": "complaint",
        "channel": "visit",
        "severity": "serious",
        "subject": "墙面开裂",
        "description": "客户到店反映客厅墙面开裂",
        **fields,
    }


def test_staff_log_a_case_from_the_form_and_own_it(client, login, staff, dummy_store, customer):
    login(staff)
    response = client.post("/renovation/cases/new", data=_case_form(dummy_store, customer))
    assert response.status_code == 302
    page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "ZXKF-2026-000001" in page
    assert "墙面开裂" in page
    assert 'data-state="open"' in page


def test_a_wrong_case_form_explains_itself_and_saves_nothing(
    client, login, staff, dummy_store, customer, db_session
):
    login(staff)
    response = client.post(
        "/renovation/cases/new",
        data=_case_form(dummy_store, customer, subject="", earlier_number="ZXKF-2026-999999"),
        headers=EN,
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "This field is required." in body
    assert db_session.scalar(select(func.count(RenovationCase.id))) == 0


def test_the_earlier_complaint_is_checked_by_the_service(
    client, login, staff, dummy_store, customer, db_session
):
    login(staff)
    response = client.post(
        "/renovation/cases/new",
        data=_case_form(dummy_store, customer, earlier_number="ZXKF-2026-999999"),
        headers=EN,
    )
    assert response.status_code == 422
    assert "No earlier case of this customer has this number." in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count(RenovationCase.id))) == 0


def test_the_list_filters_by_state_severity_and_owner(client, login, staff, make_case, colleague):
    make_case(severity="minor", subject="小问题")
    make_case(actor=colleague, severity="serious", subject="大问题")
    login(staff)
    body = client.get("/renovation/cases?severity=serious", headers=EN).get_data(as_text=True)
    assert "大问题" in body
    assert "小问题" not in body
    body = client.get("/renovation/cases?owner=me&sort=severity").get_data(as_text=True)
    assert "小问题" in body
    assert "大问题" not in body
    body = client.get("/renovation/cases?state=closed").get_data(as_text=True)
    assert "小问题" not in body
    body = client.get(f"/renovation/cases?owner={colleague.id}").get_data(as_text=True)
    assert "大问题" in body
    assert "小问题" not in body


def test_another_store_gets_404(client, login, make_user, other_store, dummy_case):
    outsider = make_user("outsider", Role.STORE_MANAGER, other_store)
    login(outsider)
    assert client.get(f"/renovation/cases/{dummy_case.id}").status_code == 404
    assert client.get(f"/renovation/cases/{dummy_case.id}/close").status_code == 404


def test_r13_a_colleague_reads_but_may_not_act(client, login, colleague, dummy_case):
    login(colleague)
    page = client.get(f"/renovation/cases/{dummy_case.id}", headers=EN).get_data(as_text=True)
    assert "Hand over" not in page
    assert client.get(f"/renovation/cases/{dummy_case.id}/close").status_code == 403


def test_r13_handover_needs_the_confirmation_tick(
    client, login, staff, colleague, dummy_case, db_session
):
    login(staff)
    url = f"/renovation/cases/{dummy_case.id}/handover"
    response = client.post(url, data={"to_user_id": colleague.id, "reason": "调岗"}, headers=EN)
    assert response.status_code == 422
    assert "Tick the box to confirm." in response.get_data(as_text=True)
    response = client.post(url, data={"to_user_id": colleague.id, "reason": "调岗", "confirm": "y"})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(RenovationCase, dummy_case.id).owner_id == colleague.id


def test_r23_routing_to_a_vendor_prints_a_repair_notice(
    client, login, staff, dummy_repair, db_session
):
    login(staff)
    response = client.post(
        f"/renovation/cases/{dummy_repair.id}/route",
        data={"responsible": "vendor", "vendor_name": "欧派橱柜", "repair_work": "更换门铰链"},
    )
    assert response.status_code == 302
    notice = client.get(f"/renovation/cases/{dummy_repair.id}/repair-notice", headers=EN)
    assert notice.status_code == 200
    body = notice.get_data(as_text=True)
    assert "ZXWX-2026-000001" in body
    assert "欧派橱柜" in body


def test_r23_appointment_in_the_stores_time_zone(
    client, login, staff, supervisor, dummy_repair, db_session
):
    login(staff)
    client.post(
        f"/renovation/cases/{dummy_repair.id}/route",
        data={"responsible": "supervisor", "supervisor_id": supervisor.id},
    )
    response = client.post(
        f"/renovation/cases/{dummy_repair.id}/appointment",
        data={"appointment_at": "2026-11-25T14:30"},
    )
    assert response.status_code == 302
    db_session.expire_all()
    case = db_session.get(RenovationCase, dummy_repair.id)
    assert case.appointment_at.isoformat() == "2026-11-25T06:30:00+00:00"  # 14:30 in Shanghai


def test_r24_closing_without_the_signature_is_refused(client, login, staff, dummy_case, db_session):
    login(staff)
    url = f"/renovation/cases/{dummy_case.id}/close"
    response = client.post(
        url, data={"resolution": "修复", "confirmed_by": "", "method": "signed", "confirm": "y"}
    )
    assert response.status_code == 422
    response = client.post(
        url,
        data={"resolution": "修复", "confirmed_by": "王建国", "method": "signed", "confirm": "y"},
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(RenovationCase, dummy_case.id).state == CaseState.CLOSED
    response = client.post(
        f"/renovation/cases/{dummy_case.id}/revisit", data={"score": "4", "note": "基本满意"}
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(RenovationCase, dummy_case.id).revisit_score == 4


def test_r24_the_manager_issues_a_penalty_notice_the_employee_sees(
    client, login, store_manager, staff, dummy_case, db_session
):
    login(store_manager)
    response = client.post(
        f"/renovation/cases/{dummy_case.id}/penalty",
        data={
            "employee_id": staff.id,
            "reason": "推诿客户",
            "measure": "罚款200元",
            "confirm": "y",
        },
    )
    assert response.status_code == 302
    notice = db_session.scalar(select(PenaltyNotice))
    client.post("/logout")
    login(staff)
    body = client.get("/renovation/penalties").get_data(as_text=True)
    assert notice.number in body
    assert client.get(f"/renovation/penalties/{notice.id}").status_code == 200


def test_staff_may_not_issue_penalties(client, login, staff, dummy_case):
    login(staff)
    assert client.get(f"/renovation/cases/{dummy_case.id}/penalty").status_code == 403


def test_the_member_page_shows_the_customers_cases(client, login, staff, dummy_case, customer):
    login(staff)
    body = client.get(f"/members/{customer.id}", headers=EN).get_data(as_text=True)
    assert dummy_case.number in body
    assert "Complaints and repairs" in body


def test_the_dashboard_lists_the_cases_waiting_on_me(client, login, staff, dummy_case):
    login(staff)
    body = client.get("/home", headers=EN).get_data(as_text=True)
    assert "Cases waiting on me" in body


def test_members_and_anonymous_visitors_see_no_cases(client, login, customer, dummy_case):
    assert client.get("/renovation/cases").status_code == 302  # to the login page
    login(customer.user)
    assert client.get("/renovation/cases").status_code == 404
    assert client.get(f"/renovation/cases/{dummy_case.id}").status_code == 404


def test_the_customer_sees_their_own_cases_without_links(client, login, customer, dummy_case):
    login(customer.user)
    body = client.get(f"/members/{customer.id}", headers=EN).get_data(as_text=True)
    assert dummy_case.number in body
    assert f"/renovation/cases/{dummy_case.id}" not in body
    assert "Log a complaint or repair" not in body


def test_the_manager_sees_serious_cases_still_open(client, login, store_manager, make_case):
    make_case(severity="serious")
    login(store_manager)
    body = client.get("/home", headers=EN).get_data(as_text=True)
    assert "Serious cases still open" in body
    assert "In progress: 1" in body


def test_head_office_reads_the_case_list_in_the_same_queries_however_many_stores(
    client, login, hq_service, make_store, make_user, dummy_case
):
    from sqlalchemy import event

    from portal.extensions import db

    def statements():
        count = []
        listener = lambda *args: count.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/renovation/cases").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(count)

    login(hq_service)
    few = statements()
    for n in range(3):
        make_user(f"desk{n}", Role.STAFF, make_store())
    assert statements() == few

"""The rules of a case, through its services (R13, R14, R23, R24, R25)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from portal_renovation import services
from portal_renovation.models import CaseHandover, CaseState, PenaltyNotice, Route
from sqlalchemy import select

from portal.accounts.roles import Role
from portal.audit.services import AuditFilter, filtered_events
from portal.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portal.notifications.models import Notification
from portal.sla import services as sla
from portal.sla.models import SlaTask, TaskState


def _notifications(db_session, kind):
    return list(db_session.scalars(select(Notification).where(Notification.kind == kind)))


def _audit(db_session, action):
    return list(db_session.scalars(filtered_events(AuditFilter(action=action))))


# --- R14, R25: logging ------------------------------------------------------------------------


def test_r25_a_case_gets_a_numbered_tracking_sheet(make_case):
    first, second = make_case(), make_case()
    assert first.number == "ZXKF-2026-000001"
    assert second.number == "ZXKF-2026-000002"


def test_r13_whoever_logs_a_case_owns_it(dummy_case, staff, db_session):
    assert dummy_case.owner_id == staff.id
    assert dummy_case.state == CaseState.OPEN
    assert _audit(db_session, "renovation.case_logged")[0].actor_id == staff.id


def test_r14_a_serious_case_reaches_the_department_head_at_once(
    make_case, store_manager, db_session
):
    case = make_case(severity="serious")
    sent = _notifications(db_session, "renovation.serious")
    assert {n.recipient_user_id for n in sent} == {store_manager.id}
    assert sent[0].params["number"] == case.number


def test_r14_a_normal_case_bothers_nobody(make_case, store_manager, db_session):
    make_case(severity="normal")
    assert _notifications(db_session, "renovation.serious") == []


def test_r14_a_case_needs_its_fields(db_session, staff, dummy_store, customer):
    data = services.NewCase(
        store_id=dummy_store.id,
        member_id=customer.id,
        kind="gripe",
        channel="pigeon",
        severity="apocalyptic",
        subject="  ",
        description="",
    )
    with pytest.raises(ValidationFailed) as exc:
        services.log_case(db_session, actor=staff, data=data)
    assert set(exc.value.errors) == {"kind", "channel", "severity", "subject", "description"}


def test_a_customer_of_another_store_cannot_be_the_cases_customer(
    db_session, staff, dummy_store, other_store, make_member
):
    stranger = make_member(full_name="李四海", mobile="13900139000", store=other_store)
    data = services.NewCase(
        store_id=dummy_store.id,
        member_id=stranger.id,
        kind="complaint",
        channel="call",
        severity="minor",
        subject="x",
        description="y",
    )
    with pytest.raises(ValidationFailed) as exc:
        services.log_case(db_session, actor=staff, data=data)
    assert "member_id" in exc.value.errors


def test_staff_of_another_store_cannot_log_cases_here(
    db_session, make_user, other_store, dummy_store, customer
):
    outsider = make_user("outsider", Role.STAFF, other_store)
    data = services.NewCase(
        store_id=dummy_store.id,
        member_id=customer.id,
        kind="complaint",
        channel="call",
        severity="minor",
        subject="x",
        description="y",
    )
    with pytest.raises(NotFound):
        services.log_case(db_session, actor=outsider, data=data)


def test_the_same_idempotency_key_logs_once(db_session, staff, dummy_store, customer):
    data = services.NewCase(
        store_id=dummy_store.id,
        member_id=customer.id,
        kind="repair",
        channel="letter",
        severity="minor",
        subject="x",
        description="y",
    )
    first = services.log_case(db_session, actor=staff, data=data, idempotency_key="k-1")
    db_session.commit()
    again = services.log_case(db_session, actor=staff, data=data, idempotency_key="k-1")
    assert again.id == first.id
    with pytest.raises(ValidationFailed):
        services.log_case(db_session, actor=staff, data=data, idempotency_key="with space")


# --- R13: ownership ---------------------------------------------------------------------------


def test_r13_only_the_owner_or_the_manager_acts(dummy_case, colleague, store_manager, db_session):
    assert not services.may_act(colleague, dummy_case)
    assert services.may_act(store_manager, dummy_case)
    with pytest.raises(PermissionDenied):
        services.close_case(
            db_session,
            actor=colleague,
            case=dummy_case,
            resolution="r",
            confirmed_by="王建国",
            method="signed",
        )


def test_r13_another_store_does_not_see_the_case(dummy_case, make_user, other_store, db_session):
    outsider = make_user("outsider", Role.STORE_MANAGER, other_store)
    with pytest.raises(NotFound):
        services.get_case(db_session, actor=outsider, case_id=dummy_case.id)


def test_r13_a_handover_is_recorded_and_moves_ownership(dummy_case, staff, colleague, db_session):
    services.hand_over(
        db_session, actor=staff, case=dummy_case, to_user_id=colleague.id, reason="休假"
    )
    db_session.commit()
    assert dummy_case.owner_id == colleague.id
    handover = db_session.scalar(select(CaseHandover))
    assert (handover.from_user_id, handover.to_user_id, handover.reason) == (
        staff.id,
        colleague.id,
        "休假",
    )
    assert _audit(db_session, "renovation.handed_over")[0].before == {"owner_id": staff.id}
    assert _notifications(db_session, "renovation.handed_over")[0].recipient_user_id == colleague.id
    # the former owner no longer acts
    assert not services.may_act(staff, dummy_case)


def test_r13_a_handover_needs_a_reason_and_an_employee_of_the_store(
    dummy_case, staff, make_user, other_store, db_session
):
    outsider = make_user("outsider", Role.STAFF, other_store)
    with pytest.raises(ValidationFailed) as exc:
        services.hand_over(
            db_session, actor=staff, case=dummy_case, to_user_id=outsider.id, reason=" "
        )
    assert set(exc.value.errors) == {"reason", "to_user_id"}


# --- R23: routing -----------------------------------------------------------------------------


def test_r23_a_repair_goes_to_its_supervisor_who_records_the_appointment(
    dummy_repair, staff, supervisor, db_session, clock
):
    route = services.route_repair(
        db_session,
        actor=staff,
        case=dummy_repair,
        responsible="supervisor",
        supervisor_id=supervisor.id,
    )
    db_session.commit()
    assert route is Route.SUPERVISOR
    assert dummy_repair.state == CaseState.ROUTED
    assert _notifications(db_session, "renovation.routed")[0].recipient_user_id == supervisor.id
    agreed = clock.now() + timedelta(days=2)
    services.record_appointment(
        db_session, actor=supervisor, case=dummy_repair, appointment_at=agreed
    )
    db_session.commit()
    assert dummy_repair.appointment_at == agreed


def test_r23_the_vendor_gets_a_numbered_repair_notice(dummy_repair, staff, db_session):
    services.route_repair(
        db_session,
        actor=staff,
        case=dummy_repair,
        responsible="vendor",
        vendor_name="欧派橱柜",
        repair_work="更换橱柜门铰链",
    )
    db_session.commit()
    assert dummy_repair.route == Route.VENDOR
    assert dummy_repair.repair_notice_number == "ZXWX-2026-000001"


def test_r23_a_vendor_route_needs_the_vendor_and_the_work(dummy_repair, staff, db_session):
    with pytest.raises(ValidationFailed) as exc:
        services.route_repair(db_session, actor=staff, case=dummy_repair, responsible="vendor")
    assert set(exc.value.errors) == {"vendor_name", "repair_work"}


def test_r23_a_supervisor_who_left_starts_the_48_hour_promise(
    dummy_repair, staff, supervisor, db_session, clock
):
    supervisor.is_enabled = False
    db_session.commit()
    route = services.route_repair(
        db_session,
        actor=staff,
        case=dummy_repair,
        responsible="supervisor",
        supervisor_id=supervisor.id,
    )
    db_session.commit()
    assert route is Route.PROMISE
    task = services.promise_task(db_session, dummy_repair)
    assert task.policy == "renovation_contact"
    assert task.due_at == clock.now() + timedelta(hours=48)
    # the case cannot close while the promise runs
    with pytest.raises(Conflict):
        services.close_case(
            db_session,
            actor=staff,
            case=dummy_repair,
            resolution="r",
            confirmed_by="王建国",
            method="phone",
        )
    clock.advance(timedelta(hours=20))
    services.record_contact(db_session, actor=staff, case=dummy_repair, note="约定周六上门")
    db_session.commit()
    done = db_session.get(SlaTask, task.id)
    assert done.state == TaskState.DONE
    assert done.within_sla is True
    assert dummy_repair.state == CaseState.OPEN
    contacted = _audit(db_session, "renovation.contacted")[0]
    assert contacted.before == {"state": "routed", "route": "promise"}
    assert contacted.after["state"] == "open"
    assert contacted.after["route"] is None
    routed = _audit(db_session, "renovation.routed")[0]
    assert (routed.before["state"], routed.after["state"]) == ("open", "routed")


def test_r23_a_broken_promise_escalates_through_the_sla_engine(
    dummy_repair, staff, supervisor, hq_service, db_session, clock
):
    supervisor.is_enabled = False
    db_session.commit()
    services.route_repair(
        db_session,
        actor=staff,
        case=dummy_repair,
        responsible="supervisor",
        supervisor_id=supervisor.id,
    )
    db_session.commit()
    clock.advance(timedelta(hours=49))
    sla.tick(db_session, now=clock.now())
    db_session.commit()
    task = services.last_promise_task(db_session, dummy_repair)
    assert task.breached_at is not None
    assert task.escalation_level >= 1


def test_r23_a_broken_promise_shows_in_the_timeline_once(
    dummy_repair, staff, supervisor, hq_service, db_session, clock, runner
):
    supervisor.is_enabled = False
    db_session.commit()
    services.route_repair(
        db_session,
        actor=staff,
        case=dummy_repair,
        responsible="supervisor",
        supervisor_id=supervisor.id,
    )
    db_session.commit()
    clock.advance(timedelta(hours=49))
    assert runner.invoke(args=["portal", "tick"]).exit_code == 0
    clock.advance(timedelta(hours=30))
    assert runner.invoke(args=["portal", "tick"]).exit_code == 0
    db_session.expire_all()
    kinds = [e.kind for e in services.timeline(db_session, dummy_repair)]
    assert kinds.count("promise_broken") == 1


def test_r23_only_repairs_are_routed(dummy_case, staff, supervisor, db_session):
    with pytest.raises(Conflict):
        services.route_repair(
            db_session,
            actor=staff,
            case=dummy_case,
            responsible="supervisor",
            supervisor_id=supervisor.id,
        )


# --- R24: escalation, closing, revisit, penalty -----------------------------------------------


def test_r24_a_second_complaint_escalates_to_the_department_head(
    make_case, dummy_case, store_manager, db_session
):
    second = make_case(earlier_number=dummy_case.number.lower())
    assert second.earlier_case_id == dummy_case.id
    assert second.escalated_at is not None
    sent = _notifications(db_session, "renovation.escalated")
    assert [n.recipient_user_id for n in sent] == [store_manager.id]
    assert sent[0].params["earlier"] == dummy_case.number


def test_r24_the_earlier_complaint_must_be_the_same_customers(
    make_case, db_session, make_member, staff, dummy_store
):
    other_customer = make_member(full_name="李四海", mobile="13900139000")
    earlier = make_case(member_id=other_customer.id)
    with pytest.raises(ValidationFailed) as exc:
        make_case(earlier_number=earlier.number)
    assert "earlier_number" in exc.value.errors


def test_r24_closing_needs_the_customers_signature(dummy_case, staff, db_session):
    with pytest.raises(ValidationFailed) as exc:
        services.close_case(
            db_session, actor=staff, case=dummy_case, resolution="", confirmed_by="  ", method="x"
        )
    assert set(exc.value.errors) == {"resolution", "confirmed_by", "method"}
    assert db_session.get(type(dummy_case), dummy_case.id).state == CaseState.OPEN


def test_r14_a_closed_case_is_revisited(dummy_case, staff, db_session, clock):
    services.close_case(
        db_session,
        actor=staff,
        case=dummy_case,
        resolution="更换防水层",
        confirmed_by="王建国",
        method="signed",
    )
    db_session.commit()
    assert dummy_case.state == CaseState.CLOSED
    assert dummy_case.confirmed_at == clock.now()
    with pytest.raises(ValidationFailed):
        services.record_revisit(db_session, actor=staff, case=dummy_case, score=6, note="好")
    services.record_revisit(db_session, actor=staff, case=dummy_case, score=5, note="满意")
    db_session.commit()
    assert dummy_case.state == CaseState.REVISITED
    with pytest.raises(Conflict):
        services.record_revisit(db_session, actor=staff, case=dummy_case, score=5, note="again")
    kinds = [e.kind for e in services.timeline(db_session, dummy_case)]
    assert kinds == ["logged", "closed", "revisited"]


def test_r24_the_manager_issues_a_numbered_penalty_the_employee_reads(
    dummy_case, store_manager, staff, colleague, db_session
):
    with pytest.raises(PermissionDenied):
        services.issue_penalty(
            db_session,
            actor=staff,
            case=dummy_case,
            employee_id=colleague.id,
            reason="r",
            measure="m",
        )
    notice = services.issue_penalty(
        db_session,
        actor=store_manager,
        case=dummy_case,
        employee_id=staff.id,
        reason="未按时回复客户",
        measure="书面警告",
    )
    db_session.commit()
    assert notice.number == "ZXCF-2026-000001"
    assert services.get_penalty(db_session, actor=staff, penalty_id=notice.id) == notice
    with pytest.raises(NotFound):
        services.get_penalty(db_session, actor=colleague, penalty_id=notice.id)
    assert [n.number for n in services.list_penalties(db_session, actor=staff).items] == [
        notice.number
    ]
    assert services.list_penalties(db_session, actor=colleague).items == []
    assert _notifications(db_session, "renovation.penalty")[0].recipient_user_id == staff.id
    assert _audit(db_session, "renovation.penalty_issued")[0].after["employee_id"] == staff.id
    assert db_session.scalar(select(PenaltyNotice.id)) == notice.id


def test_r24_penalty_issued_is_a_domain_event(app, dummy_case, store_manager, staff, db_session):
    from portal.events import Event

    seen: list[Event] = []
    plugins = app.extensions["portal.plugins"]
    original = plugins.notify
    plugins.notify = lambda ev: seen.append(ev) or original(ev)
    try:
        services.issue_penalty(
            db_session,
            actor=store_manager,
            case=dummy_case,
            employee_id=staff.id,
            reason="r",
            measure="m",
        )
        db_session.commit()
    finally:
        plugins.notify = original
    issued = [ev for ev in seen if ev.name == "penalty.issued"]
    assert issued
    assert issued[0].data["employee_id"] == staff.id


def test_lists_filter_and_sort(make_case, staff, colleague, db_session, dummy_store):
    minor = make_case(severity="minor")
    serious = make_case(severity="serious")
    theirs = make_case(actor=colleague, severity="normal")
    everything = services.list_cases(db_session, actor=staff, sort=services.CaseSort.SEVERITY)
    assert [c.id for c in everything.items] == [serious.id, theirs.id, minor.id]
    mine = services.list_cases(db_session, actor=staff, flt=services.CaseFilter(owner_id=staff.id))
    assert {c.id for c in mine.items} == {minor.id, serious.id}
    page = services.list_cases(db_session, actor=staff, limit=2)
    assert len(page.items) == 2
    rest = services.list_cases(db_session, actor=staff, limit=2, cursor=page.next_cursor)
    assert [c.id for c in rest.items] == [minor.id]
    assert [c.id for c in services.waiting_on(db_session, colleague)] == [theirs.id]

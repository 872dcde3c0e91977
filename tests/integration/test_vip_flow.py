"""VIP files through the services, on SQLite and PostgreSQL: R2-R5 and R8 on approval."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from portal.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portal.members.models import MemberStatus
from portal.notifications.models import Notification
from portal.sla import services as sla
from portal.sla.models import TaskState
from portal.vip import services
from portal.vip.models import Consumption, VipStatus
from portal.vip.testing import ID_NUMBERS, complete_values, dummy_customer, dummy_vip_file


@pytest.fixture
def customer(db_session, staff, dummy_store):
    member = dummy_customer(db_session, staff, store_id=dummy_store.id)
    db_session.commit()
    return member


@pytest.fixture
def submitted(db_session, staff, customer, store_manager):
    return dummy_vip_file(db_session, staff, customer)


def audit_count(db_session, action, file):
    return db_session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == action, AuditEvent.object_id == str(file.id))
    )


# --- R4: start, drafts, completeness ----------------------------------------------------------


def test_r4_start_prefills_stage_1_from_the_member_record(db_session, staff, customer):
    file = services.start_file(db_session, actor=staff, member=customer)
    db_session.commit()
    assert file.status == VipStatus.DRAFT
    assert file.data["full_name"] == "王建国"
    assert file.data["mobile"] == "+8613912345678"
    assert file.referrer_id == staff.id
    assert services.completeness(file)[1] == ["id_number", "employer", "address"]
    assert audit_count(db_session, "vip.started", file) == 1


def test_r4_only_the_customers_referrer_starts_a_file(
    db_session, customer, make_user, dummy_store, other_store
):
    colleague = make_user("colleague", Role.STAFF, dummy_store)
    with pytest.raises(PermissionDenied):
        services.start_file(db_session, actor=colleague, member=customer)
    stranger = make_user("stranger", Role.STAFF, other_store)
    with pytest.raises(NotFound):
        services.start_file(db_session, actor=stranger, member=customer)


def test_r4_one_open_file_per_member(db_session, staff, customer):
    services.start_file(db_session, actor=staff, member=customer)
    db_session.commit()
    with pytest.raises(Conflict):
        services.start_file(db_session, actor=staff, member=customer)


def test_r4_draft_saves_partially_and_a_wrong_value_saves_nothing(db_session, staff, customer):
    file = services.start_file(db_session, actor=staff, member=customer)
    services.save_draft(db_session, actor=staff, file=file, values={"employer": "西安交通大学"})
    db_session.commit()
    assert file.data["employer"] == "西安交通大学"
    version = file.version
    with pytest.raises(ValidationFailed) as caught:
        services.save_draft(
            db_session,
            actor=staff,
            file=file,
            values={"address": "西安市高新路25号3单元501室", "mobile": "029-88886666"},
        )
    db_session.rollback()
    assert set(caught.value.errors) == {"mobile"}
    db_session.refresh(file)
    assert "address" not in file.data
    assert file.version == version


def test_r4_an_empty_value_clears_a_field(db_session, staff, customer):
    file = services.start_file(db_session, actor=staff, member=customer)
    services.save_draft(db_session, actor=staff, file=file, values={"wechat": "WangJG_1985"})
    assert file.data["wechat"] == "wangjg_1985"
    services.save_draft(db_session, actor=staff, file=file, values={"wechat": ""})
    assert "wechat" not in file.data


def test_r4_submit_refused_while_incomplete_with_the_missing_fields(db_session, staff, customer):
    file = services.start_file(db_session, actor=staff, member=customer)
    services.save_draft(
        db_session, actor=staff, file=file, values={"employer": "西安交通大学", "birthday": None}
    )
    with pytest.raises(ValidationFailed) as caught:
        services.submit(db_session, actor=staff, file=file)
    assert set(caught.value.errors) == {"id_number", "address", "birthday", "preferences"}
    assert file.status == VipStatus.DRAFT


def test_r4_a_half_entered_anniversary_is_missing_its_other_half(db_session, staff, customer):
    file = services.start_file(db_session, actor=staff, member=customer)
    services.save_draft(
        db_session,
        actor=staff,
        file=file,
        values=complete_values(other_anniversary="2010-06-01"),
    )
    assert services.completeness(file) == {1: [], 2: ["other_anniversary_label"]}


def test_r4_a_submitted_file_is_no_longer_editable(db_session, staff, submitted):
    with pytest.raises(Conflict):
        services.save_draft(db_session, actor=staff, file=submitted, values={"wechat": "abcdefg"})


# --- R2 and R3 on submission ----------------------------------------------------------------------


def test_r2_a_vip_contact_number_must_be_a_mobile(db_session, staff, customer):
    file = services.start_file(db_session, actor=staff, member=customer)
    for number in ("029-88886666", "400-810-8888", "800-810-8888"):
        with pytest.raises(ValidationFailed) as caught:
            services.save_draft(db_session, actor=staff, file=file, values={"mobile": number})
        assert "mobile" in caught.value.errors


def test_r3_refused_when_the_mobile_is_a_staff_accounts(
    db_session, staff, customer, make_user, dummy_store
):
    make_user("cook", Role.STAFF, dummy_store, mobile="13912345678")
    file = dummy_vip_file(db_session, staff, customer, submit=False)
    with pytest.raises(ValidationFailed) as caught:
        services.submit(db_session, actor=staff, file=file)
    assert set(caught.value.errors) == {"mobile"}
    assert "staff" in str(caught.value.errors["mobile"][0])
    db_session.rollback()
    assert file.status == VipStatus.DRAFT
    assert services.task_of(db_session, file) is None


def test_r3_refused_when_the_other_phone_is_a_staff_accounts(
    db_session, staff, customer, make_user, dummy_store
):
    make_user("waiter", Role.STAFF, dummy_store, mobile="13700001111")
    file = dummy_vip_file(
        db_session,
        staff,
        customer,
        values=complete_values(other_phone="13700001111"),
        submit=False,
    )
    with pytest.raises(ValidationFailed) as caught:
        services.submit(db_session, actor=staff, file=file)
    assert set(caught.value.errors) == {"other_phone"}


def test_r3_refused_by_id_number_of_staff_in_another_store(
    db_session, staff, customer, make_user, other_store
):
    make_user("bj.staff", Role.STAFF, other_store, id_number=ID_NUMBERS[0].lower())
    file = dummy_vip_file(db_session, staff, customer, submit=False)
    with pytest.raises(ValidationFailed) as caught:
        services.submit(db_session, actor=staff, file=file)
    assert set(caught.value.errors) == {"id_number"}


def test_r3_head_office_staff_count_too(db_session, staff, customer, make_user):
    make_user("hq.clerk", Role.HQ_SERVICE, id_number=ID_NUMBERS[0])
    file = dummy_vip_file(db_session, staff, customer, submit=False)
    with pytest.raises(ValidationFailed):
        services.submit(db_session, actor=staff, file=file)


def test_r3_a_member_login_or_a_disabled_account_is_no_insider(
    db_session, staff, customer, make_user, make_member, other_store
):
    from portal.accounts.operator import ShellOperator
    from portal.accounts.services import set_account_enabled

    # the same person's own member login elsewhere holds no staff grant
    make_member(full_name="王建国", mobile="13912345678", store=other_store)
    gone = make_user("gone", Role.HQ_SERVICE, id_number=ID_NUMBERS[0])
    set_account_enabled(db_session, actor=ShellOperator("t"), user=gone, enabled=False)
    db_session.commit()
    file = dummy_vip_file(db_session, staff, customer)
    assert file.status == VipStatus.SUBMITTED


# --- R5: the review ----------------------------------------------------------------------------


def test_r5_submission_starts_a_12_hour_review_and_tells_the_manager(
    db_session, clock, submitted, store_manager
):
    task = services.task_of(db_session, submitted)
    assert task.state == TaskState.OPEN
    assert task.due_at == clock.now() + timedelta(hours=12)
    assert submitted.round == 1
    note = db_session.scalar(
        select(Notification).where(Notification.recipient_user_id == store_manager.id)
    )
    assert note is not None
    assert note.kind == "vip.submitted"


def test_r5_manager_approves_customer_becomes_active_referrer_told(
    db_session, staff, submitted, store_manager
):
    staff.mobile = "+8613600000000"  # the SMS goes to the referrer's mobile
    services.approve(db_session, actor=store_manager, file=submitted, expected_version=None)
    db_session.commit()
    assert submitted.status == VipStatus.APPROVED
    assert submitted.decided_by_id == store_manager.id
    assert submitted.member.status == MemberStatus.ACTIVE
    task = sla.open_task_for(db_session, "vip_file", submitted.id)
    assert task is None
    channels = set(
        db_session.scalars(
            select(Notification.channel).where(
                Notification.recipient_user_id == staff.id, Notification.kind == "vip.approved"
            )
        )
    )
    assert channels == {"portal", "sms"}
    # R8: the file's contacts are the customer's now
    kinds = {(c.kind, c.value) for c in submitted.member.contacts}
    assert ("landline", "+862988886666") in kinds
    assert audit_count(db_session, "vip.approved", submitted) == 1


def test_r5_reject_needs_a_reason_the_referrer_reads(db_session, staff, submitted, store_manager):
    with pytest.raises(ValidationFailed):
        services.reject(db_session, actor=store_manager, file=submitted, reason="  ")
    services.reject(db_session, actor=store_manager, file=submitted, reason="客户本月仅到店一次")
    db_session.commit()
    assert submitted.status == VipStatus.REJECTED
    assert submitted.decision_reason == "客户本月仅到店一次"
    note = db_session.scalar(
        select(Notification).where(
            Notification.recipient_user_id == staff.id, Notification.kind == "vip.rejected"
        )
    )
    assert note.params["reason"] == "客户本月仅到店一次"


def test_r5_staff_and_other_stores_cannot_decide(
    db_session, submitted, make_user, dummy_store, other_store, staff
):
    colleague = make_user("colleague", Role.STAFF, dummy_store)
    with pytest.raises(NotFound):
        services.get_file(db_session, actor=colleague, file_id=submitted.id)
    other_manager = make_user("bj.manager", Role.STORE_MANAGER, other_store)
    with pytest.raises(NotFound):
        services.get_file(db_session, actor=other_manager, file_id=submitted.id)
    with pytest.raises(NotFound):
        services.approve(db_session, actor=other_manager, file=submitted)
    # the referrer sees the file but does not decide it
    with pytest.raises((NotFound, PermissionDenied)):
        services.approve(db_session, actor=staff, file=submitted)
    assert submitted.status == VipStatus.SUBMITTED


def test_r5_deputy_decides_during_the_managers_leave(
    db_session, clock, submitted, store_manager, make_user, dummy_store
):
    deputy = make_user("deputy", Role.STAFF, dummy_store)
    assert not services.may_decide(db_session, deputy, submitted)
    sla.record_leave(
        db_session,
        actor=store_manager,
        user=store_manager,
        starts_at=clock.now() - timedelta(hours=1),
        ends_at=clock.now() + timedelta(days=2),
        deputy=deputy,
        reason="年假",
    )
    db_session.commit()
    assert services.may_decide(db_session, deputy, submitted)
    page = services.review_queue(db_session, actor=deputy)
    assert [item.file.id for item in page.items] == [submitted.id]
    services.approve(db_session, actor=deputy, file=submitted)
    db_session.commit()
    assert submitted.decided_by_id == deputy.id
    assert submitted.member.status == MemberStatus.ACTIVE


def test_r5_return_pauses_the_clock_and_resubmission_resumes_it(
    db_session, clock, staff, submitted, store_manager
):
    task = services.task_of(db_session, submitted)
    clock.advance(timedelta(hours=2))
    services.return_for_correction(
        db_session, actor=store_manager, file=submitted, reason="单位写全称"
    )
    db_session.commit()
    assert submitted.status == VipStatus.RETURNED
    assert task.state == TaskState.PAUSED
    assert services.may_edit(staff, submitted)
    clock.advance(timedelta(hours=30))  # with staff: does not count
    services.save_draft(
        db_session,
        actor=staff,
        file=submitted,
        values={"employer": "陕西华为技术有限公司西安分公司"},
    )
    services.submit(db_session, actor=staff, file=submitted)
    db_session.commit()
    assert submitted.status == VipStatus.SUBMITTED
    assert submitted.round == 2
    assert task.state == TaskState.OPEN
    assert task.due_at == clock.now() + timedelta(hours=10)
    kinds = [event.kind for event in sla.timeline(db_session, task)]
    assert kinds == ["started", "paused", "resumed"]
    assert audit_count(db_session, "vip.resubmitted", submitted) == 1


def test_r5_the_second_decision_is_told_who_decided(
    db_session, submitted, store_manager, make_user, dummy_store
):
    second = make_user("manager2", Role.STORE_MANAGER, dummy_store, display_name="李经理")
    services.approve(db_session, actor=second, file=submitted)
    db_session.commit()
    with pytest.raises(Conflict) as caught:
        services.reject(db_session, actor=store_manager, file=submitted, reason="不符合")
    assert "李经理" in str(caught.value.message)
    db_session.rollback()
    assert audit_count(db_session, "vip.approved", submitted) == 1
    assert audit_count(db_session, "vip.rejected", submitted) == 0


def test_r5_a_stale_version_is_not_decided_blindly(db_session, submitted, store_manager):
    with pytest.raises(Conflict):
        services.approve(
            db_session, actor=store_manager, file=submitted, expected_version=submitted.version - 1
        )
    db_session.rollback()
    db_session.refresh(submitted)
    assert submitted.status == VipStatus.SUBMITTED


# --- R5: consumption ------------------------------------------------------------------------------


def test_r5_consumption_refused_until_approved(db_session, clock, staff, submitted, store_manager):
    with pytest.raises(Conflict) as caught:
        services.record_consumption(
            db_session,
            actor=staff,
            file_or_member=submitted,
            amount=Decimal("368.00"),
            occurred_at=clock.now(),
        )
    assert "approved VIPs only" in str(caught.value.message)
    with pytest.raises(Conflict):
        services.record_consumption(
            db_session,
            actor=staff,
            file_or_member=submitted.member,
            amount=Decimal("368.00"),
            occurred_at=clock.now(),
        )
    db_session.rollback()
    services.approve(db_session, actor=store_manager, file=submitted)
    row = services.record_consumption(
        db_session,
        actor=staff,
        file_or_member=submitted.member,
        amount="368.00",
        occurred_at=clock.now(),
        note="包间",
    )
    db_session.commit()
    assert row.amount == Decimal("368.00")
    assert row.vip_file_id == submitted.id


def test_r5_consumption_is_idempotent_by_key(db_session, clock, staff, submitted, store_manager):
    services.approve(db_session, actor=store_manager, file=submitted)
    db_session.commit()
    first = services.record_consumption(
        db_session,
        actor=staff,
        file_or_member=submitted,
        amount=Decimal("100"),
        occurred_at=clock.now(),
        idempotency_key="till-7-0001",
    )
    db_session.commit()
    again = services.record_consumption(
        db_session,
        actor=staff,
        file_or_member=submitted,
        amount=Decimal("100"),
        occurred_at=clock.now(),
        idempotency_key="till-7-0001",
    )
    db_session.commit()
    assert again.id == first.id
    assert db_session.scalar(select(func.count()).select_from(Consumption)) == 1


@pytest.mark.parametrize("amount", ["0", "-5", "1.005", "abc", "1e30"])
def test_r5_consumption_amount_is_positive_money(
    db_session, clock, staff, submitted, store_manager, amount
):
    services.approve(db_session, actor=store_manager, file=submitted)
    with pytest.raises(ValidationFailed) as caught:
        services.record_consumption(
            db_session,
            actor=staff,
            file_or_member=submitted,
            amount=amount,
            occurred_at=clock.now(),
        )
    assert set(caught.value.errors) == {"amount"}


# --- R5: the queue --------------------------------------------------------------------------------


def test_r5_queue_orders_by_deadline_and_splits_due_soon_and_overdue(
    db_session, clock, staff, store_manager, dummy_store
):
    start = clock.now()
    files = []
    for n, offset in enumerate((0, 4, 8)):
        clock.set(start + timedelta(hours=offset))
        member = dummy_customer(db_session, staff, store_id=dummy_store.id, mobile=f"1390000000{n}")
        files.append(
            dummy_vip_file(
                db_session,
                staff,
                member,
                values=complete_values(mobile=member.mobile, id_number=ID_NUMBERS[n + 1]),
            )
        )
    clock.set(start + timedelta(hours=13, minutes=30))
    # deadlines: +12 h (overdue), +16 h (2.5 h left: the last quarter), +20 h (6.5 h left)
    page = services.review_queue(db_session, actor=store_manager)
    assert [item.file.id for item in page.items] == [f.id for f in files]
    assert [item.bucket for item in page.items] == ["overdue", "due_soon", "all"]
    assert page.items[1].time_left == timedelta(hours=2, minutes=30)
    soon = services.review_queue(db_session, actor=store_manager, bucket=services.Bucket.DUE_SOON)
    assert [item.file.id for item in soon.items] == [files[1].id]
    late = services.review_queue(db_session, actor=store_manager, bucket=services.Bucket.OVERDUE)
    assert [item.file.id for item in late.items] == [files[0].id]
    counts = services.queue_counts(db_session, actor=store_manager)
    assert counts == {"all": 3, "due_soon": 1, "overdue": 1}
    first = services.review_queue(db_session, actor=store_manager, limit=2)
    rest = services.review_queue(db_session, actor=store_manager, limit=2, cursor=first.next_cursor)
    assert [i.file.id for i in first.items + rest.items] == [f.id for f in files]
    # staff have no queue
    assert services.review_queue(db_session, actor=staff).items == []


def test_r9_files_follow_the_customer_to_a_new_referrer(
    db_session, staff, submitted, make_user, dummy_store
):
    successor = make_user("successor", Role.STAFF, dummy_store)
    submitted.member.referrer_id = successor.id
    assert services.reassign_referrer(db_session, actor=None, member=submitted.member) == 1
    assert submitted.referrer_id == successor.id

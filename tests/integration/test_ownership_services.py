"""R8 one referrer, R9 handover, history and counts: the ownership services on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.operator import ShellOperator
from portal.accounts.permissions import Action, can
from portal.accounts.roles import Role
from portal.accounts.services import set_account_enabled
from portal.audit.models import AuditEvent
from portal.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portal.extensions import db
from portal.members import ownership, services
from portal.members.models import (
    Member,
    MemberContact,
    OwnershipConflict,
    ReferrerAssignment,
)
from portal.notifications.models import Notification

OPERATOR = ShellOperator("test")


@pytest.fixture
def li(make_user, dummy_store):
    return make_user("li.na", Role.STAFF, dummy_store, display_name="李娜")


@pytest.fixture
def zhao(make_user, dummy_store):
    return make_user("zhao.min", Role.STAFF, dummy_store, display_name="赵敏")


def enter(db_session, actor, store, mobile="13900139000", name="张伟明", **kw):
    result = ownership.enter_customer(
        db_session, actor=actor, store_id=store.id, full_name=name, mobile=mobile, **kw
    )
    db_session.commit()
    return result


def actions(db_session, prefix):
    return [
        e.action
        for e in db_session.scalars(
            select(AuditEvent).where(AuditEvent.action.startswith(prefix)).order_by(AuditEvent.id)
        )
    ]


def notes(db_session, kind):
    return list(
        db_session.scalars(
            select(Notification).where(Notification.kind == kind).order_by(Notification.id)
        )
    )


# --- R8: entering customers, contacts ------------------------------------------------------------


def test_r8_staff_enter_a_customer_they_refer(db_session, staff, dummy_store):
    member = enter(
        db_session,
        staff,
        dummy_store,
        email="Zhang@QQ.com",
        contacts=[("landline", "029-88886666"), ("wechat", " ZhangWM_1 ")],
    )
    assert isinstance(member, Member)
    assert member.referrer_id == staff.id
    assert member.source == "staff"
    assert {(c.kind, c.value, c.is_primary) for c in member.contacts} == {
        ("mobile", "+8613900139000", True),
        ("email", "zhang@qq.com", True),
        ("landline", "+862988886666", False),
        ("wechat", "zhangwm_1", False),
    }
    [assignment] = ownership.history(db_session, actor=staff, member=member)
    assert (assignment.referrer_id, assignment.reason, assignment.ends_at) == (
        staff.id,
        "entered",
        None,
    )
    assert ownership.is_referrer(member, staff)
    assert actions(db_session, "member.") == ["member.entered", "member.referrer_changed"]


def test_r8_errors_are_reported_together(db_session, staff, dummy_store):
    with pytest.raises(ValidationFailed) as caught:
        ownership.enter_customer(
            db_session,
            actor=staff,
            store_id=dummy_store.id,
            full_name="王先生",
            mobile="123",
            contacts=[("wechat", "1x")],
        )
    assert set(caught.value.errors) == {"full_name", "mobile", "contacts"}


def test_r8_a_second_referrer_gets_a_conflict_case_not_a_duplicate(
    db_session, staff, li, store_manager, dummy_store
):
    first = enter(db_session, staff, dummy_store, contacts=[("wechat", "zhangwm_1")])
    # the claim shares only the WeChat ID, written differently
    case = enter(
        db_session, li, dummy_store, mobile="13700137000", contacts=[("wechat", "ZhangWM_1")]
    )
    assert isinstance(case, OwnershipConflict)
    assert (case.member_id, case.claimant_id, case.holder_id, case.status) == (
        first.id,
        li.id,
        staff.id,
        "open",
    )
    assert db_session.scalar(select(Member.id).where(Member.mobile == "+8613700137000")) is None
    [note] = notes(db_session, "ownership.conflict_opened")
    assert (note.recipient_user_id, note.channel) == (store_manager.id, "portal")
    # entering it again returns the same case
    again = enter(db_session, li, dummy_store, mobile="13900139000")
    assert again.id == case.id
    assert actions(db_session, "ownership.") == ["ownership.conflict_opened"]


def test_r8_entering_ones_own_customer_again_says_so(db_session, staff, dummy_store):
    member = enter(db_session, staff, dummy_store)
    with pytest.raises(ownership.AlreadyYours) as caught:
        enter(db_session, staff, dummy_store, mobile="139 0013 9000")
    assert caught.value.member.id == member.id


def test_r8_across_stores_the_same_person_may_exist_again(
    db_session, staff, dummy_store, other_store, make_user
):
    there = make_user("wu.fei", Role.STAFF, other_store)
    here = enter(db_session, staff, dummy_store, contacts=[("wechat", "zhangwm_1")])
    elsewhere = enter(db_session, there, other_store, contacts=[("wechat", "zhangwm_1")])
    assert isinstance(elsewhere, Member)
    assert elsewhere.id != here.id


def test_r8_a_self_registered_member_claimed_by_staff_is_a_case(db_session, staff, member):
    case = enter(db_session, staff, member.store, mobile=member.mobile)
    assert isinstance(case, OwnershipConflict)
    assert case.holder_id is None


def test_r8_staff_enter_only_in_their_store(db_session, staff, other_store, hq_service):
    with pytest.raises(NotFound):
        ownership.enter_customer(
            db_session,
            actor=staff,
            store_id=other_store.id,
            full_name="张伟明",
            mobile="13900139000",
        )
    with pytest.raises(NotFound):  # head office does not refer customers
        ownership.enter_customer(
            db_session,
            actor=hq_service,
            store_id=other_store.id,
            full_name="张伟明",
            mobile="13900139000",
        )


def test_r8_only_a_manager_names_another_referrer(
    db_session, staff, li, store_manager, dummy_store
):
    with pytest.raises(ValidationFailed) as caught:
        enter(db_session, staff, dummy_store, referrer=li)
    assert "referrer_id" in caught.value.errors
    member = enter(db_session, store_manager, dummy_store, referrer=li)
    assert member.referrer_id == li.id


def test_r8_set_contacts_refuses_another_customers_contact_without_naming_them(
    db_session, staff, li, dummy_store
):
    enter(db_session, staff, dummy_store, contacts=[("email", "zhang@qq.com")])
    mine = enter(db_session, li, dummy_store, mobile="13700137000", name="刘洋")
    with pytest.raises(Conflict) as caught:
        ownership.set_contacts(
            db_session, actor=li, member=mine, contacts=[("email", "ZHANG@qq.com")]
        )
    assert "张伟明" not in str(caught.value.message)
    assert "staff" not in str(caught.value.message).lower()
    db_session.rollback()
    ownership.set_contacts(
        db_session,
        actor=li,
        member=mine,
        contacts=[("wechat", "liuyang_88"), ("landline", "02988886666")],
    )
    db_session.commit()
    db_session.expire_all()
    assert sorted(c.kind for c in mine.contacts) == ["landline", "mobile", "wechat"]
    # replacing drops what is not given again; the primary mobile stays
    ownership.set_contacts(db_session, actor=li, member=mine, contacts=[])
    db_session.commit()
    db_session.expire_all()
    assert [c.kind for c in mine.contacts] == ["mobile"]
    assert "member.contacts_changed" in actions(db_session, "member.")


def test_r8_only_the_referrer_and_the_store_edit_contacts(db_session, staff, li, dummy_store):
    member = enter(db_session, staff, dummy_store)
    with pytest.raises(PermissionDenied):  # li sees the member (masked) but does not serve them
        ownership.set_contacts(
            db_session, actor=li, member=member, contacts=[("wechat", "abcdefg")]
        )
    assert db_session.scalar(select(MemberContact).where(MemberContact.kind == "wechat")) is None


def test_r8_registration_refuses_a_mobile_another_customer_holds(
    db_session, staff, dummy_store, make_member
):
    enter(db_session, staff, dummy_store, contacts=[("mobile", "13800138000")])
    with pytest.raises(ValidationFailed) as caught:
        make_member(mobile="13800138000")
    assert "already registered" in str(caught.value.errors["mobile"][0])


def test_r8_registration_mirrors_mobile_and_email_as_primary_contacts(db_session, make_member):
    member = make_member(email="Wang@QQ.com")
    assert {(c.kind, c.value, c.is_primary) for c in member.contacts} == {
        ("mobile", "+8613800138000", True),
        ("email", "wang@qq.com", True),
    }


def test_r8_profile_email_change_keeps_contacts_in_step(
    db_session, member, store_manager, staff, dummy_store
):
    other = enter(db_session, staff, dummy_store, email="taken@qq.com")
    assert other.id != member.id
    with pytest.raises(ValidationFailed) as caught:
        services.update_profile(
            db_session,
            actor=store_manager,
            member=member,
            changes=services.ProfileChanges(email="Taken@qq.com"),
            today=member.created_at.date(),
        )
    assert "already registered" in str(caught.value.errors["email"][0])
    db_session.rollback()
    services.update_profile(
        db_session,
        actor=store_manager,
        member=member,
        changes=services.ProfileChanges(email="new@qq.com"),
        today=member.created_at.date(),
    )
    db_session.commit()
    db_session.expire_all()
    assert {(c.kind, c.value) for c in member.contacts} == {
        ("mobile", "+8613800138000"),
        ("email", "new@qq.com"),
    }


# --- R8: deciding conflicts -------------------------------------------------------------------


@pytest.fixture
def case(db_session, staff, li, dummy_store, store_manager):
    enter(db_session, staff, dummy_store)
    return enter(db_session, li, dummy_store)


def test_r8_manager_keeps_the_claimant_with_a_reason(db_session, case, staff, li, store_manager):
    ownership.resolve_conflict(
        db_session, actor=store_manager, case=case, keep="claimant", reason="李娜 served him first"
    )
    db_session.commit()
    member = db_session.get(Member, case.member_id)
    assert member.referrer_id == li.id
    assert (case.status, case.kept_referrer_id, case.decided_by_id) == (
        "resolved",
        li.id,
        store_manager.id,
    )
    first, second = ownership.history(db_session, actor=store_manager, member=member)
    assert (first.referrer_id, first.ends_at is not None) == (staff.id, True)
    assert (second.referrer_id, second.reason, second.case_id) == (
        li.id,
        "conflict_decision",
        case.id,
    )
    told = {n.recipient_user_id for n in notes(db_session, "ownership.conflict_resolved")}
    assert told == {staff.id, li.id}
    assert actions(db_session, "ownership.") == [
        "ownership.conflict_opened",
        "ownership.conflict_resolved",
    ]


def test_r8_keeping_the_holder_changes_nothing_but_the_case(db_session, case, staff, store_manager):
    ownership.resolve_conflict(
        db_session, actor=store_manager, case=case, keep="holder", reason="first"
    )
    db_session.commit()
    assert db_session.get(Member, case.member_id).referrer_id == staff.id
    assert case.kept_referrer_id == staff.id


@pytest.mark.parametrize(
    ("keep", "reason", "field"), [("claimant", "  ", "reason"), ("x", "ok", "keep")]
)
def test_r8_a_decision_needs_a_choice_and_a_reason(
    db_session, case, store_manager, keep, reason, field
):
    with pytest.raises(ValidationFailed) as caught:
        ownership.resolve_conflict(
            db_session, actor=store_manager, case=case, keep=keep, reason=reason
        )
    assert field in caught.value.errors


def test_r8_only_the_stores_manager_decides(db_session, case, staff, li, make_user, other_store):
    with pytest.raises(PermissionDenied):  # the parties see the case but may not decide it
        ownership.resolve_conflict(db_session, actor=li, case=case, keep="claimant", reason="mine")
    stranger = make_user("boss", Role.STORE_MANAGER, other_store)
    with pytest.raises(NotFound):
        ownership.resolve_conflict(
            db_session, actor=stranger, case=case, keep="claimant", reason="x"
        )
    with pytest.raises(NotFound):
        ownership.get_conflict(db_session, actor=stranger, case_id=case.id)


def test_r8_concurrent_decisions_exactly_one_stands(
    db_session, case, store_manager, make_user, dummy_store
):
    deputy = make_user("deputy", Role.STORE_MANAGER, dummy_store)
    other = Session(db.engine, expire_on_commit=False)
    try:
        late_case = other.get(OwnershipConflict, case.id)
        late_actor = other.get(type(deputy), deputy.id)
        other.commit()  # the case stays loaded as open, as on a page opened a moment ago
        ownership.resolve_conflict(
            db_session, actor=store_manager, case=case, keep="claimant", reason="a"
        )
        db_session.commit()
        with pytest.raises(Conflict) as caught:
            ownership.resolve_conflict(
                other, actor=late_actor, case=late_case, keep="holder", reason="b"
            )
        assert "already decided" in str(caught.value.message)
        other.rollback()
    finally:
        other.close()
    db_session.expire_all()
    assert db_session.get(OwnershipConflict, case.id).kept_referrer_id == case.claimant_id
    assert actions(db_session, "ownership.conflict_resolved") == ["ownership.conflict_resolved"]


def test_r8_queue_is_oldest_first_and_scoped(
    db_session, staff, li, zhao, store_manager, dummy_store, clock
):
    enter(db_session, staff, dummy_store)
    enter(db_session, staff, dummy_store, mobile="13900139001", name="张伟强")
    clock.advance(timedelta(minutes=5))
    newer = enter(db_session, li, dummy_store)
    clock.advance(timedelta(minutes=5))
    older_id = newer.id
    newest = enter(db_session, zhao, dummy_store, mobile="13900139001")
    page = ownership.conflicts_queue(db_session, actor=store_manager, limit=1)
    assert [c.id for c in page.items] == [older_id]
    page2 = ownership.conflicts_queue(
        db_session, actor=store_manager, cursor=page.next_cursor, limit=1
    )
    assert [c.id for c in page2.items] == [newest.id]
    assert [c.id for c in ownership.my_conflicts(db_session, actor=li).items] == [older_id]
    with pytest.raises(NotFound):
        ownership.conflicts_queue(db_session, actor=staff)


# --- R9: handover -----------------------------------------------------------------------------


@pytest.fixture
def departed(db_session, staff, dummy_store, make_member):
    """Three customers of ``staff``, one with a login; then staff's account is closed."""
    customers = [
        enter(db_session, staff, dummy_store, mobile=f"1390013900{i}", name=name)
        for i, name in enumerate(["张伟明", "刘洋洋", "陈思远"])
    ]
    registered = make_member(full_name="王建国", mobile="13800138000")
    ownership.change_referrer(
        db_session,
        actor=OPERATOR,
        member=registered,
        referrer=staff,  # type: ignore[arg-type]
    )
    db_session.commit()
    set_account_enabled(db_session, actor=OPERATOR, user=staff, enabled=False)  # type: ignore[arg-type]
    db_session.commit()
    return [*customers, registered]


def test_r9_manager_hands_a_departed_referrers_customers_over_in_bulk(
    db_session, departed, staff, li, zhao, store_manager, dummy_store
):
    rows = ownership.referrers_of_store(db_session, actor=store_manager, store_id=dummy_store.id)
    assert [(r.referrer.id, r.customers, r.departed) for r in rows] == [(staff.id, 4, True)]
    first, *rest = departed
    done = ownership.hand_over(
        db_session,
        actor=store_manager,
        store_id=dummy_store.id,
        previous=staff,
        choices={first.id: zhao.id},
        all_to=li,
    )
    db_session.commit()
    assert len(done) == 4
    db_session.expire_all()
    assert db_session.get(Member, first.id).referrer_id == zhao.id
    assert {db_session.get(Member, m.id).referrer_id for m in rest} == {li.id}
    for member in departed:
        old, new = ownership.history(db_session, actor=store_manager, member=member)
        assert old.ends_at == new.starts_at
        assert (new.reason, new.decided_by_id) == ("handover", store_manager.id)
    assert actions(db_session, "member.referrer_changed")[-4:] == ["member.referrer_changed"] * 4
    sms = notes(db_session, "ownership.new_referrer")
    assert sorted((n.channel, n.recipient_member_id) for n in sms if n.channel == "sms") == sorted(
        ("sms", m.id) for m in departed
    )
    portal = [n for n in sms if n.channel == "portal"]
    assert [n.recipient_user_id for n in portal] == [departed[-1].user_id]  # only one has a login
    assert all(n.params["referrer"] in ("李娜", "赵敏") for n in sms)
    received = {
        n.recipient_user_id: n.params["count"]
        for n in notes(db_session, "ownership.customers_received")
    }
    assert received == {li.id: 3, zhao.id: 1}
    assert (
        ownership.referrers_of_store(db_session, actor=store_manager, store_id=dummy_store.id)[
            0
        ].departed
        is False
    )


def test_r9_successors_are_enabled_staff_of_the_store(
    db_session, departed, staff, store_manager, dummy_store, make_user, other_store, li
):
    outsider = make_user("wu.fei", Role.STAFF, other_store)
    for successor in (outsider, staff):
        with pytest.raises(ValidationFailed):
            ownership.hand_over(
                db_session,
                actor=store_manager,
                store_id=dummy_store.id,
                previous=staff,
                all_to=successor,
            )
    set_account_enabled(db_session, actor=OPERATOR, user=li, enabled=False)  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed):
        ownership.hand_over(
            db_session, actor=store_manager, store_id=dummy_store.id, previous=staff, all_to=li
        )


def test_r9_only_managers_hand_over(db_session, departed, staff, li, dummy_store):
    with pytest.raises(NotFound):
        ownership.hand_over(
            db_session, actor=li, store_id=dummy_store.id, previous=staff, all_to=li
        )


def test_r9_a_customer_handed_over_meanwhile_fails_the_whole_handover(
    db_session, departed, staff, li, zhao, store_manager, dummy_store
):
    first, second, *_ = departed
    ownership.change_referrer(db_session, actor=store_manager, member=second, referrer=zhao)
    db_session.commit()
    with pytest.raises(Conflict):
        ownership.hand_over(
            db_session,
            actor=store_manager,
            store_id=dummy_store.id,
            previous=staff,
            choices={first.id: li.id, second.id: li.id},
        )
    db_session.rollback()
    assert db_session.get(Member, first.id).referrer_id == staff.id


def test_r9_the_departed_account_reads_no_customer_file(db_session, departed, staff):
    db_session.refresh(staff)
    for member in departed:
        assert member.referrer_id == staff.id  # still theirs on record ...
        for action in Action:
            assert not can(staff, action, member)  # ... but a closed account can do nothing
        with pytest.raises(NotFound):
            services.open_member_file(db_session, actor=staff, member_id=member.id)


def test_r9_a_referrer_who_handed_over_loses_the_referrers_rights(
    db_session, staff, li, store_manager, dummy_store
):
    member = enter(db_session, staff, dummy_store)
    assert services.sees_contacts(staff, member)
    ownership.hand_over(
        db_session, actor=store_manager, store_id=dummy_store.id, previous=staff, all_to=li
    )
    db_session.commit()
    db_session.refresh(member)
    assert not ownership.is_referrer(member, staff)
    assert not services.sees_contacts(staff, member)
    assert isinstance(services.as_seen_by(staff, member), services.MaskedMember)
    assert services.sees_contacts(li, member)


# --- history and counts at past dates ------------------------------------------------------------


def test_customers_per_referrer_at_past_dates(
    db_session, staff, li, store_manager, dummy_store, clock
):
    t0 = clock.now()
    a = enter(db_session, staff, dummy_store, mobile="13900139000")
    clock.advance(timedelta(days=1))
    enter(db_session, staff, dummy_store, mobile="13900139001", name="刘洋洋")
    enter(db_session, li, dummy_store, mobile="13900139002", name="陈思远")
    clock.advance(timedelta(days=1))
    ownership.change_referrer(db_session, actor=store_manager, member=a, referrer=li)
    db_session.commit()
    counts = lambda at: ownership.customers_at(db_session, store_id=dummy_store.id, at=at)  # noqa: E731
    assert counts(t0 - timedelta(seconds=1)) == {}
    assert counts(t0) == {staff.id: 1}
    assert counts(t0 + timedelta(hours=36)) == {staff.id: 2, li.id: 1}
    assert counts(t0 + timedelta(days=2)) == {
        staff.id: 1,
        li.id: 2,
    }  # the change is at that instant
    report = ownership.ownership_report(
        db_session, actor=store_manager, store_id=dummy_store.id, at=t0 + timedelta(hours=36)
    )
    assert [(r.referrer.id, r.customers) for r in report] == [(staff.id, 2), (li.id, 1)]
    with pytest.raises(NotFound):
        ownership.ownership_report(db_session, actor=staff, store_id=dummy_store.id, at=t0)


def test_one_open_assignment_per_member(db_session, staff, li, store_manager, dummy_store):
    member = enter(db_session, staff, dummy_store)
    for who in (li, staff, li):
        ownership.change_referrer(db_session, actor=store_manager, member=member, referrer=who)
    db_session.commit()
    open_rows = db_session.scalars(
        select(ReferrerAssignment).where(
            ReferrerAssignment.member_id == member.id, ReferrerAssignment.ends_at.is_(None)
        )
    ).all()
    assert [r.referrer_id for r in open_rows] == [li.id]
    assert len(ownership.history(db_session, actor=store_manager, member=member)) == 4


def test_stale_referrer_change_is_refused(db_session, staff, li, zhao, store_manager, dummy_store):
    member = enter(db_session, staff, dummy_store)
    with pytest.raises(Conflict):
        ownership.assign_referrer(
            db_session,
            actor=store_manager,
            member=member,
            referrer=zhao,
            reason=ownership.AssignmentReason.ASSIGNED,
            expected=li.id,
        )
    db_session.rollback()
    assert db_session.get(Member, member.id).referrer_id == staff.id

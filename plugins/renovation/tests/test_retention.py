"""R26 for the renovation desk: revisited cases and follow-ups go after three years;
cases tied to a delivered project, a penalty notice or a later complaint stay."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from portal_renovation import followups, revisits, services
from portal_renovation.models import CaseEvent, CaseState, FollowUp, RenovationCase
from sqlalchemy import select

from portal.audit.services import AuditFilter, filtered_events

#: four years before the tests' START: well past the three-year period
LONG_AGO = datetime(2022, 11, 23, 2, 0, tzinfo=UTC)


def _finish(db_session, staff, case):
    services.close_case(
        db_session,
        actor=staff,
        case=case,
        resolution="已修复",
        confirmed_by="王建国",
        method="signed",
    )
    services.record_revisit(db_session, actor=staff, case=case, score=5, note="满意")
    db_session.commit()


@pytest.fixture
def old_cases(db_session, clock, staff, store_manager, customer, make_case):
    """Revisited four years ago: a plain case, one about a delivered project, one with a
    penalty notice, one a later complaint points at; and one still open."""
    now = clock.now()
    clock.set(LONG_AGO)
    revisits.register_project(
        db_session,
        actor=staff,
        member_id=customer.id,
        name="曲江新区 12-3-501",
        delivered_on=LONG_AGO.date(),
        responsible_id=staff.id,
    )
    plain = make_case(subject="门框开裂")
    on_project = make_case(subject="地暖不热", project="曲江新区 12-3-501")
    penalised = make_case(subject="工人态度差")
    earlier = make_case(subject="墙面返潮")
    still_open = make_case(subject="窗户漏风")
    for case in (plain, on_project, penalised, earlier):
        _finish(db_session, staff, case)
    services.issue_penalty(
        db_session,
        actor=store_manager,
        case=penalised,
        employee_id=staff.id,
        reason="未按时回复客户",
        measure="书面警告",
    )
    db_session.commit()
    later = make_case(subject="墙面又返潮", earlier_number=earlier.number)
    clock.set(now)
    return {
        "plain": plain,
        "on_project": on_project,
        "penalised": penalised,
        "earlier": earlier,
        "open": still_open,
        "later": later,
    }


def test_r26_a_revisited_case_goes_with_its_timeline_and_the_tied_ones_stay(
    runner, db_session, old_cases
):
    ids = {name: case.id for name, case in old_cases.items()}
    dry = runner.invoke(args=["portal", "purge", "--policy", "renovation_cases"])
    assert dry.exit_code == 0, dry.output
    assert "1 started before 2023-11-23 to delete" in dry.output
    assert "3 as old kept: about a delivered project still on file" in dry.output

    result = runner.invoke(
        args=["portal", "purge", "--apply", "--yes", "--policy", "renovation_cases"]
    )
    assert result.exit_code == 0, result.output
    db_session.expire_all()
    left = set(db_session.scalars(select(RenovationCase.id)))
    gone = ids.pop("plain")
    assert left == set(ids.values())
    assert db_session.scalars(select(CaseEvent).where(CaseEvent.case_id == gone)).all() == []
    event = db_session.scalar(filtered_events(AuditFilter(action="records.purged")))
    assert event.object_id == "renovation_cases"
    assert event.after["deleted"] == 1
    assert event.after["exempt"] == 3
    assert db_session.get(RenovationCase, ids["open"]).state == CaseState.OPEN


def test_r26_follow_ups_go_three_years_after_the_day_they_happened(
    runner, db_session, clock, staff, customer
):
    followups.class_customer(
        db_session, actor=staff, member_id=customer.id, customer_class="A", region="曲江新区"
    )
    cutoff = date(2023, 11, 23)  # three years before the tests' START, in Shanghai
    now = clock.now()
    for day in (cutoff - timedelta(days=1), cutoff):
        clock.set(datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=4))
        followups.record_follow_up(
            db_session,
            actor=staff,
            member_id=customer.id,
            followed_up_on=day,
            channel="call",
            note="回访",
        )
    clock.set(now)
    db_session.commit()
    result = runner.invoke(
        args=["portal", "purge", "--apply", "--yes", "--policy", "renovation_follow_ups"]
    )
    assert result.exit_code == 0, result.output
    db_session.expire_all()
    assert list(db_session.scalars(select(FollowUp.followed_up_on))) == [cutoff]


def test_r26_a_disabled_plugins_records_are_left_alone(runner, db_session, old_cases):
    from portal.accounts.operator import ShellOperator
    from portal.plugins import registry

    registry.set_enabled(db_session, actor=ShellOperator(), name="renovation", enabled=False)
    db_session.commit()
    result = runner.invoke(args=["portal", "purge", "--apply", "--yes"])
    assert result.exit_code == 0, result.output
    assert "renovation_cases" not in result.output
    assert len(db_session.scalars(select(RenovationCase.id)).all()) == len(old_cases)

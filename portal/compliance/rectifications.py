"""R19: rectification notices with a deadline, tracked by the SLA engine, and their outcome.

The deadline is a day of the store's calendar; the member has until its end, so the SLA
task (``compliance_rectification``) is due at the next midnight in the store's zone. At
the deadline compliance records whether the member rectified; "not rectified" makes the
ladder propose revocation for the case's decision.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal import clock
from portal.accounts.models import User
from portal.accounts.permissions import Action
from portal.compliance.cases import (
    Errors,
    add_event,
    audit,
    clean_text,
    in_scope,
    raise_errors,
    require_active,
    require_manager,
    violations_of,
)
from portal.compliance.catalogue import ViolationKind
from portal.compliance.decisions import open_rectification
from portal.compliance.models import (
    ComplianceCase,
    Notice,
    NoticeKind,
    Rectification,
    RectificationState,
)
from portal.compliance.notices import issue_notice, replayed
from portal.errors import Conflict, ValidationFailed
from portal.i18n import zone_of
from portal.idempotency import check_key
from portal.sla import services as sla
from portal.sla.policies import COMPLIANCE_RECTIFICATION

SUBJECT_TYPE = "compliance_rectification"
#: the furthest deadline a notice may set
MAX_DEADLINE = timedelta(days=366)


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The instant ``day`` ends in ``zone`` (the next local midnight), in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


def issue_rectification(
    session: Session,
    *,
    actor: User,
    case: ComplianceCase,
    requirement: str,
    deadline: date | None,
    idempotency_key: str | None = None,
) -> Notice:
    """R19: a numbered rectification notice (R25) for a case citing a rectifiable failure,
    with its deadline on the SLA engine."""
    key = check_key(idempotency_key)
    existing = replayed(session, actor=actor, key=key)
    if existing is not None:
        return existing
    require_manager(actor, case)
    require_active(case)
    if not any(v.kind is ViolationKind.RECTIFIABLE for v in violations_of(case)):
        raise Conflict(_l("Only a failure listed for rectification gets a rectification notice."))
    if open_rectification(session, case) is not None:
        raise Conflict(_l("A rectification is already running for this case."))
    errors: Errors = {}
    text = clean_text(errors, "requirement", requirement, 2000)
    zone = zone_of(case.store)
    today = clock.now().astimezone(zone).date()
    if deadline is None:
        errors["deadline"] = [_l("Pick the deadline from the calendar.")]
    elif not today < deadline <= today + MAX_DEADLINE:
        errors["deadline"] = [_l("Choose a day after today and within a year.")]
    raise_errors(errors)
    notice = issue_notice(
        session,
        actor=actor,
        case=case,
        kind=NoticeKind.RECTIFICATION,
        reasons=text,
        idempotency_key=key,
    )
    due_at = end_of_day(deadline, zone)
    rectification = Rectification(
        notice_id=notice.id,
        case_id=case.id,
        requirement=text,
        deadline=deadline,
        due_at=due_at,
        state=RectificationState.OPEN,
        created_at=clock.now(),
    )
    session.add(rectification)
    session.flush()
    sla.start_task(
        session,
        policy=COMPLIANCE_RECTIFICATION.key,
        subject_type=SUBJECT_TYPE,
        subject_id=rectification.id,
        store_id=case.store_id,
        actor=actor,
        title=f"{notice.number} · {case.member.full_name}",
        due_at=due_at,
    )
    add_event(session, case, "rectification", actor, number=notice.number, deadline=str(deadline))
    audit(
        session,
        case,
        actor=actor,
        action="compliance.rectification_issued",
        after={"notice": notice.number, "deadline": deadline.isoformat(), "requirement": text},
    )
    session.refresh(notice)
    return notice


def record_outcome(
    session: Session,
    *,
    actor: User,
    case: ComplianceCase,
    rectified: bool,
    note: str,
) -> Rectification:
    """R19: whether the member rectified. "Not rectified" is recorded only once the deadline
    has passed; it makes revocation the proposal of the case's decision."""
    require_manager(actor, case)
    rectification = open_rectification(session, case)
    if rectification is None:
        raise Conflict(_l("No rectification is running for this case."))
    errors: Errors = {}
    text = clean_text(errors, "note", note, 2000)
    raise_errors(errors)
    now = clock.now()
    if not rectified and now < rectification.due_at:
        raise ValidationFailed.single(
            "rectified", _l("The deadline has not passed yet: the member may still rectify.")
        )
    state = RectificationState.RECTIFIED if rectified else RectificationState.NOT_RECTIFIED
    result = session.execute(
        update(Rectification)
        .where(Rectification.id == rectification.id, Rectification.state == RectificationState.OPEN)
        .values(state=state, outcome_note=text, recorded_by_id=actor.id, recorded_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(rectification)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_l("This case changed meanwhile; look at it again."))
    task = sla.open_task_for(session, SUBJECT_TYPE, rectification.id)
    if task is not None:
        sla.complete_task(session, task, actor=actor, outcome=state.value)
    add_event(session, case, state.value, actor, note=text)
    audit(
        session,
        case,
        actor=actor,
        action="compliance.rectification_recorded",
        before={"rectification": RectificationState.OPEN.value},
        after={"rectification": state.value, "note": text},
    )
    return rectification


def open_rectifications(session: Session, *, actor: User, limit: int = 100) -> list[Rectification]:
    """Rectifications waiting for their outcome, the earliest deadline first."""
    return list(
        session.scalars(
            select(Rectification)
            .join(Notice, Notice.id == Rectification.notice_id)
            .where(
                Rectification.state == RectificationState.OPEN,
                in_scope(actor, Action.VIEW_CASES, Notice.store_id),
            )
            .order_by(Rectification.due_at, Rectification.id)
            .limit(limit)
        )
    )


def rectifications_of(session: Session, case: ComplianceCase) -> list[Rectification]:
    return list(
        session.scalars(
            select(Rectification).where(Rectification.case_id == case.id).order_by(Rectification.id)
        )
    )

"""The rules of complaints and repairs (R13, R14, R23, R24, R25).

One function per step of a case. Each authorizes the actor on the case itself (store
scope: another store's case answers NotFound), validates, writes the change with its
timeline line and audit event, and emits a domain event; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal import clock
from portal.accounts.models import RoleGrant, User
from portal.accounts.permissions import can, require, stores_in_scope
from portal.accounts.roles import Role
from portal.audit.services import record
from portal.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portal.events import emit
from portal.i18n import zone_of
from portal.idempotency import check_key
from portal.members.models import Member
from portal.notifications import services as notifications
from portal.notifications.models import Channel
from portal.pagination import Page, SortKey, paginate
from portal.records.numbering import next_number
from portal.sla import services as sla
from portal.sla.models import SlaTask
from portal.stores.models import Store
from portal_renovation import checks, messages
from portal_renovation import permissions as p
from portal_renovation.models import (
    ACTIVE_STATES,
    CaseChannel,
    CaseEvent,
    CaseHandover,
    CaseKind,
    CaseState,
    ConfirmationMethod,
    PenaltyNotice,
    RenovationCase,
    Route,
    Severity,
)
from portal_renovation.policies import CONTACT_PROMISE

#: R25: tracking sheets of the customer-work department (装修客服)
CASE_PREFIX = "ZXKF"
#: R25: repair notices sent to material vendors (装修维修)
REPAIR_NOTICE_PREFIX = "ZXWX"
#: R25: penalty notices (装修处罚)
PENALTY_PREFIX = "ZXCF"
#: how SLA tasks name a case
SUBJECT_TYPE = "renovation_case"
#: R24: the department head is the store's manager (客服主管) in this vertical
HEAD_ROLE = Role.STORE_MANAGER
#: an agreed repair appointment lies at most this far ahead (a typo otherwise)
MAX_APPOINTMENT_AHEAD = timedelta(days=366)

_NOT_FOUND = _l("No such case.")
checks.REQUIRED = _l("This field is required.")


# --- small checks ---------------------------------------------------------------------------


def _year(store: Store, at: datetime) -> int:
    """R25 numbers count per year in the store's own calendar."""
    return at.astimezone(zone_of(store)).year


def staff_of_store(session: Session, store_id: int, *, enabled_only: bool = True) -> list[User]:
    """Employees of a store (staff and managers): who may own a case or answer for one."""
    return staff_of_stores(session, [store_id], enabled_only=enabled_only)


def staff_of_stores(
    session: Session, store_ids: list[int], *, enabled_only: bool = True
) -> list[User]:
    """Employees of any of the stores, in one query (head office's case list spans all)."""
    query = (
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(
            RoleGrant.store_id.in_(store_ids),
            RoleGrant.role.in_([Role.STAFF, Role.STORE_MANAGER]),
        )
        .distinct()
        .order_by(User.display_name, User.id)
    )
    if enabled_only:
        query = query.where(User.is_enabled.is_(True))
    return list(session.scalars(query))


def department_heads(session: Session, store_id: int) -> list[User]:
    """R24: who a second complaint goes to: the enabled holders of HEAD_ROLE in the store."""
    query = (
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(
            RoleGrant.store_id == store_id,
            RoleGrant.role == HEAD_ROLE,
            User.is_enabled.is_(True),
        )
        .distinct()
        .order_by(User.id)
    )
    return list(session.scalars(query))


def _event(
    session: Session, case: RenovationCase, kind: str, actor: User | None, **data: Any
) -> None:
    """One line of the case's timeline."""
    session.add(
        CaseEvent(
            case_id=case.id,
            occurred_at=clock.now(),
            kind=kind,
            actor_id=actor.id if actor else None,
            data=data,
        )
    )


def _audit(
    session: Session,
    case: RenovationCase,
    *,
    actor: User,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any],
) -> None:
    record(
        session,
        actor=actor,
        action=action,
        object_type=SUBJECT_TYPE,
        object_id=case.id,
        store_id=case.store_id,
        before=before,
        after=after,
    )


def _tell(
    session: Session,
    case: RenovationCase,
    *,
    kind: str,
    users: list[User],
    key: str,
    urgent: bool = False,
    **params: Any,
) -> None:
    """Queue a message for each of ``users`` once per ``key``; urgent ones also by SMS."""
    channels = (Channel.PORTAL, Channel.SMS) if urgent else (Channel.PORTAL,)
    values = {"number": case.number, "customer": case.member.full_name, **params}
    for user in users:
        notifications.notify(
            session,
            kind=kind,
            key=f"{key}:{user.id}",
            params=values,
            user=user,
            channels=channels,
            store_id=case.store_id,
        )


# --- R13: who sees, who acts ----------------------------------------------------------------


def get_case(session: Session, *, actor: User | None, case_id: int) -> RenovationCase:
    """A case the actor may read (their store's, or every store for head office); else 404."""
    case = session.get(RenovationCase, case_id)
    if case is None or not can(actor, p.VIEW_CASE, case):
        raise NotFound(_NOT_FOUND)
    return case


def may_act(actor: User | None, case: RenovationCase) -> bool:
    """R13: the owner acts on the case; the department head (store manager) may too."""
    if actor is None:
        return False
    if can(actor, p.MANAGE_CASE, case):
        return True
    return case.owner_id == actor.id and can(actor, p.ACT_ON_CASE, case)


def require_actor(actor: User, case: RenovationCase) -> None:
    """R13: NotFound outside the actor's scope, PermissionDenied for a reader who may not act."""
    if not can(actor, p.VIEW_CASE, case):
        raise NotFound(_NOT_FOUND)
    if not may_act(actor, case):
        raise PermissionDenied(
            _l("Only the owner of this case or the store manager acts on it (R13).")
        )


def _require_active(case: RenovationCase) -> None:
    if case.state not in ACTIVE_STATES:
        raise Conflict(_l("This case is closed."))


def _transition(
    session: Session, case: RenovationCase, *, from_states: tuple[str, ...], **values: Any
) -> None:
    """Change the case only if it is still in one of ``from_states`` and still as the actor
    loaded it (state, owner, last change): of two people acting at once, exactly one
    succeeds and the other hears the case changed meanwhile (R13: an owner whose case was
    handed over meanwhile no longer acts on it)."""
    result = session.execute(
        update(RenovationCase)
        .where(
            RenovationCase.id == case.id,
            RenovationCase.state.in_(from_states),
            RenovationCase.state == case.state,
            RenovationCase.owner_id == case.owner_id,
            RenovationCase.updated_at == case.updated_at,
        )
        .values(updated_at=clock.now(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(case)
        raise Conflict(_l("This case changed meanwhile; look at it again."))
    session.refresh(case)


# --- R14, R24, R25: logging -----------------------------------------------------------------


@dataclass(frozen=True)
class NewCase:
    """What the desk writes down from a call, letter or visit (R14)."""

    store_id: int
    member_id: int
    kind: str
    channel: str
    severity: str
    subject: str
    description: str
    project: str | None = None
    department: str | None = None
    #: R24: the number of an earlier complaint on the same matter
    earlier_number: str | None = None


def _earlier_case(
    session: Session, errors: dict[str, list[object]], number: str | None, member: Member
) -> RenovationCase | None:
    """R24: the earlier complaint a second one refers to: the same customer's, same store."""
    text = (number or "").strip().upper()
    if not text:
        return None
    earlier = session.scalar(select(RenovationCase).where(RenovationCase.number == text[:32]))
    if earlier is None or earlier.member_id != member.id:
        errors.setdefault("earlier_number", []).append(
            _l("No earlier case of this customer has this number.")
        )
        return None
    return earlier


def log_case(
    session: Session, *, actor: User, data: NewCase, idempotency_key: str | None = None
) -> RenovationCase:
    """R14: record a call, letter or visit as a numbered case (R25) owned by ``actor`` (R13).

    A serious case is handled at once: the department head hears of it immediately by
    in-portal message and SMS. A second complaint on the same matter (``earlier_number``)
    escalates to the department head (R24). With ``idempotency_key`` the same logging sent
    twice is stored once (the first case is returned).
    """
    store = session.get(Store, data.store_id)
    if store is None or store.is_head_office:
        raise NotFound(_l("No such store."))
    require(actor, p.ACT_ON_CASE, store, hide=True)
    key = check_key(idempotency_key)
    if key is not None:
        existing = session.scalar(
            select(RenovationCase).where(RenovationCase.idempotency_key == key)
        )
        if existing is not None:
            if existing.store_id != store.id or existing.logged_by_id != actor.id:
                raise Conflict(_l("This idempotency key was used for another request."))
            return existing
    errors: dict[str, list[object]] = {}
    member = session.get(Member, data.member_id)
    if member is None or member.store_id != store.id:
        errors["member_id"] = [_l("Choose a customer of this store.")]
    kind = checks.choice(errors, "kind", data.kind, CaseKind)
    channel = checks.choice(errors, "channel", data.channel, CaseChannel)
    severity = checks.choice(errors, "severity", data.severity, Severity)
    subject = checks.text(errors, "subject", data.subject, 200, required=True)
    description = checks.text(errors, "description", data.description, 2000, required=True)
    project = checks.text(errors, "project", data.project, 120, required=False)
    department = checks.text(errors, "department", data.department, 80, required=False)
    earlier = _earlier_case(session, errors, data.earlier_number, member) if member else None
    if earlier is not None and kind is not CaseKind.COMPLAINT:
        errors.setdefault("earlier_number", []).append(
            _l("Only a complaint refers to an earlier complaint.")
        )
    checks.raise_errors(errors)
    now = clock.now()
    case = RenovationCase(
        number=next_number(session, prefix=CASE_PREFIX, year=_year(store, now)),
        store_id=store.id,
        member_id=member.id,
        project=project,
        kind=kind,
        channel=channel,
        severity=severity,
        severity_rank=severity.rank,
        subject=subject,
        description=description,
        department=department,
        state=CaseState.OPEN,
        owner_id=actor.id,
        logged_by_id=actor.id,
        earlier_case_id=earlier.id if earlier else None,
        escalated_at=now if earlier else None,
        idempotency_key=key,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(case)
            session.flush()
    except IntegrityError:
        # the same key arrived twice at once: the other request stored it
        existing = session.scalar(
            select(RenovationCase).where(RenovationCase.idempotency_key == key)
        )
        if key is None or existing is None:
            raise
        return existing
    _event(session, case, "logged", actor, channel=channel.value, severity=severity.value)
    _audit(session, case, actor=actor, action="renovation.case_logged", after=_snapshot(case))
    heads = department_heads(session, store.id)
    if severity is Severity.SERIOUS:
        _tell(
            session,
            case,
            kind=messages.SERIOUS,
            users=heads,
            key=f"{messages.SERIOUS}:{case.id}",
            urgent=True,
            subject=case.subject,
        )
    if earlier is not None:
        _event(session, case, "escalated", actor, earlier=earlier.number)
        _tell(
            session,
            case,
            kind=messages.ESCALATED,
            users=heads,
            key=f"{messages.ESCALATED}:{case.id}",
            earlier=earlier.number,
        )
        emit(
            session,
            "renovation.case_escalated",
            case_id=case.id,
            earlier_case_id=earlier.id,
            store_id=store.id,
        )
    emit(
        session,
        "renovation.case_logged",
        case_id=case.id,
        store_id=store.id,
        member_id=member.id,
        kind=case.kind,
        severity=case.severity,
    )
    return case


def _snapshot(case: RenovationCase) -> dict[str, Any]:
    return {
        "number": case.number,
        "state": case.state,
        "kind": case.kind,
        "channel": case.channel,
        "severity": case.severity,
        "member_id": case.member_id,
        "owner_id": case.owner_id,
        "earlier_case_id": case.earlier_case_id,
        "subject": case.subject,
    }


# --- R13: handover --------------------------------------------------------------------------


def hand_over(
    session: Session, *, actor: User, case: RenovationCase, to_user_id: int, reason: str
) -> CaseHandover:
    """R13: the case passes to another employee of the store, with a recorded reason."""
    require_actor(actor, case)
    _require_active(case)
    errors: dict[str, list[object]] = {}
    text = checks.text(errors, "reason", reason, 500, required=True)
    successor = next(
        (u for u in staff_of_store(session, case.store_id) if u.id == to_user_id), None
    )
    if successor is None:
        errors["to_user_id"] = [_l("Choose an employee of this store.")]
    elif successor.id == case.owner_id:
        errors["to_user_id"] = [_l("This employee owns the case already.")]
    checks.raise_errors(errors)
    previous = case.owner
    _transition(session, case, from_states=ACTIVE_STATES, owner_id=successor.id)
    handover = CaseHandover(
        case_id=case.id,
        from_user_id=previous.id,
        to_user_id=successor.id,
        reason=text,
        by_user_id=actor.id,
        handed_over_at=clock.now(),
    )
    session.add(handover)
    _event(
        session,
        case,
        "handed_over",
        actor,
        from_user=previous.display_name,
        to_user=successor.display_name,
        reason=text,
    )
    _audit(
        session,
        case,
        actor=actor,
        action="renovation.handed_over",
        before={"owner_id": previous.id},
        after={"owner_id": successor.id, "reason": text},
    )
    _tell(
        session,
        case,
        kind=messages.HANDED_OVER,
        users=[successor],
        key=f"{messages.HANDED_OVER}:{case.id}:{case.updated_at.isoformat()}",
        reason=text,
    )
    emit(
        session,
        "renovation.handed_over",
        case_id=case.id,
        store_id=case.store_id,
        from_user_id=previous.id,
        to_user_id=successor.id,
    )
    return handover


def handovers(session: Session, case: RenovationCase) -> list[CaseHandover]:
    return list(
        session.scalars(
            select(CaseHandover).where(CaseHandover.case_id == case.id).order_by(CaseHandover.id)
        )
    )


# --- R23: repair routing --------------------------------------------------------------------


class Responsible(StrEnum):
    """Who the desk finds responsible for a repair."""

    SUPERVISOR = "supervisor"
    VENDOR = "vendor"


def choose_route(responsible: Responsible, supervisor: User | None) -> Route:
    """R23: the vendor's fault goes to the vendor; the supervisor's to the supervisor, unless
    they have left (account disabled): then the customer is promised contact in 48 hours."""
    if responsible is Responsible.VENDOR:
        return Route.VENDOR
    if supervisor is None or not supervisor.is_enabled:
        return Route.PROMISE
    return Route.SUPERVISOR


def promise_task(session: Session, case: RenovationCase) -> SlaTask | None:
    """The running 48-hour contact promise of a case, if any (R23)."""
    return sla.open_task_for(session, SUBJECT_TYPE, case.id)


def last_promise_task(session: Session, case: RenovationCase) -> SlaTask | None:
    """The case's latest contact promise in any state (its deadlines and timeline)."""
    return session.scalar(
        select(SlaTask)
        .where(SlaTask.subject_type == SUBJECT_TYPE, SlaTask.subject_id == case.id)
        .order_by(SlaTask.id.desc())
        .limit(1)
    )


def route_repair(
    session: Session,
    *,
    actor: User,
    case: RenovationCase,
    responsible: str,
    supervisor_id: int | None = None,
    vendor_name: str | None = None,
    repair_work: str | None = None,
) -> Route:
    """R23: send a repair to its supervisor, to the vendor with a numbered repair notice
    (R25), or, the supervisor having left, start the 48-hour contact promise."""
    require_actor(actor, case)
    _require_active(case)
    if case.kind != CaseKind.REPAIR:
        raise Conflict(_l("Only repair requests are routed."))
    if promise_task(session, case) is not None:
        raise Conflict(_l("Contact the customer first: the 48-hour promise is running."))
    errors: dict[str, list[object]] = {}
    who = checks.choice(errors, "responsible", responsible, Responsible)
    supervisor = None
    if who is Responsible.SUPERVISOR:
        # a supervisor who has left still answers for their sites: disabled ones are listed
        staff = staff_of_store(session, case.store_id, enabled_only=False)
        supervisor = next((u for u in staff if u.id == supervisor_id), None)
        if supervisor is None:
            errors["supervisor_id"] = [_l("Choose the responsible site supervisor.")]
    vendor = work = None
    if who is Responsible.VENDOR:
        vendor = checks.text(errors, "vendor_name", vendor_name, 120, required=True)
        work = checks.text(errors, "repair_work", repair_work, 500, required=True)
    checks.raise_errors(errors)
    route = choose_route(who, supervisor)
    now = clock.now()
    values: dict[str, Any] = {
        "route": route.value,
        "routed_at": now,
        "state": CaseState.ROUTED,
        "supervisor_id": supervisor.id if supervisor else None,
        "appointment_at": None,
        "vendor_name": vendor,
        "repair_work": work,
    }
    if route is Route.VENDOR:
        values["repair_notice_number"] = next_number(
            session, prefix=REPAIR_NOTICE_PREFIX, year=_year(case.store, now)
        )
    before = {"state": case.state, "route": case.route, "supervisor_id": case.supervisor_id}
    _transition(session, case, from_states=ACTIVE_STATES, **values)
    if route is Route.PROMISE:
        sla.start_task(
            session,
            policy=CONTACT_PROMISE.key,
            subject_type=SUBJECT_TYPE,
            subject_id=case.id,
            store_id=case.store_id,
            actor=actor,
            title=f"{case.number} · {case.member.full_name}",
        )
    if route is Route.SUPERVISOR:
        _tell(
            session,
            case,
            kind=messages.ROUTED,
            users=[supervisor],
            key=f"{messages.ROUTED}:{case.id}:{now.isoformat()}",
            subject=case.subject,
        )
    _event(
        session,
        case,
        "routed",
        actor,
        route=route.value,
        supervisor=supervisor.display_name if supervisor else None,
        vendor=vendor,
        notice=case.repair_notice_number if route is Route.VENDOR else None,
    )
    _audit(
        session,
        case,
        actor=actor,
        action="renovation.routed",
        before=before,
        after={
            "state": case.state,
            "route": route.value,
            "supervisor_id": case.supervisor_id,
            "vendor_name": vendor,
            "repair_notice_number": case.repair_notice_number,
        },
    )
    emit(session, "renovation.routed", case_id=case.id, store_id=case.store_id, route=route.value)
    return route


def record_appointment(
    session: Session, *, actor: User, case: RenovationCase, appointment_at: datetime | None
) -> None:
    """R23: the time the supervisor agreed with the customer; the supervisor records it too."""
    if not can(actor, p.VIEW_CASE, case):
        raise NotFound(_NOT_FOUND)
    if case.supervisor_id != actor.id:
        require_actor(actor, case)
    _require_active(case)
    if case.route != Route.SUPERVISOR:
        raise Conflict(_l("Only a repair routed to its site supervisor takes an appointment."))
    now = clock.now()
    if appointment_at is None:
        raise ValidationFailed.single("appointment_at", checks.REQUIRED)
    if appointment_at.tzinfo is None:
        raise ValidationFailed.single("appointment_at", _l("Give the time with its time zone."))
    if not now - timedelta(days=1) <= appointment_at <= now + MAX_APPOINTMENT_AHEAD:
        raise ValidationFailed.single(
            "appointment_at", _l("Choose a time between yesterday and a year from now.")
        )
    before = case.appointment_at
    _transition(session, case, from_states=(CaseState.ROUTED,), appointment_at=appointment_at)
    _event(session, case, "appointment", actor, at=appointment_at.isoformat())
    _audit(
        session,
        case,
        actor=actor,
        action="renovation.appointment",
        before={"appointment_at": before.isoformat() if before else None},
        after={"appointment_at": appointment_at.isoformat()},
    )


def record_contact(session: Session, *, actor: User, case: RenovationCase, note: str) -> None:
    """R23: the customer was contacted as promised; the 48-hour task is completed. The case
    stays routed so the owner can send it to the new supervisor."""
    require_actor(actor, case)
    _require_active(case)
    task = promise_task(session, case)
    if task is None:
        raise Conflict(_l("No contact promise is running for this case."))
    errors: dict[str, list[object]] = {}
    text = checks.text(errors, "note", note, 1000, required=True)
    checks.raise_errors(errors)
    sla.complete_task(session, task, actor=actor, outcome="contacted")
    before = {"state": case.state, "route": case.route}
    _transition(session, case, from_states=ACTIVE_STATES, state=CaseState.OPEN, route=None)
    _event(session, case, "contacted", actor, note=text, within_sla=task.within_sla)
    _audit(
        session,
        case,
        actor=actor,
        action="renovation.contacted",
        before=before,
        after={
            "state": case.state,
            "route": case.route,
            "note": text,
            "within_sla": task.within_sla,
        },
    )
    emit(session, "renovation.contacted", case_id=case.id, store_id=case.store_id)


def note_broken_promise(session: Session, *, case_id: int) -> bool:
    """R23: the 48-hour promise passed its deadline (the SLA engine's ``sla.breached``):
    the case's timeline says so, once. False when the case is gone or already says it."""
    case = session.get(RenovationCase, case_id)
    if case is None:
        return False
    noted = session.scalar(
        select(CaseEvent.id).where(CaseEvent.case_id == case.id, CaseEvent.kind == "promise_broken")
    )
    if noted is not None:
        return False
    _event(session, case, "promise_broken", None)
    return True


# --- R24, R14: closing and the revisit ------------------------------------------------------


def close_case(
    session: Session,
    *,
    actor: User,
    case: RenovationCase,
    resolution: str,
    confirmed_by: str,
    method: str,
) -> None:
    """R24: the case ends with the customer's confirmation of the resolution: who confirmed
    (the customer's signature, which may not be blank, R26), how and when. R14: a revisit
    follows; the case waits for it."""
    require_actor(actor, case)
    _require_active(case)
    if promise_task(session, case) is not None:
        raise Conflict(_l("Contact the customer first: the 48-hour promise is running."))
    errors: dict[str, list[object]] = {}
    text = checks.text(errors, "resolution", resolution, 1000, required=True)
    signature = checks.text(errors, "confirmed_by", confirmed_by, 50, required=True)
    how = checks.choice(errors, "method", method, ConfirmationMethod)
    checks.raise_errors(errors)
    now = clock.now()
    before = case.state
    _transition(
        session,
        case,
        from_states=ACTIVE_STATES,
        state=CaseState.CLOSED,
        resolution=text,
        confirmed_by=signature,
        confirmation_method=how.value,
        confirmed_at=now,
        closed_by_id=actor.id,
    )
    _event(session, case, "closed", actor, confirmed_by=signature, method=how.value)
    _audit(
        session,
        case,
        actor=actor,
        action="renovation.closed",
        before={"state": before},
        after={
            "state": case.state,
            "resolution": text,
            "confirmed_by": signature,
            "method": how.value,
        },
    )
    emit(
        session,
        "renovation.case_closed",
        case_id=case.id,
        store_id=case.store_id,
        member_id=case.member_id,
    )


def record_revisit(
    session: Session, *, actor: User, case: RenovationCase, score: int | None, note: str
) -> None:
    """R14: the revisit after a resolution: the customer's satisfaction (1 to 5) and a note."""
    require_actor(actor, case)
    if case.state != CaseState.CLOSED:
        raise Conflict(_l("Only a closed case is revisited."))
    errors: dict[str, list[object]] = {}
    checks.score(errors, "score", score)
    text = checks.text(errors, "note", note, 1000, required=True)
    checks.raise_errors(errors)
    _transition(
        session,
        case,
        from_states=(CaseState.CLOSED,),
        state=CaseState.REVISITED,
        revisit_score=score,
        revisit_note=text,
        revisited_at=clock.now(),
        revisited_by_id=actor.id,
    )
    _event(session, case, "revisited", actor, score=score, note=text)
    _audit(
        session,
        case,
        actor=actor,
        action="renovation.revisited",
        before={"state": CaseState.CLOSED.value},
        after={"state": case.state, "score": score, "note": text},
    )
    emit(session, "renovation.revisited", case_id=case.id, store_id=case.store_id, score=score)


# --- R24: penalty notices -------------------------------------------------------------------


def issue_penalty(
    session: Session,
    *,
    actor: User,
    case: RenovationCase,
    employee_id: int,
    reason: str,
    measure: str,
) -> PenaltyNotice:
    """R24: the store manager issues a numbered penalty notice (R25) to the employee
    responsible for a complaint; the employee is told and reads it."""
    if not can(actor, p.VIEW_CASE, case):
        raise NotFound(_NOT_FOUND)
    require(actor, p.ISSUE_PENALTY, case)
    if case.kind != CaseKind.COMPLAINT:
        raise Conflict(_l("Only a complaint leads to a penalty notice."))
    errors: dict[str, list[object]] = {}
    employee = next(
        (
            u
            for u in staff_of_store(session, case.store_id, enabled_only=False)
            if u.id == employee_id
        ),
        None,
    )
    if employee is None:
        errors["employee_id"] = [_l("Choose an employee of this store.")]
    text = checks.text(errors, "reason", reason, 1000, required=True)
    what = checks.text(errors, "measure", measure, 500, required=True)
    checks.raise_errors(errors)
    now = clock.now()
    notice = PenaltyNotice(
        number=next_number(session, prefix=PENALTY_PREFIX, year=_year(case.store, now)),
        case_id=case.id,
        store_id=case.store_id,
        employee_id=employee.id,
        reason=text,
        measure=what,
        issued_by_id=actor.id,
        issued_at=now,
    )
    session.add(notice)
    session.flush()
    _event(session, case, "penalty", actor, notice=notice.number, employee=employee.display_name)
    record(
        session,
        actor=actor,
        action="renovation.penalty_issued",
        object_type="renovation_penalty",
        object_id=notice.id,
        store_id=case.store_id,
        after={
            "number": notice.number,
            "case": case.number,
            "employee_id": employee.id,
            "reason": text,
            "measure": what,
        },
    )
    if employee.is_enabled:
        notifications.notify(
            session,
            kind=messages.PENALTY,
            key=f"{messages.PENALTY}:{notice.id}",
            params={"number": notice.number, "measure": what},
            user=employee,
            channels=(Channel.PORTAL,),
            store_id=case.store_id,
        )
    emit(
        session,
        "penalty.issued",
        penalty_id=notice.id,
        number=notice.number,
        case_id=case.id,
        employee_id=employee.id,
        store_id=case.store_id,
    )
    return notice


def penalties_of_case(session: Session, case: RenovationCase) -> list[PenaltyNotice]:
    return list(
        session.scalars(
            select(PenaltyNotice).where(PenaltyNotice.case_id == case.id).order_by(PenaltyNotice.id)
        )
    )


def may_read_penalty(actor: User | None, notice: PenaltyNotice) -> bool:
    """The employee it is for, and the store's managers and head office."""
    if actor is None or not actor.is_enabled:
        return False
    return notice.employee_id == actor.id or can(actor, p.VIEW_PENALTIES, notice)


def get_penalty(session: Session, *, actor: User | None, penalty_id: int) -> PenaltyNotice:
    notice = session.get(PenaltyNotice, penalty_id)
    if notice is None or not may_read_penalty(actor, notice):
        raise NotFound(_l("No such penalty notice."))
    return notice


PENALTY_ORDER = [SortKey(PenaltyNotice.issued_at, True), SortKey(PenaltyNotice.id, True)]


def list_penalties(
    session: Session, *, actor: User, cursor: str | None = None, limit: int = 25
) -> Page[PenaltyNotice]:
    """Notices the actor may read: their own, and every one of the stores they oversee."""
    scope = stores_in_scope(actor, p.VIEW_PENALTIES)
    query = select(PenaltyNotice)
    if scope is not None:
        query = query.where(
            (PenaltyNotice.employee_id == actor.id) | PenaltyNotice.store_id.in_(scope)
        )
    return paginate(session, query, order=PENALTY_ORDER, cursor=cursor, limit=limit)


# --- lists ----------------------------------------------------------------------------------


class CaseSort(StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"
    SEVERITY = "severity"


SORTS: dict[CaseSort, list[SortKey]] = {
    CaseSort.NEWEST: [SortKey(RenovationCase.created_at, True), SortKey(RenovationCase.id, True)],
    CaseSort.OLDEST: [SortKey(RenovationCase.created_at), SortKey(RenovationCase.id)],
    CaseSort.SEVERITY: [
        SortKey(RenovationCase.severity_rank, True),
        SortKey(RenovationCase.created_at, True),
        SortKey(RenovationCase.id, True),
    ],
}


@dataclass(frozen=True)
class CaseFilter:
    store_id: int | None = None
    state: CaseState | None = None
    severity: Severity | None = None
    owner_id: int | None = None
    member_id: int | None = None


def _scoped(actor: User, flt: CaseFilter) -> Select[tuple[RenovationCase]]:
    scope = stores_in_scope(actor, p.VIEW_CASE)
    query = select(RenovationCase)
    if flt.store_id is not None:
        if scope is not None and flt.store_id not in scope:
            raise NotFound(_l("No such store."))
        query = query.where(RenovationCase.store_id == flt.store_id)
    elif scope is not None:
        query = query.where(RenovationCase.store_id.in_(scope))
    if flt.state is not None:
        query = query.where(RenovationCase.state == flt.state)
    if flt.severity is not None:
        query = query.where(RenovationCase.severity == flt.severity)
    if flt.owner_id is not None:
        query = query.where(RenovationCase.owner_id == flt.owner_id)
    if flt.member_id is not None:
        query = query.where(RenovationCase.member_id == flt.member_id)
    return query


def list_cases(
    session: Session,
    *,
    actor: User,
    flt: CaseFilter = CaseFilter(),
    sort: CaseSort = CaseSort.NEWEST,
    cursor: str | None = None,
    limit: int = 25,
) -> Page[RenovationCase]:
    """Cases of the stores in the actor's scope, filtered, one keyset page at a time."""
    return paginate(session, _scoped(actor, flt), order=SORTS[sort], cursor=cursor, limit=limit)


def waiting_on(session: Session, user: User, *, limit: int = 100) -> list[RenovationCase]:
    """R13: the active cases ``user`` owns, oldest first (their dashboard count)."""
    return list(
        session.scalars(
            select(RenovationCase)
            .where(RenovationCase.owner_id == user.id, RenovationCase.state.in_(ACTIVE_STATES))
            .order_by(RenovationCase.created_at, RenovationCase.id)
            .limit(limit)
        )
    )


def open_cases_of(session: Session, member: Member) -> list[RenovationCase]:
    """The customer's cases not yet revisited, newest first (the member page's section)."""
    return list(
        session.scalars(
            select(RenovationCase)
            .where(
                RenovationCase.member_id == member.id,
                RenovationCase.state != CaseState.REVISITED,
            )
            .order_by(RenovationCase.created_at.desc(), RenovationCase.id.desc())
            .limit(20)
        )
    )


def timeline(session: Session, case: RenovationCase) -> list[CaseEvent]:
    return list(
        session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id)
            .order_by(CaseEvent.occurred_at, CaseEvent.id)
        )
    )

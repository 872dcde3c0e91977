"""R6: dedicated customer accounts. A store manager files the request form; head office
opens the account within 12 hours (the SLA engine's ``account_opening`` policy, which
also hands the task to the head's deputy during leave) and tells the store, which then
activates it (seed 003 ①②)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from portal import clock
from portal.accounts.models import RoleGrant, User
from portal.accounts.permissions import Action, can, require, stores_in_scope
from portal.accounts.roles import Role
from portal.audit.services import record
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.events import emit
from portal.i18n import zone_of
from portal.notifications import services as notifications
from portal.notifications.models import Channel
from portal.openings import messages
from portal.openings.models import AccountRequest, RequestStatus
from portal.pagination import Page, SortKey, paginate
from portal.records.numbering import next_number
from portal.sla import services as sla
from portal.sla.models import SlaTask
from portal.stores.models import Store

#: R25: the issuing department of account requests: head-office customer service (总部客服)
NUMBER_PREFIX = "ZBKF"
#: the SLA policy (R6: 12 hours) and how tasks name their subject
POLICY = "account_opening"
SUBJECT_TYPE = "account_request"

_NOT_FOUND = _l("No such account request.")


def _snapshot(req: AccountRequest) -> dict[str, Any]:
    return {
        "number": req.number,
        "status": req.status,
        "for_staff_id": req.for_staff_id,
        "purpose": req.purpose,
        "notes": req.notes,
        "account_ref": req.account_ref,
        "rejection_reason": req.rejection_reason,
    }


def _clean(value: str | None, field: str, maximum: int, *, required: bool) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise ValidationFailed.single(field, _l("This field is required."))
        return None
    if len(text) > maximum:
        raise ValidationFailed.single(field, _l("At most %(n)d characters.", n=maximum))
    return text


def staff_of_store(session: Session, store_id: int) -> list[User]:
    """Enabled employees of a store (staff and managers): who an account may be for."""
    query = (
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(
            RoleGrant.store_id == store_id,
            RoleGrant.role.in_([Role.STAFF, Role.STORE_MANAGER]),
            User.is_enabled.is_(True),
        )
        .distinct()
        .order_by(User.display_name, User.id)
    )
    return list(session.scalars(query))


def request_account(
    session: Session,
    *,
    actor: User,
    store_id: int,
    for_staff_id: int,
    purpose: str,
    notes: str | None = None,
) -> AccountRequest:
    """R6: a store manager files the dedicated-account request; the 12-hour clock starts."""
    store = session.get(Store, store_id)
    if store is None or store.is_head_office:
        raise NotFound(_l("No such store."))
    require(actor, Action.REQUEST_ACCOUNT, store, hide=True)
    purpose_text = _clean(purpose, "purpose", 500, required=True)
    notes_text = _clean(notes, "notes", 1000, required=False)
    if for_staff_id not in {u.id for u in staff_of_store(session, store.id)}:
        raise ValidationFailed.single("for_staff_id", _l("Choose an employee of this store."))
    now = clock.now()
    req = AccountRequest(
        number=next_number(session, prefix=NUMBER_PREFIX, year=now.astimezone(zone_of(store)).year),
        store_id=store.id,
        requested_by_id=actor.id,
        for_staff_id=for_staff_id,
        purpose=purpose_text,
        notes=notes_text,
        status=RequestStatus.REQUESTED,
        created_at=now,
        updated_at=now,
    )
    session.add(req)
    session.flush()
    sla.start_task(
        session,
        policy=POLICY,
        subject_type=SUBJECT_TYPE,
        subject_id=req.id,
        store_id=store.id,
        actor=actor,
        title=f"{req.number} · {store.name}",
    )
    _audit(session, req, actor=actor, action="openings.requested", after=_snapshot(req))
    emit(session, "openings.requested", request_id=req.id, store_id=store.id)
    return req


def task_of(session: Session, req: AccountRequest) -> SlaTask | None:
    """The request's open (or paused) SLA task; None once decided or cancelled."""
    return sla.open_task_for(session, SUBJECT_TYPE, req.id)


def last_task_of(session: Session, req: AccountRequest) -> SlaTask | None:
    """The request's SLA task in any state (for its deadlines and timeline)."""
    return session.scalar(
        select(SlaTask)
        .where(SlaTask.subject_type == SUBJECT_TYPE, SlaTask.subject_id == req.id)
        .order_by(SlaTask.id.desc())
        .limit(1)
    )


def may_view(session: Session, actor: User | None, req: AccountRequest) -> bool:
    """The store's managers, head office, the employee it is for, and whoever may decide it."""
    if actor is None:
        return False
    if can(actor, Action.REQUEST_ACCOUNT, req) or can(actor, Action.OPEN_ACCOUNT, req):
        return True
    if req.for_staff_id == actor.id and actor.is_enabled:
        return True
    task = task_of(session, req)
    return task is not None and sla.can_decide(session, actor, task)


def get_request(session: Session, *, actor: User | None, request_id: int) -> AccountRequest:
    """An account request the actor may see; anything else answers NotFound."""
    req = session.get(AccountRequest, request_id)
    if req is None or not may_view(session, actor, req):
        raise NotFound(_NOT_FOUND)
    return req


def _decidable_task(session: Session, actor: User, req: AccountRequest) -> SlaTask:
    """The open task of a request head office may act on now; R6 deputies via the engine."""
    if not may_view(session, actor, req):
        raise NotFound(_NOT_FOUND)
    task = task_of(session, req)
    if task is None or req.status != RequestStatus.REQUESTED:
        raise Conflict(_l("This request was already decided."))
    sla.require_decider(session, actor, task)
    return task


def _transition(
    session: Session, req: AccountRequest, *, from_status: RequestStatus, **values: Any
) -> None:
    """Change the request only if it is still in ``from_status``: of two people acting at
    once, exactly one succeeds and the other is told it was already done."""
    result = session.execute(
        update(AccountRequest)
        .where(AccountRequest.id == req.id, AccountRequest.status == from_status)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(req)
        raise Conflict(_l("This request was already decided."))
    session.refresh(req)


def _notify_store(
    session: Session,
    req: AccountRequest,
    *,
    kind: str,
    params: dict[str, Any],
    user: User | None = None,
) -> None:
    """Tell the requester (or ``user``) in the portal, once per request and message kind."""
    notifications.notify(
        session,
        kind=kind,
        params=params,
        key=f"{kind}:{req.id}",
        user=user or req.requested_by,
        channels=(Channel.PORTAL,),
        store_id=req.store_id,
    )


def _audit(
    session: Session,
    req: AccountRequest,
    *,
    actor: User,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any],
) -> None:
    """The audit event of a change to the request; every state change writes one."""
    record(
        session,
        actor=actor,
        action=action,
        object_type=SUBJECT_TYPE,
        object_id=req.id,
        store_id=req.store_id,
        before=before,
        after=after,
    )


def _close(
    session: Session, req: AccountRequest, *, actor: User, status: RequestStatus, reason: str | None
) -> None:
    """A waiting request ends without an account: rejected by head office or cancelled by
    the store, with the reason the store reads."""
    now = clock.now()
    _transition(
        session,
        req,
        from_status=RequestStatus.REQUESTED,
        status=status,
        rejection_reason=reason,
        closed_by_id=actor.id,
        closed_at=now,
        updated_at=now,
    )


def open_account(
    session: Session, *, actor: User, req: AccountRequest, account_ref: str
) -> AccountRequest:
    """R6: head office opens the account within 12 hours and tells the store."""
    task = _decidable_task(session, actor, req)
    ref = _clean(account_ref, "account_ref", 64, required=True)
    taken = session.scalar(
        select(AccountRequest.id).where(
            AccountRequest.account_ref == ref, AccountRequest.id != req.id
        )
    )
    if taken is not None:
        raise ValidationFailed.single(
            "account_ref", _l("This account identifier is already in use.")
        )
    before = _snapshot(req)
    now = clock.now()
    _transition(
        session,
        req,
        from_status=RequestStatus.REQUESTED,
        status=RequestStatus.OPENED,
        account_ref=ref,
        opened_by_id=actor.id,
        opened_at=now,
        updated_at=now,
    )
    sla.complete_task(session, task, actor=actor, outcome="opened")
    _audit(
        session,
        req,
        actor=actor,
        action="openings.opened",
        before={"status": before["status"]},
        after={"status": req.status, "account_ref": req.account_ref},
    )
    _notify_store(
        session,
        req,
        kind=messages.OPENED,
        params={"number": req.number, "account_ref": req.account_ref},
    )
    emit(session, "openings.opened", request_id=req.id, store_id=req.store_id)
    return req


def reject_request(
    session: Session, *, actor: User, req: AccountRequest, reason: str
) -> AccountRequest:
    """R6: head office declines the request, with a reason the store reads."""
    task = _decidable_task(session, actor, req)
    text = _clean(reason, "reason", 500, required=True)
    _close(session, req, actor=actor, status=RequestStatus.REJECTED, reason=text)
    sla.complete_task(session, task, actor=actor, outcome="rejected")
    _audit(
        session,
        req,
        actor=actor,
        action="openings.rejected",
        before={"status": RequestStatus.REQUESTED.value},
        after={"status": req.status, "rejection_reason": text},
    )
    _notify_store(
        session, req, kind=messages.REJECTED, params={"number": req.number, "reason": text}
    )
    emit(session, "openings.rejected", request_id=req.id, store_id=req.store_id)
    return req


def cancel_request(
    session: Session, *, actor: User, req: AccountRequest, reason: str
) -> AccountRequest:
    """The store withdraws a request head office has not acted on yet."""
    if not may_view(session, actor, req):
        raise NotFound(_NOT_FOUND)
    require(actor, Action.REQUEST_ACCOUNT, req)
    text = _clean(reason, "reason", 500, required=True)
    task = task_of(session, req)
    _close(session, req, actor=actor, status=RequestStatus.CANCELLED, reason=text)
    if task is not None:
        sla.cancel_task(session, task, actor=actor, reason=text)
    _audit(
        session,
        req,
        actor=actor,
        action="openings.cancelled",
        before={"status": RequestStatus.REQUESTED.value},
        after={"status": req.status, "reason": text},
    )
    return req


def activate_account(session: Session, *, actor: User, req: AccountRequest) -> AccountRequest:
    """R6: the store (the requesting or another manager of the store) activates the account
    head office opened."""
    if not may_view(session, actor, req):
        raise NotFound(_NOT_FOUND)
    require(actor, Action.REQUEST_ACCOUNT, req)
    if req.status != RequestStatus.OPENED:
        raise Conflict(_l("Only an opened account can be activated."))
    now = clock.now()
    try:
        _transition(
            session,
            req,
            from_status=RequestStatus.OPENED,
            status=RequestStatus.ACTIVATED,
            activated_by_id=actor.id,
            activated_at=now,
            updated_at=now,
        )
    except Conflict:
        raise Conflict(_l("This account was already activated.")) from None
    _audit(
        session,
        req,
        actor=actor,
        action="openings.activated",
        before={"status": RequestStatus.OPENED.value},
        after={"status": req.status},
    )
    _notify_store(
        session,
        req,
        kind=messages.ACTIVATED,
        params={"number": req.number, "account_ref": req.account_ref},
        user=req.for_staff,
    )
    emit(session, "openings.activated", request_id=req.id, store_id=req.store_id)
    return req


# --- lists ---------------------------------------------------------------------------------

ORDER = [SortKey(AccountRequest.created_at, True), SortKey(AccountRequest.id, True)]


def list_requests(
    session: Session,
    *,
    actor: User,
    store_id: int | None = None,
    status: RequestStatus | None = None,
    cursor: str | None = None,
    limit: int = 25,
) -> Page[AccountRequest]:
    """Requests of the stores in the actor's scope, newest first, a keyset page at a time."""
    scope = _view_scope(actor)
    query = select(AccountRequest)
    if store_id is not None:
        if scope is not None and store_id not in scope:
            raise NotFound(_l("No such store."))
        query = query.where(AccountRequest.store_id == store_id)
    elif scope is not None:
        query = query.where(AccountRequest.store_id.in_(scope))
    if status is not None:
        query = query.where(AccountRequest.status == status)
    return paginate(session, query, order=ORDER, cursor=cursor, limit=limit)


def _view_scope(actor: User) -> set[int] | None:
    """Store ids whose requests the actor may list (None: all)."""
    requesting = stores_in_scope(actor, Action.REQUEST_ACCOUNT)
    opening = stores_in_scope(actor, Action.OPEN_ACCOUNT)
    if requesting is None or opening is None:
        return None
    return requesting | opening


@dataclass(frozen=True)
class QueueEntry:
    request: AccountRequest
    task: SlaTask
    #: "overdue", "due_soon" or "on_time"
    urgency: str


@dataclass(frozen=True)
class Queue:
    overdue: list[QueueEntry]
    due_soon: list[QueueEntry]
    on_time: list[QueueEntry]
    next_cursor: str | None

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.due_soon or self.on_time)


def urgency(task: SlaTask, *, now: datetime) -> str:
    """Overdue past the deadline; due soon in the window's last quarter (the engine's rule)."""
    return str(sla.queue_bucket(task, now=now))


def queue_query(session: Session, *, actor: User, now: datetime) -> Select[tuple[SlaTask]]:
    """Open account-opening tasks the actor may decide now (R6), for keyset pages by deadline."""
    return select(SlaTask).where(
        SlaTask.policy == POLICY,
        SlaTask.subject_type == SUBJECT_TYPE,
        SlaTask.state == "open",
        sla.decidable(session, actor, now=now),
    )


def head_office_queue(
    session: Session, *, actor: User, now: datetime, cursor: str | None = None, limit: int = 50
) -> Queue:
    """R6: head office's queue, nearest deadline first, overdue and due-soon shown apart."""
    page = paginate(
        session,
        queue_query(session, actor=actor, now=now),
        order=[SortKey(SlaTask.due_at), SortKey(SlaTask.id)],
        cursor=cursor,
        limit=limit,
    )
    ids = [task.subject_id for task in page.items]
    requests = {
        r.id: r for r in session.scalars(select(AccountRequest).where(AccountRequest.id.in_(ids)))
    }
    groups: dict[str, list[QueueEntry]] = {"overdue": [], "due_soon": [], "on_time": []}
    for task in page.items:
        req = requests.get(task.subject_id)
        if req is not None:
            level = urgency(task, now=now)
            groups.get(level, groups["on_time"]).append(QueueEntry(req, task, level))
    return Queue(**groups, next_cursor=page.next_cursor)

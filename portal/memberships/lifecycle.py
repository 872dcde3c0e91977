"""A membership's life (R15, R16, R21): application, decision, renewal, suspension,
transfer and its end (by the member, by announcement, by revocation).

Every step writes a :class:`MembershipEvent` and an audit event; steps two people may take
at once are a compare-and-set on ``Membership.version`` (the second gets 409). The status
is never stored: :func:`status_of` computes it from periods, suspensions and the end.

The compliance engine calls :func:`current_membership`, :func:`status_of`,
:func:`is_suspended`, :func:`suspend`, :func:`revoke` and :func:`offset_deposit`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import werkzeug.exceptions
from flask import current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal import clock
from portal.accounts.models import User
from portal.accounts.permissions import Action, can, require
from portal.audit.services import record
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.events import emit
from portal.i18n import local_date
from portal.members.models import Member
from portal.memberships import ledger
from portal.memberships.models import (
    Decision,
    EventKind,
    LedgerEntry,
    Membership,
    MembershipEvent,
    MembershipPeriod,
    MembershipType,
)
from portal.memberships.policies import EndedBy
from portal.memberships.refunds import add_months
from portal.memberships.status import (
    FINAL,
    Facts,
    MembershipStatus,
    Span,
    compute_status,
    suspension_on,
)
from portal.records.numbering import next_number
from portal.sla import services as sla

#: the SLA task's subject type
SUBJECT = "membership"
#: R25: the issuing department's abbreviation (``PORTAL_MEMBERSHIP_PREFIX``)
DEFAULT_PREFIX = "HY"
#: the holder has a live membership in these: no second application, no transfer to them
LIVE = frozenset(
    {
        MembershipStatus.APPLIED,
        MembershipStatus.APPROVED,
        MembershipStatus.ACTIVE,
        MembershipStatus.SUSPENDED,
        MembershipStatus.LAPSED,
    }
)
_END_EVENT = {
    EndedBy.MEMBER: EventKind.ENDED,
    EndedBy.ANNOUNCEMENT: EventKind.TERMINATED,
    EndedBy.REVOCATION: EventKind.REVOKED,
}


class MembershipConflict(Conflict, werkzeug.exceptions.Conflict):
    """The membership's state does not allow the step (409). Both a portal domain error
    (the error pages render its translated message) and werkzeug's Conflict, which the
    compliance engine catches."""


# --- reading ------------------------------------------------------------------------------


def today(membership: Membership) -> date:
    """Today in the membership's store zone."""
    return clock.now().astimezone(membership.store.zone).date()


def facts_of(membership: Membership) -> Facts:
    return Facts(
        decision=membership.decision,
        periods=tuple(Span(p.starts_on, p.ends_on) for p in membership.periods),
        suspensions=tuple(
            Span(e.effective_on, e.until_on or e.effective_on)
            for e in membership.events
            if e.kind == EventKind.SUSPENDED
        ),
        ended_on=membership.ended_on,
        ended_by=membership.ended_by,
    )


def status_of(membership: Membership, on: date) -> MembershipStatus:
    """The status on day ``on`` (pure: from the loaded periods, events and end)."""
    return compute_status(facts_of(membership), on)


def is_suspended(membership: Membership, on: date) -> bool:
    return status_of(membership, on) is MembershipStatus.SUSPENDED


def suspended_until(membership: Membership, on: date) -> date | None:
    """The last day of the suspension running on ``on`` (R18), None when none runs."""
    if not is_suspended(membership, on):
        return None
    span = suspension_on(facts_of(membership).suspensions, on)
    return span.ends_on if span else None


def current_period(membership: Membership, on: date) -> MembershipPeriod | None:
    """The period covering ``on``, else the latest one."""
    for period in membership.periods:
        if period.starts_on <= on <= period.ends_on:
            return period
    return membership.periods[-1] if membership.periods else None


def current_membership(session: Session, member: Member) -> Membership | None:
    """The member's latest membership that was not rejected."""
    return session.scalar(
        select(Membership)
        .where(
            Membership.member_id == member.id,
            (Membership.decision.is_(None)) | (Membership.decision != Decision.REJECTED),
        )
        .order_by(Membership.applied_at.desc(), Membership.id.desc())
        .limit(1)
    )


def is_holder(actor: User | None, membership: Membership) -> bool:
    """The member firm's own login reads its membership."""
    return actor is not None and membership.member.user_id == actor.id


def may_view(actor: User | None, membership: Membership) -> bool:
    return is_holder(actor, membership) or can(actor, Action.VIEW_MEMBERSHIP, membership)


def get_membership(session: Session, *, actor: User | None, membership_id: int) -> Membership:
    """A membership the actor may read: the holder's own, or in the actor's scope; else 404."""
    membership = session.get(Membership, membership_id)
    if membership is None or not may_view(actor, membership):
        raise NotFound(_l("No such membership."))
    return membership


def _require_any(actor: User, actions: tuple[Action, ...], membership: Membership) -> None:
    """Raise unless one of ``actions`` is allowed; a membership out of scope answers 404."""
    if any(can(actor, action, membership) for action in actions):
        return
    require(actor, actions[0], membership, hide=not may_view(actor, membership))


def _refuse_unless(membership: Membership, on: date, allowed: frozenset[MembershipStatus]) -> None:
    """A Conflict naming the state (and a suspension's end) unless the status is allowed."""
    status = status_of(membership, on)
    if status in allowed:
        return
    if status is MembershipStatus.SUSPENDED:
        raise MembershipConflict(
            _l(
                "The membership is suspended until %(day)s; this is not possible meanwhile.",
                day=LazyString(local_date, suspended_until(membership, on)),
            )
        )
    raise MembershipConflict(
        _l("Not possible while the membership is %(status)s.", status=status.label)
    )


def _snapshot(membership: Membership) -> dict[str, Any]:
    return {
        "member_id": membership.member_id,
        "decision": membership.decision,
        "end_requested_on": _iso(membership.end_requested_on),
        "ended_on": _iso(membership.ended_on),
        "ended_by": membership.ended_by,
        "transfer_to_id": membership.transfer_to_id,
        "periods": [f"{p.starts_on}..{p.ends_on}" for p in membership.periods],
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _claim(session: Session, membership: Membership, **values: Any) -> None:
    """Compare-and-set: write ``values`` only if nobody changed the membership since it was
    loaded; the second of two people acting at once gets 409."""
    result = session.execute(
        update(Membership)
        .where(Membership.id == membership.id, Membership.version == membership.version)
        .values(version=Membership.version + 1, updated_at=clock.now(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.expire(membership)
        raise MembershipConflict(
            _l("The membership changed since you opened it. Open it again and retry.")
        )
    session.refresh(membership)


def _event(
    session: Session,
    membership: Membership,
    kind: EventKind,
    *,
    actor: User,
    effective_on: date,
    reason: str | None = None,
    source: str | None = None,
    until_on: date | None = None,
    member_id: int | None = None,
    other_member_id: int | None = None,
) -> MembershipEvent:
    event = MembershipEvent(
        membership_id=membership.id,
        kind=kind,
        member_id=member_id or membership.member_id,
        other_member_id=other_member_id,
        actor_id=actor.id,
        reason=(reason or "").strip()[:500] or None,
        source=(source or None) and source[:64],
        occurred_at=clock.now(),
        effective_on=effective_on,
        until_on=until_on,
    )
    session.add(event)
    session.flush()
    session.expire(membership, ["events"])
    return event


def _audit(
    session: Session,
    membership: Membership,
    action: str,
    *,
    actor: User,
    before: dict[str, Any] | None,
    extra: dict[str, Any] | None = None,
) -> None:
    record(
        session,
        actor=actor,
        action=f"membership.{action}",
        object_type="membership",
        object_id=membership.id,
        store_id=membership.store_id,
        before=before,
        after={**_snapshot(membership), **(extra or {})},
    )
    emit(
        session,
        f"membership.{action}",
        membership_id=membership.id,
        member_id=membership.member_id,
        store_id=membership.store_id,
    )


def _near(membership: Membership, field: str, day: date, *, back: int, ahead: int = 366) -> date:
    """``day`` when it lies within ``back`` days before and ``ahead`` days after today (a
    typo such as 2062 for 2026 is refused, not turned into a period or a refund date)."""
    now = today(membership)
    if not now - timedelta(days=back) <= day <= now + timedelta(days=ahead):
        raise ValidationFailed.single(
            field,
            _l(
                "Pick a day between %(first)s and %(last)s.",
                first=LazyString(local_date, now - timedelta(days=back)),
                last=LazyString(local_date, now + timedelta(days=ahead)),
            ),
        )
    return day


def _required_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed.single("reason", _l("Give the reason."))
    return text


# --- application and decision -------------------------------------------------------------


def apply(
    session: Session, *, actor: User, member: Member, membership_type: MembershipType
) -> Membership:
    """A member firm applies for itself; staff with APPLY_MEMBERSHIP apply on its behalf.
    The application waits in the review queue under its own SLA."""
    if member.user_id != actor.id:
        require(
            actor, Action.APPLY_MEMBERSHIP, member, hide=not can(actor, Action.VIEW_MEMBER, member)
        )
    if membership_type.store_id != member.store_id or not membership_type.is_active:
        raise ValidationFailed.single("type_id", _l("This membership type is not offered here."))
    existing = current_membership(session, member)
    if existing is not None and status_of(existing, today(existing)) in LIVE:
        raise MembershipConflict(
            _l("This firm already holds membership %(number)s.", number=existing.number)
        )
    now = clock.now()
    prefix = current_app.config.get("PORTAL_MEMBERSHIP_PREFIX", DEFAULT_PREFIX)
    membership = Membership(
        number=next_number(session, prefix=prefix, year=now.astimezone(member.store.zone).year),
        type=membership_type,
        type_id=membership_type.id,
        member_id=member.id,
        member=member,
        store_id=member.store_id,
        applied_at=now,
        applied_by_id=actor.id,
        version=1,
        updated_at=now,
    )
    session.add(membership)
    session.flush()
    sla.start_task(
        session,
        policy=membership_type.sla_policy,
        subject_type=SUBJECT,
        subject_id=membership.id,
        store_id=membership.store_id,
        actor=actor,
        title=f"{membership.number} {member.full_name}",
    )
    _event(session, membership, EventKind.APPLIED, actor=actor, effective_on=today(membership))
    _audit(session, membership, "applied", actor=actor, before=None)
    return membership


def application_task(session: Session, membership: Membership) -> Any:
    return sla.open_task_for(session, SUBJECT, membership.id)


def decide(
    session: Session,
    *,
    actor: User,
    membership: Membership,
    approve: bool,
    reason: str | None = None,
    starts_on: date | None = None,
) -> Membership:
    """A reviewer approves (the first period starts on ``starts_on``, today by default) or
    rejects with a reason; either completes the application's SLA task."""
    require(actor, Action.REVIEW_MEMBERSHIP, membership, hide=not may_view(actor, membership))
    if membership.decision is not None:
        raise MembershipConflict(_l("This application was already decided."))
    text = (reason or "").strip() if approve else _required_reason(reason)
    day = _near(membership, "starts_on", starts_on or today(membership), back=31)
    before = _snapshot(membership)
    task = application_task(session, membership)
    if task is not None:
        sla.require_decider(session, actor, task)
    decision = Decision.APPROVED if approve else Decision.REJECTED
    _claim(
        session,
        membership,
        decision=decision,
        decided_at=clock.now(),
        decided_by_id=actor.id,
        decision_reason=text or None,
    )
    if task is not None:
        sla.complete_task(session, task, actor=actor, outcome=str(decision))
    if approve:
        _add_period(session, membership, day, actor=actor)
    _event(
        session,
        membership,
        EventKind.APPROVED if approve else EventKind.REJECTED,
        actor=actor,
        effective_on=day if approve else today(membership),
        reason=text,
    )
    _audit(session, membership, str(decision), actor=actor, before=before)
    return membership


def _add_period(session: Session, membership: Membership, starts_on: date, *, actor: User) -> None:
    ends_on = add_months(starts_on, membership.type.period_months) - timedelta(days=1)
    session.add(
        MembershipPeriod(
            membership_id=membership.id,
            starts_on=starts_on,
            ends_on=ends_on,
            created_at=clock.now(),
            created_by_id=actor.id,
        )
    )
    session.flush()
    session.expire(membership, ["periods"])


def renew(session: Session, *, actor: User, membership: Membership) -> MembershipPeriod:
    """Add the next period, starting the day after the last one ends; only an active
    membership renews (a suspended one is refused with the suspension's end)."""
    require(actor, Action.REVIEW_MEMBERSHIP, membership, hide=not may_view(actor, membership))
    _refuse_unless(membership, today(membership), frozenset({MembershipStatus.ACTIVE}))
    if membership.end_requested_on is not None:
        raise MembershipConflict(_l("The member asked to end this membership."))
    before = _snapshot(membership)
    _claim(session, membership)
    _add_period(
        session, membership, membership.periods[-1].ends_on + timedelta(days=1), actor=actor
    )
    period = membership.periods[-1]
    _event(session, membership, EventKind.RENEWED, actor=actor, effective_on=period.starts_on)
    _audit(session, membership, "renewed", actor=actor, before=before)
    return period


# --- suspension ---------------------------------------------------------------------------


def suspend(
    session: Session,
    membership: Membership,
    *,
    starts_on: date,
    ends_on: date,
    actor: User,
    reason: str,
    source: str,
) -> MembershipEvent:
    """R18: the membership's rights rest from ``starts_on`` to ``ends_on`` (both included);
    the status says suspended on those days and returns to active by itself afterwards."""
    _require_any(actor, (Action.REVIEW_MEMBERSHIP, Action.MANAGE_CASES), membership)
    _near(membership, "starts_on", starts_on, back=366)
    _near(membership, "ends_on", ends_on, back=366, ahead=5 * 366)
    if ends_on < starts_on:
        raise ValidationFailed.single("ends_on", _l("The suspension ends before it starts."))
    text = _required_reason(reason)
    _refuse_unless(
        membership, starts_on, frozenset({MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED})
    )
    before = _snapshot(membership)
    _claim(session, membership)
    event = _event(
        session,
        membership,
        EventKind.SUSPENDED,
        actor=actor,
        effective_on=starts_on,
        until_on=ends_on,
        reason=text,
        source=source,
    )
    _audit(
        session,
        membership,
        "suspended",
        actor=actor,
        before=before,
        extra={"suspended": f"{starts_on}..{ends_on}", "source": source},
    )
    return event


# --- transfer -----------------------------------------------------------------------------


def request_transfer(
    session: Session, *, actor: User, membership: Membership, to_member: Member, reason: str
) -> MembershipEvent:
    """The holder (or staff for it) asks to transfer the membership to another firm of the
    same store; a reviewer decides. Only an active membership transfers."""
    if not is_holder(actor, membership):
        _require_any(actor, (Action.APPLY_MEMBERSHIP, Action.REVIEW_MEMBERSHIP), membership)
    text = _required_reason(reason)
    _refuse_unless(membership, today(membership), frozenset({MembershipStatus.ACTIVE}))
    if membership.transfer_to_id is not None:
        raise MembershipConflict(_l("A transfer of this membership is already waiting."))
    if to_member.id == membership.member_id or to_member.store_id != membership.store_id:
        raise ValidationFailed.single("to_member_id", _l("Choose another firm of the same store."))
    held = current_membership(session, to_member)
    if held is not None and status_of(held, today(held)) in LIVE:
        raise ValidationFailed.single(
            "to_member_id", _l("This firm already holds membership %(number)s.", number=held.number)
        )
    before = _snapshot(membership)
    _claim(session, membership, transfer_to_id=to_member.id)
    event = _event(
        session,
        membership,
        EventKind.TRANSFER_REQUESTED,
        actor=actor,
        effective_on=today(membership),
        reason=text,
        other_member_id=to_member.id,
    )
    _audit(session, membership, "transfer_requested", actor=actor, before=before)
    return event


def decide_transfer(
    session: Session, *, actor: User, membership: Membership, approve: bool, reason: str | None
) -> MembershipEvent:
    """A reviewer approves (the other firm holds it from today; the event keeps the old
    holder) or refuses the waiting transfer."""
    require(actor, Action.REVIEW_MEMBERSHIP, membership, hide=not may_view(actor, membership))
    if membership.transfer_to_id is None:
        raise MembershipConflict(_l("No transfer of this membership is waiting."))
    text = (reason or "").strip() if approve else _required_reason(reason)
    if approve:
        _refuse_unless(membership, today(membership), frozenset({MembershipStatus.ACTIVE}))
    before = _snapshot(membership)
    old_holder, new_holder = membership.member_id, membership.transfer_to_id
    values: dict[str, Any] = {"transfer_to_id": None}
    if approve:
        values["member_id"] = new_holder
    _claim(session, membership, **values)
    event = _event(
        session,
        membership,
        EventKind.TRANSFERRED if approve else EventKind.TRANSFER_REFUSED,
        actor=actor,
        effective_on=today(membership),
        reason=text,
        member_id=old_holder,
        other_member_id=new_holder,
    )
    _audit(
        session,
        membership,
        "transferred" if approve else "transfer_refused",
        actor=actor,
        before=before,
    )
    return event


# --- the end ------------------------------------------------------------------------------


def request_end(
    session: Session, *, actor: User, membership: Membership, reason: str
) -> MembershipEvent:
    """The member asks to end its membership; it ends when the exchange announces it."""
    if not is_holder(actor, membership):
        _require_any(actor, (Action.REVIEW_MEMBERSHIP, Action.APPLY_MEMBERSHIP), membership)
    text = _required_reason(reason)
    _refuse_unless(membership, today(membership), LIVE - {MembershipStatus.APPLIED})
    if membership.end_requested_on is not None:
        raise MembershipConflict(_l("The end of this membership was already requested."))
    before = _snapshot(membership)
    _claim(session, membership, end_requested_on=today(membership))
    event = _event(
        session,
        membership,
        EventKind.END_REQUESTED,
        actor=actor,
        effective_on=today(membership),
        reason=text,
    )
    _audit(session, membership, "end_requested", actor=actor, before=before)
    return event


@dataclass(frozen=True)
class EndNotice:
    announced_on: date
    ended_by: EndedBy
    reason: str
    source: str | None = None


def announce_end(
    session: Session, *, actor: User, membership: Membership, notice: EndNotice
) -> list[LedgerEntry]:
    """The exchange announces the end (R16): the member's requested end, a termination, or
    a revocation (R21, through :func:`revoke`). From ``announced_on`` on the membership has
    ended, and the deposit's refund schedule is written to the ledger."""
    actions = (Action.REVIEW_MEMBERSHIP,)
    if notice.ended_by is EndedBy.REVOCATION:
        actions = (Action.REVIEW_MEMBERSHIP, Action.MANAGE_CASES)
    _require_any(actor, actions, membership)
    text = _required_reason(notice.reason)
    if membership.ended_on is not None or status_of(membership, today(membership)) in FINAL:
        raise MembershipConflict(
            _l(
                "Not possible while the membership is %(status)s.",
                status=status_of(membership, today(membership)).label,
            )
        )
    if membership.decision != Decision.APPROVED:
        raise MembershipConflict(_l("Only an approved membership can end."))
    if notice.ended_by is EndedBy.MEMBER and membership.end_requested_on is None:
        raise MembershipConflict(_l("The member has not asked to end this membership."))
    first = membership.periods[0].starts_on if membership.periods else today(membership)
    _near(membership, "announced_on", notice.announced_on, back=366)
    if notice.announced_on < min(first, today(membership)):
        raise ValidationFailed.single(
            "announced_on", _l("The announcement cannot precede the membership.")
        )
    before = _snapshot(membership)
    _claim(session, membership, ended_on=notice.announced_on, ended_by=str(notice.ended_by))
    entries = ledger.schedule_refunds(
        session,
        membership,
        announced_on=notice.announced_on,
        ended_by=notice.ended_by,
        actor=actor,
        source=notice.source,
    )
    _event(
        session,
        membership,
        _END_EVENT[notice.ended_by],
        actor=actor,
        effective_on=notice.announced_on,
        reason=text,
        source=notice.source,
    )
    _audit(
        session,
        membership,
        _END_EVENT[notice.ended_by].value,
        actor=actor,
        before=before,
        extra={"ledger": [entry.as_dict() for entry in entries]},
    )
    return entries


def revoke(
    session: Session,
    membership: Membership,
    *,
    announced_on: date,
    actor: User,
    reason: str,
    source: str,
) -> list[LedgerEntry]:
    """R21: revoke the membership from ``announced_on``; R16: the deposit's refunds are
    scheduled and the membership and management fees are kept (forfeited)."""
    return announce_end(
        session,
        actor=actor,
        membership=membership,
        notice=EndNotice(announced_on, EndedBy.REVOCATION, reason, source),
    )


def offset_deposit(
    session: Session,
    membership: Membership,
    *,
    amount: Decimal,
    actor: User,
    reason: str,
    source: str,
) -> LedgerEntry:
    """R18: a compensation decision paid from the risk deposit; unpaid refund tranches
    shrink by it, the latest first."""
    _require_any(actor, (Action.MANAGE_CASES, Action.MANAGE_DEPOSITS), membership)
    return ledger.offset(
        session,
        membership,
        amount=amount,
        actor=actor,
        reason=_required_reason(reason),
        source=source,
    )

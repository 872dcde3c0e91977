"""Decisions along the R18 ladder and their effects on the membership.

The proposal comes from :mod:`portal.compliance.ladder`; the officer may decide other
measures among those the case's violations allow, with a written reason (audited). The
decision is a numbered notice (R25) with one ``compliance_measure`` row per measure; a
suspension suspends the membership, a revocation revokes it (ending it and scheduling the
deposit refund with the fee forfeiture of R16), a compensation may be offset against the
deposit: all through ``portal.memberships.lifecycle`` with ``source="notice:<number>"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import clock
from portal.accounts.models import User
from portal.compliance import ladder
from portal.compliance.cases import (
    ACTIVE,
    Errors,
    add_event,
    audit,
    clean_text,
    parse_gain,
    raise_errors,
    require_active,
    require_manager,
    transition,
    violations_of,
)
from portal.compliance.catalogue import Measure
from portal.compliance.models import (
    CaseState,
    ComplianceCase,
    DecidedMeasure,
    Notice,
    NoticeKind,
    Rectification,
    RectificationState,
)
from portal.compliance.notices import issue_notice, replayed
from portal.errors import Conflict
from portal.i18n import zone_of
from portal.idempotency import check_key
from portal.memberships import lifecycle

#: the longest suspension one decision may order
MAX_SUSPENSION = timedelta(days=3 * 366)


def previous_measures(session: Session, case: ComplianceCase) -> list[Measure]:
    """Measures earlier cases against the same member ended in (not lifted on appeal)."""
    rows = session.scalars(
        select(DecidedMeasure.measure).where(
            DecidedMeasure.member_id == case.member_id,
            DecidedMeasure.case_id != case.id,
            DecidedMeasure.lifted_at.is_(None),
        )
    )
    return [Measure(m) for m in rows]


def rectification_failed(session: Session, case: ComplianceCase) -> bool:
    """R19: a rectification of this case was recorded as not done."""
    return (
        session.scalar(
            select(Rectification.id).where(
                Rectification.case_id == case.id,
                Rectification.state == RectificationState.NOT_RECTIFIED,
            )
        )
        is not None
    )


def open_rectification(session: Session, case: ComplianceCase) -> Rectification | None:
    return session.scalar(
        select(Rectification).where(
            Rectification.case_id == case.id, Rectification.state == RectificationState.OPEN
        )
    )


def proposal_for(session: Session, case: ComplianceCase) -> ladder.Proposal:
    """R18-R21: what the ladder proposes for the case now."""
    return ladder.propose(
        violations_of(case),
        previous_measures(session, case),
        illicit_gain=case.illicit_gain,
        rectification_failed=rectification_failed(session, case),
    )


@dataclass(frozen=True)
class DecisionInput:
    measures: list[str]
    reasons: str
    #: required when the measures differ from the proposal
    override_reason: str | None = None
    #: suspension: first and last day, in the store's calendar
    starts_on: date | None = None
    ends_on: date | None = None
    #: compensation, as typed; at least the case's illicit gain
    compensation: str | None = None
    #: compensation taken from the member's risk deposit
    offset_deposit: bool = False


def _measures(errors: Errors, raw: list[str], permitted: frozenset[Measure]) -> set[Measure]:
    chosen: set[Measure] = set()
    for value in raw:
        try:
            chosen.add(Measure(value))
        except ValueError:
            errors.setdefault("measures", []).append(_l("Choose one of the listed values."))
            return set()
    if not chosen:
        errors.setdefault("measures", []).append(_l("Choose at least one measure."))
    elif not chosen <= permitted:
        errors.setdefault("measures", []).append(
            _l(
                "The violations of this case do not allow: %(measures)s",
                measures=", ".join(m.label for m in ladder.in_ladder_order(chosen - permitted)),
            )
        )
    if {Measure.SUSPENSION, Measure.REVOCATION} <= chosen:
        errors.setdefault("measures", []).append(
            _l("A revoked membership is not also suspended: choose one.")
        )
    return chosen


def _period(errors: Errors, data: DecisionInput, today: date) -> None:
    if data.starts_on is None:
        errors.setdefault("starts_on", []).append(_l("Pick the first day of the suspension."))
    if data.ends_on is None:
        errors.setdefault("ends_on", []).append(_l("Pick the last day of the suspension."))
    if data.starts_on is None or data.ends_on is None:
        return
    if data.starts_on < today:
        errors.setdefault("starts_on", []).append(_l("A suspension starts today or later."))
    elif data.ends_on < data.starts_on:
        errors.setdefault("ends_on", []).append(_l("The last day comes after the first."))
    elif data.ends_on - data.starts_on > MAX_SUSPENSION:
        errors.setdefault("ends_on", []).append(_l("A suspension lasts at most three years."))


def _compensation(errors: Errors, case: ComplianceCase, data: DecisionInput) -> Decimal | None:
    """R18: compensation of at least the illicit gain recorded on the case."""
    amount = parse_gain(errors, "compensation", data.compensation)
    if amount is None:
        if "compensation" not in errors:
            errors["compensation"] = [_l("Give the amount of the compensation.")]
        return None
    if case.illicit_gain is not None and amount < case.illicit_gain:
        errors.setdefault("compensation", []).append(
            _l("At least the illicit gain of %(gain)s yuan (R18).", gain=str(case.illicit_gain))
        )
    return amount


def decide(
    session: Session,
    *,
    actor: User,
    case: ComplianceCase,
    data: DecisionInput,
    idempotency_key: str | None = None,
) -> Notice:
    """R18: decide one or more measures and issue the numbered decision notice (R25).

    Measures other than the proposal need ``override_reason``. Suspension needs its
    period; suspension, revocation and an offset need the member's membership. The effects
    happen in the same transaction: a refusal by the membership engine undoes everything.
    """
    key = check_key(idempotency_key)
    existing = replayed(session, actor=actor, key=key)
    if existing is not None:
        return existing
    require_manager(actor, case)
    require_active(case)
    if open_rectification(session, case) is not None:
        raise Conflict(_l("Record first whether the member rectified by the deadline (R19)."))
    permitted = ladder.allowed(violations_of(case))
    proposal = proposal_for(session, case)
    errors: Errors = {}
    chosen = _measures(errors, data.measures, permitted)
    reasons = clean_text(errors, "reasons", data.reasons, 4000)
    override = (data.override_reason or "").strip()
    overridden = bool(chosen) and chosen != set(proposal.measures)
    if overridden:
        override = clean_text(errors, "override_reason", override, 1000)
    today = clock.now().astimezone(zone_of(case.store)).date()
    if Measure.SUSPENSION in chosen:
        _period(errors, data, today)
    amount = _compensation(errors, case, data) if Measure.COMPENSATION in chosen else None
    membership = lifecycle.current_membership(session, case.member)
    needs_membership = chosen & {Measure.SUSPENSION, Measure.REVOCATION} or (
        amount is not None and data.offset_deposit
    )
    if needs_membership and membership is None:
        errors.setdefault("measures", []).append(
            _l("The member holds no membership to suspend, revoke or offset against.")
        )
    raise_errors(errors)
    ordered = ladder.in_ladder_order(chosen)
    kind = NoticeKind.CIRCULAR if ordered == (Measure.WRITTEN_CIRCULAR,) else NoticeKind.DECISION
    notice = issue_notice(
        session, actor=actor, case=case, kind=kind, reasons=reasons, idempotency_key=key
    )
    source = f"notice:{notice.number}"
    for measure in ordered:
        suspended = measure is Measure.SUSPENSION
        session.add(
            DecidedMeasure(
                notice_id=notice.id,
                case_id=case.id,
                member_id=case.member_id,
                measure=measure.value,
                level=ladder.level(measure),
                decided_at=notice.issued_at,
                starts_on=data.starts_on if suspended else None,
                ends_on=data.ends_on if suspended else None,
                amount=amount if measure is Measure.COMPENSATION else None,
                offset_against_deposit=measure is Measure.COMPENSATION and data.offset_deposit,
            )
        )
    if Measure.SUSPENSION in chosen:
        lifecycle.suspend(
            session,
            membership,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            actor=actor,
            reason=reasons,
            source=source,
        )
    if Measure.REVOCATION in chosen:
        lifecycle.revoke(
            session, membership, announced_on=today, actor=actor, reason=reasons, source=source
        )
    if amount is not None and data.offset_deposit:
        lifecycle.offset_deposit(
            session, membership, amount=amount, actor=actor, reason=reasons, source=source
        )
    session.flush()
    session.refresh(notice)
    before = case.state
    transition(
        session, case, from_states=ACTIVE, state=CaseState.DECIDED, decided_at=notice.issued_at
    )
    add_event(
        session,
        case,
        "decided",
        actor,
        number=notice.number,
        measures=[m.value for m in ordered],
        override_reason=override if overridden else None,
    )
    after: dict[str, Any] = {
        "state": case.state,
        "notice": notice.number,
        "measures": [m.value for m in ordered],
        "proposed": [m.value for m in proposal.measures],
        "basis": proposal.basis.value,
        "override_reason": override if overridden else None,
        "starts_on": data.starts_on.isoformat() if data.starts_on else None,
        "ends_on": data.ends_on.isoformat() if data.ends_on else None,
        "compensation": str(amount) if amount is not None else None,
        "offset_deposit": bool(amount is not None and data.offset_deposit),
    }
    audit(
        session,
        case,
        actor=actor,
        action="compliance.decided",
        before={"state": before},
        after=after,
    )
    return notice

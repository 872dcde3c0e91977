"""Appeals against notices: lodged by the member within the window, decided by someone
other than the officer who issued the notice (DECIDE_APPEAL).

An upheld appeal lifts the notice's measures: their rows are marked lifted, so they no
longer count as earlier measures on the ladder. A suspension or revocation already applied
to the membership stays as the membership engine recorded it (it offers no way to undo
either); the case timeline and the audit say so, and compliance acts on the membership
through its own pages.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal import clock
from portal.accounts.models import User
from portal.accounts.permissions import Action, can, require, stores_in_scope
from portal.audit.services import record
from portal.compliance import messages
from portal.compliance.cases import Errors, add_event, clean_text, in_scope, raise_errors
from portal.compliance.catalogue import Measure
from portal.compliance.models import Appeal, AppealState, DecidedMeasure, Notice
from portal.compliance.notices import is_addressee, may_read, within_appeal_window
from portal.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portal.events import emit
from portal.i18n import local_date, zone_of
from portal.notifications import services as notifications
from portal.pagination import Page, SortKey, paginate

SUBJECT_TYPE = "compliance_appeal"
#: measures whose effect on the membership an upheld appeal cannot undo here
APPLIED_EFFECTS = frozenset({Measure.SUSPENSION, Measure.REVOCATION, Measure.COMPENSATION})


class Outcome(StrEnum):
    UPHELD = "upheld"
    DISMISSED = "dismissed"


def may_appeal(actor: User | None, notice: Notice) -> bool:
    """Whether the Appeal button shows: the addressee, no appeal yet, still in the window."""
    return (
        is_addressee(actor, notice)
        and notice.appeal is None
        and within_appeal_window(notice.appeal_until, clock.now(), zone_of(notice.store))
    )


def lodge_appeal(session: Session, *, actor: User, notice: Notice, grounds: str) -> Appeal:
    """The member appeals against a notice, once, until the last day of the window."""
    if not may_read(actor, notice):
        raise NotFound(_l("No such notice."))
    if not is_addressee(actor, notice):
        raise PermissionDenied(_l("Only the member it is addressed to appeals a notice."))
    if notice.appeal is not None:
        raise Conflict(_l("An appeal against this notice was lodged already."))
    now = clock.now()
    if not within_appeal_window(notice.appeal_until, now, zone_of(notice.store)):
        raise ValidationFailed.single(
            "grounds",
            _l(
                "The appeal window closed on %(day)s.",
                day=local_date(notice.appeal_until),
            ),
        )
    errors: Errors = {}
    text = clean_text(errors, "grounds", grounds, 4000)
    raise_errors(errors)
    appeal = Appeal(
        notice_id=notice.id,
        grounds=text,
        lodged_by_id=actor.id,
        lodged_at=now,
        state=AppealState.LODGED,
    )
    try:
        with session.begin_nested():
            session.add(appeal)
            session.flush()
    except IntegrityError:
        raise Conflict(_l("An appeal against this notice was lodged already.")) from None
    add_event(session, notice.case, "appeal_lodged", actor, number=notice.number)
    record(
        session,
        actor=actor,
        action="compliance.appeal_lodged",
        object_type=SUBJECT_TYPE,
        object_id=appeal.id,
        store_id=notice.store_id,
        after={"notice": notice.number, "grounds": text},
    )
    notifications.notify(
        session,
        kind=messages.APPEAL_LODGED,
        key=f"{messages.APPEAL_LODGED}:{appeal.id}",
        params={"number": notice.number},
        user=notice.issued_by,
        store_id=notice.store_id,
    )
    emit(
        session,
        "compliance.appeal_lodged",
        appeal_id=appeal.id,
        notice_id=notice.id,
        number=notice.number,
        member_id=notice.member_id,
    )
    session.refresh(notice)
    return appeal


def get_appeal(session: Session, *, actor: User, appeal_id: int) -> Appeal:
    appeal = session.get(Appeal, appeal_id)
    if appeal is None or not may_read(actor, appeal.notice):
        raise NotFound(_l("No such appeal."))
    return appeal


def may_decide(actor: User | None, appeal: Appeal) -> bool:
    """DECIDE_APPEAL, and not the officer who issued the notice."""
    return can(actor, Action.DECIDE_APPEAL, appeal.notice) and (
        actor is not None and actor.id != appeal.notice.issued_by_id
    )


def decide_appeal(
    session: Session, *, actor: User, appeal: Appeal, outcome: str, reasons: str
) -> None:
    """Uphold or dismiss an appeal, with reasons; the member is told (outbox)."""
    if not may_read(actor, appeal.notice):
        raise NotFound(_l("No such appeal."))
    require(actor, Action.DECIDE_APPEAL, appeal.notice)
    if actor.id == appeal.notice.issued_by_id:
        raise PermissionDenied(
            _l("Someone other than the officer who issued the notice decides its appeal.")
        )
    errors: Errors = {}
    try:
        chosen = Outcome(outcome)
    except ValueError:
        errors["outcome"] = [_l("Choose one of the listed values.")]
    text = clean_text(errors, "reasons", reasons, 4000)
    raise_errors(errors)
    now = clock.now()
    result = session.execute(
        update(Appeal)
        .where(Appeal.id == appeal.id, Appeal.state == AppealState.LODGED)
        .values(state=chosen.value, decision_reasons=text, decided_by_id=actor.id, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(appeal)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_l("This appeal was decided already."))
    notice = appeal.notice
    kept: list[str] = []
    if chosen is Outcome.UPHELD:
        session.execute(
            update(DecidedMeasure)
            .where(DecidedMeasure.notice_id == notice.id, DecidedMeasure.lifted_at.is_(None))
            .values(lifted_at=now)
            .execution_options(synchronize_session=False)
        )
        kept = [m.measure for m in notice.measures if m.ladder_measure in APPLIED_EFFECTS]
    add_event(
        session,
        notice.case,
        f"appeal_{chosen.value}",
        actor,
        number=notice.number,
        reasons=text,
        effects_kept=kept,
    )
    record(
        session,
        actor=actor,
        action=f"compliance.appeal_{chosen.value}",
        object_type=SUBJECT_TYPE,
        object_id=appeal.id,
        store_id=notice.store_id,
        before={"state": AppealState.LODGED.value},
        after={"state": appeal.state, "reasons": text, "effects_kept": kept},
    )
    kind = messages.APPEAL_UPHELD if chosen is Outcome.UPHELD else messages.APPEAL_DISMISSED
    notifications.notify(
        session,
        kind=kind,
        key=f"{kind}:{appeal.id}",
        params={"number": notice.number, "reasons": text[:500]},
        member=notice.member,
    )
    emit(
        session,
        "compliance.appeal_decided",
        appeal_id=appeal.id,
        notice_id=notice.id,
        number=notice.number,
        outcome=chosen.value,
        member_id=notice.member_id,
    )


APPEAL_ORDER = [SortKey(Appeal.lodged_at), SortKey(Appeal.id)]


def appeal_queue(
    session: Session, *, actor: User, cursor: str | None = None, limit: int = 25
) -> Page[Appeal]:
    """Appeals waiting for a decision, the oldest first (404 for those who decide none,
    like the other queues)."""
    if stores_in_scope(actor, Action.DECIDE_APPEAL) == set():
        raise NotFound(_l("Not found."))
    query = (
        select(Appeal)
        .join(Notice, Notice.id == Appeal.notice_id)
        .where(
            Appeal.state == AppealState.LODGED,
            in_scope(actor, Action.DECIDE_APPEAL, Notice.store_id),
        )
    )
    return paginate(session, query, order=APPEAL_ORDER, cursor=cursor, limit=limit)

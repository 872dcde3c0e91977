"""Lists of memberships for staff: filtered by status, type and store, sorted, paged, and
the application queue with its SLA deadlines.

The status filter is the same rule as :func:`portal.memberships.status.compute_status`,
written in SQL over the same dates (periods, suspension events, the end), so a list never
needs a stored status kept up to date by a nightly job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, exists, not_, select
from sqlalchemy.orm import Session

from portal import clock
from portal.accounts.models import User
from portal.accounts.permissions import Action, stores_in_scope
from portal.i18n import zone_of
from portal.memberships.lifecycle import SUBJECT
from portal.memberships.models import (
    Decision,
    EventKind,
    Membership,
    MembershipEvent,
    MembershipPeriod,
)
from portal.memberships.policies import EndedBy
from portal.memberships.status import MembershipStatus
from portal.pagination import Page, SortKey, paginate
from portal.sla import services as sla
from portal.sla.models import LIVE_STATES, SlaTask


class MembershipSort(StrEnum):
    #: newest application first
    APPLIED = "applied"
    NUMBER = "number"

    @property
    def label(self) -> str:
        return str({"applied": _l("Newest first"), "number": _l("Number")}[self.value])


_ORDER = {
    MembershipSort.APPLIED: [
        SortKey(Membership.applied_at, descending=True),
        SortKey(Membership.id, descending=True),
    ],
    MembershipSort.NUMBER: [SortKey(Membership.number), SortKey(Membership.id)],
}


def list_today() -> date:
    """The day lists are computed for: today in the deployment's zone."""
    return clock.now().astimezone(zone_of(None)).date()


def status_condition(status: MembershipStatus, on: date) -> ColumnElement[bool]:
    """SQL: the membership's status on ``on`` is ``status`` (compute_status's rule)."""
    m = Membership
    period_covers = exists().where(
        MembershipPeriod.membership_id == m.id,
        MembershipPeriod.starts_on <= on,
        MembershipPeriod.ends_on >= on,
    )
    started = exists().where(
        MembershipPeriod.membership_id == m.id, MembershipPeriod.starts_on <= on
    )
    suspended = exists().where(
        MembershipEvent.membership_id == m.id,
        MembershipEvent.kind == EventKind.SUSPENDED,
        MembershipEvent.effective_on <= on,
        MembershipEvent.until_on >= on,
    )
    approved = m.decision == Decision.APPROVED
    ended = and_(m.ended_on.is_not(None), m.ended_on <= on)
    running = and_(approved, not_(ended))
    ends = {
        MembershipStatus.ENDED: EndedBy.MEMBER,
        MembershipStatus.TERMINATED: EndedBy.ANNOUNCEMENT,
        MembershipStatus.REVOKED: EndedBy.REVOCATION,
    }
    if status in ends:
        return and_(approved, ended, m.ended_by == ends[status])
    return {
        MembershipStatus.APPLIED: m.decision.is_(None),
        MembershipStatus.REJECTED: m.decision == Decision.REJECTED,
        MembershipStatus.ACTIVE: and_(running, period_covers, not_(suspended)),
        MembershipStatus.SUSPENDED: and_(running, period_covers, suspended),
        MembershipStatus.APPROVED: and_(running, not_(started)),
        MembershipStatus.LAPSED: and_(running, started, not_(period_covers)),
    }[status]


def list_memberships(
    session: Session,
    *,
    actor: User,
    status: MembershipStatus | None = None,
    type_id: int | None = None,
    store_id: int | None = None,
    sort: MembershipSort = MembershipSort.APPLIED,
    cursor: str | None = None,
    limit: int = 25,
) -> Page[Membership]:
    """Memberships in the actor's stores (VIEW_MEMBERSHIP; none without it), filtered and
    sorted."""
    query = select(Membership)
    stores = stores_in_scope(actor, Action.VIEW_MEMBERSHIP)
    if stores is not None:
        query = query.where(Membership.store_id.in_(stores))
    if store_id is not None:
        query = query.where(Membership.store_id == store_id)
    if type_id is not None:
        query = query.where(Membership.type_id == type_id)
    if status is not None:
        query = query.where(status_condition(status, list_today()))
    return paginate(session, query, order=_ORDER[sort], cursor=cursor, limit=limit)


@dataclass(frozen=True)
class QueueItem:
    membership: Membership
    task: SlaTask
    may_decide: bool


def application_queue(
    session: Session, *, actor: User, cursor: str | None = None, limit: int = 25
) -> Page[Any]:
    """Applications waiting for a decision in the actor's stores (REVIEW_MEMBERSHIP), the
    nearest SLA deadline first (none for an actor without it)."""
    query = (
        select(SlaTask)
        .join(
            Membership, and_(SlaTask.subject_type == SUBJECT, SlaTask.subject_id == Membership.id)
        )
        .where(SlaTask.state.in_(LIVE_STATES), Membership.decision.is_(None))
    )
    stores = stores_in_scope(actor, Action.REVIEW_MEMBERSHIP)
    if stores is not None:
        query = query.where(SlaTask.store_id.in_(stores))
    page = paginate(
        session,
        query,
        order=[SortKey(SlaTask.due_at), SortKey(SlaTask.id)],
        cursor=cursor,
        limit=limit,
    )
    now = clock.now()
    items = [
        QueueItem(
            membership=session.get_one(Membership, task.subject_id),
            task=task,
            may_decide=sla.can_decide(session, actor, task, now=now),
        )
        for task in page.items
    ]
    return Page(items=items, next_cursor=page.next_cursor)

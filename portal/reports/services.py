"""The SLA report (R5, R6): per store and per reviewer over a period, the tasks decided, the
share decided within the SLA, median and 90th-percentile time to decision (paused time
excluded) and the breaches, decided or still open."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.accounts.permissions import Action, require, stores_in_scope
from portal.errors import NotFound, ValidationFailed
from portal.sla.models import EventKind, SlaTask, SlaTaskEvent, TaskState
from portal.stores.models import Store

#: the report's default period: the last 30 days, today included
DEFAULT_DAYS = 30
#: a longer period is refused (the figures are computed per request)
MAX_DAYS = 366


class GroupBy(StrEnum):
    STORE = "store"
    REVIEWER = "reviewer"


@dataclass(frozen=True)
class Period:
    """Whole days ``start`` .. ``end`` (inclusive), in the stores' own time zones."""

    start: date
    end: date

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[first instant, instant after the last) of the period in ``zone``, as UTC."""
        first = datetime.combine(self.start, time(), zone).astimezone(UTC)
        after = datetime.combine(self.end + timedelta(days=1), time(), zone).astimezone(UTC)
        return first, after


def default_period(today: date) -> Period:
    return Period(today - timedelta(days=DEFAULT_DAYS - 1), today)


def check_period(start: date | None, end: date | None, today: date) -> Period:
    """The period asked for, defaults filled in; a reversed or over-long one is refused."""
    default = default_period(today)
    period = Period(start or default.start, end or default.end)
    if period.end < period.start:
        raise ValidationFailed.single("end", _l("The end date is before the start date."))
    if (period.end - period.start).days + 1 > MAX_DAYS:
        raise ValidationFailed.single(
            "end", _l("Choose a period of at most %(n)d days.", n=MAX_DAYS)
        )
    return period


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile with linear interpolation between closest ranks: the definition
    of PostgreSQL's ``percentile_cont``, so both databases report the same figure."""
    if not values:
        return None
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class ReportRow:
    key: int | None
    label: str
    #: tasks decided in the period
    decided: int = 0
    #: of those, decided at or before their deadline
    within_sla: int = 0
    #: time to decision of each decided task (seconds, paused time excluded)
    durations: list[float] = field(default_factory=list)
    #: tasks whose deadline passed in the period, decided since or not
    breaches: int = 0
    #: of those, still waiting for a decision
    open_breaches: int = 0

    @property
    def within_share(self) -> float | None:
        """Share decided within the SLA (0..1); None when nothing was decided."""
        return self.within_sla / self.decided if self.decided else None

    @property
    def median_seconds(self) -> float | None:
        return percentile(self.durations, 0.5)

    @property
    def p90_seconds(self) -> float | None:
        return percentile(self.durations, 0.9)


@dataclass
class SlaReport:
    policy: str | None
    group_by: GroupBy
    period: Period
    rows: list[ReportRow]
    total: ReportRow


def scope_stores(
    session: Session, actor: User, store_id: int | None, action: Action = Action.VIEW_SLA_REPORT
) -> list[Store]:
    """Stores whose records the actor may count in a report of ``action`` (managers:
    theirs; head office: all)."""
    require(actor, action)
    scope = stores_in_scope(actor, action)
    query = select(Store).where(Store.is_head_office.is_(False))
    if store_id is not None:
        if scope is not None and store_id not in scope:
            raise NotFound(_l("No such store."))
        query = query.where(Store.id == store_id)
    elif scope is not None:
        query = query.where(Store.id.in_(scope))
    stores = list(session.scalars(query.order_by(Store.code)))
    if store_id is not None and not stores:
        raise NotFound(_l("No such store."))
    return stores


class Bounded(Protocol):
    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]: ...


def in_period(
    column: object,
    stores: Iterable[Store],
    period: Bounded,
    store_column: object = SlaTask.store_id,
) -> object:
    """``column`` within the period, each store (``store_column``) measured in its own
    time zone."""
    by_zone: dict[str, list[int]] = defaultdict(list)
    for store in stores:
        by_zone[store.timezone].append(store.id)
    clauses = []
    for zone, ids in sorted(by_zone.items()):
        first, after = period.bounds(ZoneInfo(zone))
        clauses.append(
            and_(store_column.in_(ids), column >= first, column < after)  # type: ignore[attr-defined,operator]
        )
    return or_(*clauses)


def _paused_seconds(session: Session, tasks: Sequence[SlaTask]) -> dict[int, float]:
    """Seconds each decided task's clock stood still, from its timeline (paused ..
    resumed; a pause never resumed lasts until the decision)."""
    ends = {t.id: t.completed_at for t in tasks}
    paused: dict[int, float] = defaultdict(float)
    ids = list(ends)
    for chunk_start in range(0, len(ids), 500):
        since: dict[int, datetime] = {}
        rows = session.execute(
            select(SlaTaskEvent.task_id, SlaTaskEvent.kind, SlaTaskEvent.at)
            .where(
                SlaTaskEvent.task_id.in_(ids[chunk_start : chunk_start + 500]),
                SlaTaskEvent.kind.in_([EventKind.PAUSED, EventKind.RESUMED]),
            )
            .order_by(SlaTaskEvent.task_id, SlaTaskEvent.id)
        )
        for task_id, kind, at in rows:
            if kind == EventKind.PAUSED:
                since.setdefault(task_id, at)
            elif task_id in since:
                paused[task_id] += (at - since.pop(task_id)).total_seconds()
        for task_id, at in since.items():
            end = ends[task_id]
            if end is not None:
                paused[task_id] += max((end - at).total_seconds(), 0.0)
    return paused


def decision_seconds(task: SlaTask, paused: float) -> float:
    """Time from start to decision with the paused stretches taken out."""
    assert task.completed_at is not None
    return max((task.completed_at - task.started_at).total_seconds() - paused, 0.0)


def sla_report(
    session: Session,
    *,
    actor: User,
    period: Period,
    policy: str | None = None,
    store_id: int | None = None,
    group_by: GroupBy = GroupBy.STORE,
) -> SlaReport:
    """R5/R6: the SLA figures of the stores in the actor's scope over ``period``.

    Two index-backed queries (``ix_sla_task_policy_completed`` for the decided tasks,
    ``ix_sla_task_policy_breached`` for the breaches) and one over the decided tasks'
    pause events; medians and percentiles are computed here so SQLite and PostgreSQL
    answer alike.
    """
    stores = scope_stores(session, actor, store_id)
    store_names = {s.id: s.name for s in stores}
    rows: dict[int | None, ReportRow] = {}
    total = ReportRow(None, str(_l("All")))
    if not stores:
        return SlaReport(policy, group_by, period, [], total)

    def policy_filter(query):  # type: ignore[no-untyped-def]
        return query.where(SlaTask.policy == policy) if policy else query

    decided = list(
        session.scalars(
            policy_filter(
                select(SlaTask).where(
                    in_period(SlaTask.completed_at, stores, period),
                    SlaTask.state == TaskState.DONE,
                )
            )
        )
    )
    breached = session.execute(
        policy_filter(
            select(SlaTask.store_id, SlaTask.completed_by_id, SlaTask.state).where(
                in_period(SlaTask.breached_at, stores, period),
                SlaTask.state != TaskState.CANCELLED,
            )
        )
    ).all()

    reviewer_ids = {t.completed_by_id for t in decided} | {b[1] for b in breached}
    reviewer_ids.discard(None)
    reviewers = (
        {
            u.id: u.display_name
            for u in session.scalars(select(User).where(User.id.in_(reviewer_ids)))
        }
        if reviewer_ids
        else {}
    )

    def row_for(store: int, reviewer: int | None) -> ReportRow:
        key = store if group_by == GroupBy.STORE else reviewer
        if key not in rows:
            if group_by == GroupBy.STORE:
                label = store_names.get(store, str(store))
            else:
                label = reviewers.get(reviewer, "") if reviewer else str(_l("Not decided yet"))
            rows[key] = ReportRow(key, label)
        return rows[key]

    paused = _paused_seconds(session, decided)
    for task in decided:
        seconds = decision_seconds(task, paused.get(task.id, 0.0))
        for row in (row_for(task.store_id, task.completed_by_id), total):
            row.decided += 1
            row.within_sla += 1 if task.within_sla else 0
            row.durations.append(seconds)
    for store, reviewer, state in breached:
        for row in (row_for(store, reviewer), total):
            row.breaches += 1
            row.open_breaches += 1 if state in (TaskState.OPEN, TaskState.PAUSED) else 0

    ordered = sorted(rows.values(), key=lambda r: (r.key is None, r.label, r.key or 0))
    return SlaReport(policy, group_by, period, ordered, total)

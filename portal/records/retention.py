"""R26 retention: service records are kept three years by default; records tied to a
product are kept for its lifetime.

A :class:`RetentionPolicy` names one kind of service record: its table, the column whose
value starts the clock, which rows are finished (only those count), and which rows are
tied to a product still in force (exempt: kept however old). The core declares its own
below; plugins add theirs through the ``portal_retention_policies`` hook. Operators
change a period with ``PORTAL_RETENTION_<KEY>`` (years; ``retention_<key>`` in
``portal.toml``).

What is not a service record is never purged: members, VIP files, memberships and
compliance cases are the customer's file or tied to a product; the audit log is the
evidence of every change (and of every purge), and is kept (docs/decisions.md).

"Three years" follows the Civil Code of the PRC (arts. 201-203): a period counted in
years ends on the day of the last year that corresponds to its starting day, or on the
last day of that month when it has none (29 February -> 28 February), at 24:00; the
starting day itself does not count. A record dated 29 February 2024 is thus kept up to
the end of 28 February 2027 and may go from 1 March 2027. Days are those of the
deployment's zone (``PORTAL_DEFAULT_TIMEZONE``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Date, Table, and_, delete, func, not_, select
from sqlalchemy.orm import Session

from portal.accounts.models import LoginAttempt
from portal.audit.services import record
from portal.notifications.models import Notification, NotificationStatus
from portal.sla.models import LIVE_STATES, SlaTask

#: R26: the default period, in years
DEFAULT_YEARS = 3
#: rows deleted per transaction: short locks, and a crash loses at most one batch's work
DEFAULT_BATCH = 1000

Condition = Callable[[Table], ColumnElement[bool]]


class RetentionConfigError(ValueError):
    """A retention setting or policy that makes no sense; raised at start of a purge."""


@dataclass(frozen=True)
class RetentionPolicy:
    """One kind of service record and how long it is kept (R26).

    :param key: unique, lower case (``renovation_cases``); also names the setting
        ``PORTAL_RETENTION_<KEY>``.
    :param label: what the records are, translated lazily (shown by ``flask portal purge``).
    :param table: the records' table; its primary key is a single integer column.
    :param clock: the column whose value starts the period (a UTC instant or a date).
    :param finished: which rows are finished service records; open work is never purged.
    :param exempt: which finished rows are tied to a product still in force (kept).
    :param exempt_reason: why those are kept, for the dry run's report.
    :param years: the default period; R26 says three.
    """

    key: str
    label: Any
    table: Table
    clock: str
    finished: Condition | None = None
    exempt: Condition | None = None
    exempt_reason: Any = None
    years: int = DEFAULT_YEARS


@dataclass(frozen=True)
class PolicyOutcome:
    """What a purge did, or would do, for one policy."""

    policy: RetentionPolicy
    years: int
    #: rows whose clock started before this day (deployment zone) are past their period
    cutoff: date
    #: past their period and not exempt: deleted, or would be on a dry run
    due: int
    #: past their period but tied to a product in force
    exempt: int


# --- the cut-off arithmetic -----------------------------------------------------------------


def anniversary(start: date, years: int) -> date:
    """The last day of a period of ``years`` counted from ``start`` (Civil Code art. 203:
    the corresponding day, or the month's last day when there is none)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February into a common year
        return start.replace(year=start.year + years, day=28)


def cutoff_date(today: date, years: int) -> date:
    """The first starting day whose period has not ended by ``today``: records of earlier
    days are past their period (``anniversary(day, years) < today``)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # today is 29 February: 28 February's period ended yesterday
        return date(today.year - years, 3, 1)


def cutoff_instant(cutoff: date, zone: ZoneInfo) -> datetime:
    """The start of ``cutoff`` in ``zone``: rows stamped before it are past their period."""
    return datetime.combine(cutoff, time(0), tzinfo=zone)


# --- the registry ---------------------------------------------------------------------------


def _notification_finished(t: Table) -> ColumnElement[bool]:
    done = (NotificationStatus.SENT, NotificationStatus.FAILED, NotificationStatus.CANCELLED)
    return t.c.status.in_([str(s) for s in done])


def _sla_task_finished(t: Table) -> ColumnElement[bool]:
    return t.c.state.not_in([str(s) for s in LIVE_STATES])


#: the core's service records
CORE_POLICIES = (
    RetentionPolicy(
        key="notifications",
        label=_l("Delivered, failed and cancelled messages of the outbox"),
        table=Notification.__table__,
        clock="created_at",
        finished=_notification_finished,
    ),
    RetentionPolicy(
        key="login_attempts",
        label=_l("Login attempts"),
        table=LoginAttempt.__table__,
        clock="attempted_at",
    ),
    RetentionPolicy(
        key="sla_tasks",
        label=_l("Decided and cancelled deadline tasks, with their timelines"),
        table=SlaTask.__table__,
        # the last change: its decision or cancellation (a cancelled task has no completed_at)
        clock="updated_at",
        finished=_sla_task_finished,
    ),
)


def policies(plugin_policies: Iterable[RetentionPolicy] = ()) -> list[RetentionPolicy]:
    """The core's policies and the plugins' (``portal_retention_policies``); a key used
    twice, or a table without a single integer primary key, is refused."""
    result: list[RetentionPolicy] = []
    seen: set[str] = set()
    for policy in (*CORE_POLICIES, *plugin_policies):
        if policy.key in seen:
            raise RetentionConfigError(f"retention policy {policy.key!r} declared twice")
        if len(policy.table.primary_key.columns) != 1 or policy.clock not in policy.table.c:
            raise RetentionConfigError(
                f"retention policy {policy.key!r}: needs a single-column primary key "
                f"and a column {policy.clock!r}"
            )
        seen.add(policy.key)
        result.append(policy)
    return result


def app_policies() -> list[RetentionPolicy]:
    """Every policy of the running app: the core's and the enabled plugins' (a disabled
    plugin's records stay untouched until it is enabled again)."""
    return policies(current_app.extensions["portal.plugins"].collect("portal_retention_policies"))


def period_years(policy: RetentionPolicy, config: dict[str, Any]) -> int:
    """The policy's period: ``PORTAL_RETENTION_<KEY>`` when set, else its default."""
    raw = config.get(f"PORTAL_RETENTION_{policy.key.upper()}", policy.years)
    try:
        years = int(raw)
    except (TypeError, ValueError):
        years = 0
    if years < 1 or isinstance(raw, bool):
        raise RetentionConfigError(
            f"PORTAL_RETENTION_{policy.key.upper()}: a whole number of years, at least 1"
        )
    return years


# --- the purge ------------------------------------------------------------------------------


def _past_period(policy: RetentionPolicy, cutoff: date, zone: ZoneInfo) -> ColumnElement[bool]:
    """Finished rows whose clock started before ``cutoff``."""
    t = policy.table
    column = t.c[policy.clock]
    bound: date | datetime = (
        cutoff if isinstance(column.type, Date) else cutoff_instant(cutoff, zone)
    )
    condition = and_(column.is_not(None), column < bound)
    if policy.finished is not None:
        condition = and_(condition, policy.finished(t))
    return condition


def survey(
    session: Session, policy: RetentionPolicy, *, years: int, today: date, zone: ZoneInfo
) -> PolicyOutcome:
    """How many rows of ``policy`` are past their period, and how many of those are exempt."""
    cutoff = cutoff_date(today, years)
    past = _past_period(policy, cutoff, zone)
    t = policy.table
    exempt = 0
    if policy.exempt is not None:
        exempt = (
            session.scalar(select(func.count()).select_from(t).where(past, policy.exempt(t))) or 0
        )
    total = session.scalar(select(func.count()).select_from(t).where(past)) or 0
    return PolicyOutcome(policy, years, cutoff, due=total - exempt, exempt=exempt)


def purge_policy(
    session: Session,
    policy: RetentionPolicy,
    *,
    actor: Any,
    years: int,
    today: date,
    zone: ZoneInfo,
    batch: int = DEFAULT_BATCH,
) -> PolicyOutcome:
    """R26: delete the rows of ``policy`` past their period, ``batch`` at a time, each batch
    in a transaction of its own, walking the primary key's index so each batch starts
    where the last ended; then one audit event with the counts (never the rows).

    Only the shell runs this (``flask portal purge``): its operator may do everything.
    Rows of other tables that reference a purged row by ``ON DELETE CASCADE`` (timelines,
    handovers) go with it.
    """
    outcome = survey(session, policy, years=years, today=today, zone=zone)
    t = policy.table
    (pk,) = t.primary_key.columns
    condition = _past_period(policy, outcome.cutoff, zone)
    if policy.exempt is not None:
        condition = and_(condition, not_(policy.exempt(t)))
    deleted, last = 0, None
    while True:
        page = select(pk).where(condition).order_by(pk).limit(batch)
        if last is not None:
            page = page.where(pk > last)
        ids = list(session.scalars(page))
        if not ids:
            break
        deleted += session.execute(delete(t).where(pk.in_(ids))).rowcount
        session.commit()
        last = ids[-1]
    record(
        session,
        actor=None,
        actor_label=actor.login,
        action="records.purged",
        object_type="retention_policy",
        object_id=policy.key,
        after={
            "deleted": deleted,
            "exempt": outcome.exempt,
            "years": years,
            "kept_from": outcome.cutoff.isoformat(),
        },
    )
    session.commit()
    return PolicyOutcome(policy, years, outcome.cutoff, due=deleted, exempt=outcome.exempt)


def local_today(now: datetime, zone: ZoneInfo) -> date:
    """Today in the deployment's zone: the day the periods are counted against."""
    return now.astimezone(zone).date()


def deployment_zone(config: dict[str, Any]) -> ZoneInfo:
    return ZoneInfo(config["PORTAL_DEFAULT_TIMEZONE"])

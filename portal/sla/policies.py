"""SLA policies: how long a task may take, when to remind, whom to escalate to.

A policy is data. The core defines the VIP review (R5) and account opening (R6); plugins
add their own through ``portal_sla_policies``; operators override durations in settings.

Settings (``instance/portal.toml``)::

    [sla.vip_review]
    hours = 12              # the window; 12 hours of wall-clock time by default (R5)
    calendar = "office"     # count only working time of this calendar

    [calendars.office]
    hours = "09:00-12:00, 13:00-18:00"
    days = "mon-fri"
    holidays = ["2026-10-01", "2026-10-02"]
    workdays = ["2026-09-28"]   # make-up working days (调休) on a weekend
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from portal.accounts.roles import Role

log = logging.getLogger(__name__)


class Target(StrEnum):
    """Who a step of the escalation chain reaches."""

    #: whoever may decide the task now (the manager, or the deputy during leave)
    DECIDERS = "deciders"
    #: the deciders' deputies and the store's managers
    DEPUTY_OR_MANAGER = "deputy_or_manager"
    HQ_SERVICE = "hq_service"
    HQ_HEAD = "hq_head"


#: how far up an escalation reached: HQ service and the head of service decide from level 1
ESCALATION_LEVELS = {Target.HQ_SERVICE: 1, Target.HQ_HEAD: 2}


class StepKind(StrEnum):
    #: a reminder: nobody new may decide
    REMIND = "remind"
    #: the target may now decide the task too
    ESCALATE = "escalate"


@dataclass(frozen=True)
class Step:
    """One point of the escalation chain, as a fraction of the window (1.0 is the deadline)."""

    at: float
    kind: StepKind
    target: Target

    @property
    def is_breach(self) -> bool:
        """The first step at or past the deadline also records the breach."""
        return self.at >= 1.0


@dataclass(frozen=True)
class SlaPolicy:
    key: str
    label: object
    duration: timedelta
    #: roles that decide the task in its store (a head-office role decides for every store)
    decider_roles: tuple[Role, ...]
    steps: tuple[Step, ...] = ()
    #: optional business calendar name from settings; None counts wall-clock time
    calendar: str | None = None
    #: the last quarter of the window shows as "due soon"
    due_soon_at: float = 0.75
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def chain(self) -> tuple[Step, ...]:
        """The steps in firing order; a deadline step is added when the policy has none,
        so a breach is always recorded (breaches are never hidden)."""
        steps = sorted(self.steps, key=lambda s: s.at)
        if not any(s.at == 1.0 for s in steps):
            steps.append(Step(1.0, StepKind.REMIND, Target.DECIDERS))
            steps.sort(key=lambda s: s.at)
        return tuple(steps)


# --- the core policies --------------------------------------------------------------------

VIP_REVIEW = SlaPolicy(
    key="vip_review",
    label=_l("VIP file review"),
    # R5: reviewed within 12 hours of submission
    duration=timedelta(hours=12),
    decider_roles=(Role.STORE_MANAGER,),
    steps=(
        Step(0.75, StepKind.REMIND, Target.DECIDERS),
        Step(0.9, StepKind.REMIND, Target.DEPUTY_OR_MANAGER),
        Step(1.0, StepKind.ESCALATE, Target.HQ_SERVICE),
        Step(1.5, StepKind.ESCALATE, Target.HQ_HEAD),
    ),
)

ACCOUNT_OPENING = SlaPolicy(
    key="account_opening",
    label=_l("Dedicated account opening"),
    # R6: head office opens the account within 12 hours
    duration=timedelta(hours=12),
    decider_roles=(Role.HQ_SERVICE, Role.HQ_HEAD),
    steps=(
        Step(0.75, StepKind.REMIND, Target.DECIDERS),
        Step(1.0, StepKind.ESCALATE, Target.HQ_HEAD),
    ),
)

COMPLIANCE_RECTIFICATION = SlaPolicy(
    key="compliance_rectification",
    label=_l("Rectification by the deadline of a notice"),
    # R19: each rectification notice sets its own deadline (start_task's due_at); the
    # duration only places the reminders: three days before the deadline at 30 days
    duration=timedelta(days=30),
    decider_roles=(Role.COMPLIANCE,),
    steps=(
        Step(0.9, StepKind.REMIND, Target.DECIDERS),
        Step(1.0, StepKind.REMIND, Target.DECIDERS),
    ),
)

MEMBERSHIP_APPLICATION = SlaPolicy(
    key="membership_application",
    label=_l("Membership application review"),
    # three days; ``[sla.membership_application]`` with a calendar makes them working days
    duration=timedelta(days=3),
    decider_roles=(Role.STORE_MANAGER, Role.HQ_SERVICE, Role.HQ_HEAD),
    steps=(
        Step(0.75, StepKind.REMIND, Target.DECIDERS),
        Step(1.0, StepKind.ESCALATE, Target.HQ_HEAD),
    ),
)

CORE_POLICIES: tuple[SlaPolicy, ...] = (
    VIP_REVIEW,
    ACCOUNT_OPENING,
    COMPLIANCE_RECTIFICATION,
    MEMBERSHIP_APPLICATION,
)


# --- business calendars -------------------------------------------------------------------

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")
#: how far a computation walks before deciding the calendar has no working time
_HORIZON_DAYS = 3 * 366


class SlaConfigError(ValueError):
    """A calendar or policy in the settings is malformed (the portal refuses to start)."""


@dataclass(frozen=True)
class Calendar:
    """Working time: hours of the day on working weekdays, minus holidays, plus make-up days.

    All arithmetic happens in the store's zone (working hours are local) and returns
    aware UTC instants; durations are real elapsed time inside the working intervals, so
    across a DST change an interval is as long as the clock on the wall says it was.
    """

    name: str
    #: working intervals of one day as (start, end) local times, sorted, not overlapping
    hours: tuple[tuple[time, time], ...]
    #: working weekdays, Monday 0
    weekdays: frozenset[int]
    holidays: frozenset[date] = frozenset()
    #: weekend days that are working days (调休)
    workdays: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() in self.weekdays and day not in self.holidays

    def _intervals(self, day: date, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
        if not self.is_working_day(day):
            return []
        result = []
        for start, end in self.hours:
            a = datetime.combine(day, start, zone).astimezone(UTC)
            b = (
                datetime.combine(day + timedelta(days=1), time(0), zone)
                if end == time(0)
                else datetime.combine(day, end, zone)
            ).astimezone(UTC)
            if b > a:
                result.append((a, b))
        return result

    def _forward(self, at: datetime, zone: ZoneInfo) -> Iterator[tuple[datetime, datetime]]:
        day = at.astimezone(zone).date() - timedelta(days=1)
        for _ in range(_HORIZON_DAYS):
            for a, b in self._intervals(day, zone):
                if b > at:
                    yield max(a, at), b
            day += timedelta(days=1)
        raise SlaConfigError(f"calendar {self.name} has no working time")

    def _backward(self, at: datetime, zone: ZoneInfo) -> Iterator[tuple[datetime, datetime]]:
        day = at.astimezone(zone).date() + timedelta(days=1)
        for _ in range(_HORIZON_DAYS):
            for a, b in reversed(self._intervals(day, zone)):
                if a < at:
                    yield a, min(b, at)
            day -= timedelta(days=1)
        raise SlaConfigError(f"calendar {self.name} has no working time")

    def add(self, start: datetime, amount: timedelta, zone: ZoneInfo) -> datetime:
        """The instant ``amount`` of working time after ``start``."""
        if amount < timedelta(0):
            return self.subtract(start, -amount, zone)
        if amount == timedelta(0):
            return start
        remaining = amount
        for a, b in self._forward(start, zone):
            if remaining <= b - a:
                return a + remaining
            remaining -= b - a
        raise AssertionError("unreachable")  # pragma: no cover

    def subtract(self, end: datetime, amount: timedelta, zone: ZoneInfo) -> datetime:
        """The latest instant ``amount`` of working time before ``end``."""
        if amount < timedelta(0):
            return self.add(end, -amount, zone)
        if amount == timedelta(0):
            return end
        remaining = amount
        for a, b in self._backward(end, zone):
            if remaining < b - a:
                return b - remaining
            remaining -= b - a
            if remaining == timedelta(0):
                return a
        raise AssertionError("unreachable")  # pragma: no cover

    def between(self, start: datetime, end: datetime, zone: ZoneInfo) -> timedelta:
        """Working time from ``start`` to ``end`` (negative when ``end`` is earlier)."""
        if end < start:
            return -self.between(end, start, zone)
        total = timedelta(0)
        for a, b in self._forward(start, zone):
            if a >= end:
                break
            total += min(b, end) - a
        return total


@dataclass(frozen=True)
class WallClock:
    """Plain elapsed time: the default (R5 says 12 hours, not 12 working hours)."""

    name: str = "wall-clock"

    def add(self, start: datetime, amount: timedelta, zone: ZoneInfo) -> datetime:
        return start + amount

    def subtract(self, end: datetime, amount: timedelta, zone: ZoneInfo) -> datetime:
        return end - amount

    def between(self, start: datetime, end: datetime, zone: ZoneInfo) -> timedelta:
        return end - start


WALL_CLOCK = WallClock()


def parse_calendar(name: str, spec: Mapping[str, Any]) -> Calendar:
    """A calendar from its settings table; raises SlaConfigError naming what is wrong."""
    unknown = set(spec) - {"hours", "days", "holidays", "workdays"}
    if unknown:
        raise SlaConfigError(f"calendars.{name}: unknown keys {', '.join(sorted(unknown))}")
    hours = _parse_hours(name, spec.get("hours", "09:00-18:00"))
    weekdays = _parse_days(name, spec.get("days", "mon-fri"))
    holidays = _parse_dates(name, "holidays", spec.get("holidays", []))
    workdays = _parse_dates(name, "workdays", spec.get("workdays", []))
    if not hours or not (weekdays or workdays):
        raise SlaConfigError(f"calendars.{name}: no working time")
    return Calendar(name, hours, weekdays, holidays, workdays)


def _parse_hours(name: str, text: object) -> tuple[tuple[time, time], ...]:
    if not isinstance(text, str):
        raise SlaConfigError(f'calendars.{name}.hours: write "09:00-12:00, 13:00-18:00"')
    result: list[tuple[time, time]] = []
    for part in text.split(","):
        try:
            lo, hi = (p.strip() for p in part.split("-"))
            start, end = _parse_time(lo), _parse_time(hi)
        except ValueError:
            raise SlaConfigError(
                f'calendars.{name}.hours: "{part.strip()}" is not like "09:00-18:00"'
            ) from None
        if end != time(0) and end <= start:
            raise SlaConfigError(f"calendars.{name}.hours: {part.strip()} ends before it starts")
        result.append((start, end))
    result.sort()
    for (_a, b), (c, _d) in pairwise(result):
        if b == time(0) or c < b:
            raise SlaConfigError(f"calendars.{name}.hours: intervals overlap")
    return tuple(result)


def _parse_time(text: str) -> time:
    match = _HHMM.match(text)
    if not match:
        raise ValueError(text)
    hour, minute = int(match[1]), int(match[2])
    if hour == 24 and minute == 0:
        return time(0)  # "24:00": midnight at the end of the day
    return time(hour, minute)


def _parse_days(name: str, text: object) -> frozenset[int]:
    if not isinstance(text, str):
        raise SlaConfigError(f'calendars.{name}.days: write "mon-fri" or "mon,wed,sat"')
    days: set[int] = set()
    for part in (p.strip().lower() for p in text.split(",")):
        if not part:
            continue
        lo, _sep, hi = part.partition("-")
        try:
            first, last = _DAYS.index(lo.strip()[:3]), _DAYS.index((hi or lo).strip()[:3])
        except ValueError:
            raise SlaConfigError(f'calendars.{name}.days: "{part}" is not a weekday') from None
        span = (last - first) % 7
        days.update((first + i) % 7 for i in range(span + 1))
    return frozenset(days)


def _parse_dates(name: str, key: str, values: object) -> frozenset[date]:
    if not isinstance(values, list):
        raise SlaConfigError(f"calendars.{name}.{key}: a list of dates")
    result: set[date] = set()
    for value in values:
        if isinstance(value, date) and not isinstance(value, datetime):
            result.add(value)
            continue
        try:
            result.add(date.fromisoformat(str(value)))
        except ValueError:
            raise SlaConfigError(f'calendars.{name}.{key}: "{value}" is not a date') from None
    return frozenset(result)


# --- the policy table of one app ----------------------------------------------------------


@dataclass(frozen=True)
class PolicyTable:
    """The policies and calendars one app runs with, built once at start-up."""

    policies: dict[str, SlaPolicy]
    calendars: dict[str, Calendar]
    #: policy key -> the plugin that contributed it (the core's own are not listed)
    owners: dict[str, str] = field(default_factory=dict)

    def calendar_of(self, policy: SlaPolicy) -> Calendar | WallClock:
        if policy.calendar is None:
            return WALL_CLOCK
        return self.calendars[policy.calendar]


def build_policy_table(
    contributed: Iterable[tuple[str, SlaPolicy]],
    sla_settings: Mapping[str, Any] | None,
    calendar_settings: Mapping[str, Any] | None,
) -> PolicyTable:
    """Core policies, then plugins' ``(plugin name, policy)``, then the settings.

    A plugin's policy whose key is taken (by the core or an earlier plugin) is refused:
    logged as an error and left out, so the portal still starts with the first owner's
    policy. Malformed settings raise SlaConfigError: a wrong SLA configuration must stop
    the portal at start-up, not surface later as a missed deadline.
    """
    calendars = {
        name: parse_calendar(name, spec) for name, spec in (calendar_settings or {}).items()
    }
    policies: dict[str, SlaPolicy] = {p.key: p for p in CORE_POLICIES}
    owners: dict[str, str] = {}
    for source, policy in contributed:
        if not isinstance(policy, SlaPolicy):
            log.error("plugin %s: portal_sla_policies returned %r; refused", source, policy)
            continue
        if policy.key in policies:
            log.error("plugin %s: SLA policy %r is already defined; refused", source, policy.key)
            continue
        try:
            _check_policy(policy)
        except SlaConfigError as exc:
            log.error("plugin %s: %s; refused", source, exc)
            continue
        policies[policy.key] = policy
        owners[policy.key] = source
    for key, override in (sla_settings or {}).items():
        if key not in policies:
            raise SlaConfigError(f"sla.{key}: no such SLA policy")
        policies[key] = _apply_override(policies[key], override, calendars)
    for policy in policies.values():
        if policy.calendar is not None and policy.calendar not in calendars:
            raise SlaConfigError(f"SLA policy {policy.key}: no calendar {policy.calendar!r}")
    return PolicyTable(policies, calendars, owners)


def _check_policy(policy: SlaPolicy) -> None:
    if policy.duration <= timedelta(0):
        raise SlaConfigError(f"SLA policy {policy.key}: the duration must be positive")
    if not policy.decider_roles:
        raise SlaConfigError(f"SLA policy {policy.key}: no decider roles")
    if any(s.at <= 0 for s in policy.steps):
        raise SlaConfigError(f"SLA policy {policy.key}: steps lie after the start (at > 0)")


def _apply_override(
    policy: SlaPolicy, override: object, calendars: Mapping[str, Calendar]
) -> SlaPolicy:
    if not isinstance(override, Mapping):
        raise SlaConfigError(f"sla.{policy.key}: a table such as hours = 12")
    unknown = set(override) - {"hours", "calendar", "due_soon_at"}
    if unknown:
        raise SlaConfigError(f"sla.{policy.key}: unknown keys {', '.join(sorted(unknown))}")
    changes: dict[str, Any] = {}
    if "hours" in override:
        hours = override["hours"]
        if isinstance(hours, bool) or not isinstance(hours, int | float) or hours <= 0:
            raise SlaConfigError(f"sla.{policy.key}.hours: a positive number")
        changes["duration"] = timedelta(hours=hours)
    if "calendar" in override:
        name = override["calendar"]
        if name in ("", "wall-clock", None, False):
            changes["calendar"] = None
        elif name in calendars:
            changes["calendar"] = name
        else:
            raise SlaConfigError(f"sla.{policy.key}.calendar: no calendar {name!r}")
    if "due_soon_at" in override:
        value = override["due_soon_at"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
            raise SlaConfigError(f"sla.{policy.key}.due_soon_at: a fraction between 0 and 1")
        changes["due_soon_at"] = float(value)
    return replace(policy, **changes)

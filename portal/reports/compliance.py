"""Compliance reports (R18, R19): cases and measures per month, open rectifications by due date.

Pure queries and aggregation, no request: the caller passes the actor and the current
instant. Every store is measured on its own calendar: a case opened at 16:30 UTC on
31 January, 00:30 on 1 February in Shanghai, counts in February for a Shanghai store.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, func, literal, select, union_all
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.accounts.permissions import Action, require
from portal.compliance.catalogue import Measure
from portal.compliance.models import (
    ComplianceCase,
    DecidedMeasure,
    Notice,
    Rectification,
    RectificationState,
)
from portal.errors import ValidationFailed
from portal.members.models import Member
from portal.pagination import Page, SortKey, paginate
from portal.reports.services import in_period, scope_stores
from portal.stores.models import Store

#: the default period: the last 12 months, the current one included
DEFAULT_MONTHS = 12
#: a longer period is refused (the figures are computed per request)
MAX_MONTHS = 36

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
#: the kinds of row the case report's query yields besides the measures
_OPENED = "opened"
_DECIDED = "decided"


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, written ``YYYY-MM``."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not (1 <= self.year <= 9999 and 1 <= self.month <= 12):
            raise ValueError(f"no month {self.year}-{self.month}")

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def index(self) -> int:
        """Months since the start of year 0 (consecutive months differ by one)."""
        return self.year * 12 + self.month - 1

    def shifted(self, months: int) -> Month:
        year, month = divmod(self.index + months, 12)
        return Month(year, month + 1)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def parse_month(text: str) -> Month:
    """``YYYY-MM`` as a Month; a ValueError carries the translated message otherwise."""
    match = _MONTH.fullmatch(text.strip())
    # years 1900 .. 9998: the period's bounds in any zone stay within datetime's range
    if match is None or not (1900 <= int(match[1]) <= 9998 and 1 <= int(match[2]) <= 12):
        raise ValueError(str(_l("Enter a month as YYYY-MM, e.g. 2026-11.")))
    return Month(int(match[1]), int(match[2]))


def month_of(at: datetime, zone: ZoneInfo) -> Month:
    """The month of the instant ``at`` on the calendar of ``zone``."""
    return Month.of(at.astimezone(zone).date())


@dataclass(frozen=True)
class MonthPeriod:
    """Whole months ``first`` .. ``last`` (inclusive), each store's in its own zone."""

    first: Month
    last: Month

    @property
    def months(self) -> list[Month]:
        return [self.first.shifted(n) for n in range(self.last.index - self.first.index + 1)]

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[first instant, instant after the last) of the period in ``zone``, as UTC."""
        first = datetime.combine(self.first.first_day, datetime.min.time(), zone)
        after = datetime.combine(self.last.shifted(1).first_day, datetime.min.time(), zone)
        return first.astimezone(UTC), after.astimezone(UTC)


def default_months(today: date) -> MonthPeriod:
    current = Month.of(today)
    return MonthPeriod(current.shifted(1 - DEFAULT_MONTHS), current)


def check_months(first: Month | None, last: Month | None, today: date) -> MonthPeriod:
    """The months asked for, defaults filled in (without an end: ``DEFAULT_MONTHS`` from
    the start, but not past this month; without a start: ``DEFAULT_MONTHS`` up to the end);
    a reversed or over-long period is refused on ``to``."""
    default = default_months(today)
    if last is None:
        last = (
            default.last
            if first is None
            else max(first, min(first.shifted(DEFAULT_MONTHS - 1), default.last))
        )
    period = MonthPeriod(first or last.shifted(1 - DEFAULT_MONTHS), last)
    if period.last < period.first:
        raise ValidationFailed.single("to", _l("The last month is before the first month."))
    if len(period.months) > MAX_MONTHS:
        raise ValidationFailed.single(
            "to", _l("Choose a period of at most %(n)d months.", n=MAX_MONTHS)
        )
    return period


# --- cases and measures per month -----------------------------------------------------------


@dataclass
class MonthRow:
    """One month of the case report (``month`` None: the total of the period)."""

    month: Month | None
    opened: int = 0
    decided: int = 0
    #: R18: measures decided, every rung of the ladder present, lowest first
    measures: dict[Measure, int] = field(default_factory=lambda: dict.fromkeys(Measure, 0))

    def count(self, kind: str) -> None:
        if kind == _OPENED:
            self.opened += 1
        elif kind == _DECIDED:
            self.decided += 1
        elif kind in self.measures:
            self.measures[Measure(kind)] += 1


@dataclass
class CaseReport:
    period: MonthPeriod
    store_id: int | None
    rows: list[MonthRow]
    total: MonthRow


def report_stores(session: Session, actor: User, store_id: int | None) -> list[Store]:
    """The stores the actor's compliance report covers; 404 without the right, or for a
    store outside the actor's scope."""
    require(actor, Action.VIEW_COMPLIANCE_REPORT, hide=True)
    return scope_stores(session, actor, store_id, Action.VIEW_COMPLIANCE_REPORT)


def case_report(
    session: Session, *, actor: User, period: MonthPeriod, store_id: int | None = None
) -> CaseReport:
    """R18: per month, the cases opened, the cases decided and each measure of the ladder
    decided (lifted ones included: they were decided), in the stores of the actor's scope.

    One query: a UNION ALL of the cases opened (``ix_compliance_case_created``), the cases
    decided and the measures decided (``ix_compliance_measure_decided``) in the period,
    each row only a store, an instant and a kind; the months are counted here, so SQLite
    and PostgreSQL bucket alike, each store in its own zone.
    """
    stores = report_stores(session, actor, store_id)
    rows = {month: MonthRow(month) for month in period.months}
    total = MonthRow(None)
    if not stores:
        return CaseReport(period, store_id, list(rows.values()), total)
    case = ComplianceCase

    def within(column: object) -> object:
        return in_period(column, stores, period, store_column=case.store_id)

    query = union_all(
        select(
            case.store_id, case.created_at.label("at"), literal(_OPENED, String).label("kind")
        ).where(within(case.created_at)),  # type: ignore[arg-type]
        select(case.store_id, case.decided_at, literal(_DECIDED, String)).where(
            within(case.decided_at)  # type: ignore[arg-type]
        ),
        select(case.store_id, DecidedMeasure.decided_at, DecidedMeasure.measure)
        .join(case, case.id == DecidedMeasure.case_id)
        .where(within(DecidedMeasure.decided_at)),  # type: ignore[arg-type]
    )
    zones = {s.id: ZoneInfo(s.timezone) for s in stores}
    for store, at, kind in session.execute(query):
        row = rows.get(month_of(at, zones[store]))
        if row is not None:
            row.count(kind)
            total.count(kind)
    return CaseReport(period, store_id, list(rows.values()), total)


# --- open rectifications ------------------------------------------------------------------


@dataclass(frozen=True)
class OpenRectification:
    """R19: a rectification still waiting for its outcome."""

    id: int
    deadline: date
    #: days from today (the store's calendar) to the deadline; negative when overdue
    days_left: int
    case_id: int
    case_number: str
    member_name: str
    notice_id: int
    notice_number: str
    store_name: str

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


@dataclass(frozen=True)
class WeekCount:
    """Open rectifications due in the week starting ``week`` (a Monday); None: overdue."""

    week: date | None
    count: int


@dataclass
class RectificationReport:
    store_id: int | None
    page: Page[OpenRectification]
    #: overdue first, then every week from the first to the last one with a deadline
    weeks: list[WeekCount]

    @property
    def total(self) -> int:
        return sum(w.count for w in self.weeks)


def due_weeks(deadlines: Counter[tuple[date, date]]) -> list[WeekCount]:
    """Counts per (deadline, today) as overdue, then per week of the deadline (Mondays,
    consecutive so the chart's axis is a time line)."""
    overdue = sum(n for (deadline, today), n in deadlines.items() if deadline < today)
    weeks: Counter[date] = Counter()
    for (deadline, today), n in deadlines.items():
        if deadline >= today:
            weeks[deadline - timedelta(days=deadline.weekday())] += n
    result = [WeekCount(None, overdue)]
    if weeks:
        first, last = min(weeks), max(weeks)
        result += [
            WeekCount(first + timedelta(weeks=n), weeks[first + timedelta(weeks=n)])
            for n in range((last - first).days // 7 + 1)
        ]
    return result


def open_rectifications(
    session: Session,
    *,
    actor: User,
    now: datetime,
    store_id: int | None = None,
    cursor: str | None = None,
    limit: int = 25,
) -> RectificationReport:
    """R19: the open rectifications of the actor's stores by due date (a page of them,
    earliest first), and the counts of all of them per due week, overdue first.

    Three queries, none per row: the counts per store and deadline, the page
    (``ix_compliance_rectification_due``), and the numbers and names the page shows.
    """
    stores = report_stores(session, actor, store_id)
    ids = [s.id for s in stores]
    today = {s.id: now.astimezone(ZoneInfo(s.timezone)).date() for s in stores}
    in_scope = (
        select(Rectification)
        .join(ComplianceCase, ComplianceCase.id == Rectification.case_id)
        .where(Rectification.state == RectificationState.OPEN, ComplianceCase.store_id.in_(ids))
    )
    counts: Counter[tuple[date, date]] = Counter()
    for store, deadline, n in session.execute(
        in_scope.with_only_columns(ComplianceCase.store_id, Rectification.deadline, func.count())
        .group_by(ComplianceCase.store_id, Rectification.deadline)
        .order_by(None)
    ):
        counts[deadline, today[store]] += n
    page = paginate(
        session,
        in_scope,
        order=[SortKey(Rectification.due_at), SortKey(Rectification.id)],
        cursor=cursor,
        limit=limit,
    )
    details = {
        row.notice_id: row
        for row in session.execute(
            select(
                Notice.id.label("notice_id"),
                Notice.number.label("notice_number"),
                ComplianceCase.number.label("case_number"),
                ComplianceCase.store_id,
                Member.full_name,
                Store.name.label("store_name"),
            )
            .join(ComplianceCase, ComplianceCase.id == Notice.case_id)
            .join(Member, Member.id == ComplianceCase.member_id)
            .join(Store, Store.id == ComplianceCase.store_id)
            .where(Notice.id.in_([r.notice_id for r in page.items]))
        )
    }
    items = [
        OpenRectification(
            id=r.id,
            deadline=r.deadline,
            days_left=(r.deadline - today[details[r.notice_id].store_id]).days,
            case_id=r.case_id,
            case_number=details[r.notice_id].case_number,
            member_name=details[r.notice_id].full_name,
            notice_id=r.notice_id,
            notice_number=details[r.notice_id].notice_number,
            store_name=details[r.notice_id].store_name,
        )
        for r in page.items
    ]
    return RectificationReport(store_id, Page(items, page.next_cursor), due_weeks(counts))

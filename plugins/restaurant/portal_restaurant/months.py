"""Calendar months and anniversaries in a store's time zone (R22, customer care).

R22 counts visits per calendar month *where the store is*: a dinner at 00:30 on the 1st in
Xi'an is 16:30 UTC on the last day of the month before, and belongs to the new month. So
months are always cut at local midnight and turned into UTC instants before a query, and
a query compares ``visited_at`` with those instants (an index range, never a conversion
per row).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def first_of(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def next_month(month: date) -> date:
    """The first day of the month after ``month``."""
    if month.month == 12:
        return date(month.year + 1, 1, 1)
    return date(month.year, month.month + 1, 1)


def previous_month(month: date) -> date:
    """The first day of the month before ``month``."""
    if month.month == 1:
        return date(month.year - 1, 12, 1)
    return date(month.year, month.month - 1, 1)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant at which ``day`` begins in ``zone``."""
    return datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)


def month_bounds(month: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """R22: the month as a half-open range of UTC instants ``[start, end)``."""
    start = first_of(month)
    return local_midnight(start, zone), local_midnight(next_month(start), zone)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """One local day as a half-open range of UTC instants."""
    return local_midnight(day, zone), local_midnight(day + timedelta(days=1), zone)


def month_of(instant: datetime, zone: ZoneInfo) -> date:
    """The first day of the local month ``instant`` falls in."""
    return first_of(instant.astimezone(zone).date())


def parse_month(text: str | None) -> date | None:
    """``YYYY-MM`` to the first day of that month; None for anything else."""
    found = _MONTH.match((text or "").strip())
    if found is None:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    if not (1 <= month <= 12 and 2000 <= year <= 2999):
        return None
    return date(year, month, 1)


def format_month(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def anniversary_in(year: int, original: date) -> date:
    """The day ``original`` (a birthday, a wedding day) is celebrated in ``year``.

    Someone born on 29 February is greeted on 28 February in common years: still in
    their month, and before the day rather than after it (the customary choice, and the
    one Chinese ID-based systems make).
    """
    if original.month == 2 and original.day == 29 and not is_leap(year):
        return date(year, 2, 28)
    return original.replace(year=year)


def month_days_celebrated_on(day: date) -> list[tuple[int, int]]:
    """The (month, day) pairs of original dates whose anniversary falls on ``day``:
    itself, and on 28 February of a common year also 29 February."""
    pairs = [(day.month, day.day)]
    if day.month == 2 and day.day == 28 and not is_leap(day.year):
        pairs.append((2, 29))
    return pairs

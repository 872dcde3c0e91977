"""Calendar months: the arithmetic behind follow-up cadences (R11) and revisit plans (R12).

A month later than 31 January is the last day of February, not 3 March: the day is kept
where the target month has it and clamped to the month's last day otherwise, so a
customer followed up on the 31st is due again at the end of each shorter month.
"""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months (negative moves back), day clamped."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))

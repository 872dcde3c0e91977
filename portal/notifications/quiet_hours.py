"""Quiet hours: the nightly window in which no text message or call goes out.

A window is a start and an end wall-clock time in the store's time zone, start
included, end excluded. It may cross midnight (21:00-08:00). A message made inside the
window waits until the window's end; the in-portal copy shows at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise ValueError("a quiet-hours window needs different start and end times")

    @property
    def crosses_midnight(self) -> bool:
        return self.start > self.end

    def contains(self, local: time) -> bool:
        """Whether the wall-clock time ``local`` lies inside the window."""
        local = local.replace(tzinfo=None, fold=0)
        if self.crosses_midnight:
            return local >= self.start or local < self.end
        return self.start <= local < self.end

    def __str__(self) -> str:
        return f"{format_hhmm(self.start)}-{format_hhmm(self.end)}"


def parse_hhmm(text: str) -> time:
    """``"08:00"`` -> time(8, 0); anything else raises ValueError."""
    match = _HHMM.match(text.strip())
    if not match:
        raise ValueError(f"not a HH:MM time: {text!r}")
    return time(int(match.group(1)), int(match.group(2)))


def format_hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def parse_window(text: str | None) -> QuietHours | None:
    """``"21:00-08:00"`` -> a window; empty (or start equal to end) -> no quiet hours."""
    if text is None or not text.strip():
        return None
    start, sep, end = text.partition("-")
    if not sep:
        raise ValueError(f"quiet hours must read HH:MM-HH:MM, not {text!r}")
    start_time, end_time = parse_hhmm(start), parse_hhmm(end)
    if start_time == end_time:
        return None
    return QuietHours(start_time, end_time)


def window_of(
    start: time | None, end: time | None, default: QuietHours | None
) -> QuietHours | None:
    """A store's own window; a store with none set follows the deployment's default.

    A store that sets the same start and end has no quiet hours at all.
    """
    if start is None or end is None:
        return default
    if start == end:
        return None
    return QuietHours(start, end)


def release_at(now: datetime, window: QuietHours | None, zone: ZoneInfo) -> datetime | None:
    """When a message made at ``now`` may go out: None when now is outside the window.

    Inside the window the answer is the window's next end as an aware UTC instant: the
    same local day when the window has not crossed midnight yet, the next day otherwise.
    On a day when the end falls into a daylight-saving gap, the window ends with the
    clock's jump (02:30 that never happens: sent at 03:00, the first minute after it).
    """
    if window is None:
        return None
    local = now.astimezone(zone)
    if not window.contains(local.timetz()):
        return None
    day = local.date()
    if window.crosses_midnight and local.time() >= window.start:
        day += timedelta(days=1)
    end = _end_instant(datetime.combine(day, window.end, zone), window, zone)
    # A gap or fold can put the wall-clock end at or before now; never release early.
    return end if end > now else now


def _end_instant(wall: datetime, window: QuietHours, zone: ZoneInfo) -> datetime:
    """The instant the window ends at the wall-clock time ``wall``.

    An ambiguous end (clocks going back) ends at its first occurrence. An end that does
    not exist (clocks jumping forward over it) ends at the jump: the first whole minute,
    between the two readings of the wall time, whose local time is outside the window.
    """
    first = wall.astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return first  # the wall time exists (once, or first of two)
    at = wall.replace(fold=1).astimezone(UTC)  # read with the offset after the jump
    while at < first and window.contains(at.astimezone(zone).time()):
        at += timedelta(minutes=1)
    return at

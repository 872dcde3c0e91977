"""The one source of "now" for the portal.

Code asks ``clock.now()``; the app carries a ``Clock`` in ``app.extensions`` so tests can
freeze or advance time without patching ``datetime``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app, has_app_context


class Clock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock(Clock):
    """A clock that stands still until moved; used by tests and demo data."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._at += delta


_SYSTEM = Clock()


def now() -> datetime:
    """The current instant (aware, UTC) from the app's clock, or the system's outside an app."""
    if has_app_context():
        return current_app.extensions.get("portal.clock", _SYSTEM).now()
    return _SYSTEM.now()

"""The one source of "now" for the portal.

Code asks ``clock.now()``; the app carries a ``Clock`` in ``app.extensions`` so tests can
freeze or advance time without patching ``datetime``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def frozen_from(at: datetime) -> Iterator[FrozenClock]:
    """Run a block on a clock frozen at ``at``, which the block moves on (demo data that
    happened in the past), then give the app back exactly the clock it had: ``make run``
    goes on in real time."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    original = app.extensions.get("portal.clock")
    frozen = FrozenClock(at)
    app.extensions["portal.clock"] = frozen
    try:
        yield frozen
    finally:
        if original is None:
            app.extensions.pop("portal.clock", None)
        else:
            app.extensions["portal.clock"] = original

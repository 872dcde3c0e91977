"""Domain events: services emit them inside the transaction; plugins hear them after commit.

An event that belongs to a rolled-back transaction is never delivered.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from portal import clock

log = logging.getLogger(__name__)

_PENDING = "portal_pending_events"


@dataclass(frozen=True)
class Event:
    """``name`` is dotted (``member.registered``); ``data`` holds ids and plain values."""

    name: str
    data: dict[str, Any] = field(default_factory=dict)
    occurred_at: datetime | None = None


def emit(session: Session, name: str, **data: Any) -> None:
    """Queue an event for delivery once the session's transaction commits."""
    session.info.setdefault(_PENDING, []).append(Event(name, data, clock.now()))


@sa_event.listens_for(Session, "after_commit")
def _deliver(session: Session) -> None:
    events = session.info.pop(_PENDING, [])
    if not events or not has_app_context():
        return
    plugins = current_app.extensions.get("portal.plugins")
    if plugins is None:
        return
    for ev in events:
        plugins.notify(ev)


@sa_event.listens_for(Session, "after_soft_rollback")
def _discard(session: Session, previous_transaction: Any) -> None:
    session.info.pop(_PENDING, None)

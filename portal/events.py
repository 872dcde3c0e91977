"""Domain events: services emit them inside the transaction; plugins hear them after commit.

An event belongs to the (possibly nested) transaction it was emitted in: rolling that
transaction back discards it, rolling back a savepoint keeps the outer transaction's events.

Core packages that must react in the same transaction (a VIP file following its customer
to a new referrer) subscribe with :func:`on`; that keeps lower packages ignorant of the
higher ones that listen to them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

from portal import clock

log = logging.getLogger(__name__)

_PENDING = "portal_pending_events"


@dataclass(frozen=True)
class Event:
    """``name`` is dotted (``member.registered``); ``data`` holds ids and plain values."""

    name: str
    data: dict[str, Any] = field(default_factory=dict)
    occurred_at: datetime | None = None


#: in-transaction handlers: ``handler(session, event, actor)``
Handler = Callable[[Session, "Event", Any], None]
_HANDLERS: dict[str, list[Handler]] = {}


def on(name: str) -> Callable[[Handler], Handler]:
    """Register a core handler run inside the emitting transaction (its errors roll it back)."""

    def register(handler: Handler) -> Handler:
        _HANDLERS.setdefault(name, []).append(handler)
        return handler

    return register


def emit(
    session: Session | scoped_session[Session], name: str, *, actor: Any = None, **data: Any
) -> None:
    """Run the core handlers of ``name`` now; deliver it to plugins once the transaction commits.

    ``actor`` is who caused the event, for the handlers' audit records; plugins see ``data``.
    """
    if isinstance(session, scoped_session):
        session = session()
    if not session.in_transaction():
        session.begin()
    transaction = session.get_nested_transaction() or session.get_transaction()
    ev = Event(name, data, clock.now())
    session.info.setdefault(_PENDING, []).append((transaction, ev))
    for handler in _HANDLERS.get(name, ()):
        handler(session, ev, actor)


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


@sa_event.listens_for(Session, "after_commit")
def _deliver(session: Session) -> None:
    pending = session.info.pop(_PENDING, [])
    if not pending or not has_app_context():
        return
    plugins = current_app.extensions.get("portal.plugins")
    if plugins is None:
        return
    for _transaction, ev in pending:
        plugins.notify(ev)


@sa_event.listens_for(Session, "after_soft_rollback")
def _discard(session: Session, previous_transaction: SessionTransaction) -> None:
    pending = session.info.get(_PENDING)
    if pending:
        session.info[_PENDING] = [
            (tx, ev) for tx, ev in pending if not _within(tx, previous_transaction)
        ]

"""Writing and reading audit events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from portal import clock
from portal.audit.context import Origin, current_origin
from portal.audit.models import AuditEvent

if TYPE_CHECKING:
    from portal.accounts.models import User


def record(
    session: Session,
    *,
    actor: User | None,
    action: str,
    object_type: str | None = None,
    object_id: object = None,
    store_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """Add an audit event to the session's transaction; it commits with the change it records."""
    origin = current_origin.get() or Origin()
    event = AuditEvent(
        occurred_at=clock.now(),
        actor_id=actor.id if actor is not None else None,
        actor_label=actor_label or (actor.login if actor is not None else "anonymous"),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        store_id=store_id,
        before=before,
        after=after,
        ip_address=origin.ip_address,
        request_id=origin.request_id,
    )
    session.add(event)
    return event


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values changed, as (before, after) mappings."""
    changed = [key for key in after if before.get(key) != after.get(key)]
    return {k: before.get(k) for k in changed}, {k: after.get(k) for k in changed}


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    actor_label: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    store_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def filtered_events(flt: AuditFilter) -> Select[tuple[AuditEvent]]:
    """A query for events matching every given criterion, newest first."""
    query = select(AuditEvent)
    if flt.action:
        query = query.where(AuditEvent.action.startswith(flt.action, autoescape=True))
    if flt.actor_label:
        query = query.where(AuditEvent.actor_label == flt.actor_label)
    if flt.object_type:
        query = query.where(AuditEvent.object_type == flt.object_type)
    if flt.object_id:
        query = query.where(AuditEvent.object_id == flt.object_id)
    if flt.store_id is not None:
        query = query.where(AuditEvent.store_id == flt.store_id)
    if flt.since is not None:
        query = query.where(AuditEvent.occurred_at >= flt.since)
    if flt.until is not None:
        query = query.where(AuditEvent.occurred_at < flt.until)
    return query

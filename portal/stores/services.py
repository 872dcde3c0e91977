"""Creating, changing and listing stores."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import TYPE_CHECKING
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import clock
from portal.accounts.permissions import Action, require
from portal.audit.services import diff, record
from portal.errors import NotFound, ValidationFailed
from portal.stores.models import Store

if TYPE_CHECKING:
    from portal.accounts.models import User

_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,11}$")


@dataclass
class StoreData:
    code: str
    name: str
    timezone: str = "Asia/Shanghai"
    address: str | None = None
    phone: str | None = None
    is_head_office: bool = False
    is_active: bool = True
    #: quiet hours for text messages and calls (both or neither; see Store)
    quiet_start: time | None = None
    quiet_end: time | None = None


def _hhmm(value: time | None) -> str | None:
    return None if value is None else value.strftime("%H:%M")


def _snapshot(store: Store) -> dict[str, object]:
    return {
        "code": store.code,
        "name": store.name,
        "timezone": store.timezone,
        "address": store.address,
        "phone": store.phone,
        "is_head_office": store.is_head_office,
        "is_active": store.is_active,
        "quiet_start": _hhmm(store.quiet_start),
        "quiet_end": _hhmm(store.quiet_end),
    }


def _validate(session: Session, data: StoreData, existing: Store | None) -> StoreData:
    errors: dict[str, list[object]] = {}
    code = data.code.strip().upper()
    if not _CODE.match(code):
        errors["code"] = [_l("Use 2 to 12 capital letters and digits, starting with a letter.")]
    else:
        clash = session.scalar(select(Store).where(Store.code == code))
        if clash is not None and clash is not existing:
            errors["code"] = [_l("Another store already uses this code.")]
    name = " ".join(data.name.split())
    if not name:
        errors["name"] = [_l("Enter the store's name.")]
    if data.timezone not in available_timezones():
        errors["timezone"] = [_l("Choose a time zone from the list.")]
    if data.is_head_office:
        other = session.scalar(select(Store).where(Store.is_head_office.is_(True)))
        if other is not None and other is not existing:
            errors["is_head_office"] = [_l("There is already a head office.")]
    quiet_start, quiet_end = data.quiet_start, data.quiet_end
    if (quiet_start is None) != (quiet_end is None):
        message = _l("Give both the start and the end of the quiet hours, or neither.")
        errors["quiet_start" if quiet_start is None else "quiet_end"] = [message]
    if quiet_start is not None and quiet_end is not None:
        # minutes only: the window is set in HH:MM
        quiet_start = quiet_start.replace(second=0, microsecond=0, tzinfo=None)
        quiet_end = quiet_end.replace(second=0, microsecond=0, tzinfo=None)
    if errors:
        raise ValidationFailed(errors)
    return StoreData(
        code=code,
        name=name,
        timezone=data.timezone,
        address=(data.address or "").strip() or None,
        phone=(data.phone or "").strip() or None,
        is_head_office=data.is_head_office,
        is_active=data.is_active,
        quiet_start=quiet_start,
        quiet_end=quiet_end,
    )


def create_store(session: Session, *, actor: User | None, data: StoreData) -> Store:
    """Create a store or the head office (admins only)."""
    require(actor, Action.MANAGE_STORES)
    clean = _validate(session, data, None)
    store = Store(created_at=clock.now(), **clean.__dict__)
    session.add(store)
    session.flush()
    record(
        session,
        actor=actor,
        action="store.created",
        object_type="store",
        object_id=store.id,
        store_id=store.id,
        after=_snapshot(store),
    )
    return store


def update_store(session: Session, *, actor: User | None, store: Store, data: StoreData) -> Store:
    """Change a store's details (admins only)."""
    require(actor, Action.MANAGE_STORES)
    clean = _validate(session, data, store)
    before = _snapshot(store)
    for key, value in clean.__dict__.items():
        setattr(store, key, value)
    old, new = diff(before, _snapshot(store))
    if new:
        record(
            session,
            actor=actor,
            action="store.updated",
            object_type="store",
            object_id=store.id,
            store_id=store.id,
            before=old,
            after=new,
        )
    return store


def get_store(session: Session, store_id: int) -> Store:
    store = session.get(Store, store_id)
    if store is None:
        raise NotFound(_l("No such store."))
    return store


def open_stores(session: Session) -> list[Store]:
    """Stores a person may register with: active, not the head office."""
    return list(
        session.scalars(
            select(Store)
            .where(Store.is_active.is_(True), Store.is_head_office.is_(False))
            .order_by(Store.code)
        )
    )


def all_stores(session: Session) -> list[Store]:
    return list(session.scalars(select(Store).order_by(Store.is_head_office.desc(), Store.code)))

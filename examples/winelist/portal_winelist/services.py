"""The wine list's one rule: who may add to which store's list."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import clock
from portal.accounts.permissions import require
from portal.audit.services import record
from portal.errors import ValidationFailed
from portal.events import emit
from portal.stores.models import Store
from portal_winelist.models import Wine

ADD_WINE = "winelist.add_wine"


def wine_lists(session: Session) -> list[tuple[Store, list[Wine]]]:
    """Every open store with its wines, by name."""
    stores = session.scalars(
        select(Store).where(Store.is_active.is_(True), Store.is_head_office.is_(False))
    )
    return [
        (
            store,
            list(
                session.scalars(select(Wine).where(Wine.store_id == store.id).order_by(Wine.name))
            ),
        )
        for store in stores
    ]


def add_wine(session: Session, *, actor: Any, store: Store, name: str) -> Wine:
    """Put a wine on a store's list (store managers of that store, or the shell)."""
    require(actor, ADD_WINE, store)
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed.single("name", _l("Give the wine a name of at most 100 characters."))
    wine = Wine(store_id=store.id, name=name, added_at=clock.now())
    session.add(wine)
    session.flush()
    record(
        session,
        actor=actor,
        action="winelist.wine_added",
        object_type="winelist_wine",
        object_id=wine.id,
        store_id=store.id,
        after={"name": name},
    )
    emit(session, "winelist.wine_added", wine_id=wine.id, store_id=store.id)
    return wine

"""The store filter of the staff's member list: the stores the viewer may list, only."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.stores.models import Store


def listable_stores(session: Session, scope: set[int] | None) -> list[Store]:
    """Branch stores in ``scope`` (None: every store), by code, as the store list orders
    them. A store-bound viewer's page loads their own stores, not every store of the chain."""
    query = select(Store).where(Store.is_head_office.is_(False)).order_by(Store.code)
    if scope is not None:
        query = query.where(Store.id.in_(sorted(scope)))
    return list(session.scalars(query))

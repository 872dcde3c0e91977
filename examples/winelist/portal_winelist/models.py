"""The plugin's one table, prefixed with the plugin's name."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import UTCDateTime
from portal.extensions import db


class Wine(db.Model):
    """A wine on a store's list."""

    __tablename__ = "winelist_wine"
    __table_args__ = (Index("ix_winelist_wine_store_name", "store_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    name: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<Wine {self.id} {self.name!r} store={self.store_id}>"

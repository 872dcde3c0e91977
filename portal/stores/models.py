from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import UTCDateTime
from portal.extensions import db


class Store(db.Model):
    """A place where customers are served; the head office is a store with ``is_head_office``."""

    __tablename__ = "store"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: short code, also the department abbreviation on numbered records (R25)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    is_head_office: Mapped[bool] = mapped_column(default=False)
    #: IANA zone; dates of this store's records show in it
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    address: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    #: inactive stores keep their records but take no new registrations
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def __repr__(self) -> str:
        return f"<Store {self.code}>"

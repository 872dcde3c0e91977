from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import String, Time
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
    #: no text message or call goes out between these local times (the window may cross
    #: midnight); both None: the deployment's PORTAL_QUIET_HOURS; equal: no quiet hours
    quiet_start: Mapped[time | None] = mapped_column(Time)
    quiet_end: Mapped[time | None] = mapped_column(Time)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def own_quiet_hours(self) -> str | None:
        """``HH:MM-HH:MM`` when the store sets its own quiet hours, else None."""
        if self.quiet_start is None or self.quiet_end is None:
            return None
        return f"{self.quiet_start:%H:%M}-{self.quiet_end:%H:%M}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def __repr__(self) -> str:
        return f"<Store {self.code}>"

"""Tables of the spotchecks package (R7)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.database import UTCDateTime
from portal.extensions import db
from portal.stores.models import Store
from portal.vip.models import VipFile


class Finding(StrEnum):
    OK = "ok"
    ISSUE = "issue"

    @property
    def label(self) -> str:
        return str(FINDING_LABELS[self])


FINDING_LABELS = {
    Finding.OK: _l("In order"),
    Finding.ISSUE: _l("Issue found"),
}


class SpotCheck(db.Model):
    """R7: one random sample of a store's approved VIP files, drawn by head office."""

    __tablename__ = "spot_check"
    __table_args__ = (Index("ix_spot_check_store_drawn", "store_id", "drawn_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    drawn_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: how many files were drawn (never more than the population)
    sample_size: Mapped[int]
    #: how many approved VIP files the store had when the sample was drawn
    population: Mapped[int]
    #: how the sample was drawn, for whoever audits the check later
    method: Mapped[str] = mapped_column(String(200))

    store: Mapped[Store] = relationship(lazy="joined")
    drawn_by: Mapped[User] = relationship()
    items: Mapped[list[SpotCheckItem]] = relationship(
        back_populates="spot_check", order_by="SpotCheckItem.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<SpotCheck {self.id} store={self.store_id}>"


class SpotCheckItem(db.Model):
    """One sampled VIP file and what head office found in it."""

    __tablename__ = "spot_check_item"
    __table_args__ = (UniqueConstraint("spot_check_id", "vip_file_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    spot_check_id: Mapped[int] = mapped_column(ForeignKey("spot_check.id", ondelete="CASCADE"))
    vip_file_id: Mapped[int] = mapped_column(ForeignKey("vip_file.id"), index=True)
    #: None until checked
    finding: Mapped[str | None] = mapped_column(String(8))
    notes: Mapped[str | None] = mapped_column(String(1000))
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    spot_check: Mapped[SpotCheck] = relationship(back_populates="items")
    vip_file: Mapped[VipFile] = relationship()
    checked_by: Mapped[User | None] = relationship()

    @property
    def store_id(self) -> int:
        return self.spot_check.store_id

    @property
    def finding_label(self) -> str:
        return Finding(self.finding).label if self.finding else ""

    def __repr__(self) -> str:
        return f"<SpotCheckItem {self.id} file={self.vip_file_id} {self.finding}>"

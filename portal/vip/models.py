"""Tables of the vip package: VIP files (R4, R5) and the consumption of approved VIPs."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.database import UTCDateTime
from portal.extensions import db
from portal.members.models import Member
from portal.stores.models import Store


class VipStatus(StrEnum):
    #: being filled in by the referrer (R4)
    DRAFT = "draft"
    #: waiting for the 12-hour review (R5)
    SUBMITTED = "submitted"
    #: sent back to the referrer for correction; the review clock is paused
    RETURNED = "returned"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    VipStatus.DRAFT: _l("Draft"),
    VipStatus.SUBMITTED: _l("Waiting for review"),
    VipStatus.RETURNED: _l("Returned for correction"),
    VipStatus.APPROVED: _l("Approved"),
    VipStatus.REJECTED: _l("Rejected"),
}

#: a member has at most one file in these states at a time
OPEN_STATUSES = (VipStatus.DRAFT, VipStatus.SUBMITTED, VipStatus.RETURNED)
#: the referrer may still change the values
EDITABLE_STATUSES = (VipStatus.DRAFT, VipStatus.RETURNED)

_OPEN_SQL = text("status IN ('draft', 'submitted', 'returned')")


class VipFile(db.Model):
    """A customer's VIP file at one store, from draft to decision (R4, R5)."""

    __tablename__ = "vip_file"
    __table_args__ = (
        # the staff member's own files, by status and recency (/vip/files)
        Index("ix_vip_file_referrer_status", "referrer_id", "status", "updated_at", "id"),
        Index("ix_vip_file_referrer_updated", "referrer_id", "updated_at", "id"),
        # the store's files by status (reports, spot checks of approved VIPs)
        Index("ix_vip_file_store_status", "store_id", "status", "updated_at", "id"),
        # one open file per member; a rejected customer may be filed again later
        Index(
            "uq_vip_file_open_member",
            "member_id",
            unique=True,
            sqlite_where=_OPEN_SQL,
            postgresql_where=_OPEN_SQL,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    #: the staff member who refers the customer and fills the file in (R8)
    referrer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(String(16), default=VipStatus.DRAFT)
    #: the values of both stages by field name, normalized (dates as ISO text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: normalized resident identity number, copied from ``data`` for the R3 check
    id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    #: how many times the file was submitted (a returned file comes back as round 2 ...)
    round: Mapped[int] = mapped_column(Integer, default=0)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: why it was rejected or returned (shown to the referrer); optional on approval
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    #: optimistic concurrency: every change adds one; a stale writer is told so
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    store: Mapped[Store] = relationship(lazy="joined")
    member: Mapped[Member] = relationship()
    referrer: Mapped[User] = relationship(foreign_keys=[referrer_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def vip_status(self) -> VipStatus:
        return VipStatus(self.status)

    @property
    def full_name(self) -> str:
        return str(self.data.get("full_name") or "")

    def __repr__(self) -> str:
        return f"<VipFile {self.id} member={self.member_id} {self.status}>"


class Consumption(db.Model):
    """What an approved VIP spent at the store (R5: only approved VIPs; R22 counts visits)."""

    __tablename__ = "vip_consumption"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_vip_consumption_file_occurred", "vip_file_id", "occurred_at", "id"),
        Index("ix_vip_consumption_member_occurred", "member_id", "occurred_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vip_file_id: Mapped[int] = mapped_column(ForeignKey("vip_file.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str | None] = mapped_column(String(200))
    #: a client's key for retrying the same recording safely (API ``Idempotency-Key``)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    recorded_by: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Consumption {self.id} file={self.vip_file_id} {self.amount}>"

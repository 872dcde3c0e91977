"""Tables of the openings package: account requests (R6)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.database import UTCDateTime
from portal.extensions import db
from portal.stores.models import Store


class RequestStatus(StrEnum):
    #: filed by the store, waiting for head office (the SLA clock runs)
    REQUESTED = "requested"
    #: head office opened the account and told the store
    OPENED = "opened"
    #: the store activated the account; done
    ACTIVATED = "activated"
    REJECTED = "rejected"
    #: withdrawn by the store before head office acted
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(REQUEST_STATUS_LABELS[self])


REQUEST_STATUS_LABELS = {
    RequestStatus.REQUESTED: _l("Requested"),
    RequestStatus.OPENED: _l("Opened"),
    RequestStatus.ACTIVATED: _l("Activated"),
    RequestStatus.REJECTED: _l("Rejected"),
    RequestStatus.CANCELLED: _l("Cancelled"),
}


class AccountRequest(db.Model):
    """R6: a store's request for a dedicated customer account, opened by head office."""

    __tablename__ = "account_request"
    __table_args__ = (
        # the store's list, newest first
        Index("ix_account_request_store_created", "store_id", "created_at", "id"),
        # head office's list of every store, newest first
        Index("ix_account_request_created", "created_at", "id"),
        # head office's lists by status (the open queue is ordered by the SLA task's deadline)
        Index("ix_account_request_status_created", "status", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: R25: unique human-readable number, e.g. ZBKF-2026-000123
    number: Mapped[str] = mapped_column(String(32), unique=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    #: the store's customer-service manager who filed the form
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    #: the employee who will build VIP customers with the account
    for_staff_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.REQUESTED)
    #: the account identifier head office assigned
    account_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    activated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: who rejected or cancelled the request, when and why
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejection_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    store: Mapped[Store] = relationship(lazy="joined")
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    for_staff: Mapped[User] = relationship(foreign_keys=[for_staff_id])
    opened_by: Mapped[User | None] = relationship(foreign_keys=[opened_by_id])
    activated_by: Mapped[User | None] = relationship(foreign_keys=[activated_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    @property
    def request_status(self) -> RequestStatus:
        return RequestStatus(self.status)

    def __repr__(self) -> str:
        return f"<AccountRequest {self.number} {self.status}>"

"""Membership tables (R15, R16): types, memberships, their events and the deposit ledger.

No table stores a membership's status: it is computed from the periods, the suspension
events and the end recorded here (``portal.memberships.status``), so it is never stale.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.database import UTCDateTime
from portal.extensions import db
from portal.members.models import Member
from portal.stores.models import Store

#: the SLA policy of the application queue (``[sla.membership_application]``)
APPLICATION_POLICY = "membership_application"


class MembershipType(db.Model):
    """A kind of membership a store offers, with its fees, deposit and terms (R15, R16)."""

    __tablename__ = "membership_type"
    __table_args__ = (
        UniqueConstraint("store_id", "code"),
        CheckConstraint(
            "entry_fee >= 0 AND management_fee >= 0 AND risk_deposit >= 0", name="money"
        ),
        CheckConstraint("period_months BETWEEN 1 AND 120", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the key plugins answer for, e.g. ``exchange.member`` (R15 hook)
    code: Mapped[str] = mapped_column(String(64))
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), index=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_zh: Mapped[str] = mapped_column(String(120))
    #: CNY, paid once on admission
    entry_fee: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    #: CNY per period (yearly by default)
    management_fee: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    #: CNY held while the membership runs and refunded after its end (R16)
    risk_deposit: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    period_months: Mapped[int] = mapped_column(Integer, default=12)
    #: the SLA policy that times the review of applications of this type
    sla_policy: Mapped[str] = mapped_column(String(64), default=APPLICATION_POLICY)
    #: the admin's own terms per locale, ``{"en": [...], "zh_Hans": [...]}``; None: the plugin's
    rights: Mapped[dict[str, list[str]] | None] = mapped_column(JSON)
    obligations: Mapped[dict[str, list[str]] | None] = mapped_column(JSON)
    #: a retired type takes no new applications; its memberships go on
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    store: Mapped[Store] = relationship(lazy="joined")

    @property
    def name(self) -> str:
        """The name in the reader's language."""
        locale = get_locale()
        return self.name_zh if locale is not None and locale.language == "zh" else self.name_en

    def __repr__(self) -> str:
        return f"<MembershipType {self.id} {self.code} store={self.store_id}>"


class Decision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


class Membership(db.Model):
    """A firm's (a member's) membership of one type, from application to its end."""

    __tablename__ = "membership"
    __table_args__ = (
        Index("ix_membership_store_applied", "store_id", "applied_at", "id"),
        Index("ix_membership_type_applied", "type_id", "applied_at", "id"),
        Index("ix_membership_member_applied", "member_id", "applied_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: R25, e.g. ``HY-2026-000001``
    number: Mapped[str] = mapped_column(String(32), unique=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("membership_type.id"))
    #: the current holder; the events keep earlier ones after a transfer
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime)
    applied_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    #: None while the application waits for a reviewer
    decision: Mapped[str | None] = mapped_column(String(16))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    #: the member asked to end it; it ends when the exchange announces the end
    end_requested_on: Mapped[date | None] = mapped_column(Date)
    #: the announcement: from this day on the membership has ended (R16 counts from it)
    ended_on: Mapped[date | None] = mapped_column(Date)
    #: ``EndedBy``: member, announcement or revocation
    ended_by: Mapped[str | None] = mapped_column(String(16))
    #: a transfer waiting for a reviewer: the firm that would take the membership over
    transfer_to_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    #: optimistic concurrency: every change adds one; a stale writer gets 409
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    type: Mapped[MembershipType] = relationship(lazy="joined")
    member: Mapped[Member] = relationship(foreign_keys=[member_id], lazy="joined")
    store: Mapped[Store] = relationship()
    transfer_to: Mapped[Member | None] = relationship(foreign_keys=[transfer_to_id])
    periods: Mapped[list[MembershipPeriod]] = relationship(
        order_by="MembershipPeriod.starts_on", lazy="selectin"
    )
    events: Mapped[list[MembershipEvent]] = relationship(
        order_by="MembershipEvent.id", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<Membership {self.id} {self.number} member={self.member_id}>"


class MembershipPeriod(db.Model):
    """One paid period of a membership, both days included; a renewal adds the next."""

    __tablename__ = "membership_period"
    __table_args__ = (
        UniqueConstraint("membership_id", "starts_on"),
        CheckConstraint("ends_on >= starts_on", name="order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    def __repr__(self) -> str:
        return f"<MembershipPeriod {self.membership_id} {self.starts_on}..{self.ends_on}>"


class EventKind(StrEnum):
    APPLIED = "applied"
    APPROVED = "approved"
    REJECTED = "rejected"
    RENEWED = "renewed"
    SUSPENDED = "suspended"
    END_REQUESTED = "end_requested"
    ENDED = "ended"
    TERMINATED = "terminated"
    REVOKED = "revoked"
    TRANSFER_REQUESTED = "transfer_requested"
    TRANSFERRED = "transferred"
    TRANSFER_REFUSED = "transfer_refused"

    @property
    def label(self) -> str:
        return str(EVENT_LABELS[self])


EVENT_LABELS = {
    EventKind.APPLIED: _l("Applied"),
    EventKind.APPROVED: _l("Approved"),
    EventKind.REJECTED: _l("Rejected"),
    EventKind.RENEWED: _l("Renewed"),
    EventKind.SUSPENDED: _l("Suspended"),
    EventKind.END_REQUESTED: _l("End requested by the member"),
    EventKind.ENDED: _l("Ended at the member's request"),
    EventKind.TERMINATED: _l("Terminated by announcement"),
    EventKind.REVOKED: _l("Revoked"),
    EventKind.TRANSFER_REQUESTED: _l("Transfer requested"),
    EventKind.TRANSFERRED: _l("Transferred"),
    EventKind.TRANSFER_REFUSED: _l("Transfer refused"),
}


class MembershipEvent(db.Model):
    """One step in a membership's life: who, why, when, and from which day it takes effect.

    Suspensions live here too (``effective_on`` .. ``until_on``, both days included): the
    status reads them, so a suspension ends by itself on its last day.
    """

    __tablename__ = "membership_event"
    __table_args__ = (Index("ix_membership_event_membership", "membership_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id"))
    kind: Mapped[str] = mapped_column(String(24))
    #: the holder when it happened (a transfer keeps the old holder here)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    #: the other firm of a transfer
    other_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str | None] = mapped_column(String(500))
    #: where the step came from, e.g. ``notice:HG-2026-000001``
    source: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    effective_on: Mapped[date] = mapped_column(Date)
    until_on: Mapped[date | None] = mapped_column(Date)

    actor: Mapped[User | None] = relationship()
    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    other_member: Mapped[Member | None] = relationship(foreign_keys=[other_member_id])

    @property
    def event_kind(self) -> EventKind:
        return EventKind(self.kind)

    def __repr__(self) -> str:
        return f"<MembershipEvent {self.id} {self.kind} membership={self.membership_id}>"


class EntryKind(StrEnum):
    ENTRY_FEE = "entry_fee"
    MANAGEMENT_FEE = "management_fee"
    DEPOSIT_RECEIVED = "deposit_received"
    REFUND_SCHEDULED = "refund_scheduled"
    REFUND_PAID = "refund_paid"
    #: fees kept on revocation (R16)
    FORFEITED = "forfeited"
    #: a compensation decision paid from the deposit (R18)
    OFFSET = "offset"

    @property
    def label(self) -> str:
        return str(ENTRY_LABELS[self])


ENTRY_LABELS = {
    EntryKind.ENTRY_FEE: _l("Entry fee paid"),
    EntryKind.MANAGEMENT_FEE: _l("Management fee paid"),
    EntryKind.DEPOSIT_RECEIVED: _l("Risk deposit received"),
    EntryKind.REFUND_SCHEDULED: _l("Refund scheduled"),
    EntryKind.REFUND_PAID: _l("Refund paid"),
    EntryKind.FORFEITED: _l("Forfeited"),
    EntryKind.OFFSET: _l("Offset against a compensation decision"),
}

_PAID_SQL = text("kind = 'refund_paid'")


class LedgerEntry(db.Model):
    """One line of a membership's fee and deposit ledger (R16). Insert-only: balances are
    always sums of these lines, and a correction is a new line, never an edit."""

    __tablename__ = "membership_ledger_entry"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_membership_ledger_entry_membership", "membership_id", "id"),
        # the refunds-due page: unpaid tranches by due date
        Index("ix_membership_ledger_entry_due", "kind", "due_on"),
        # a tranche is paid once: a second payment of it cannot be written
        Index(
            "uq_membership_ledger_entry_paid_tranche",
            "tranche_id",
            unique=True,
            sqlite_where=_PAID_SQL,
            postgresql_where=_PAID_SQL,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id"))
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    kind: Mapped[str] = mapped_column(String(24))
    #: CNY, always positive; the kind says which way it counts
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    #: ``RefundPart`` of refunds and forfeits: the deposit or the fees
    part: Mapped[str | None] = mapped_column(String(16))
    #: when a scheduled refund falls due (store-zone day)
    due_on: Mapped[date | None] = mapped_column(Date)
    #: the scheduled refund a payment settles
    tranche_id: Mapped[int | None] = mapped_column(ForeignKey("membership_ledger_entry.id"))
    note: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[str | None] = mapped_column(String(64))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: a client's key for retrying the same recording safely (API ``Idempotency-Key``)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    recorded_by: Mapped[User] = relationship()

    @property
    def entry_kind(self) -> EntryKind:
        return EntryKind(self.kind)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "amount": str(self.amount),
            "part": self.part,
            "due_on": self.due_on.isoformat() if self.due_on else None,
            "tranche_id": self.tranche_id,
        }

    def __repr__(self) -> str:
        return f"<LedgerEntry {self.id} {self.kind} {self.amount}>"

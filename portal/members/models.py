from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.database import UTCDateTime
from portal.extensions import db
from portal.stores.models import Store


class MemberStatus(StrEnum):
    #: registered online, not yet confirmed by the store
    REGISTERED = "registered"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    MemberStatus.REGISTERED: _l("Registered"),
    MemberStatus.ACTIVE: _l("Active"),
    MemberStatus.SUSPENDED: _l("Suspended"),
    MemberStatus.CLOSED: _l("Closed"),
}


class MemberSource(StrEnum):
    SELF = "self"
    STAFF = "staff"
    IMPORT = "import"


class Member(db.Model):
    """A customer's record at one store. The same person may be a member of several stores."""

    __tablename__ = "member"
    __table_args__ = (
        # R1: one registration per mobile number and store
        UniqueConstraint("store_id", "mobile"),
        Index("ix_member_store_created", "store_id", "created_at", "id"),
        Index("ix_member_store_name", "store_id", "full_name", "id"),
        # R8/R9: a referrer's customers in a store (handover lists, counts)
        Index("ix_member_store_referrer", "store_id", "referrer_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    #: the login of a self-registered member; None for records entered by staff
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(50))
    #: E.164
    mobile: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(200))
    birthday: Mapped[date | None] = mapped_column(Date)
    wedding_anniversary: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=MemberStatus.REGISTERED)
    source: Mapped[str] = mapped_column(String(16), default=MemberSource.SELF)
    #: the staff member who owns this customer (R8); assigned by the store
    referrer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: version of the privacy terms the person accepted, and when
    consent_version: Mapped[str | None] = mapped_column(String(20))
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    store: Mapped[Store] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    referrer: Mapped[User | None] = relationship(foreign_keys=[referrer_id])
    #: every contact method (R8), the primary mobile first
    contacts: Mapped[list[MemberContact]] = relationship(
        order_by="(MemberContact.is_primary.desc(), MemberContact.kind, MemberContact.id)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def member_status(self) -> MemberStatus:
        return MemberStatus(self.status)

    def __repr__(self) -> str:
        return f"<Member {self.id} store={self.store_id}>"


# --- R8/R9: contacts, ownership history, conflicts ------------------------------------------


class ContactKind(StrEnum):
    MOBILE = "mobile"
    LANDLINE = "landline"
    EMAIL = "email"
    WECHAT = "wechat"

    @property
    def label(self) -> str:
        return str(CONTACT_KIND_LABELS[self])

    @property
    def is_phone(self) -> bool:
        return self in (ContactKind.MOBILE, ContactKind.LANDLINE)


CONTACT_KIND_LABELS = {
    ContactKind.MOBILE: _l("Mobile"),
    ContactKind.LANDLINE: _l("Landline"),
    ContactKind.EMAIL: _l("E-mail"),
    ContactKind.WECHAT: _l("WeChat ID"),
}


class MemberContact(db.Model):
    """One normalized contact method of a customer (R8).

    Unique within a store: a phone number, e-mail or WeChat ID belongs to one customer of
    the store, so to one referrer; another store may hold the same person again.
    """

    __tablename__ = "member_contact"
    __table_args__ = (
        # R8: every contact method is unique within the store
        UniqueConstraint("store_id", "kind", "value"),
        Index("ix_member_contact_member", "member_id", "kind", "id"),
        # lookups by phone, e-mail or WeChat ID across the stores in one's scope
        Index("ix_member_contact_value", "value", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    #: the member's store, copied so the uniqueness above is one index
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    kind: Mapped[str] = mapped_column(String(16))
    #: E.164 for phones, lower case for e-mail and WeChat IDs
    value: Mapped[str] = mapped_column(String(254))
    #: the member's ``mobile`` (and ``email``) columns, mirrored
    is_primary: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def contact_kind(self) -> ContactKind:
        return ContactKind(self.kind)

    def __repr__(self) -> str:
        return f"<MemberContact {self.kind} member={self.member_id}>"


class AssignmentReason(StrEnum):
    #: the customer was entered by (or for) this referrer
    ENTERED = "entered"
    CONFLICT_DECISION = "conflict_decision"
    HANDOVER = "handover"
    #: set by the store directly (and existing assignments carried over by the migration)
    ASSIGNED = "assigned"

    @property
    def label(self) -> str:
        return str(REASON_LABELS[self])


REASON_LABELS = {
    AssignmentReason.ENTERED: _l("Entered by the referrer"),
    AssignmentReason.CONFLICT_DECISION: _l("Conflict decision"),
    AssignmentReason.HANDOVER: _l("Handover"),
    AssignmentReason.ASSIGNED: _l("Assigned by the store"),
}


class ReferrerAssignment(db.Model):
    """Who owned a customer from when to when, and why (R8, R9).

    ``Member.referrer_id`` is the current owner; these rows are its history. At most one
    row per member is open (``ends_at`` is None).
    """

    __tablename__ = "referrer_assignment"
    __table_args__ = (
        # counts per referrer at a past date scan one store's assignments by start
        Index("ix_referrer_assignment_store_starts", "store_id", "starts_at"),
        Index("ix_referrer_assignment_member_starts", "member_id", "starts_at", "id"),
        Index(
            "uq_referrer_assignment_open",
            "member_id",
            unique=True,
            postgresql_where=text("ends_at IS NULL"),
            sqlite_where=text("ends_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    referrer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(24))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("ownership_conflict.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    referrer: Mapped[User] = relationship(foreign_keys=[referrer_id], lazy="joined")
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def assignment_reason(self) -> AssignmentReason:
        return AssignmentReason(self.reason)

    def __repr__(self) -> str:
        return f"<ReferrerAssignment member={self.member_id} referrer={self.referrer_id}>"


class ConflictStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        return str(CONFLICT_STATUS_LABELS[self])


CONFLICT_STATUS_LABELS = {
    ConflictStatus.OPEN: _l("Waiting for a decision"),
    ConflictStatus.RESOLVED: _l("Resolved"),
}


class OwnershipConflict(db.Model):
    """R8: a second referrer of the store claimed a customer who already belongs to someone.

    No duplicate record is made; the store manager keeps one referrer, with a reason.
    """

    __tablename__ = "ownership_conflict"
    __table_args__ = (
        # the manager's queue: open cases of a store, oldest first
        Index("ix_ownership_conflict_queue", "store_id", "status", "created_at", "id"),
        # the claimant's own cases, newest first
        Index("ix_ownership_conflict_claimant", "claimant_id", "created_at", "id"),
        Index("ix_ownership_conflict_member", "member_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    #: the existing customer whose contact the claim shares
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    #: the referrer who claims the customer
    claimant_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    #: the customer's referrer when the case was opened (None: nobody served them yet)
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: who entered the claim (the claimant, or a manager naming them)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: what was entered: full name and normalized contacts
    claimed: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=ConflictStatus.OPEN)
    kept_referrer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str | None] = mapped_column(String(500))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    store: Mapped[Store] = relationship(lazy="joined")
    member: Mapped[Member] = relationship()
    claimant: Mapped[User] = relationship(foreign_keys=[claimant_id])
    holder: Mapped[User | None] = relationship(foreign_keys=[holder_id])
    kept_referrer: Mapped[User | None] = relationship(foreign_keys=[kept_referrer_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def conflict_status(self) -> ConflictStatus:
        return ConflictStatus(self.status)

    @property
    def is_open(self) -> bool:
        return self.status == ConflictStatus.OPEN

    def __repr__(self) -> str:
        return f"<OwnershipConflict {self.id} member={self.member_id} {self.status}>"


#: the name the shared interface uses (issue 4 brief)
ConflictCase = OwnershipConflict

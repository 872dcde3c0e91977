from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
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

    @property
    def member_status(self) -> MemberStatus:
        return MemberStatus(self.status)

    def __repr__(self) -> str:
        return f"<Member {self.id} store={self.store_id}>"

"""Tables of the restaurant vertical: visits (R22) and the days greetings were queued."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.database import UTCDateTime
from portal.extensions import db
from portal.members.models import Member
from portal.stores.models import Store


class VisitSource(StrEnum):
    """How the table was taken: R22 counts both."""

    RESERVATION = "reservation"
    WALK_IN = "walk_in"

    @property
    def label(self) -> str:
        return str(SOURCE_LABELS[self])


SOURCE_LABELS = {
    VisitSource.RESERVATION: _l("Reservation"),
    VisitSource.WALK_IN: _l("Walk-in table"),
}


class Visit(db.Model):
    """One meal of a customer at a store (R22), from the reservation system or a walk-in.

    When the customer is an approved VIP and an amount is given, the same meal is also a
    VIP consumption record (R5), linked by ``consumption_id``.
    """

    __tablename__ = "restaurant_visit"
    __table_args__ = (
        CheckConstraint("party_size > 0", name="party_size_positive"),
        CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
        # the store's list (newest first) and its date-range filter
        Index("ix_restaurant_visit_store_visited", "store_id", "visited_at", "id"),
        # R22: a customer's visits in a month (qualification, member page)
        Index("ix_restaurant_visit_member_visited", "member_id", "visited_at"),
        # a key is its sender's own: two POS systems may pick the same one
        UniqueConstraint("recorded_by_id", "idempotency_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    #: a customer of ``store_id``
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    #: when the party sat down (UTC; months are cut in the store's zone)
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: a ``VisitSource``
    source: Mapped[str] = mapped_column(String(16))
    #: the table as the floor staff name it (A12, 牡丹厅)
    table_label: Mapped[str | None] = mapped_column(String(20))
    party_size: Mapped[int] = mapped_column(Integer)
    #: what the table paid, CNY; None when the reservation system does not know
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    #: the reservation system's own reference of the booking
    reservation_ref: Mapped[str | None] = mapped_column(String(40))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    #: a client's key for retrying the same recording safely (API ``Idempotency-Key``),
    #: unique per account that records
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    #: the VIP consumption recorded with it (R5), if any
    consumption_id: Mapped[int | None] = mapped_column(ForeignKey("vip_consumption.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    store: Mapped[Store] = relationship(lazy="joined")
    member: Mapped[Member] = relationship()
    recorded_by: Mapped[User] = relationship()

    @property
    def visit_source(self) -> VisitSource:
        return VisitSource(self.source)

    def __repr__(self) -> str:
        return f"<Visit {self.id} member={self.member_id} store={self.store_id}>"


class GreetingDay(db.Model):
    """A store's local day whose birthday and anniversary greetings were queued.

    The tick runs every minute; claiming the day once keeps it from scanning the store's
    members again, and two tick runners claiming it at once insert one row.
    """

    __tablename__ = "restaurant_greeting_day"

    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    #: how many greetings were queued for the day
    queued: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<GreetingDay store={self.store_id} {self.day}>"

"""Tables of the notifications package: one outbox row per message and recipient."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import UTCDateTime
from portal.extensions import db
from portal.stores.models import Store

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.members.models import Member


class Channel(StrEnum):
    """How a message reaches its recipient."""

    #: the recipient's inbox in the portal (needs a login)
    PORTAL = "portal"
    SMS = "sms"
    EMAIL = "email"
    #: a phone call (a call centre or a voice gateway implements the sender)
    CALL = "call"

    @property
    def label(self) -> str:
        return str(CHANNEL_LABELS[self])


CHANNEL_LABELS = {
    Channel.PORTAL: _l("In the portal"),
    Channel.SMS: _l("Text message"),
    Channel.EMAIL: _l("E-mail"),
    Channel.CALL: _l("Phone call"),
}


class NotificationStatus(StrEnum):
    #: waiting for its not_before instant (quiet hours, retry back-off)
    PENDING = "pending"
    SENT = "sent"
    #: given up after the last attempt
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    NotificationStatus.PENDING: _l("Waiting"),
    NotificationStatus.SENT: _l("Sent"),
    NotificationStatus.FAILED: _l("Failed"),
    NotificationStatus.CANCELLED: _l("Cancelled"),
}


def recipient_key(*, user_id: int | None = None, member_id: int | None = None) -> str:
    """The non-null recipient column of the uniqueness rule: ``u:<id>`` or ``m:<id>``.

    A unique constraint over the nullable id columns would let NULLs repeat on both
    databases; one string that is never NULL makes (channel, key, recipient) unique.
    """
    if user_id is not None:
        return f"u:{user_id}"
    if member_id is not None:
        return f"m:{member_id}"
    raise ValueError("a notification needs a user or a member")


class Notification(db.Model):
    """One message to one recipient on one channel, from creation to delivery."""

    __tablename__ = "notification"
    __table_args__ = (
        # the same event never notifies the same recipient twice on one channel
        UniqueConstraint("channel", "dedupe_key", "recipient"),
        # deliver_due: pending rows whose time has come, oldest first
        Index("ix_notification_due", "status", "not_before", "id"),
        # the inbox, newest first
        Index("ix_notification_inbox", "recipient_user_id", "channel", "created_at", "id"),
        # the unread badge on every page
        Index("ix_notification_unread", "recipient_user_id", "channel", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))
    #: ``u:<user id>`` or ``m:<member id>``: who the dedupe key is unique for
    recipient: Mapped[str] = mapped_column(String(24))
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recipient_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    #: E.164 mobile (SMS, call) or e-mail address, copied when the message was made;
    #: None for in-portal messages
    address: Mapped[str | None] = mapped_column(String(254))
    #: whose quiet hours and time zone apply; None: the deployment's defaults
    store_id: Mapped[int | None] = mapped_column(ForeignKey("store.id"), index=True)
    #: message key in the registry of ``portal.notifications.messages``
    kind: Mapped[str] = mapped_column(String(80))
    #: plain values the message text is formatted with
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: names the event; with channel and recipient it is unique
    dedupe_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), default=NotificationStatus.PENDING)
    #: not sent before this instant (end of quiet hours, next retry)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when the recipient read it in the portal (portal channel only)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    store: Mapped[Store | None] = relationship(lazy="joined")
    recipient_user: Mapped[User | None] = relationship(foreign_keys=[recipient_user_id])
    recipient_member: Mapped[Member | None] = relationship(foreign_keys=[recipient_member_id])

    @property
    def channel_enum(self) -> Channel:
        return Channel(self.channel)

    @property
    def status_enum(self) -> NotificationStatus:
        return NotificationStatus(self.status)

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.channel} {self.kind} {self.recipient}>"

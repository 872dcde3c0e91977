"""The notification outbox: making messages once per event, delivering them, the inbox.

- ``notify`` writes one row per channel inside the caller's transaction, so a message
  exists exactly when the change that caused it was committed. The same (channel, key,
  recipient) twice adds nothing, also from two transactions at once.
- In-portal messages are delivered when they are made (they are rows the inbox reads);
  SMS, e-mail and calls wait in the outbox for ``deliver_due`` (``flask portal tick``).
- Quiet hours: SMS and calls made inside the store's window wait for its end; e-mail
  and in-portal messages go at once.
- Delivery is at-least-once: a message is marked sent after the sender said so, in the
  caller's transaction; a crash in between sends it again on the next run. Senders
  drop repeats by ``notification.id``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from portal import clock
from portal.accounts.permissions import Action, require
from portal.errors import NotFound
from portal.i18n import zone_of
from portal.members.validators import mask_phone
from portal.notifications import messages, quiet_hours
from portal.notifications.models import Channel, Notification, NotificationStatus, recipient_key
from portal.pagination import Page, SortKey, paginate
from portal.stores.models import Store

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.members.models import Member

log = logging.getLogger("portal.notifications")

#: attempts before a message is given up (status failed)
MAX_ATTEMPTS = 6
#: wait after the first failed attempt; doubled after each further one
FIRST_RETRY = timedelta(minutes=2)
#: the longest wait between two attempts
LONGEST_RETRY = timedelta(hours=2)
#: channels that respect quiet hours (nobody's phone rings or buzzes at night)
QUIET_CHANNELS = frozenset({Channel.SMS, Channel.CALL})
DEFAULT_QUIET_HOURS = "21:00-08:00"

_PLAIN = (str, int, float, bool, type(None))


# --- making messages ------------------------------------------------------------------------


def notify(
    session: Session,
    *,
    kind: str,
    key: str,
    params: Mapping[str, Any] | None = None,
    user: User | None = None,
    member: Member | None = None,
    channels: Iterable[Channel] = (Channel.PORTAL,),
    store_id: int | None = None,
) -> list[Notification]:
    """Queue the message ``kind`` for ``user`` (a login) or ``member`` (a member record).

    Addresses come from the recipient: its mobile for SMS and calls, its e-mail for
    e-mail; the in-portal copy needs a login (a member's own login when only the member
    is given). A channel without an address is skipped. ``store_id`` (default: the
    member's store) chooses the quiet hours and time zone.

    Idempotent per event: a (channel, ``key``, recipient) that exists already is not
    made again, and the existing row is returned instead. Returns the rows of every
    channel that had an address, in the order of ``channels``.
    """
    if (user is None) == (member is None):
        raise ValueError("notify needs exactly one of user= or member=")
    if not messages.is_defined(kind):
        raise ValueError(f"notification kind {kind!r} has no text; call messages.define first")
    plain = _plain_params(params or {})
    if store_id is None and member is not None:
        store_id = member.store_id
    store = session.get(Store, store_id) if store_id is not None else None
    now = clock.now()
    recipient = recipient_key(
        user_id=user.id if user is not None else None,
        member_id=member.id if member is not None else None,
    )
    rows: list[Notification] = []
    for channel in dict.fromkeys(Channel(c) for c in channels):
        target = _target(channel, user=user, member=member)
        if target is None:
            continue
        user_id, address = target
        values = {
            "channel": channel.value,
            "recipient": recipient,
            "recipient_user_id": user_id,
            "recipient_member_id": member.id if member is not None else None,
            "address": address,
            "store_id": store_id,
            "kind": kind,
            "params": plain,
            "dedupe_key": key,
            "status": NotificationStatus.PENDING.value,
            "not_before": _first_send_time(channel, now, store),
            "attempts": 0,
            "created_at": now,
        }
        if channel is Channel.PORTAL:
            # In-portal messages are delivered by being there: the inbox shows them at once.
            values.update(status=NotificationStatus.SENT.value, sent_at=now)
        _insert_once(session, values)
        rows.append(
            session.scalars(
                select(Notification).where(
                    Notification.channel == channel.value,
                    Notification.dedupe_key == key,
                    Notification.recipient == recipient,
                )
            ).one()
        )
    return rows


def _plain_params(params: Mapping[str, Any]) -> dict[str, Any]:
    for name, value in params.items():
        if not isinstance(name, str) or not isinstance(value, _PLAIN):
            raise TypeError(
                f"notification params must be plain values (str, int, float, bool, None); "
                f"{name!r} is {type(value).__name__}"
            )
    return dict(params)


def _target(
    channel: Channel, *, user: User | None, member: Member | None
) -> tuple[int | None, str | None] | None:
    """(recipient user id, address) for ``channel``, or None when it cannot reach them."""
    login = user if user is not None else (member.user if member is not None else None)
    person: Any = member if member is not None else user
    if channel is Channel.PORTAL:
        return (login.id, None) if login is not None else None
    user_id = user.id if user is not None else None
    address = person.mobile if channel in (Channel.SMS, Channel.CALL) else person.email
    return (user_id, address) if address else None


def _insert_once(session: Session, values: dict[str, Any]) -> None:
    """INSERT .. ON CONFLICT DO NOTHING: a concurrent twin waits, then adds nothing."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Notification).values(**values)
    session.execute(
        statement.on_conflict_do_nothing(index_elements=["channel", "dedupe_key", "recipient"])
    )


def _first_send_time(channel: Channel, now: datetime, store: Store | None) -> datetime:
    if channel not in QUIET_CHANNELS:
        return now
    return send_time_after_quiet_hours(now, store)


def send_time_after_quiet_hours(at: datetime, store: Store | None) -> datetime:
    """``at``, or the end of the store's quiet hours when ``at`` falls inside them."""
    window = quiet_hours.window_of(
        getattr(store, "quiet_start", None), getattr(store, "quiet_end", None), default_window()
    )
    return quiet_hours.release_at(at, window, zone_of(store)) or at


def default_window() -> quiet_hours.QuietHours | None:
    """The deployment's quiet hours (``PORTAL_QUIET_HOURS``; empty: none)."""
    text = (
        current_app.config.get("PORTAL_QUIET_HOURS", DEFAULT_QUIET_HOURS)
        if has_app_context()
        else DEFAULT_QUIET_HOURS
    )
    return quiet_hours.parse_window(text)


# --- delivering them ------------------------------------------------------------------------


def due(now: datetime) -> Select[tuple[Notification]]:
    """Pending messages whose time has come, oldest first (index ix_notification_due)."""
    return (
        select(Notification)
        .where(
            Notification.status == NotificationStatus.PENDING.value,
            Notification.not_before <= now,
        )
        .order_by(Notification.not_before, Notification.id)
    )


def deliver_due(session: Session, *, now: datetime, limit: int = 200) -> int:
    """Send up to ``limit`` due messages; returns how many were handled.

    Handled means sent, put back for a retry, or given up: a caller may loop while the
    answer equals ``limit``. On PostgreSQL the rows are claimed with SKIP LOCKED, so
    ticks running on several machines at once never send one message twice; on SQLite,
    whose reads take no lock, each message is claimed before it is sent (``_claim``).
    The caller commits.
    """
    query = due(now).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Notification)
    handled = 0
    for notification in session.scalars(query).unique().all():
        if _claim(session, notification):
            _deliver(session, notification, now)
            handled += 1
    session.flush()
    return handled


def _claim(session: Session, notification: Notification) -> bool:
    """Count this attempt with a compare-and-set on ``attempts``: a runner that read the
    same pending row waits for this one's write lock, then finds the count moved on and
    leaves the message alone (two runners on SQLite sent every message twice before)."""
    seen = notification.attempts
    claimed = session.execute(
        update(Notification)
        .where(
            Notification.id == notification.id,
            Notification.status == NotificationStatus.PENDING.value,
            Notification.attempts == seen,
        )
        .values(attempts=seen + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        session.expire(notification)
        return False
    set_committed_value(notification, "attempts", seen + 1)
    return True


def _deliver(session: Session, notification: Notification, now: datetime) -> None:
    try:
        text = messages.render(notification)
        sent = _send(notification, text)
    except Exception as exc:  # a sender's failure must not stop the others
        log.exception("sending notification %s failed", notification.id)
        _retry_later(session, notification, now, f"{type(exc).__name__}: {exc}")
        return
    if sent is False:
        _retry_later(session, notification, now, "the sender asked to retry later")
        return
    notification.status = NotificationStatus.SENT.value
    notification.sent_at = now
    notification.last_error = None


def _send(notification: Notification, text: str) -> bool | None:
    """The plugins' sender; with none for this channel, the log is the sender."""
    if notification.channel == Channel.PORTAL:
        return True  # the inbox shows it; nothing leaves the portal
    plugins = current_app.extensions["portal.plugins"]
    result = plugins.caller("portal_notification_send")(notification=notification, text=text)
    if result is None:
        log.info(
            "notification %s (%s to %s): %s",
            notification.id,
            notification.channel,
            notification.address,
            text,
        )
        return True
    return bool(result)


def retry_delay(attempts: int) -> timedelta:
    """Back-off after ``attempts`` failed attempts: 2, 4, 8 ... minutes, at most 2 hours."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def _retry_later(session: Session, notification: Notification, now: datetime, error: str) -> None:
    notification.last_error = error[:500]
    if notification.attempts >= MAX_ATTEMPTS:
        notification.status = NotificationStatus.FAILED.value
        log.error(
            "notification %s given up after %s attempts: %s",
            notification.id,
            notification.attempts,
            error,
        )
        return
    retry = now + retry_delay(notification.attempts)
    if notification.channel in QUIET_CHANNELS:
        # a retry at night waits for the morning like a first attempt
        retry = send_time_after_quiet_hours(retry, notification.store)
    notification.not_before = retry


# --- the inbox ------------------------------------------------------------------------------

NEWEST_FIRST = [SortKey(Notification.created_at, True), SortKey(Notification.id, True)]


def _inbox_of(user: User) -> Select[tuple[Notification]]:
    return select(Notification).where(
        Notification.recipient_user_id == user.id,
        Notification.channel == Channel.PORTAL.value,
    )


def inbox(
    session: Session, *, user: User, cursor: str | None, limit: int, unread_only: bool = False
) -> Page[Notification]:
    """The user's in-portal messages, newest first, a keyset page at a time."""
    query = _inbox_of(user)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return paginate(session, query, order=NEWEST_FIRST, cursor=cursor, limit=limit)


def unread_count(session: Session, user: User) -> int:
    """How many in-portal messages the user has not read (index ix_notification_unread)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(
                Notification.recipient_user_id == user.id,
                Notification.channel == Channel.PORTAL.value,
                Notification.read_at.is_(None),
            )
        )
        or 0
    )


def get_own(session: Session, *, user: User, notification_id: int) -> Notification:
    """One of the user's in-portal messages; anyone else's answers 404."""
    notification = session.get(Notification, notification_id)
    if (
        notification is None
        or notification.recipient_user_id != user.id
        or notification.channel != Channel.PORTAL
    ):
        raise NotFound(_l("No such message."))
    return notification


def mark_read(session: Session, *, user: User, notification_id: int) -> Notification:
    """Mark one of the user's messages read (again: no change).

    Reading one's own inbox is not audited: it changes nothing anyone else relies on.
    """
    notification = get_own(session, user=user, notification_id=notification_id)
    if notification.read_at is None:
        notification.read_at = clock.now()
    return notification


def mark_all_read(session: Session, *, user: User) -> int:
    """Mark every unread message of the user read; returns how many were unread."""
    result = session.execute(
        update(Notification)
        .where(
            Notification.recipient_user_id == user.id,
            Notification.channel == Channel.PORTAL.value,
            Notification.read_at.is_(None),
        )
        .values(read_at=clock.now())
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- the admins' view of the outbox ---------------------------------------------------------


def masked_address(notification: Notification) -> str:
    """R10: the outbox list shows 138****8000 and w***@example.com, never a full contact."""
    address = notification.address or ""
    if not address:
        return ""
    if notification.channel == Channel.EMAIL:
        local, _sep, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    return mask_phone(address)


def outbox(
    session: Session,
    *,
    actor: User,
    status: NotificationStatus = NotificationStatus.PENDING,
    channel: Channel | None = None,
    cursor: str | None,
    limit: int,
) -> Page[Notification]:
    """Messages in one state, for admins: pending ones next-first, others newest first.

    Walks ix_notification_due (status, not_before, id); the channel filters within it.
    """
    require(actor, Action.VIEW_AUDIT, hide=True)
    query = select(Notification).where(Notification.status == status.value)
    if channel is not None:
        query = query.where(Notification.channel == channel.value)
    descending = status is not NotificationStatus.PENDING
    order = [
        SortKey(Notification.not_before, descending),
        SortKey(Notification.id, descending),
    ]
    return paginate(session, query, order=order, cursor=cursor, limit=limit)

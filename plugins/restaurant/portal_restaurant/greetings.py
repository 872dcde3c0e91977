"""Customer care (seed 003, seed 004 客户关怀): a greeting on the customer's birthday and
wedding anniversary, on the day where their store is.

``queue_greetings`` runs from ``flask portal tick`` (the ``portal_tick`` hook). It claims
each store's local day once, then queues one message per customer and occasion through
the notification outbox, keyed by member, kind and year: a second tick runner, a repeated
tick or a re-run after a crash sends nothing twice. The outbox holds text messages until
the store's quiet hours are over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, extract, false, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.accounts.permissions import require
from portal.audit.services import record
from portal.members.models import Member, MemberStatus
from portal.notifications import messages
from portal.notifications import services as notifications
from portal.notifications.models import Channel, Notification
from portal.pagination import Page, SortKey, paginate
from portal.stores.models import Store
from portal_restaurant import months
from portal_restaurant.models import GreetingDay
from portal_restaurant.permissions import VIEW_GREETINGS

#: how many days the managers' list looks ahead, today included
WEEK = 7
#: customers whose record is closed or suspended are not greeted
GREETED_STATUSES = (MemberStatus.REGISTERED, MemberStatus.ACTIVE)
CHANNELS = (Channel.PORTAL, Channel.SMS)


class Occasion(StrEnum):
    BIRTHDAY = "birthday"
    WEDDING_ANNIVERSARY = "wedding_anniversary"

    @property
    def kind(self) -> str:
        """The notification kind of the greeting."""
        return f"restaurant.{self.value}"

    @property
    def label(self) -> str:
        return str(OCCASION_LABELS[self])

    def original(self, member: Member) -> date | None:
        return member.birthday if self is Occasion.BIRTHDAY else member.wedding_anniversary


OCCASION_LABELS = {
    Occasion.BIRTHDAY: _l("Birthday"),
    Occasion.WEDDING_ANNIVERSARY: _l("Wedding anniversary"),
}

messages.define(
    Occasion.BIRTHDAY.kind,
    _l("Happy birthday, %(name)s! Everyone at %(store)s wishes you a wonderful day."),
)
messages.define(
    Occasion.WEDDING_ANNIVERSARY.kind,
    _l(
        "Happy wedding anniversary, %(name)s! Everyone at %(store)s wishes you both a "
        "wonderful day."
    ),
)


def greeting_key(occasion: Occasion, member: Member, year: int) -> str:
    """Once per member, occasion and year (the outbox's idempotency key)."""
    return f"{occasion.kind}:{member.id}:{year}"


def _falls_on(column: Any, day: date) -> Any:
    """``column`` (a date) has its anniversary on ``day`` (29 February on 28 February in
    common years: see ``months.anniversary_in``)."""
    return or_(
        false(),
        *(
            and_(extract("month", column) == month, extract("day", column) == day_of_month)
            for month, day_of_month in months.month_days_celebrated_on(day)
        ),
    )


def _celebrating(store: Store, day: date) -> Any:
    return select(Member).where(
        Member.store_id == store.id,
        Member.status.in_(GREETED_STATUSES),
        or_(_falls_on(Member.birthday, day), _falls_on(Member.wedding_anniversary, day)),
    )


def occasions_on(member: Member, day: date) -> list[Occasion]:
    """The occasions of ``member`` celebrated on ``day``."""
    found = []
    for occasion in Occasion:
        original = occasion.original(member)
        if original is not None and months.anniversary_in(day.year, original) == day:
            found.append(occasion)
    return found


# --- the tick ------------------------------------------------------------------------------------


def _claim(session: Session, store: Store, day: date, now: datetime) -> bool:
    """Claim the store's day; False when another run (or an earlier tick) has it."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(GreetingDay)
        .values(store_id=store.id, day=day, queued=0, created_at=now)
        .on_conflict_do_nothing(index_elements=["store_id", "day"])
        # a row comes back only when this run inserted it (rowcount is not reliable
        # across drivers for ON CONFLICT DO NOTHING)
        .returning(GreetingDay.day)
    )
    return session.execute(statement).first() is not None


def queue_greetings(session: Session, *, now: datetime) -> int:
    """Queue today's greetings of every store whose local day has not been claimed yet.

    Returns how many greetings were queued. Idempotent: see the module docstring.
    """
    total = 0
    stores = session.scalars(
        select(Store).where(Store.is_active.is_(True), Store.is_head_office.is_(False))
    )
    for store in list(stores):
        day = now.astimezone(store.zone).date()
        if session.get(GreetingDay, (store.id, day)) is not None:
            continue  # the usual case: a cheap probe by primary key
        if not _claim(session, store, day, now):
            continue
        queued = 0
        for member in session.scalars(_celebrating(store, day).order_by(Member.id)):
            for occasion in occasions_on(member, day):
                notifications.notify(
                    session,
                    kind=occasion.kind,
                    key=greeting_key(occasion, member, day.year),
                    params={"name": member.full_name, "store": store.name},
                    member=member,
                    channels=CHANNELS,
                    store_id=store.id,
                )
                queued += 1
        claim = session.get(GreetingDay, (store.id, day))
        assert claim is not None
        claim.queued = queued
        record(
            session,
            actor=None,
            actor_label="tick",
            action="restaurant.greetings_queued",
            object_type="store",
            object_id=store.id,
            store_id=store.id,
            after={"day": day.isoformat(), "queued": queued},
        )
        total += queued
    return total


# --- the managers' week ------------------------------------------------------------------------


@dataclass(frozen=True)
class Greeting:
    """A customer celebrating on ``day``, and whether their greeting is already queued."""

    member: Member
    day: date
    occasions: list[Occasion]
    queued: bool


def week_from(today: date) -> list[date]:
    """The days the managers' list covers: today and the six after it."""
    return [today + timedelta(days=n) for n in range(WEEK)]


def upcoming(
    session: Session,
    *,
    actor: User,
    store: Store,
    day: date,
    cursor: str | None = None,
    limit: int = 25,
) -> Page[Greeting]:
    """The store's customers celebrating on ``day``, by name, one keyset page at a time."""
    require(actor, VIEW_GREETINGS, store, hide=True)
    page = paginate(
        session,
        _celebrating(store, day),
        order=[SortKey(Member.full_name), SortKey(Member.id)],
        cursor=cursor,
        limit=limit,
    )
    wanted = {
        greeting_key(occasion, member, day.year): member.id
        for member in page.items
        for occasion in occasions_on(member, day)
    }
    queued_keys = set(
        session.scalars(
            select(Notification.dedupe_key).where(Notification.dedupe_key.in_(sorted(wanted)))
        )
    )
    items = []
    for member in page.items:
        found = occasions_on(member, day)
        keys = {greeting_key(occasion, member, day.year) for occasion in found}
        items.append(Greeting(member, day, found, bool(keys) and keys <= queued_keys))
    return Page(items=items, next_cursor=page.next_cursor)

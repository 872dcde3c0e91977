"""R11: customer classes A/B/C, the responsible person per region, follow-ups, the due list.

A customer's next follow-up is due one cadence (A: a month, B: a quarter, C: half a year)
after the last follow-up, or after the day they were classed when none was recorded yet;
the date is stored on the customer's row so the due list reads an index in date order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal import clock
from portal.accounts.models import User
from portal.accounts.permissions import can, require, stores_in_scope
from portal.audit.services import record
from portal.errors import Conflict, NotFound
from portal.events import emit
from portal.idempotency import check_key
from portal.members.models import Member
from portal.notifications import services as notifications
from portal.notifications.models import Channel, Notification, recipient_key
from portal.pagination import Page, SortKey, paginate
from portal.stores.models import Store
from portal_renovation import checks, messages
from portal_renovation import permissions as p
from portal_renovation.models import (
    ClassedCustomer,
    ClassLead,
    CustomerClass,
    FollowUp,
    FollowUpChannel,
)
from portal_renovation.months import add_months
from portal_renovation.services import staff_of_store

SUBJECT_TYPE = "renovation_customer"
_NO_CUSTOMER = _l("No such customer.")


def next_due(last: date, klass: CustomerClass) -> date:
    """R11: the day the next follow-up is due after one on ``last``."""
    return add_months(last, klass.cadence_months)


def _member(session: Session, actor: User | None, member_id: int, action: str) -> Member:
    """A member of a store the actor may take ``action`` in; anything else answers 404."""
    member = session.get(Member, member_id)
    if member is None or not can(actor, p.VIEW_SERVICE, member):
        raise NotFound(_NO_CUSTOMER)
    require(actor, action, member)
    return member


def classing_of(session: Session, member: Member) -> ClassedCustomer | None:
    return session.get(ClassedCustomer, member.id)


def class_customer(
    session: Session, *, actor: User, member_id: int, customer_class: str, region: str | None
) -> ClassedCustomer:
    """R11: put a customer in class A, B or C and in a region of the store. A new class
    counts its cadence from the last follow-up (or from today for a customer never
    followed up)."""
    member = _member(session, actor, member_id, p.FOLLOW_UP)
    errors: checks.Errors = {}
    klass = checks.choice(errors, "customer_class", customer_class, CustomerClass)
    area = checks.text(errors, "region", region, 60, required=False) or ""
    checks.raise_errors(errors)
    now = clock.now()
    today = checks.local_today(member.store, now)
    row = classing_of(session, member)
    before = None
    if row is None:
        row = ClassedCustomer(
            member_id=member.id,
            store_id=member.store_id,
            classed_on=today,
            classed_by_id=actor.id,
        )
        session.add(row)
    else:
        before = {"customer_class": row.customer_class, "region": row.region}
    row.customer_class = klass.value
    row.region = area
    row.classed_by_id = actor.id
    row.next_due_on = next_due(row.last_follow_up_on or today, klass)
    row.updated_at = now
    session.flush()
    record(
        session,
        actor=actor,
        action="renovation.customer_classed",
        object_type=SUBJECT_TYPE,
        object_id=member.id,
        store_id=member.store_id,
        before=before,
        after={"customer_class": row.customer_class, "region": row.region},
    )
    emit(
        session,
        "renovation.customer_classed",
        member_id=member.id,
        store_id=member.store_id,
        customer_class=row.customer_class,
    )
    return row


def record_follow_up(
    session: Session,
    *,
    actor: User,
    member_id: int,
    followed_up_on: date | None,
    channel: str,
    note: str,
    idempotency_key: str | None = None,
) -> FollowUp:
    """R11: a follow-up of a classed customer; the next one falls due a cadence later.
    With ``idempotency_key`` the same recording sent twice is stored once."""
    member = _member(session, actor, member_id, p.FOLLOW_UP)
    key = check_key(idempotency_key)
    if key is not None:
        existing = session.scalar(select(FollowUp).where(FollowUp.idempotency_key == key))
        if existing is not None:
            if existing.member_id != member.id:
                raise Conflict(_l("This idempotency key was used for another request."))
            return existing
    row = classing_of(session, member)
    if row is None:
        raise Conflict(_l("Put the customer in a class first (R11)."))
    now = clock.now()
    errors: checks.Errors = {}
    day = checks.past_day(
        errors, "followed_up_on", followed_up_on, today=checks.local_today(member.store, now)
    )
    how = checks.choice(errors, "channel", channel, FollowUpChannel)
    text = checks.text(errors, "note", note, 1000, required=True)
    checks.raise_errors(errors)
    follow_up = FollowUp(
        member_id=member.id,
        store_id=member.store_id,
        followed_up_on=day,
        channel=how.value,
        note=text,
        recorded_by_id=actor.id,
        idempotency_key=key,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(follow_up)
            session.flush()
    except IntegrityError:
        existing = session.scalar(select(FollowUp).where(FollowUp.idempotency_key == key))
        if key is None or existing is None:
            raise
        return existing
    before = row.next_due_on
    if row.last_follow_up_on is None or day > row.last_follow_up_on:
        row.last_follow_up_on = day
    row.next_due_on = next_due(row.last_follow_up_on, row.klass)
    row.updated_at = now
    record(
        session,
        actor=actor,
        action="renovation.followed_up",
        object_type=SUBJECT_TYPE,
        object_id=member.id,
        store_id=member.store_id,
        before={"next_due_on": before.isoformat()},
        after={
            "followed_up_on": day.isoformat(),
            "channel": how.value,
            "next_due_on": row.next_due_on.isoformat(),
        },
    )
    emit(session, "renovation.followed_up", member_id=member.id, store_id=member.store_id)
    return follow_up


def follow_ups_of(session: Session, member: Member, *, limit: int = 50) -> list[FollowUp]:
    return list(
        session.scalars(
            select(FollowUp)
            .where(FollowUp.member_id == member.id)
            .order_by(FollowUp.followed_up_on.desc(), FollowUp.id.desc())
            .limit(limit)
        )
    )


def get_customer(session: Session, *, actor: User | None, member_id: int) -> Member:
    """A customer whose classes and follow-ups the actor may read."""
    member = session.get(Member, member_id)
    if member is None or not can(actor, p.VIEW_SERVICE, member):
        raise NotFound(_NO_CUSTOMER)
    return member


# --- responsible persons --------------------------------------------------------------------


def set_lead(
    session: Session,
    *,
    actor: User,
    store_id: int,
    region: str | None,
    customer_class: str,
    user_id: int,
) -> ClassLead:
    """R11: name the person responsible for a class in a region of the store."""
    store = session.get(Store, store_id)
    if store is None or store.is_head_office or not can(actor, p.VIEW_SERVICE, store):
        raise NotFound(_l("No such store."))
    require(actor, p.ASSIGN_LEADS, store)
    errors: checks.Errors = {}
    klass = checks.choice(errors, "customer_class", customer_class, CustomerClass)
    area = checks.text(errors, "region", region, 60, required=False) or ""
    person = next((u for u in staff_of_store(session, store.id) if u.id == user_id), None)
    if person is None:
        errors["user_id"] = [_l("Choose an employee of this store.")]
    checks.raise_errors(errors)
    lead = session.scalar(
        select(ClassLead).where(
            ClassLead.store_id == store.id,
            ClassLead.region == area,
            ClassLead.customer_class == klass.value,
        )
    )
    before = None
    if lead is None:
        lead = ClassLead(store_id=store.id, region=area, customer_class=klass.value)
        session.add(lead)
    else:
        before = {"user_id": lead.user_id}
    lead.user_id = person.id
    lead.assigned_by_id = actor.id
    lead.updated_at = clock.now()
    session.flush()
    record(
        session,
        actor=actor,
        action="renovation.lead_set",
        object_type="renovation_class_lead",
        object_id=lead.id,
        store_id=store.id,
        before=before,
        after={"region": area, "customer_class": klass.value, "user_id": person.id},
    )
    return lead


def leads_of(session: Session, store_ids: set[int] | None) -> list[ClassLead]:
    query = select(ClassLead).order_by(
        ClassLead.store_id, ClassLead.region, ClassLead.customer_class
    )
    if store_ids is not None:
        query = query.where(ClassLead.store_id.in_(store_ids))
    return list(session.scalars(query))


def responsible_for(session: Session, row: ClassedCustomer) -> User | None:
    """R11: the lead of the customer's class in their region, else in the whole store."""
    return responsible_for_rows(session, [row])[row.member_id]


def responsible_for_rows(
    session: Session, rows: Sequence[ClassedCustomer]
) -> dict[int, User | None]:
    """R11: :func:`responsible_for` of each row (by member id), in one query for a page of
    the due list whatever its length."""
    if not rows:
        return {}
    leads = {
        (lead.store_id, lead.customer_class, lead.region): lead.user
        for lead in session.scalars(
            select(ClassLead).where(
                ClassLead.store_id.in_({row.store_id for row in rows}),
                ClassLead.customer_class.in_({row.customer_class for row in rows}),
                ClassLead.region.in_({row.region for row in rows} | {""}),
            )
        )
    }
    found: dict[int, User | None] = {}
    for row in rows:
        person = leads.get((row.store_id, row.customer_class, row.region)) or leads.get(
            (row.store_id, row.customer_class, "")
        )
        found[row.member_id] = person if person is not None and person.is_enabled else None
    return found


# --- the due list ---------------------------------------------------------------------------

DUE_ORDER = [SortKey(ClassedCustomer.next_due_on), SortKey(ClassedCustomer.member_id)]


@dataclass(frozen=True)
class DueFilter:
    store_id: int | None = None
    customer_class: CustomerClass | None = None
    region: str | None = None
    #: only customers due on or before this day
    due_by: date | None = None


def due_list(
    session: Session,
    *,
    actor: User,
    flt: DueFilter = DueFilter(),
    cursor: str | None = None,
    limit: int = 25,
) -> Page[ClassedCustomer]:
    """R11: classed customers of the actor's stores, the earliest due first."""
    scope = stores_in_scope(actor, p.VIEW_SERVICE)
    query = select(ClassedCustomer)
    if flt.store_id is not None:
        if scope is not None and flt.store_id not in scope:
            raise NotFound(_l("No such store."))
        query = query.where(ClassedCustomer.store_id == flt.store_id)
    elif scope is not None:
        query = query.where(ClassedCustomer.store_id.in_(scope))
    if flt.customer_class is not None:
        query = query.where(ClassedCustomer.customer_class == flt.customer_class.value)
    if flt.region is not None:
        query = query.where(ClassedCustomer.region == flt.region)
    if flt.due_by is not None:
        query = query.where(ClassedCustomer.next_due_on <= flt.due_by)
    return paginate(session, query, order=DUE_ORDER, cursor=cursor, limit=limit)


def remind_due(session: Session, *, now: datetime, limit: int = 500) -> int:
    """R11, tick: tell each due customer's responsible person once per due date.

    Reads only rows due by tomorrow (UTC) through the due index and checks each against
    its store's own date; the outbox's key makes a second runner add nothing."""
    horizon = now.date().toordinal() + 1
    rows = session.scalars(
        select(ClassedCustomer)
        .where(ClassedCustomer.next_due_on <= date.fromordinal(horizon))
        .order_by(ClassedCustomer.next_due_on, ClassedCustomer.member_id)
        .limit(limit)
    )
    sent = 0
    for row in rows:
        if row.next_due_on > checks.local_today(row.store, now):
            continue
        person = responsible_for(session, row)
        key = f"{messages.FOLLOW_UP_DUE}:{row.member_id}:{row.next_due_on.isoformat()}"
        if person is None or reminded(session, key, person):
            continue
        made = notifications.notify(
            session,
            kind=messages.FOLLOW_UP_DUE,
            key=key,
            params=_reminder(row),
            user=person,
            channels=(Channel.PORTAL,),
            store_id=row.store_id,
        )
        sent += bool(made)
    return sent


def reminded(session: Session, key: str, user: User) -> bool:
    """Whether a runner queued this in-portal reminder already (the outbox adds none twice
    anyway; this keeps the tick's count to what it did). A probe of the outbox's unique
    (channel, key, recipient) index."""
    found = session.scalar(
        select(Notification.id).where(
            Notification.channel == Channel.PORTAL.value,
            Notification.dedupe_key == key,
            Notification.recipient == recipient_key(user_id=user.id, member_id=None),
        )
    )
    return found is not None


def _reminder(row: ClassedCustomer) -> dict[str, Any]:
    return {
        "customer": row.member.full_name,
        "klass": row.customer_class,
        "due": row.next_due_on.isoformat(),
    }

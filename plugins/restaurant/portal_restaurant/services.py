"""The restaurant rules: visits recorded once (R22), their consumption for approved VIPs
only (R5), and the monthly VIP qualification of R22, counted in the store's time zone.

Plain functions taking the session and explicit arguments; every object is checked
against the actor's store scope here, so the pages and the API cannot forget it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from portal import clock
from portal.accounts.models import User
from portal.accounts.permissions import can, require, stores_in_scope
from portal.audit.services import record
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.events import emit
from portal.idempotency import check_key
from portal.members.models import Member, MemberStatus
from portal.money import parse_amount
from portal.pagination import Page, SortKey, paginate
from portal.stores.models import Store
from portal.vip import services as vip
from portal.vip.models import OPEN_STATUSES, VipFile, VipStatus
from portal_restaurant import months
from portal_restaurant.models import Visit, VisitSource
from portal_restaurant.permissions import RECORD_VISIT, VIEW_CANDIDATES, VIEW_VISITS

#: R22: visits in one calendar month that make a customer a VIP candidate
VISITS_PER_MONTH = 2
MAX_PARTY = 500
MAX_TABLE_LABEL = 20
MAX_REFERENCE = 40
#: a clock a few minutes fast at the till is not a visit in the future
CLOCK_SLACK = timedelta(minutes=5)
#: older than this is a typing error, not a meal
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
#: the local dates a filter is cut to: every visit lies between them, and local midnight
#: of 0001-01-01 or 9999-12-31 lies outside what a ``datetime`` holds
FIRST_FILTER_DAY = date(1999, 12, 31)
LAST_FILTER_DAY = date(2999, 12, 31)
#: how far the dashboard counts go before they show "99+"
COUNT_CAP = 99

_REFERENCE = re.compile(r"^[\x21-\x7e]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


# --- scope ------------------------------------------------------------------------------------


def stores_for(session: Session, actor: User, action: str) -> list[Store]:
    """The stores (not the head office) where ``actor`` may take ``action``, by code."""
    scope = stores_in_scope(actor, action)
    query = select(Store).where(Store.is_head_office.is_(False)).order_by(Store.code)
    if scope is not None:
        query = query.where(Store.id.in_(sorted(scope)))
    return list(session.scalars(query))


def get_store(session: Session, *, actor: User, action: str, store_id: int | None) -> Store:
    """The store the actor asked for, or their only one; NotFound outside their scope.

    With several stores in scope and none asked for, the answer names the field to fill.
    """
    if store_id is None:
        stores = stores_for(session, actor, action)
        if len(stores) == 1:
            return stores[0]
        if not stores:
            raise NotFound(_l("No such store."))
        raise ValidationFailed.single("store_id", _l("Choose a store."))
    store = session.get(Store, store_id)
    if store is None or store.is_head_office or not can(actor, action, store):
        raise NotFound(_l("No such store."))
    return store


# --- R22: recording a visit ---------------------------------------------------------------------


@dataclass(frozen=True)
class VisitData:
    """What the floor staff (or the reservation system) knows about one meal."""

    visited_at: datetime | None
    source: str | None
    party_size: int | None
    table_label: str | None = None
    amount: Decimal | str | None = None
    reservation_ref: str | None = None


def _clean(data: VisitData, now: datetime) -> dict[str, Any]:
    """Every field checked at once; a translated message per wrong field."""
    errors: dict[str, list[object]] = {}
    at = data.visited_at
    if at is None:
        errors["visited_at"] = [_l("Enter when the party sat down.")]
    elif at.tzinfo is None:
        errors["visited_at"] = [_l("Give the time with its time zone.")]
    elif at > now + CLOCK_SLACK:
        errors["visited_at"] = [_l("This time lies in the future.")]
    elif at < EARLIEST:
        errors["visited_at"] = [_l("This time lies too far in the past.")]
    if data.source not in set(VisitSource):
        errors["source"] = [_l("Choose reservation or walk-in table.")]
    size = data.party_size
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_PARTY:
        errors["party_size"] = [_l("Enter the number of guests, from 1 to %(max)d.", max=MAX_PARTY)]
    table = " ".join((data.table_label or "").split()) or None
    if table is not None and (len(table) > MAX_TABLE_LABEL or _CONTROL.search(table)):
        errors["table_label"] = [
            _l("At most %(count)d characters, no control characters.", count=MAX_TABLE_LABEL)
        ]
    reference = (data.reservation_ref or "").strip() or None
    if reference is not None and (
        len(reference) > MAX_REFERENCE or not _REFERENCE.match(reference)
    ):
        errors["reservation_ref"] = [
            _l("At most %(count)d letters, digits or signs, no spaces.", count=MAX_REFERENCE)
        ]
    amount = None
    if data.amount is not None and str(data.amount).strip() != "":
        amount = parse_amount(data.amount)
        if amount is None:
            errors["amount"] = [_l("Enter an amount above zero, with at most two decimals.")]
    if errors:
        raise ValidationFailed(errors)
    assert at is not None
    return {
        "visited_at": at.astimezone(UTC),
        "source": str(data.source),
        "party_size": size,
        "table_label": table,
        "amount": amount,
        "reservation_ref": reference,
    }


def record_visit(
    session: Session,
    *,
    actor: User,
    member: Member,
    data: VisitData,
    idempotency_key: str | None = None,
) -> tuple[Visit, bool]:
    """R22: record one meal of a customer at their store, walk-in tables included.

    R5: when the customer is an approved VIP and an amount is given, the meal is also
    recorded as VIP consumption; for anyone else the visit is kept without it.

    With ``idempotency_key`` the same recording sent twice (also at the same moment) by
    the same account is stored once: the answer is the first visit and False ("not
    created"). The same key with other values is a Conflict; another account's key is
    theirs alone. Returns ``(visit, created)``.
    """
    require(actor, RECORD_VISIT, member, hide=True)
    if member.status == MemberStatus.CLOSED:
        raise Conflict(_l("This member record is closed."))
    key = check_key(idempotency_key)
    now = clock.now()
    values = _clean(data, now)
    values.update(store_id=member.store_id, member_id=member.id, recorded_by_id=actor.id)
    if key is not None:
        existing = _sent_with(session, actor, key)
        if existing is not None:
            return _replayed(existing, values), False
    visit = Visit(**values, idempotency_key=key, created_at=now)
    try:
        with session.begin_nested():
            session.add(visit)
            session.flush()
    except IntegrityError:
        # the same key arrived twice at once: the other request stored it
        existing = None if key is None else _sent_with(session, actor, key)
        if existing is None:
            raise
        return _replayed(existing, values), False
    _record_vip_consumption(session, actor, member, visit)
    record(
        session,
        actor=actor,
        action="restaurant.visit_recorded",
        object_type="restaurant_visit",
        object_id=visit.id,
        store_id=visit.store_id,
        after=_snapshot(visit),
    )
    emit(
        session,
        "restaurant.visit_recorded",
        actor=actor,
        visit_id=visit.id,
        member_id=visit.member_id,
        store_id=visit.store_id,
        consumption_id=visit.consumption_id,
    )
    return visit, True


def _sent_with(session: Session, actor: User, key: str) -> Visit | None:
    """The visit ``actor`` recorded with ``key``: a key belongs to its sender, so another
    account's key is neither replayed to nor refused for them."""
    return session.scalar(
        select(Visit).where(Visit.recorded_by_id == actor.id, Visit.idempotency_key == key)
    )


def _record_vip_consumption(session: Session, actor: User, member: Member, visit: Visit) -> None:
    """R5: only an approved VIP's meal with a known amount becomes VIP consumption."""
    if visit.amount is None or vip.approved_file_of(session, member) is None:
        return
    note = " · ".join(part for part in (visit.table_label, visit.reservation_ref) if part)
    row = vip.record_consumption(
        session,
        actor=actor,
        file_or_member=member,
        amount=visit.amount,
        occurred_at=visit.visited_at,
        # no key: the visit's own key already makes a retry return before this point,
        # and a key derived from the visit id could be taken by any client of the
        # core's consumption API first (its keys are one namespace)
        note=note or None,
    )
    visit.consumption_id = row.id
    session.flush()


_COMPARED = (
    "store_id",
    "member_id",
    "recorded_by_id",
    "visited_at",
    "source",
    "party_size",
    "table_label",
    "amount",
    "reservation_ref",
)


def _replayed(existing: Visit, values: dict[str, Any]) -> Visit:
    if any(getattr(existing, name) != values[name] for name in _COMPARED):
        raise Conflict(_l("This idempotency key was already used for another visit."))
    return existing


def _snapshot(visit: Visit) -> dict[str, Any]:
    return {
        "member_id": visit.member_id,
        "visited_at": visit.visited_at.isoformat(),
        "source": visit.source,
        "party_size": visit.party_size,
        "table_label": visit.table_label,
        "amount": None if visit.amount is None else str(visit.amount),
        "reservation_ref": visit.reservation_ref,
        "consumption_id": visit.consumption_id,
    }


# --- reading visits ------------------------------------------------------------------------------


class VisitSort(StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"
    PARTY = "party"


SORT_LABELS = {
    VisitSort.NEWEST: _l("Newest first"),
    VisitSort.OLDEST: _l("Oldest first"),
    VisitSort.PARTY: _l("Largest party first"),
}

SORTS: dict[VisitSort, list[SortKey]] = {
    VisitSort.NEWEST: [SortKey(Visit.visited_at, True), SortKey(Visit.id, True)],
    VisitSort.OLDEST: [SortKey(Visit.visited_at), SortKey(Visit.id)],
    VisitSort.PARTY: [SortKey(Visit.party_size, True), SortKey(Visit.id, True)],
}


def list_visits(
    session: Session,
    *,
    actor: User,
    store: Store,
    since: date | None = None,
    until: date | None = None,
    source: VisitSource | None = None,
    sort: VisitSort = VisitSort.NEWEST,
    cursor: str | None = None,
    limit: int = 25,
) -> Page[Visit]:
    """The store's visits, one keyset page at a time; ``since`` and ``until`` are local
    dates of the store, both included."""
    require(actor, VIEW_VISITS, store, hide=True)
    if since is not None and until is not None and until < since:
        raise ValidationFailed.single("until", _l("The end date lies before the start date."))
    query = (
        select(Visit)
        .where(Visit.store_id == store.id)
        .options(selectinload(Visit.member), selectinload(Visit.recorded_by))
    )
    if since is not None:
        start = months.local_midnight(_filter_day(since), store.zone)
        query = query.where(Visit.visited_at >= start)
    if until is not None:
        end = months.local_midnight(_filter_day(until) + timedelta(days=1), store.zone)
        query = query.where(Visit.visited_at < end)
    if source is not None:
        query = query.where(Visit.source == source)
    return paginate(session, query, order=SORTS[sort], cursor=cursor, limit=limit)


def _filter_day(day: date) -> date:
    """``day`` moved into the years visits can have: the same visits, no overflow."""
    return min(max(day, FIRST_FILTER_DAY), LAST_FILTER_DAY)


def get_visit(session: Session, *, actor: User, visit_id: int) -> Visit:
    """A visit of a store in the actor's scope; anything else answers NotFound."""
    visit = session.get(Visit, visit_id)
    if visit is None or not can(actor, VIEW_VISITS, visit):
        raise NotFound(_l("No such visit."))
    return visit


#: how many of a customer's latest visits the member page shows
MEMBER_PAGE_VISITS = 20


def member_visits(
    session: Session, *, actor: User, member: Member, limit: int = MEMBER_PAGE_VISITS
) -> list[Visit]:
    """R22: the customer's visits this month and last, newest first, for the customer
    themself or whoever may see the store's visits; NotFound for anyone else."""
    if actor.id != member.user_id and not can(actor, VIEW_VISITS, member):
        raise NotFound(_l("No such visit."))
    start, _end = months.month_bounds(
        months.previous_month(this_month(member.store)), member.store.zone
    )
    return list(
        session.scalars(
            select(Visit)
            .where(Visit.member_id == member.id, Visit.visited_at >= start)
            .order_by(Visit.visited_at.desc(), Visit.id.desc())
            .limit(limit)
        )
    )


def visits_today(session: Session, *, store: Store) -> int:
    """How many visits the store has recorded today (local), up to ``COUNT_CAP + 1``."""
    start, end = months.day_bounds(clock.now().astimezone(store.zone).date(), store.zone)
    limited = (
        select(Visit.id)
        .where(Visit.store_id == store.id, Visit.visited_at >= start, Visit.visited_at < end)
        .limit(COUNT_CAP + 1)
    )
    return session.scalar(select(func.count()).select_from(limited.subquery())) or 0


# --- R22: qualification ---------------------------------------------------------------------


def this_month(store: Store) -> date:
    """The first day of the current month where the store is."""
    return months.month_of(clock.now(), store.zone)


def visits_in_month(session: Session, *, member: Member, month: date) -> int:
    """R22: the customer's visits at their store in ``month``, cut at local midnight."""
    start, end = months.month_bounds(month, member.store.zone)
    return (
        session.scalar(
            select(func.count(Visit.id)).where(
                Visit.member_id == member.id,
                Visit.store_id == member.store_id,
                Visit.visited_at >= start,
                Visit.visited_at < end,
            )
        )
        or 0
    )


@dataclass(frozen=True)
class Qualification:
    """R22 for one customer: visits this month and the month before."""

    month: date
    visits: int
    previous_month: date
    previous_visits: int

    @property
    def qualifies(self) -> bool:
        """A candidate in either month: October's two dinners still count on 1 November."""
        return max(self.visits, self.previous_visits) >= VISITS_PER_MONTH


def qualification(session: Session, *, member: Member, month: date | None = None) -> Qualification:
    """R22: the customer's visit counts for ``month`` (default: this month) and the one
    before it."""
    month = months.first_of(month or this_month(member.store))
    previous = months.previous_month(month)
    return Qualification(
        month=month,
        visits=visits_in_month(session, member=member, month=month),
        previous_month=previous,
        previous_visits=visits_in_month(session, member=member, month=previous),
    )


#: the ``r22_stores`` setting that applies R22 at every store from the start
EVERY_STORE = "all"


def r22_applies(session: Session, *, store: Store, setting: object = None) -> bool:
    """Whether R22 governs the VIP files of ``store``.

    ``setting`` is ``[restaurant] r22_stores`` of portal.toml: ``"all"``, a list of
    store codes, or one code. Without it, R22 applies at every store that records visits:
    a store that has never recorded one does not use the vertical (a deployment may hold
    other kinds of branch), and refusing its VIP files would count meals nobody records.
    """
    if setting == EVERY_STORE:
        return True
    if isinstance(setting, str):
        return store.code == setting
    if isinstance(setting, list):
        return store.code in setting
    return session.scalar(select(Visit.id).where(Visit.store_id == store.id).limit(1)) is not None


def refusal(found: Qualification) -> str:
    """Why a customer does not qualify (R22), with the counts found, in the reader's language."""
    return str(
        _l(
            "R22: a VIP eats at the store at least %(needed)d times in one calendar month; "
            "visits found: %(visits)d in %(month)s, %(previous)d in %(previous_month)s.",
            needed=VISITS_PER_MONTH,
            visits=found.visits,
            month=months.format_month(found.month),
            previous=found.previous_visits,
            previous_month=months.format_month(found.previous_month),
        )
    )


@dataclass(frozen=True)
class Candidate:
    """R22: a customer with enough visits in the month, and their VIP file if they have one
    open or approved."""

    member: Member
    visits: int
    vip_file: VipFile | None


def _candidate_ids(store: Store, month: date) -> Any:
    start, end = months.month_bounds(month, store.zone)
    return (
        select(Visit.member_id)
        .where(Visit.store_id == store.id, Visit.visited_at >= start, Visit.visited_at < end)
        .group_by(Visit.member_id)
        .having(func.count(Visit.id) >= VISITS_PER_MONTH)
    )


def candidates(
    session: Session,
    *,
    actor: User,
    store: Store,
    month: date,
    cursor: str | None = None,
    limit: int = 25,
) -> Page[Candidate]:
    """R22: the store's customers with at least two visits in ``month`` (local calendar),
    by name, with their visit counts and any open or approved VIP file."""
    require(actor, VIEW_CANDIDATES, store, hide=True)
    month = months.first_of(month)
    query = select(Member).where(Member.id.in_(_candidate_ids(store, month)))
    page = paginate(
        session,
        query.options(selectinload(Member.referrer)),
        order=[SortKey(Member.full_name), SortKey(Member.id)],
        cursor=cursor,
        limit=limit,
    )
    ids = [member.id for member in page.items]
    start, end = months.month_bounds(month, store.zone)
    counts = dict(
        session.execute(
            select(Visit.member_id, func.count(Visit.id))
            .where(
                Visit.member_id.in_(ids),
                Visit.store_id == store.id,
                Visit.visited_at >= start,
                Visit.visited_at < end,
            )
            .group_by(Visit.member_id)
        ).all()
    )
    files: dict[int, VipFile] = {}
    for file in session.scalars(
        select(VipFile)
        .where(
            VipFile.member_id.in_(ids),
            VipFile.status.in_([*OPEN_STATUSES, VipStatus.APPROVED]),
        )
        .order_by(VipFile.id)
    ):
        files[file.member_id] = file
    items = [Candidate(m, int(counts.get(m.id, 0)), files.get(m.id)) for m in page.items]
    return Page(items=items, next_cursor=page.next_cursor)


def candidates_count(session: Session, *, store: Store, month: date) -> int:
    """How many candidates the store has in ``month``, up to ``COUNT_CAP + 1``."""
    limited = _candidate_ids(store, months.first_of(month)).limit(COUNT_CAP + 1)
    return session.scalar(select(func.count()).select_from(limited.subquery())) or 0


def may_start_file(actor: User, member: Member) -> bool:
    """R8: only the customer's referrer starts their VIP file."""
    return member.referrer_id == actor.id

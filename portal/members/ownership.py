"""Referrer ownership: one referrer per customer (R8), handover (R9), history and counts.

- Every contact method of a customer is normalized and unique within the store
  (``portal.members.contacts``); entering a customer whose contact another referrer's
  customer holds opens a conflict case instead of a duplicate (R8).
- ``Member.referrer_id`` is the current owner; every change of it goes through
  ``assign_referrer``, which closes the open ``ReferrerAssignment`` and opens the next,
  so the history answers "who served this customer on that day, and why".
- A departed (disabled) referrer's customers are handed to named successors, who must be
  enabled staff of the store; the customers are told who serves them now (R9).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from portal import clock
from portal.accounts.models import RoleGrant, User
from portal.accounts.permissions import Action, can, require, stores_in_scope
from portal.accounts.roles import Role
from portal.audit.services import record
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.events import emit
from portal.members import contacts as c
from portal.members import validators as v
from portal.members.contacts import Contact, ContactTaken, normalize_contact
from portal.members.models import (
    AssignmentReason,
    ConflictCase,
    ConflictStatus,
    ContactKind,
    Member,
    MemberSource,
    MemberStatus,
    OwnershipConflict,
    ReferrerAssignment,
)
from portal.notifications import messages
from portal.notifications import services as notifications
from portal.notifications.models import Channel
from portal.pagination import Page, SortKey, paginate
from portal.stores.models import Store

__all__ = [
    "AlreadyYours",
    "ConflictCase",
    "Contact",
    "ContactKind",
    "ContactTaken",
    "Keep",
    "assign_referrer",
    "change_referrer",
    "conflicts_queue",
    "customers_at",
    "customers_of",
    "enter_customer",
    "get_conflict",
    "hand_over",
    "history",
    "is_referrer",
    "my_conflicts",
    "normalize_contact",
    "ownership_report",
    "referrers_of_store",
    "resolve_conflict",
    "set_contacts",
    "successors_for",
]

MAX_REASON_LENGTH = 500

messages.define(
    "ownership.conflict_opened",
    _l(
        "%(claimant)s entered a customer who already belongs to %(holder)s at %(store)s. "
        "Please decide who keeps the customer (case %(case)s)."
    ),
)
messages.define(
    "ownership.conflict_resolved",
    _l(
        "Ownership case %(case)s at %(store)s is decided: %(kept)s keeps the customer "
        "%(customer)s. Reason: %(reason)s"
    ),
)
messages.define(
    "ownership.new_referrer",
    _l(
        "%(store)s: from now on %(referrer)s is your contact person. "
        "We look forward to serving you."
    ),
)
messages.define(
    "ownership.customers_received",
    _l("%(count)s customers of %(previous)s at %(store)s were handed over to you."),
)


class AlreadyYours(Conflict):
    """R8: the customer entered is already the referrer's own customer."""

    def __init__(self, member: Member) -> None:
        super().__init__(_l("This customer is already yours."))
        self.member = member


# --- who owns whom ---------------------------------------------------------------------------


def is_referrer(member: Member, user: User | None) -> bool:
    """R8: whether ``user`` is the (enabled) referrer who owns ``member`` now."""
    return (
        user is not None
        and user.is_enabled
        and user.id is not None
        and member.referrer_id == user.id
    )


def customers_of(session: Session, referrer_id: int, store_id: int) -> Select[tuple[Member]]:
    """The referrer's current customers in the store (index ix_member_store_referrer)."""
    return select(Member).where(Member.store_id == store_id, Member.referrer_id == referrer_id)


def _serves_store(user: User, store_id: int) -> bool:
    return any(
        g.store_id == store_id and g.role in (Role.STAFF, Role.STORE_MANAGER) for g in user.grants
    )


def _check_referrer(user: User | None, store_id: int, field: str = "referrer_id") -> User:
    """A referrer must be an enabled staff member or manager of the store (R8, R9)."""
    if user is None or not user.is_enabled or not _serves_store(user, store_id):
        raise ValidationFailed.single(
            field, _l("Choose a staff member or manager of this store whose account is open.")
        )
    return user


def successors_for(session: Session, store_id: int, *, exclude: int | None = None) -> list[User]:
    """Enabled staff and managers of the store: who may take over customers (R9)."""
    query = (
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(
            RoleGrant.store_id == store_id,
            RoleGrant.role.in_([Role.STAFF, Role.STORE_MANAGER]),
            User.is_enabled.is_(True),
        )
        .distinct()
        .order_by(User.display_name, User.id)
    )
    return [u for u in session.scalars(query) if u.id != exclude]


def _managers_of(session: Session, store_id: int) -> list[User]:
    query = (
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(
            RoleGrant.store_id == store_id,
            RoleGrant.role == Role.STORE_MANAGER,
            User.is_enabled.is_(True),
        )
        .distinct()
        .order_by(User.id)
    )
    return list(session.scalars(query))


def assign_referrer(
    session: Session,
    *,
    actor: User | None,
    member: Member,
    referrer: User | None,
    reason: AssignmentReason,
    case: OwnershipConflict | None = None,
    expected: int | bool | None = False,
) -> ReferrerAssignment | None:
    """R8/R9: THE one place ``Member.referrer_id`` changes.

    Closes the member's open assignment and opens the next one (none when ``referrer`` is
    None), with an audit event. ``expected`` (the referrer id the caller saw; default:
    the member's in this session) is compared and set in one UPDATE, so of two concurrent
    changes exactly one stands and the other raises ``Conflict``.
    Callers check authorization and that ``referrer`` may serve the store.
    """
    seen = member.referrer_id if expected is False else expected
    new_id = referrer.id if referrer is not None else None
    if seen == new_id:
        return None
    changed = session.execute(
        update(Member)
        .where(
            Member.id == member.id,
            Member.referrer_id.is_(None) if seen is None else Member.referrer_id == seen,
        )
        .values(referrer_id=new_id, updated_at=clock.now())
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        session.refresh(member)
        raise Conflict(_l("Someone else changed this customer's referrer just now. Reload."))
    session.refresh(member, ["referrer_id", "referrer", "updated_at"])
    now = clock.now()
    session.execute(
        update(ReferrerAssignment)
        .where(ReferrerAssignment.member_id == member.id, ReferrerAssignment.ends_at.is_(None))
        .values(ends_at=now)
        .execution_options(synchronize_session="fetch")
    )
    assignment = None
    if referrer is not None:
        assignment = ReferrerAssignment(
            member_id=member.id,
            store_id=member.store_id,
            referrer_id=referrer.id,
            starts_at=now,
            reason=str(reason),
            case_id=case.id if case is not None else None,
            decided_by_id=actor.id if actor is not None else None,
        )
        session.add(assignment)
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError:
            raise Conflict(
                _l("Someone else changed this customer's referrer just now. Reload.")
            ) from None
    record(
        session,
        actor=actor,
        action="member.referrer_changed",
        object_type="member",
        object_id=member.id,
        store_id=member.store_id,
        before={"referrer_id": seen},
        after={
            "referrer_id": new_id,
            "reason": str(reason),
            "case_id": case.id if case is not None else None,
        },
    )
    emit(
        session,
        "member.referrer_changed",
        actor=actor,
        member_id=member.id,
        store_id=member.store_id,
        referrer_id=new_id,
        previous_referrer_id=seen,
        reason=str(reason),
    )
    return assignment


def change_referrer(
    session: Session, *, actor: User, member: Member, referrer: User
) -> ReferrerAssignment | None:
    """The store assigns a customer to a referrer directly (reason "assigned")."""
    require(
        actor, Action.HAND_OVER_CUSTOMERS, member, hide=not can(actor, Action.VIEW_MEMBER, member)
    )
    _check_referrer(referrer, member.store_id)
    return assign_referrer(
        session, actor=actor, member=member, referrer=referrer, reason=AssignmentReason.ASSIGNED
    )


# --- contacts -------------------------------------------------------------------------------


def set_contacts(
    session: Session,
    *,
    actor: User | None,
    member: Member,
    contacts: Sequence[tuple[ContactKind | str, str]],
) -> Member:
    """R8: the customer's contact methods become ``contacts`` (normalized, deduplicated).

    The primary mobile (the ``mobile`` column, the member's login) and e-mail always stay.
    A value another customer of the store holds raises ``ContactTaken`` (a Conflict) that
    names nobody. The customer's editors and their referrer may do this.
    """
    if not (is_referrer(member, actor) or can(actor, Action.EDIT_MEMBER, member)):
        require(actor, Action.EDIT_MEMBER, member, hide=not can(actor, Action.VIEW_MEMBER, member))
    normalized = c.normalize_all(contacts)
    before = c.snapshot(member)
    if c.replace_contacts(session, member, normalized):
        session.refresh(member, ["contacts"])
        member.updated_at = clock.now()
        record(
            session,
            actor=actor,
            action="member.contacts_changed",
            object_type="member",
            object_id=member.id,
            store_id=member.store_id,
            before={"contacts": before},
            after={"contacts": c.snapshot(member)},
        )
        emit(session, "member.updated", member_id=member.id, store_id=member.store_id)
    return member


# --- entering customers and conflicts (R8) ----------------------------------------------------


def enter_customer(
    session: Session,
    *,
    actor: User,
    store_id: int,
    full_name: str,
    mobile: str,
    email: str | None = None,
    contacts: Sequence[tuple[ContactKind | str, str]] = (),
    referrer: User | None = None,
) -> Member | OwnershipConflict:
    """R8: a staff-entered customer referred by ``referrer`` (default: the actor).

    Staff enter customers they refer; a store manager may name another referrer of the
    store. When any contact already belongs to a customer of the store:
    - the referrer's own customer: ``AlreadyYours`` (a Conflict) is raised;
    - someone else's (or nobody's yet): no duplicate is made; an ``OwnershipConflict`` is
      opened (or the claimant's open one for that customer returned), flushed, the store's
      managers are notified, and the case is returned.
    """
    store = session.get(Store, store_id)
    if store is None or store.is_head_office:
        raise NotFound(_l("No such store."))
    require(actor, Action.ENTER_CUSTOMER, store, hide=True)
    if not store.is_active:
        raise ValidationFailed.single("store_id", _l("This store is closed."))
    referrer = referrer or actor
    if referrer.id != actor.id and not actor.has_role(Role.STORE_MANAGER, store.id):
        raise ValidationFailed.single(
            "referrer_id", _l("Only the store manager may enter a customer for someone else.")
        )
    errors: dict[str, list[object]] = {}
    try:
        _check_referrer(referrer, store.id)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    name = _collect(errors, "full_name", v.check_full_name, full_name)
    primary = _collect(errors, "mobile", v.normalize_mobile, mobile)
    mail = _collect(errors, "email", v.normalize_email, email)
    extra: list[Contact] = []
    try:
        extra = c.normalize_all(contacts)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    assert name is not None
    assert primary is not None

    wanted = [Contact(ContactKind.MOBILE, primary)]
    if mail:
        wanted.append(Contact(ContactKind.EMAIL, mail.lower()))
    wanted += [x for x in extra if x not in wanted]

    found = c.holders(session, store.id, wanted)
    if found:
        own = [m for m in found if m.referrer_id == referrer.id]
        if own:
            raise AlreadyYours(own[0])
        return _open_conflict(
            session,
            actor=actor,
            store=store,
            member=found[0],
            claimant=referrer,
            claimed={"full_name": name, "contacts": [x.as_dict() for x in wanted]},
        )

    now = clock.now()
    member = Member(
        store_id=store.id,
        full_name=name,
        mobile=primary,
        email=mail,
        status=MemberStatus.ACTIVE,
        source=MemberSource.STAFF,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(member)
            session.flush()
            c.replace_contacts(session, member, wanted)
    except (IntegrityError, ContactTaken):
        # a concurrent entry of the same person won the race
        raise Conflict(
            _l("This customer was entered by someone else just now. Try again to see who.")
        ) from None
    record(
        session,
        actor=actor,
        action="member.entered",
        object_type="member",
        object_id=member.id,
        store_id=store.id,
        after={"full_name": name, "contacts": [x.as_dict() for x in wanted]},
    )
    assign_referrer(
        session,
        actor=actor,
        member=member,
        referrer=referrer,
        reason=AssignmentReason.ENTERED,
        expected=None,
    )
    emit(session, "member.entered", member_id=member.id, store_id=store.id)
    return member


def _collect(errors: dict[str, list[object]], name: str, fn: Any, value: Any) -> Any:
    try:
        return fn(value)
    except v.InvalidValue as exc:
        errors.setdefault(name, []).append(exc.message)
        return None


def _open_conflict(
    session: Session,
    *,
    actor: User,
    store: Store,
    member: Member,
    claimant: User,
    claimed: dict[str, Any],
) -> OwnershipConflict:
    existing = session.scalar(
        select(OwnershipConflict).where(
            OwnershipConflict.member_id == member.id,
            OwnershipConflict.status == ConflictStatus.OPEN,
            OwnershipConflict.claimant_id == claimant.id,
        )
    )
    if existing is not None:
        return existing
    case = OwnershipConflict(
        store_id=store.id,
        member_id=member.id,
        claimant_id=claimant.id,
        holder_id=member.referrer_id,
        created_by_id=actor.id,
        claimed=claimed,
        status=ConflictStatus.OPEN,
        created_at=clock.now(),
    )
    session.add(case)
    session.flush()
    record(
        session,
        actor=actor,
        action="ownership.conflict_opened",
        object_type="ownership_conflict",
        object_id=case.id,
        store_id=store.id,
        after={
            "member_id": member.id,
            "claimant_id": claimant.id,
            "holder_id": member.referrer_id,
        },
    )
    holder = member.referrer.display_name if member.referrer is not None else "—"
    for manager in _managers_of(session, store.id):
        notifications.notify(
            session,
            kind="ownership.conflict_opened",
            params={
                "claimant": claimant.display_name,
                "holder": holder,
                "store": store.name,
                "case": case.id,
            },
            key=f"ownership.conflict_opened:{case.id}",
            user=manager,
            channels=(Channel.PORTAL,),
            store_id=store.id,
        )
    emit(session, "ownership.conflict_opened", case_id=case.id, store_id=store.id)
    return case


class Keep:
    """Which referrer a conflict decision keeps."""

    HOLDER = "holder"
    CLAIMANT = "claimant"
    ALL = (HOLDER, CLAIMANT)


def get_conflict(session: Session, *, actor: User | None, case_id: int) -> OwnershipConflict:
    """A case its store's deciders, its claimant and the customer's referrer may see."""
    case = session.get(OwnershipConflict, case_id)
    if case is None or actor is None or not _may_see(actor, case):
        raise NotFound(_l("No such case."))
    return case


def _may_see(actor: User, case: OwnershipConflict) -> bool:
    if can(actor, Action.RESOLVE_OWNERSHIP, case):
        return True
    return actor.is_enabled and actor.id in (case.claimant_id, case.holder_id, case.created_by_id)


def may_resolve(actor: User | None, case: OwnershipConflict) -> bool:
    return case.is_open and can(actor, Action.RESOLVE_OWNERSHIP, case)


def resolve_conflict(
    session: Session, *, actor: User, case: OwnershipConflict, keep: str, reason: str
) -> OwnershipConflict:
    """R8: the store manager keeps one referrer (the customer's current one or the
    claimant), with a reason. Exactly one decision stands: the case's status is compared
    and set in one UPDATE; the loser gets ``Conflict`` ("already decided")."""
    require(actor, Action.RESOLVE_OWNERSHIP, case, hide=not _may_see(actor, case))
    errors: dict[str, list[object]] = {}
    text = " ".join((reason or "").split())
    if not text:
        errors["reason"] = [_l("Give the reason for the decision.")]
    elif len(text) > MAX_REASON_LENGTH:
        errors["reason"] = [_l("At most %(count)d characters.", count=MAX_REASON_LENGTH)]
    if keep not in Keep.ALL:
        errors["keep"] = [_l("Choose who keeps the customer.")]
    if errors:
        raise ValidationFailed(errors)
    if not case.is_open:
        raise _already_decided()
    member = case.member
    if keep == Keep.CLAIMANT:
        kept: User | None = _check_referrer(case.claimant, case.store_id, field="keep")
    else:
        kept = member.referrer
    now = clock.now()
    won = session.execute(
        update(OwnershipConflict)
        .where(OwnershipConflict.id == case.id, OwnershipConflict.status == ConflictStatus.OPEN)
        .values(
            status=ConflictStatus.RESOLVED,
            kept_referrer_id=kept.id if kept is not None else None,
            reason=text,
            decided_by_id=actor.id,
            decided_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        raise _already_decided()
    session.refresh(case)
    if kept is not None and kept.id != member.referrer_id:
        assign_referrer(
            session,
            actor=actor,
            member=member,
            referrer=kept,
            reason=AssignmentReason.CONFLICT_DECISION,
            case=case,
        )
    record(
        session,
        actor=actor,
        action="ownership.conflict_resolved",
        object_type="ownership_conflict",
        object_id=case.id,
        store_id=case.store_id,
        before={"status": ConflictStatus.OPEN},
        after={
            "status": ConflictStatus.RESOLVED,
            "kept_referrer_id": case.kept_referrer_id,
            "reason": text,
        },
    )
    told = {u.id: u for u in (case.claimant, case.holder) if u is not None and u.is_enabled}
    for user in told.values():
        notifications.notify(
            session,
            kind="ownership.conflict_resolved",
            params={
                "case": case.id,
                "store": case.store.name,
                "kept": kept.display_name if kept is not None else "—",
                "customer": member.full_name,
                "reason": text,
            },
            key=f"ownership.conflict_resolved:{case.id}",
            user=user,
            channels=(Channel.PORTAL,),
            store_id=case.store_id,
        )
    emit(session, "ownership.conflict_resolved", case_id=case.id, store_id=case.store_id)
    return case


def _already_decided() -> Conflict:
    return Conflict(_l("This case was already decided by someone else."))


_QUEUE_ORDER = [SortKey(OwnershipConflict.created_at), SortKey(OwnershipConflict.id)]
_MINE_ORDER = [
    SortKey(OwnershipConflict.created_at, True),
    SortKey(OwnershipConflict.id, True),
]


def conflicts_queue(
    session: Session,
    *,
    actor: User,
    store_id: int | None = None,
    status: ConflictStatus = ConflictStatus.OPEN,
    cursor: str | None = None,
    limit: int = 25,
) -> Page[OwnershipConflict]:
    """R8: cases the actor may decide, oldest first (index ix_ownership_conflict_queue)."""
    scope = stores_in_scope(actor, Action.RESOLVE_OWNERSHIP)
    if scope is not None and not scope:
        raise NotFound(_l("Not found."))
    query = select(OwnershipConflict).where(OwnershipConflict.status == status)
    if store_id is not None:
        if scope is not None and store_id not in scope:
            raise NotFound(_l("No such store."))
        query = query.where(OwnershipConflict.store_id == store_id)
    elif scope is not None:
        query = query.where(OwnershipConflict.store_id.in_(scope))
    query = query.options(
        selectinload(OwnershipConflict.claimant), selectinload(OwnershipConflict.holder)
    )
    return paginate(session, query, order=_QUEUE_ORDER, cursor=cursor, limit=limit)


def my_conflicts(
    session: Session, *, actor: User, cursor: str | None = None, limit: int = 25
) -> Page[OwnershipConflict]:
    """The cases where the actor is the claimant, newest first."""
    query = select(OwnershipConflict).where(OwnershipConflict.claimant_id == actor.id)
    return paginate(session, query, order=_MINE_ORDER, cursor=cursor, limit=limit)


# --- handover (R9) -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferrerCount:
    referrer: User
    customers: int

    @property
    def departed(self) -> bool:
        return not self.referrer.is_enabled


def referrers_of_store(session: Session, *, actor: User, store_id: int) -> list[ReferrerCount]:
    """R9: everyone who serves customers of the store, departed (disabled) ones first."""
    store = _handover_store(session, actor, store_id)
    rows = session.execute(
        select(User, func.count(Member.id))
        .join(Member, Member.referrer_id == User.id)
        .where(Member.store_id == store.id)
        .group_by(User.id)
        .order_by(User.is_enabled, User.display_name, User.id)
    ).all()
    return [ReferrerCount(user, count) for user, count in rows]


def _handover_store(session: Session, actor: User, store_id: int) -> Store:
    store = session.get(Store, store_id)
    if store is None:
        raise NotFound(_l("No such store."))
    require(actor, Action.HAND_OVER_CUSTOMERS, store, hide=True)
    return store


def handover_customers(
    session: Session,
    *,
    actor: User,
    store_id: int,
    referrer_id: int,
    cursor: str | None = None,
    limit: int = 25,
) -> tuple[Store, User, Page[Member]]:
    """R9: one referrer's current customers in the store, a page at a time."""
    store = _handover_store(session, actor, store_id)
    previous = session.get(User, referrer_id)
    if previous is None:
        raise NotFound(_l("No such account."))
    page = paginate(
        session,
        customers_of(session, previous.id, store.id),
        order=[SortKey(Member.id)],
        cursor=cursor,
        limit=limit,
    )
    return store, previous, page


def hand_over(
    session: Session,
    *,
    actor: User,
    store_id: int,
    previous: User,
    choices: Mapping[int, int] | None = None,
    all_to: User | None = None,
) -> list[ReferrerAssignment]:
    """R9: hand ``previous``'s customers in the store to successors, in bulk.

    ``choices`` maps member id -> successor user id; ``all_to`` takes every other current
    customer of ``previous``. Successors are enabled staff or managers of the store. Each
    change goes through ``assign_referrer`` (reason handover, audited), and each customer
    is told their new referrer (SMS, and in the portal when they have a login). All or
    nothing: a customer whose referrer changed meanwhile fails the whole handover.
    """
    store = _handover_store(session, actor, store_id)
    choices = dict(choices or {})
    if not choices and all_to is None:
        raise ValidationFailed.single("all_to", _l("Choose a successor."))
    by_id: dict[int, User] = {}
    for user_id in {*choices.values(), *([all_to.id] if all_to is not None else [])}:
        user = session.get(User, user_id)
        field = "all_to" if all_to is not None and user_id == all_to.id else "successors"
        if user is None or user.id == previous.id:
            raise ValidationFailed.single(field, _l("Choose a successor."))
        by_id[user_id] = _check_referrer(user, store.id, field=field)
    targets: list[tuple[Member, User]] = []
    if choices:
        members = session.scalars(
            select(Member).where(Member.id.in_(choices), Member.store_id == store.id)
        ).all()
        found = {m.id: m for m in members}
        for member_id, successor_id in choices.items():
            member = found.get(member_id)
            if member is None or member.referrer_id != previous.id:
                raise Conflict(
                    _l("Some of these customers were handed over meanwhile. Reload the list.")
                )
            targets.append((member, by_id[successor_id]))
    if all_to is not None:
        rest = customers_of(session, previous.id, store.id).where(Member.id.not_in(choices))
        targets += [(m, all_to) for m in session.scalars(rest.order_by(Member.id))]
    done: list[ReferrerAssignment] = []
    received: dict[int, int] = {}
    for member, successor in targets:
        assignment = assign_referrer(
            session,
            actor=actor,
            member=member,
            referrer=successor,
            reason=AssignmentReason.HANDOVER,
            expected=previous.id,
        )
        assert assignment is not None
        done.append(assignment)
        received[successor.id] = received.get(successor.id, 0) + 1
        notifications.notify(
            session,
            kind="ownership.new_referrer",
            params={"store": store.name, "referrer": successor.display_name},
            key=f"ownership.handover:{member.id}:{assignment.id}",
            member=member,
            channels=(Channel.SMS, Channel.PORTAL),
            store_id=store.id,
        )
    if done:
        first = done[0].id
        for successor_id, count in received.items():
            notifications.notify(
                session,
                kind="ownership.customers_received",
                params={"count": count, "previous": previous.display_name, "store": store.name},
                key=f"ownership.customers_received:{previous.id}:{first}",
                user=by_id[successor_id],
                channels=(Channel.PORTAL,),
                store_id=store.id,
            )
        record(
            session,
            actor=actor,
            action="ownership.handed_over",
            object_type="user",
            object_id=previous.id,
            store_id=store.id,
            after={"customers": len(done), "successors": sorted(received)},
        )
    return done


# --- history and counts ----------------------------------------------------------------------


def history(session: Session, *, actor: User | None, member: Member) -> list[ReferrerAssignment]:
    """Who owned the customer from when to when and why, oldest first."""
    require(actor, Action.VIEW_MEMBER, member, hide=True)
    return list(
        session.scalars(
            select(ReferrerAssignment)
            .where(ReferrerAssignment.member_id == member.id)
            .options(selectinload(ReferrerAssignment.decided_by))
            .order_by(ReferrerAssignment.starts_at, ReferrerAssignment.id)
        )
    )


def customers_at(session: Session, *, store_id: int, at: datetime) -> dict[int, int]:
    """Customers per referrer id in the store at the instant ``at`` (starts_at <= at < ends_at)."""
    rows = session.execute(
        select(ReferrerAssignment.referrer_id, func.count(ReferrerAssignment.id))
        .where(
            ReferrerAssignment.store_id == store_id,
            ReferrerAssignment.starts_at <= at,
            or_(ReferrerAssignment.ends_at.is_(None), ReferrerAssignment.ends_at > at),
        )
        .group_by(ReferrerAssignment.referrer_id)
    ).all()
    return {referrer_id: count for referrer_id, count in rows}  # noqa: C416 - Row to int pairs


def ownership_report(
    session: Session, *, actor: User, store_id: int, at: datetime
) -> list[ReferrerCount]:
    """Customers per referrer at ``at``, most first, for store managers and head office."""
    store = session.get(Store, store_id)
    if store is None:
        raise NotFound(_l("No such store."))
    require(actor, Action.VIEW_SLA_REPORT, store, hide=True)
    counts = customers_at(session, store_id=store.id, at=at)
    users = (
        {u.id: u for u in session.scalars(select(User).where(User.id.in_(counts)))}
        if counts
        else {}
    )
    rows = [ReferrerCount(users[i], n) for i, n in counts.items() if i in users]
    return sorted(rows, key=lambda r: (-r.customers, r.referrer.display_name, r.referrer.id))


def report_stores(session: Session, actor: User) -> list[Store]:
    """Stores whose ownership report the actor may read."""
    scope = stores_in_scope(actor, Action.VIEW_SLA_REPORT)
    query = select(Store).where(Store.is_head_office.is_(False)).order_by(Store.code)
    if scope is not None:
        query = query.where(Store.id.in_(scope or [-1]))
    return list(session.scalars(query))


def handover_stores(session: Session, actor: User) -> list[Store]:
    """Stores where the actor may hand customers over."""
    scope = stores_in_scope(actor, Action.HAND_OVER_CUSTOMERS)
    query = select(Store).where(Store.is_head_office.is_(False)).order_by(Store.code)
    if scope is not None:
        query = query.where(Store.id.in_(scope or [-1]))
    return list(session.scalars(query))

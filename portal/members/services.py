"""Member rules: self-registration (R1), R2 checks on every write, scoped reads (R10)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload, selectinload

from portal import clock
from portal.accounts.models import User
from portal.accounts.passwords import check_new_password, hash_password, verify_password
from portal.accounts.permissions import Action, can, require, stores_in_scope
from portal.audit.services import diff, record
from portal.errors import NotFound, ValidationFailed
from portal.events import emit
from portal.members import contacts as c
from portal.members import validators as v
from portal.members.models import Member, MemberContact, MemberSource, MemberStatus
from portal.members.plugin_rules import apply_plugin_rules
from portal.pagination import Page, SortKey, paginate
from portal.stores.models import Store


@dataclass
class Registration:
    """What a person enters to register themselves (R1)."""

    full_name: str
    mobile: str
    store_id: int | None
    password: str
    consent: bool
    email: str | None = None
    locale: str | None = None


@dataclass
class ProfileChanges:
    """Fields a member (or their store) may change; None leaves a field unchanged."""

    full_name: str | None = None
    email: str | None = None
    address: str | None = None
    birthday: date | None = None
    wedding_anniversary: date | None = None
    clear: set[str] = field(default_factory=set)


class _Errors:
    """Collects field errors so a form reports every wrong field at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[object]] = {}

    def check(self, name: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except v.InvalidValue as exc:
            self.errors.setdefault(name, []).append(exc.message)
            return None

    def add(self, name: str, message: object) -> None:
        self.errors.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


def register_member(session: Session, *, data: Registration, terms_version: str) -> Member:
    """R1: a person registers as a member of one store and gets a login.

    The same mobile number registers once per store (R1/R8); the answer says so without
    naming the record's owner. A person already registered elsewhere joins another store
    by giving the password of their existing account.
    """
    errors = _Errors()
    full_name = errors.check("full_name", v.check_full_name, data.full_name)
    mobile = errors.check("mobile", v.normalize_mobile, data.mobile)
    email = errors.check("email", v.normalize_email, data.email)
    if mobile:
        errors.check("password", check_new_password, data.password, mobile=mobile)
    store = session.get(Store, data.store_id) if data.store_id else None
    if store is None or not store.is_active or store.is_head_office:
        errors.add("store_id", _l("Choose a store from the list."))
    if not data.consent:
        errors.add("consent", _l("You must accept the privacy terms to register."))
    errors.raise_if_any()
    assert store is not None
    assert mobile is not None
    assert full_name is not None
    apply_plugin_rules(
        {"full_name": full_name, "mobile": mobile, "email": email, "store_id": store.id},
        strictness="member",
    )

    if _mobile_taken(session, store.id, mobile):
        raise _already_registered()
    if email and c.holders(session, store.id, [c.Contact(c.ContactKind.EMAIL, email.lower())]):
        raise _already_registered("email")  # R8: an e-mail is one customer's in a store
    user = session.scalar(select(User).where(User.login == mobile))
    if user is not None and not verify_password(user.password_hash, data.password):
        raise ValidationFailed.single(
            "password",
            _l(
                "This mobile number already has an account. Enter its password to join "
                "this store too, or log in first."
            ),
        )

    now = clock.now()
    try:
        with session.begin_nested():
            if user is None:
                user = User(
                    login=mobile,
                    display_name=full_name,
                    email=email,
                    mobile=mobile,
                    password_hash=hash_password(data.password),
                    locale=data.locale,
                    created_at=now,
                )
                session.add(user)
                session.flush()
                record(
                    session,
                    actor=user,
                    action="account.created",
                    object_type="user",
                    object_id=user.id,
                    after={"login": user.login},
                )
            member = Member(
                store_id=store.id,
                user_id=user.id,
                full_name=full_name,
                mobile=mobile,
                email=email,
                status=MemberStatus.REGISTERED,
                source=MemberSource.SELF,
                consent_version=terms_version,
                consented_at=now,
                created_at=now,
                updated_at=now,
            )
            session.add(member)
            session.flush()
            c.sync_primaries(session, member)  # R8: the mobile is the primary contact
    except (IntegrityError, c.ContactTaken):
        # A concurrent registration of the same number won the race.
        raise _already_registered() from None
    record(
        session,
        actor=user,
        action="member.registered",
        object_type="member",
        object_id=member.id,
        store_id=store.id,
        after=_snapshot(member),
    )
    emit(session, "member.registered", member_id=member.id, store_id=store.id)
    return member


def _already_registered(field: str = "mobile") -> ValidationFailed:
    if field == "email":
        return ValidationFailed.single(
            "email",
            _l(
                "This e-mail address is already registered with this store. Log in instead, "
                "or ask the store for help."
            ),
        )
    return ValidationFailed.single(
        "mobile",
        _l(
            "This mobile number is already registered with this store. Log in instead, "
            "or ask the store for help."
        ),
    )


def _mobile_taken(session: Session, store_id: int, mobile: str) -> bool:
    """R1/R8: the number is a member's mobile, or any contact of a customer of the store."""
    return bool(c.holders(session, store_id, [c.Contact(c.ContactKind.MOBILE, mobile)]))


def _snapshot(member: Member) -> dict[str, Any]:
    return {
        "full_name": member.full_name,
        "mobile": member.mobile,
        "email": member.email,
        "address": member.address,
        "birthday": member.birthday.isoformat() if member.birthday else None,
        "wedding_anniversary": (
            member.wedding_anniversary.isoformat() if member.wedding_anniversary else None
        ),
        "status": member.status,
        "referrer_id": member.referrer_id,
    }


def update_profile(
    session: Session,
    *,
    actor: User | None,
    member: Member,
    changes: ProfileChanges,
    today: date,
) -> Member:
    """Change a member's details; every value passes the R2 checks again."""
    require(actor, Action.EDIT_MEMBER, member, hide=not can(actor, Action.VIEW_MEMBER, member))
    errors = _Errors()
    values: dict[str, Any] = {}
    if changes.full_name is not None:
        values["full_name"] = errors.check("full_name", v.check_full_name, changes.full_name)
    if changes.email is not None or "email" in changes.clear:
        values["email"] = errors.check("email", v.normalize_email, changes.email)
    if changes.address is not None or "address" in changes.clear:
        values["address"] = errors.check("address", v.check_address, changes.address)
    for name in ("birthday", "wedding_anniversary"):
        picked = getattr(changes, name)
        if picked is not None or name in changes.clear:
            values[name] = errors.check(name, v.check_picked_date, picked, today=today)
    errors.raise_if_any()
    if values:
        apply_plugin_rules({**_snapshot(member), **values}, strictness="member")

    before = _snapshot(member)
    for name, value in values.items():
        setattr(member, name, value)
    old, new = diff(before, _snapshot(member))
    if "email" in new:
        try:
            c.sync_primaries(session, member)  # R8: the e-mail is a contact, unique in the store
        except c.ContactTaken:
            raise _already_registered("email") from None
    if new:
        member.updated_at = clock.now()
        record(
            session,
            actor=actor,
            action="member.profile_updated",
            object_type="member",
            object_id=member.id,
            store_id=member.store_id,
            before=old,
            after=new,
        )
        emit(session, "member.updated", member_id=member.id, store_id=member.store_id)
    return member


def get_member(session: Session, *, actor: User | None, member_id: int) -> Member:
    """A member record the actor may see; anything else answers NotFound (R10)."""
    member = session.get(Member, member_id)
    if member is None or not can(actor, Action.VIEW_MEMBER, member):
        raise NotFound(_l("No such member."))
    return member


def open_member_file(session: Session, *, actor: User | None, member_id: int) -> Member:
    """R10: a member record opened for reading; a full read by anyone but the member
    themself and their referrer (R8: the customer is theirs) is logged."""
    member = get_member(session, actor=actor, member_id=member_id)
    if (
        actor is not None
        and actor.id not in (member.user_id, member.referrer_id)
        and sees_contacts(actor, member)
    ):
        record(
            session,
            actor=actor,
            action="member.file_read",
            object_type="member",
            object_id=member.id,
            store_id=member.store_id,
        )
    return member


def memberships_of(session: Session, user: User) -> list[Member]:
    """The member records a login owns, one per store."""
    return list(
        session.scalars(select(Member).where(Member.user_id == user.id).order_by(Member.created_at))
    )


class MemberSort(StrEnum):
    NEWEST = "newest"
    NAME = "name"


SORTS: dict[MemberSort, list[SortKey]] = {
    MemberSort.NEWEST: [SortKey(Member.created_at, True), SortKey(Member.id, True)],
    MemberSort.NAME: [SortKey(Member.full_name), SortKey(Member.id)],
}


def list_members(
    session: Session,
    *,
    actor: User,
    store_id: int | None,
    status: MemberStatus | None = None,
    sort: MemberSort = MemberSort.NEWEST,
    cursor: str | None = None,
    limit: int = 25,
    contact: str | None = None,
) -> Page[Member]:
    """Members of the stores in the actor's scope, one keyset page at a time (R10).

    ``contact`` finds the customers holding a phone number, e-mail or WeChat ID, as a clerk
    at the counter does; text that is none of them finds nobody."""
    scope = stores_in_scope(actor, Action.LIST_MEMBERS)
    # one query for the referrers, not one per row; the list shows their names, not grants
    query = select(Member).options(selectinload(Member.referrer).options(lazyload(User.grants)))
    if store_id is not None:
        if scope is not None and store_id not in scope:
            raise NotFound(_l("No such store."))
        query = query.where(Member.store_id == store_id)
    elif scope is not None:
        query = query.where(Member.store_id.in_(scope))
    if status is not None:
        query = query.where(Member.status == status)
    if contact is not None:
        keys = c.search_keys(contact)
        holders = select(MemberContact.member_id).where(
            or_(
                false(),
                *(and_(MemberContact.kind == k.kind, MemberContact.value == k.value) for k in keys),
            )
        )
        query = query.where(Member.id.in_(holders))
    return paginate(session, query, order=SORTS[sort], cursor=cursor, limit=limit)


def sees_contacts(actor: User | None, member: Member) -> bool:
    """R10: full contact data for the owner, the referrer and the store's managers only."""
    return can(actor, Action.VIEW_MEMBER_CONTACTS, member)


@dataclass(frozen=True)
class MaskedContact:
    """R10: a contact method with its value masked (138****8000, w***@qq.com, w****)."""

    kind: str
    value: str
    is_primary: bool

    @property
    def contact_kind(self) -> c.ContactKind:
        return c.ContactKind(self.kind)


class MaskedMember:
    """R10: a member as seen from outside the circle of ``sees_contacts``: the mobile
    masked (138****8000), contact methods masked, the other contact fields hidden,
    everything else as is."""

    email = address = birthday = wedding_anniversary = None

    def __init__(self, member: Member) -> None:
        self._member = member

    @property
    def mobile(self) -> str:
        return v.mask_phone(self._member.mobile)

    @property
    def contacts(self) -> list[MaskedContact]:
        return [
            MaskedContact(row.kind, c.mask(row.kind, row.value), row.is_primary)
            for row in self._member.contacts
        ]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._member, name)


def as_seen_by(actor: User | None, member: Member) -> Member | MaskedMember:
    """The member record, or its masked form when ``actor`` may not see contacts (R10)."""
    return member if sees_contacts(actor, member) else MaskedMember(member)

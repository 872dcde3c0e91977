"""R8: a customer's contact methods, normalized and unique within a store.

The lowest layer of ownership: ``services`` (registration, profile edits) and ``ownership``
(entering customers, conflicts) both keep contacts through these functions, so the
uniqueness rule lives here once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import phonenumbers
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal import clock
from portal.errors import Conflict, ValidationFailed
from portal.members import validators as v
from portal.members.models import ContactKind, Member, MemberContact

#: WeChat IDs: 6-20 characters, a letter first, then letters, digits, _ or -
_WECHAT = re.compile(r"^[a-z][a-z0-9_-]{5,19}$")

#: how many contact methods one customer may carry
MAX_CONTACTS = 20


@dataclass(frozen=True)
class Contact:
    """A normalized contact method."""

    kind: ContactKind
    value: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": str(self.kind), "value": self.value}


def _check(kind: ContactKind, raw: str) -> str:
    if kind is ContactKind.MOBILE:
        return v.normalize_mobile(raw)
    if kind is ContactKind.LANDLINE:
        return _normalize_landline(raw)
    if kind is ContactKind.EMAIL:
        email = v.normalize_email(raw)
        if email is None:
            raise v.InvalidValue(_l("Enter an e-mail address."))
        return email.lower()
    return _normalize_wechat(raw)


def _normalize_landline(raw: str) -> str:
    """R2: a fixed line with its area code (029-88886666), no switchboard, as E.164."""
    value = v.normalize_contact_number(raw)
    kind = phonenumbers.number_type(phonenumbers.parse(value, None))
    if kind is phonenumbers.PhoneNumberType.MOBILE:
        raise v.InvalidValue(_l("This is a mobile number; add it as a mobile."))
    return value


def _normalize_wechat(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw or "").strip().lower()
    if not text:
        raise v.InvalidValue(_l("Enter a WeChat ID."))
    if not _WECHAT.match(text):
        raise v.InvalidValue(
            _l("A WeChat ID has 6 to 20 characters: a letter first, then letters, digits, _ or -.")
        )
    return text


def normalize_contact(kind: ContactKind | str, value: str, *, field: str = "contacts") -> str:
    """R8: one contact method in its normalized form; ValidationFailed names ``field``."""
    try:
        contact_kind = ContactKind(kind)
    except ValueError:
        raise ValidationFailed.single(field, _l("Choose a kind of contact.")) from None
    try:
        return _check(contact_kind, value)
    except v.InvalidValue as exc:
        raise ValidationFailed.single(field, exc.message) from None


def search_keys(text: str) -> list[Contact]:
    """What a search box's text can be: a phone number, an e-mail or a WeChat ID, normalized
    as stored, so a lookup is an index probe on ``value`` (never a scan). Empty when the text
    is none of them."""
    text = (text or "").strip()
    if "@" in text:
        kinds: tuple[ContactKind, ...] = (ContactKind.EMAIL,)
    elif _WECHAT.match(unicodedata.normalize("NFKC", text).lower()):
        kinds = (ContactKind.WECHAT,)
    else:
        kinds = (ContactKind.MOBILE, ContactKind.LANDLINE)
    keys = []
    for kind in kinds:
        try:
            keys.append(Contact(kind, _check(kind, text)))
        except v.InvalidValue:
            continue
    return keys


def normalize_all(
    contacts: Iterable[tuple[ContactKind | str, str]], *, field: str = "contacts"
) -> list[Contact]:
    """Every given contact normalized, duplicates dropped, order kept; all errors at once."""
    found: list[Contact] = []
    errors: list[object] = []
    for kind, raw in contacts:
        if not (raw or "").strip():
            continue  # an empty row of the form
        try:
            contact = Contact(ContactKind(kind), normalize_contact(kind, raw, field=field))
        except ValidationFailed as exc:
            errors.extend(exc.errors[field])
            continue
        if contact not in found:
            found.append(contact)
    if len(found) > MAX_CONTACTS:
        errors.append(_l("At most %(count)d contact methods.", count=MAX_CONTACTS))
    if errors:
        raise ValidationFailed({field: errors})
    return found


def holders(session: Session, store_id: int, contacts: Sequence[Contact]) -> list[Member]:
    """Members of the store holding any of ``contacts`` (R8), oldest first."""
    if not contacts:
        return []
    pairs = [(str(c.kind), c.value) for c in contacts]
    ids = select(MemberContact.member_id).where(
        MemberContact.store_id == store_id,
        tuple_(MemberContact.kind, MemberContact.value).in_(pairs),
    )
    mobiles = [c.value for c in contacts if c.kind is ContactKind.MOBILE]
    query = select(Member).where(Member.store_id == store_id)
    if mobiles:
        # the member's own mobile column, too (R1 registrations keep it unique)
        query = query.where(Member.id.in_(ids) | Member.mobile.in_(mobiles))
    else:
        query = query.where(Member.id.in_(ids))
    return list(session.scalars(query.order_by(Member.id)))


def taken_by_others(session: Session, member: Member, contacts: Sequence[Contact]) -> bool:
    return any(m.id != member.id for m in holders(session, member.store_id, contacts))


class ContactTaken(Conflict):
    """R8: a contact belongs to another customer of the store; names nobody."""

    def __init__(self, field: str = "contacts") -> None:
        super().__init__(
            _l(
                "This contact is already registered with this store for another customer. "
                "Ask the store manager for help."
            )
        )
        self.field = field


def already_registered(field: str = "contacts") -> ContactTaken:
    return ContactTaken(field)


def replace_contacts(session: Session, member: Member, contacts: Sequence[Contact]) -> bool:
    """Make ``contacts`` (plus the member's primary mobile and e-mail) the member's contacts.

    Raises ``Conflict`` (naming nobody) when another customer of the store holds one of
    them, also when a concurrent write won the race. Returns whether anything changed.
    """
    wanted = list(contacts)
    for primary in primaries(member):
        if primary not in wanted:
            wanted.insert(0, primary)
    if taken_by_others(session, member, wanted):
        raise already_registered()
    keys = {(c.kind, c.value) for c in wanted}
    primary_keys = {(c.kind, c.value) for c in primaries(member)}
    current = {(ContactKind(c.kind), c.value): c for c in member.contacts}
    changed = False
    for key, row in list(current.items()):
        if key not in keys:
            member.contacts.remove(row)
            changed = True
        elif row.is_primary != (key in primary_keys):
            row.is_primary = key in primary_keys
            changed = True
    now = clock.now()
    for contact in wanted:
        if (contact.kind, contact.value) not in current:
            member.contacts.append(
                MemberContact(
                    store_id=member.store_id,
                    kind=str(contact.kind),
                    value=contact.value,
                    is_primary=(contact.kind, contact.value) in primary_keys,
                    created_at=now,
                )
            )
            changed = True
    if changed:
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError:
            raise already_registered() from None
    return changed


def primaries(member: Member) -> list[Contact]:
    """The contacts mirrored from the member's own columns: the mobile (R1) and e-mail."""
    found = [Contact(ContactKind.MOBILE, member.mobile)] if member.mobile else []
    if member.email:
        found.append(Contact(ContactKind.EMAIL, member.email.lower()))
    return found


def sync_primaries(session: Session, member: Member) -> None:
    """Keep the contact rows in step with ``member.mobile`` and ``member.email``."""
    others = [Contact(ContactKind(c.kind), c.value) for c in member.contacts if not c.is_primary]
    replace_contacts(session, member, others)


def snapshot(member: Member) -> list[dict[str, Any]]:
    return [{"kind": c.kind, "value": c.value} for c in member.contacts]


def mask(kind: ContactKind | str, value: str) -> str:
    """R10: a contact as lists show it to those who do not own the customer."""
    if ContactKind(kind).is_phone:
        return v.mask_phone(value)
    if ContactKind(kind) is ContactKind.EMAIL:
        local, _sep, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    return f"{value[:1]}****"

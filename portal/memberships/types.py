"""Membership types (R15, R16): their fees, deposit, period, and rights and obligations.

The rights and obligations come from the plugin that knows the type's code
(``portal_rights_and_obligations``); an administrator may write the type's own lists per
locale (English and Simplified Chinese), and those win when present.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import clock
from portal.accounts.models import User
from portal.accounts.permissions import Action, require
from portal.audit.services import diff, record
from portal.errors import NotFound, ValidationFailed
from portal.memberships.models import APPLICATION_POLICY, MembershipType
from portal.memberships.policies import RightsAndObligations
from portal.memberships.services import rights_and_obligations
from portal.money import parse_amount
from portal.sla import services as sla
from portal.stores.models import Store

#: the locales an administrator writes terms in
LOCALES = ("en", "zh_Hans")
_MONEY_FIELDS = ("entry_fee", "management_fee", "risk_deposit")


@dataclass
class TypeData:
    code: str
    store_id: int
    name_en: str
    name_zh: str
    entry_fee: Decimal | str
    management_fee: Decimal | str
    risk_deposit: Decimal | str
    period_months: int = 12
    sla_policy: str = APPLICATION_POLICY
    is_active: bool = True
    #: ``{"en": [...], "zh_Hans": [...]}``; empty lists everywhere: the plugin's terms
    rights: dict[str, list[str]] = field(default_factory=dict)
    obligations: dict[str, list[str]] = field(default_factory=dict)


def _money(raw: Decimal | str, name: str, errors: dict[str, list[object]]) -> Decimal:
    """Zero is a valid fee; otherwise a CNY amount as ``parse_amount`` accepts it."""
    text = str(raw).strip()
    if text in ("0", "0.0", "0.00"):
        return Decimal("0.00")
    value = parse_amount(text)
    if value is None:
        errors.setdefault(name, []).append(
            _l("Enter an amount in yuan with at most two decimals (0 for none).")
        )
        return Decimal("0.00")
    return value


def _terms(raw: dict[str, list[str]]) -> dict[str, list[str]] | None:
    cleaned = {
        locale: [line.strip()[:300] for line in raw.get(locale, []) if line.strip()]
        for locale in LOCALES
    }
    return cleaned if any(cleaned.values()) else None


def _validated(session: Session, data: TypeData, existing: MembershipType | None) -> dict[str, Any]:
    errors: dict[str, list[object]] = {}
    code = data.code.strip().lower()
    if not code or len(code) > 64 or " " in code:
        errors["code"] = [_l("A short code without spaces, such as exchange.member.")]
    if session.get(Store, data.store_id) is None:
        errors["store_id"] = [_l("Choose a store.")]
    names = {"name_en": data.name_en.strip(), "name_zh": data.name_zh.strip()}
    for key, value in names.items():
        if not value or len(value) > 120:
            errors[key] = [_l("Enter a name of at most 120 characters.")]
    if not 1 <= data.period_months <= 120:
        errors["period_months"] = [_l("Between 1 and 120 months.")]
    if data.sla_policy not in sla.policy_table().policies:
        errors["sla_policy"] = [_l("No such deadline policy.")]
    values = {name: _money(getattr(data, name), name, errors) for name in _MONEY_FIELDS}
    clash = session.scalar(
        select(MembershipType.id).where(
            MembershipType.store_id == data.store_id, MembershipType.code == code
        )
    )
    if clash is not None and (existing is None or clash != existing.id):
        errors.setdefault("code", []).append(_l("The store already has a type with this code."))
    if errors:
        raise ValidationFailed(errors)
    return {
        "code": code,
        "store_id": data.store_id,
        **names,
        **values,
        "period_months": data.period_months,
        "sla_policy": data.sla_policy,
        "is_active": data.is_active,
        "rights": _terms(data.rights),
        "obligations": _terms(data.obligations),
    }


def _snapshot(mtype: MembershipType) -> dict[str, Any]:
    return {
        "code": mtype.code,
        "store_id": mtype.store_id,
        "name_en": mtype.name_en,
        "name_zh": mtype.name_zh,
        **{name: str(getattr(mtype, name)) for name in _MONEY_FIELDS},
        "period_months": mtype.period_months,
        "sla_policy": mtype.sla_policy,
        "is_active": mtype.is_active,
        "rights": mtype.rights,
        "obligations": mtype.obligations,
    }


def create_type(session: Session, *, actor: User, data: TypeData) -> MembershipType:
    require(actor, Action.MANAGE_MEMBERSHIP_TYPES)
    now = clock.now()
    mtype = MembershipType(**_validated(session, data, None), created_at=now, updated_at=now)
    session.add(mtype)
    session.flush()
    record(
        session,
        actor=actor,
        action="membership_type.created",
        object_type="membership_type",
        object_id=mtype.id,
        store_id=mtype.store_id,
        after=_snapshot(mtype),
    )
    return mtype


def update_type(
    session: Session, *, actor: User, mtype: MembershipType, data: TypeData
) -> MembershipType:
    """Change a type; running memberships keep their periods and ledger."""
    require(actor, Action.MANAGE_MEMBERSHIP_TYPES)
    before = _snapshot(mtype)
    for key, value in _validated(session, data, mtype).items():
        setattr(mtype, key, value)
    mtype.updated_at = clock.now()
    session.flush()
    old, new = diff(before, _snapshot(mtype))
    if new:
        record(
            session,
            actor=actor,
            action="membership_type.updated",
            object_type="membership_type",
            object_id=mtype.id,
            store_id=mtype.store_id,
            before=old,
            after=new,
        )
    return mtype


def get_type(session: Session, type_id: int) -> MembershipType:
    mtype = session.get(MembershipType, type_id)
    if mtype is None:
        raise NotFound(_l("No such membership type."))
    return mtype


def list_types(
    session: Session, *, store_id: int | None = None, active_only: bool = False
) -> list[MembershipType]:
    query = select(MembershipType).order_by(MembershipType.store_id, MembershipType.code)
    if store_id is not None:
        query = query.where(MembershipType.store_id == store_id)
    if active_only:
        query = query.where(MembershipType.is_active.is_(True))
    return list(session.scalars(query))


def _locale() -> str:
    locale = get_locale()
    return "zh_Hans" if locale is not None and locale.language == "zh" else "en"


def terms_of(mtype: MembershipType, locale: str | None = None) -> RightsAndObligations | None:
    """R15: the type's rights and obligations in ``locale`` (the reader's by default): the
    admin's lists when written (English where that locale has none), else the plugin's."""
    locale = locale or _locale()
    if mtype.rights or mtype.obligations:

        def pick(terms: dict[str, list[str]] | None) -> tuple[str, ...]:
            terms = terms or {}
            return tuple(terms.get(locale) or terms.get("en") or ())

        return RightsAndObligations(pick(mtype.rights), pick(mtype.obligations))
    return rights_and_obligations(mtype.code)

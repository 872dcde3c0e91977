"""Accounts: login with throttling, staff accounts and role grants, API tokens."""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumValidationError

from portal import clock
from portal.accounts.models import ApiToken, LoginAttempt, RoleGrant, User
from portal.accounts.passwords import (
    check_new_password,
    hash_password,
    needs_rehash,
    verify_password,
)
from portal.accounts.permissions import Action, require
from portal.accounts.roles import Role
from portal.audit.services import record
from portal.errors import Conflict, NotFound, TooManyAttempts, ValidationFailed
from portal.members import validators as v
from portal.stores.models import Store

_USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{2,31}$")


def normalize_login(raw: str) -> str:
    """Members log in with their mobile (any common notation), staff with a username."""
    text = (raw or "").strip()
    if re.fullmatch(r"[+\d\s\-()]{7,32}", text):
        try:
            return v.normalize_mobile(text)
        except v.InvalidValue:
            return text[:64]
    return text.lower()[:64]


def normalize_id_number(raw: str | None) -> str | None:
    """A mainland resident identity number (18 characters, check digit X upper-case).

    Staff accounts and VIP files store it normalized so the R3 insider check compares
    equal strings; None for an empty value.
    """
    text = "".join((raw or "").split()).upper()
    if not text:
        return None
    try:
        return str(ric.validate(text))
    except StdnumValidationError:
        raise v.InvalidValue(
            _l("This is not a valid resident identity number (18 characters, check digit).")
        ) from None


# --- login -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThrottlePolicy:
    per_account: int
    per_address: int
    window: timedelta


def authenticate(
    session: Session,
    *,
    login: str,
    password: str,
    ip_address: str | None,
    policy: ThrottlePolicy,
) -> User:
    """Check a login and password; failures are recorded, audited and throttled.

    Throttling counts failures in the database so every worker and node sees them:
    per account (guessing one person's password) and per address (trying many accounts).
    """
    key = normalize_login(login)
    now = clock.now()
    since = now - policy.window
    _refuse_if_throttled(session, key, ip_address, since, policy)

    user = session.scalar(select(User).where(User.login == key))
    ok = verify_password(user.password_hash if user else None, password)
    # an integration has no password at all; refused even if one were ever set on it
    ok = ok and user is not None and user.is_enabled and not user.is_integration
    session.add(LoginAttempt(login=key, ip_address=ip_address, succeeded=ok, attempted_at=now))
    if not ok:
        record(
            session,
            actor=user if user is not None else None,
            action="auth.login_failed",
            object_type="user",
            object_id=user.id if user else None,
            actor_label=key,
            after={"login": key},
        )
        raise ValidationFailed.single("password", _l("Wrong login or password."))
    assert user is not None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    record(session, actor=user, action="auth.login", object_type="user", object_id=user.id)
    return user


def _refuse_if_throttled(
    session: Session,
    login: str,
    ip_address: str | None,
    since: datetime,
    policy: ThrottlePolicy,
) -> None:
    failed = select(func.count(), func.min(LoginAttempt.attempted_at)).where(
        LoginAttempt.succeeded.is_(False),
        LoginAttempt.attempted_at > since,
    )
    checks = [
        (
            and_(
                LoginAttempt.login == login,
                LoginAttempt.attempted_at > _last_success(session, login, since),
            ),
            policy.per_account,
        )
    ]
    if ip_address:
        # Not reset by one account's success: that would let an address trying many
        # accounts start over whenever the owner of the next target logs in.
        checks.append((LoginAttempt.ip_address == ip_address, policy.per_address))
    for condition, limit in checks:
        count, oldest = session.execute(failed.where(condition)).one()
        if count >= limit:
            retry = max(1, math.ceil((oldest + policy.window - clock.now()).total_seconds()))
            raise TooManyAttempts(
                _l(
                    "Too many failed logins. Try again in %(minutes)d minutes.",
                    minutes=math.ceil(retry / 60),
                ),
                retry_after=retry,
            )


def _last_success(session: Session, login: str, since: datetime) -> Any:
    """Failures before the account's last successful login no longer count against it."""
    last = session.scalar(
        select(func.max(LoginAttempt.attempted_at)).where(
            LoginAttempt.login == login,
            LoginAttempt.succeeded.is_(True),
            LoginAttempt.attempted_at >= since,
        )
    )
    return last or since - timedelta(seconds=1)


def change_locale(session: Session, *, user: User, locale: str | None) -> None:
    if user.locale == locale:
        return
    record(
        session,
        actor=user,
        action="account.locale_changed",
        object_type="user",
        object_id=user.id,
        before={"locale": user.locale},
        after={"locale": locale},
    )
    user.locale = locale


def change_password(
    session: Session, *, user: User, current_password: str, new_password: str
) -> None:
    """The account holder sets a new password; other sessions and all API tokens end."""
    if not verify_password(user.password_hash, current_password):
        raise ValidationFailed.single("current_password", _l("This is not your current password."))
    if verify_password(user.password_hash, new_password):
        raise ValidationFailed.single(
            "new_password", _l("Choose a password different from the current one.")
        )
    _replace_password(session, user, new_password)
    record(
        session,
        actor=user,
        action="account.password_changed",
        object_type="user",
        object_id=user.id,
    )


def reset_password(session: Session, *, actor: User | None, user: User, new_password: str) -> None:
    """An admin sets a new initial password for someone who forgot theirs."""
    require(actor, Action.MANAGE_USERS)
    _replace_password(session, user, new_password)
    record(
        session, actor=actor, action="account.password_reset", object_type="user", object_id=user.id
    )


def _replace_password(session: Session, user: User, new_password: str) -> None:
    """Check the rules, store the new hash (ending other sessions) and revoke API tokens."""
    try:
        check_new_password(new_password, mobile=user.mobile)
    except v.InvalidValue as exc:
        raise ValidationFailed.single("new_password", exc.message) from None
    user.password_hash = hash_password(new_password)
    now = clock.now()
    for token in session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ):
        token.revoked_at = now


# --- staff accounts and roles ---------------------------------------------------------------


@dataclass
class NewAccount:
    login: str
    display_name: str
    password: str
    email: str | None = None
    mobile: str | None = None
    id_number: str | None = None


def create_account(session: Session, *, actor: User | None, data: NewAccount) -> User:
    """An admin creates a staff account (members register themselves)."""
    require(actor, Action.MANAGE_USERS)
    errors: dict[str, list[object]] = {}
    login = data.login.strip().lower()
    if not _USERNAME.match(login):
        errors["login"] = [
            _l("3 to 32 lower-case letters, digits, '.', '_' or '-', starting with a letter.")
        ]
    elif session.scalar(select(User.id).where(User.login == login)) is not None:
        errors["login"] = [_l("This login is taken.")]
    name = " ".join(data.display_name.split())
    if not name or len(name) > 100:
        errors["display_name"] = [_l("Enter a name of at most 100 characters.")]
    for field_name, check, raw in (
        ("email", v.normalize_email, data.email),
        ("mobile", v.normalize_mobile, data.mobile),
        ("id_number", normalize_id_number, data.id_number),
        ("password", check_new_password, data.password),
    ):
        if field_name == "mobile" and not raw:
            continue
        try:
            check(raw)
        except v.InvalidValue as exc:
            errors[field_name] = [exc.message]
    if errors:
        raise ValidationFailed(errors)
    user = User(
        login=login,
        display_name=name,
        email=v.normalize_email(data.email),
        mobile=v.normalize_mobile(data.mobile) if data.mobile else None,
        id_number=normalize_id_number(data.id_number),
        password_hash=hash_password(data.password),
        created_at=clock.now(),
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor=actor,
        action="account.created",
        object_type="user",
        object_id=user.id,
        after={"login": user.login, "display_name": user.display_name},
    )
    return user


def set_account_enabled(session: Session, *, actor: User | None, user: User, enabled: bool) -> None:
    require(actor, Action.MANAGE_USERS)
    if actor is not None and actor.id == user.id and not enabled:
        raise Conflict(_l("You cannot disable your own account."))
    if user.is_enabled == enabled:
        return
    record(
        session,
        actor=actor,
        action="account.enabled" if enabled else "account.disabled",
        object_type="user",
        object_id=user.id,
        before={"is_enabled": user.is_enabled},
        after={"is_enabled": enabled},
    )
    user.is_enabled = enabled


def grant_role(
    session: Session,
    *,
    actor: User | None,
    user: User,
    role: Role,
    store: Store | None,
) -> RoleGrant:
    """Give ``user`` a role; store roles need a store, head-office roles may span all."""
    require(actor, Action.MANAGE_USERS)
    if role.needs_store and store is None:
        raise ValidationFailed.single("store_id", _l("This role needs a store."))
    if role is Role.ADMIN and store is not None:
        # administration (accounts, stores, audit) has no store to be limited to
        raise ValidationFailed.single(
            "store_id", _l("Administrators act across all stores; choose no store.")
        )
    if store is not None and not store.is_active:
        raise ValidationFailed.single("store_id", _l("This store is closed."))
    store_id = store.id if store is not None else None
    if any(g.role == role and g.store_id == store_id for g in user.grants):
        raise Conflict(_l("The user already has this role."))
    grant = RoleGrant(
        user=user,
        role=role,
        store_id=store_id,
        granted_by_id=actor.id if actor else None,
        granted_at=clock.now(),
    )
    session.add(grant)
    session.flush()
    record(
        session,
        actor=actor,
        action="role.granted",
        object_type="user",
        object_id=user.id,
        store_id=store_id,
        after={"role": str(role), "store_id": store_id},
    )
    return grant


def revoke_role(session: Session, *, actor: User | None, grant: RoleGrant) -> None:
    require(actor, Action.MANAGE_USERS)
    if (
        actor is not None
        and grant.user_id == actor.id
        and grant.role == Role.ADMIN
        and grant.store_id is None
    ):
        raise Conflict(_l("You cannot remove your own administrator role."))
    record(
        session,
        actor=actor,
        action="role.revoked",
        object_type="user",
        object_id=grant.user_id,
        store_id=grant.store_id,
        before={"role": grant.role, "store_id": grant.store_id},
    )
    grant.user.grants.remove(grant)
    session.delete(grant)


def get_account(session: Session, *, actor: User | None, user_id: int) -> User:
    require(actor, Action.MANAGE_USERS, hide=True)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_l("No such account."))
    return user


# --- API tokens -------------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(
    session: Session, *, user: User, name: str, days: int, issued_by: User | None = None
) -> tuple[str, ApiToken]:
    """A new bearer token; the plain value is returned once and only its digest is kept.
    ``issued_by`` is the administrator issuing an integration's token (else the user)."""
    plain = "hyp_" + secrets.token_urlsafe(32)
    now = clock.now()
    token = ApiToken(
        user_id=user.id,
        token_digest=_digest(plain),
        name=name[:80],
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(token)
    session.flush()
    record(
        session,
        actor=issued_by or user,
        action="api_token.issued",
        object_type="api_token",
        object_id=token.id,
        after={
            "name": token.name,
            "user_id": user.id,
            "expires_at": token.expires_at.isoformat(),
        },
    )
    return plain, token


def user_for_token(session: Session, plain: str) -> tuple[User, ApiToken] | None:
    """The enabled user behind a valid, unexpired, unrevoked token."""
    if not plain or len(plain) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_digest == _digest(plain)))
    now = clock.now()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    if not token.user.is_enabled:
        return None
    return token.user, token


def revoke_api_token(session: Session, *, user: User, token: ApiToken) -> None:
    if token.user_id != user.id:
        raise NotFound(_l("No such token."))
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        record(
            session,
            actor=user,
            action="api_token.revoked",
            object_type="api_token",
            object_id=token.id,
        )

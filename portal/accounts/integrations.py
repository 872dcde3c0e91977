"""Integrations: outside systems (a POS, a reservation system, a finance export) that call
the API through a service account, scoped to one store (or all) and to a set of actions.

An integration is a ``User`` marked ``is_integration`` with no usable password (neither the
login page nor ``POST /api/v1/auth/tokens`` lets it in) plus an :class:`Integration` row
holding its scope; ``permissions.can`` reads that scope instead of role grants. Its tokens
are ordinary API tokens (only their SHA-256 digest is kept), issued by an administrator,
shown once, each with an expiry. Audit events of its writes name it ("integration: POS 01").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from portal import clock
from portal.accounts.models import ApiToken, Integration, User
from portal.accounts.permissions import Action, grantable_actions, require
from portal.accounts.services import issue_api_token
from portal.audit.services import record
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.stores.models import Store

#: the prefix of an integration account's login, which is also how audit events name it
LOGIN_PREFIX = "integration: "
NAME_LENGTH = 50
#: a token lives at most two years: an integration is re-keyed at least that often
MAX_TOKEN_DAYS = 730
#: never a password hash: argon2 refuses to verify it, so no password ever matches
UNUSABLE_HASH = "!integration"


@dataclass
class NewIntegration:
    name: str
    store: Store | None
    actions: Iterable[str]


def create_integration(
    session: Session, *, actor: User | None, data: NewIntegration
) -> Integration:
    """An administrator registers an integration with its scope (no token yet); to anyone
    else the integrations do not exist, as on every other integration endpoint."""
    require(actor, Action.MANAGE_USERS, hide=True)
    errors: dict[str, list[object]] = {}
    name = " ".join((data.name or "").split())
    if not name or len(name) > NAME_LENGTH:
        errors["name"] = [_l("Enter a name of at most %(n)s characters.", n=NAME_LENGTH)]
    elif session.scalar(select(Integration.id).where(func.lower(Integration.name) == name.lower())):
        errors["name"] = [_l("An integration of this name exists.")]
    actions = sorted(set(data.actions))
    allowed = set(grantable_actions())
    if not actions:
        errors["actions"] = [_l("Choose at least one permission.")]
    elif not set(actions) <= allowed:
        errors["actions"] = [_l("Integrations may not be given administration permissions.")]
    if data.store is not None and not data.store.is_active:
        errors["store_id"] = [_l("This store is closed.")]
    if errors:
        raise ValidationFailed(errors)
    now = clock.now()
    user = User(
        login=f"{LOGIN_PREFIX}{name}",
        display_name=name,
        password_hash=UNUSABLE_HASH,
        is_integration=True,
        created_at=now,
    )
    session.add(user)
    session.flush()
    integration = Integration(
        user_id=user.id,
        name=name,
        store_id=data.store.id if data.store is not None else None,
        actions=actions,
        created_by_id=actor.id if actor is not None else None,
        created_at=now,
    )
    session.add(integration)
    session.flush()
    record(
        session,
        actor=actor,
        action="integration.created",
        object_type="integration",
        object_id=integration.id,
        store_id=integration.store_id,
        after={"name": name, "store_id": integration.store_id, "actions": actions},
    )
    return integration


def get_integration(session: Session, *, actor: User | None, integration_id: int) -> Integration:
    require(actor, Action.MANAGE_USERS, hide=True)
    integration = session.get(Integration, integration_id)
    if integration is None:
        raise NotFound(_l("No such integration."))
    return integration


def integrations_query(actor: User | None) -> Select[tuple[Integration]]:
    """Every integration, for an administrator's list (paginated by the caller)."""
    require(actor, Action.MANAGE_USERS, hide=True)
    return select(Integration)


def issue_integration_token(
    session: Session, *, actor: User | None, integration: Integration, days: int
) -> tuple[str, ApiToken]:
    """A new token for the integration; older ones stay valid until revoked or expired, so
    a system is re-keyed without a gap. The plain token is returned this once."""
    require(actor, Action.MANAGE_USERS)
    if integration.is_revoked:
        raise Conflict(_l("This integration is revoked."))
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationFailed.single("days", _l("Between 1 and %(n)s days.", n=MAX_TOKEN_DAYS))
    return issue_api_token(
        session, user=integration.user, name=integration.name, days=days, issued_by=actor
    )


def get_integration_token(session: Session, *, integration: Integration, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != integration.user_id:
        raise NotFound(_l("No such token."))
    return token


def revoke_integration_token(
    session: Session, *, actor: User | None, integration: Integration, token: ApiToken
) -> None:
    """The token stops working at once; revoking it twice changes nothing."""
    require(actor, Action.MANAGE_USERS)
    if token.user_id != integration.user_id:
        raise NotFound(_l("No such token."))
    if token.revoked_at is not None:
        return
    token.revoked_at = clock.now()
    record(
        session,
        actor=actor,
        action="api_token.revoked",
        object_type="api_token",
        object_id=token.id,
        store_id=integration.store_id,
        after={"integration_id": integration.id},
    )


def revoke_integration(session: Session, *, actor: User | None, integration: Integration) -> None:
    """The integration, its account and every token of it stop working; it stays on record."""
    require(actor, Action.MANAGE_USERS)
    if integration.is_revoked:
        return
    now = clock.now()
    revoked_tokens = 0
    for token in integration.tokens:
        if token.revoked_at is None:
            token.revoked_at = now
            revoked_tokens += 1
    integration.revoked_at = now
    integration.revoked_by_id = actor.id if actor is not None else None
    integration.user.is_enabled = False
    record(
        session,
        actor=actor,
        action="integration.revoked",
        object_type="integration",
        object_id=integration.id,
        store_id=integration.store_id,
        before={"revoked_at": None},
        after={"revoked_at": now.isoformat(), "tokens_revoked": revoked_tokens},
    )

"""Who may do what: one declared table, one ``can`` function (DESIGN: Security).

Views and API endpoints never decide access themselves; services call ``require`` with
the object, so a check covers the object's store, not only the actor's role.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from flask_babel import lazy_gettext as _l

from portal.accounts.roles import Role
from portal.errors import NotFound, PermissionDenied

if TYPE_CHECKING:
    from portal.accounts.models import User


class Action(StrEnum):
    VIEW_MEMBER = "view_member"
    #: read a member's full contact data instead of the masked form (R10)
    VIEW_MEMBER_CONTACTS = "view_member_contacts"
    EDIT_MEMBER = "edit_member"
    LIST_MEMBERS = "list_members"
    MANAGE_STORES = "manage_stores"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"


class StoreScoped(Protocol):
    store_id: int


#: Roles allowed each action; a store-bound grant only covers objects of its store.
PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.VIEW_MEMBER: frozenset(
        {Role.STAFF, Role.STORE_MANAGER, Role.HQ_SERVICE, Role.COMPLIANCE, Role.ADMIN}
    ),
    Action.VIEW_MEMBER_CONTACTS: frozenset({Role.STORE_MANAGER, Role.HQ_SERVICE, Role.ADMIN}),
    Action.EDIT_MEMBER: frozenset({Role.STORE_MANAGER, Role.HQ_SERVICE, Role.ADMIN}),
    Action.LIST_MEMBERS: frozenset(
        {Role.STAFF, Role.STORE_MANAGER, Role.HQ_SERVICE, Role.COMPLIANCE, Role.ADMIN}
    ),
    Action.MANAGE_STORES: frozenset({Role.ADMIN}),
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
    Action.VIEW_AUDIT: frozenset({Role.ADMIN}),
}

#: Actions a member may take on their own record, and a referrer on the members they refer.
OWNER_ACTIONS = frozenset({Action.VIEW_MEMBER, Action.VIEW_MEMBER_CONTACTS, Action.EDIT_MEMBER})
REFERRER_ACTIONS = frozenset({Action.VIEW_MEMBER, Action.VIEW_MEMBER_CONTACTS})


def can(actor: User | None, action: Action, obj: object = None) -> bool:
    """Whether ``actor`` may take ``action`` on ``obj`` (None for actions without an object)."""
    if actor is None or not actor.is_enabled:
        return False
    if action in OWNER_ACTIONS and getattr(obj, "user_id", None) == actor.id:
        return True
    if action in REFERRER_ACTIONS and getattr(obj, "referrer_id", None) == actor.id:
        return True
    store_id = _store_of(obj)
    return any(actor.has_role(role, store_id) for role in PERMISSIONS[action])


def stores_in_scope(actor: User, action: Action) -> set[int] | None:
    """Store ids the actor may take ``action`` in; None means every store."""
    ids: set[int] = set()
    if not actor.is_enabled:
        return ids  # a disabled account keeps its grants on record but can do nothing
    for grant in actor.grants:
        if Role(grant.role) in PERMISSIONS[action]:
            if grant.store_id is None:
                return None
            ids.add(grant.store_id)
    return ids


def require(actor: User | None, action: Action, obj: object = None, *, hide: bool = False) -> None:
    """Raise unless allowed; ``hide`` answers NotFound so the object's existence stays secret."""
    if can(actor, action, obj):
        return
    if hide:
        raise NotFound(_l("Not found."))
    raise PermissionDenied(_l("You are not allowed to do this."))


def _store_of(obj: object) -> int | None:
    if obj is None:
        return None
    from portal.stores.models import Store

    if isinstance(obj, Store):
        return obj.id
    return getattr(obj, "store_id", None)

"""Who may do what: one declared table, one ``can`` function (DESIGN: Security).

Views and API endpoints never decide access themselves; services call ``require`` with
the object, so a check covers the object's store, not only the actor's role. Plugins add
their own actions (``restaurant.record_visit``) through ``portal_permissions()``; those are
checked by the same ``can`` against the same store-scoped grants.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from flask import Flask, current_app, has_app_context
from flask_babel import lazy_gettext as _l

from portal.accounts.roles import Role
from portal.errors import NotFound, PermissionDenied

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.plugins.manager import PluginManager


class Action(StrEnum):
    VIEW_MEMBER = "view_member"
    #: read a member's full contact data instead of the masked form (R10)
    VIEW_MEMBER_CONTACTS = "view_member_contacts"
    EDIT_MEMBER = "edit_member"
    LIST_MEMBERS = "list_members"
    MANAGE_STORES = "manage_stores"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"
    #: R4: start and edit a VIP file for a customer one refers
    START_VIP_FILE = "start_vip_file"
    VIEW_VIP_FILE = "view_vip_file"
    #: R5: approve or reject a submitted VIP file (deputies act through their leave cover)
    REVIEW_VIP_FILE = "review_vip_file"
    #: R5: record consumption of an approved VIP
    RECORD_CONSUMPTION = "record_consumption"
    #: record leave periods and deputies
    MANAGE_LEAVE = "manage_leave"
    #: hand an escalated SLA task to someone else
    REASSIGN_TASK = "reassign_task"
    VIEW_SLA_REPORT = "view_sla_report"
    #: R6: request and open dedicated customer accounts
    REQUEST_ACCOUNT = "request_account"
    OPEN_ACCOUNT = "open_account"
    #: R7: draw spot-check samples and record findings; stores read them
    SPOT_CHECK = "spot_check"
    VIEW_SPOT_CHECKS = "view_spot_checks"
    #: R8: decide which referrer keeps a customer claimed twice
    RESOLVE_OWNERSHIP = "resolve_ownership"
    #: R9: hand a departing employee's customers to successors
    HAND_OVER_CUSTOMERS = "hand_over_customers"
    #: R8: enter a customer one refers (staff-entered member record)
    ENTER_CUSTOMER = "enter_customer"
    #: enable and disable plugins for every worker (the plugin registry)
    MANAGE_PLUGINS = "manage_plugins"
    #: R17-R21: read the violation catalogue and the measures allowed for each entry
    VIEW_CATALOGUE = "view_catalogue"
    #: R15, R16: read a membership, its events, fees and deposit ledger
    VIEW_MEMBERSHIP = "view_membership"
    #: apply for a membership on a member's behalf (members apply for themselves)
    APPLY_MEMBERSHIP = "apply_membership"
    #: decide applications and transfers; record an end, a termination, a renewal
    REVIEW_MEMBERSHIP = "review_membership"
    #: define membership types, their fees, deposit and rights and obligations (R15)
    MANAGE_MEMBERSHIP_TYPES = "manage_membership_types"
    #: R16: record fees and deposits received, see refunds due, mark them paid
    MANAGE_DEPOSITS = "manage_deposits"
    #: R17-R21: open, investigate and decide compliance cases; issue notices
    MANAGE_CASES = "manage_cases"
    #: read compliance cases and notices (not only one's own)
    VIEW_CASES = "view_cases"
    #: decide a member's appeal against a notice
    DECIDE_APPEAL = "decide_appeal"
    #: cases and measures per month, open rectifications (reports)
    VIEW_COMPLIANCE_REPORT = "view_compliance_report"


class StoreScoped(Protocol):
    store_id: int


#: Roles allowed each action; a store-bound grant only covers objects of its store.
PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.VIEW_MEMBER: frozenset(
        {Role.STAFF, Role.STORE_MANAGER, Role.HQ_SERVICE, Role.HQ_HEAD, Role.COMPLIANCE, Role.ADMIN}
    ),
    Action.VIEW_MEMBER_CONTACTS: frozenset(
        {Role.STORE_MANAGER, Role.HQ_SERVICE, Role.HQ_HEAD, Role.ADMIN}
    ),
    Action.EDIT_MEMBER: frozenset({Role.STORE_MANAGER, Role.HQ_SERVICE, Role.HQ_HEAD, Role.ADMIN}),
    Action.LIST_MEMBERS: frozenset(
        {Role.STAFF, Role.STORE_MANAGER, Role.HQ_SERVICE, Role.HQ_HEAD, Role.COMPLIANCE, Role.ADMIN}
    ),
    Action.MANAGE_STORES: frozenset({Role.ADMIN}),
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
    Action.VIEW_AUDIT: frozenset({Role.ADMIN}),
    Action.START_VIP_FILE: frozenset({Role.STAFF, Role.STORE_MANAGER}),
    Action.VIEW_VIP_FILE: frozenset(
        {Role.STORE_MANAGER, Role.HQ_SERVICE, Role.HQ_HEAD, Role.COMPLIANCE, Role.ADMIN}
    ),
    Action.REVIEW_VIP_FILE: frozenset({Role.STORE_MANAGER}),
    Action.RECORD_CONSUMPTION: frozenset({Role.STAFF, Role.STORE_MANAGER}),
    Action.MANAGE_LEAVE: frozenset({Role.STORE_MANAGER, Role.HQ_HEAD, Role.ADMIN}),
    Action.REASSIGN_TASK: frozenset({Role.HQ_SERVICE, Role.HQ_HEAD, Role.ADMIN}),
    Action.VIEW_SLA_REPORT: frozenset(
        {Role.STORE_MANAGER, Role.HQ_SERVICE, Role.HQ_HEAD, Role.ADMIN}
    ),
    Action.REQUEST_ACCOUNT: frozenset({Role.STORE_MANAGER}),
    Action.OPEN_ACCOUNT: frozenset({Role.HQ_SERVICE, Role.HQ_HEAD}),
    Action.SPOT_CHECK: frozenset({Role.HQ_SERVICE, Role.HQ_HEAD}),
    Action.VIEW_SPOT_CHECKS: frozenset(
        {Role.STORE_MANAGER, Role.HQ_SERVICE, Role.HQ_HEAD, Role.ADMIN}
    ),
    Action.RESOLVE_OWNERSHIP: frozenset({Role.STORE_MANAGER, Role.HQ_SERVICE, Role.HQ_HEAD}),
    Action.HAND_OVER_CUSTOMERS: frozenset({Role.STORE_MANAGER, Role.HQ_HEAD, Role.ADMIN}),
    Action.ENTER_CUSTOMER: frozenset({Role.STAFF, Role.STORE_MANAGER}),
    Action.MANAGE_PLUGINS: frozenset({Role.ADMIN}),
    Action.VIEW_CATALOGUE: frozenset({Role.COMPLIANCE, Role.HQ_SERVICE, Role.HQ_HEAD, Role.ADMIN}),
    Action.VIEW_MEMBERSHIP: frozenset(
        {
            Role.STORE_MANAGER,
            Role.HQ_SERVICE,
            Role.HQ_HEAD,
            Role.COMPLIANCE,
            Role.FINANCE,
            Role.ADMIN,
        }
    ),
    Action.APPLY_MEMBERSHIP: frozenset({Role.STORE_MANAGER, Role.HQ_SERVICE}),
    Action.REVIEW_MEMBERSHIP: frozenset({Role.STORE_MANAGER, Role.HQ_SERVICE, Role.HQ_HEAD}),
    Action.MANAGE_MEMBERSHIP_TYPES: frozenset({Role.ADMIN}),
    Action.MANAGE_DEPOSITS: frozenset({Role.FINANCE}),
    Action.MANAGE_CASES: frozenset({Role.COMPLIANCE}),
    Action.VIEW_CASES: frozenset({Role.COMPLIANCE, Role.HQ_HEAD, Role.ADMIN}),
    Action.DECIDE_APPEAL: frozenset({Role.COMPLIANCE, Role.HQ_HEAD}),
    Action.VIEW_COMPLIANCE_REPORT: frozenset({Role.COMPLIANCE, Role.HQ_HEAD, Role.ADMIN}),
}

#: Actions a member may take on their own record, and a referrer on the members they refer.
OWNER_ACTIONS = frozenset({Action.VIEW_MEMBER, Action.VIEW_MEMBER_CONTACTS, Action.EDIT_MEMBER})
REFERRER_ACTIONS = frozenset({Action.VIEW_MEMBER, Action.VIEW_MEMBER_CONTACTS})


@dataclass(frozen=True)
class Permission:
    """A plugin's action and the roles allowed it (``portal_permissions()``).

    ``action`` is ``<plugin>.<verb_noun>``: the plugin's name first, so two plugins never
    share an action and the authorization matrix can tell whose it is.
    """

    action: str
    roles: frozenset[Role]
    #: what pages call it (a lazy string, e.g. on the integration form); else its name
    label: object = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", frozenset(Role(role) for role in self.roles))


_PLUGIN_PERMISSIONS = "portal.permissions"
_PLUGIN_LABELS = "portal.permission_labels"


def collect_plugin_permissions(plugins: PluginManager) -> dict[str, frozenset[Role]]:
    """Every loaded plugin's actions, checked once at start-up. A plugin declaring
    something other than a Permission, or an action outside its own namespace, fails to
    register (it is shown failed and disabled; the portal still starts)."""
    return {p.action: p.roles for p in _plugin_permissions(plugins)}


def _plugin_permissions(plugins: PluginManager) -> list[Permission]:
    declared: list[Permission] = []
    for plugin_name, permissions in plugins.collect_by_plugin("portal_permissions"):
        try:
            declared.extend(_checked(plugin_name, permissions).values())
        except (TypeError, ValueError) as exc:
            plugins.fail(plugin_name, f"portal_permissions: {exc}")
    return declared


def _checked(plugin_name: str, permissions: list[object]) -> dict[str, Permission]:
    declared: dict[str, Permission] = {}
    for permission in permissions:
        if not isinstance(permission, Permission):
            raise TypeError("must return Permission items")
        if not permission.action.startswith(f"{plugin_name}."):
            raise ValueError(f"action {permission.action!r} must start with {plugin_name}.")
        if permission.action in declared:
            raise ValueError(f"action {permission.action!r} declared twice")
        declared[permission.action] = permission
    return declared


def init_app(app: Flask, plugins: PluginManager) -> None:
    permissions = _plugin_permissions(plugins)
    app.extensions[_PLUGIN_PERMISSIONS] = {p.action: p.roles for p in permissions}
    app.extensions[_PLUGIN_LABELS] = {p.action: p.label for p in permissions if p.label}


def plugin_action_label(action: str) -> str | None:
    """The label a plugin gave its action, in the reader's language; None if it gave none."""
    label = current_app.extensions.get(_PLUGIN_LABELS, {}).get(action)
    return None if label is None else str(label)


def roles_allowed(action: Action | str) -> frozenset[Role]:
    """The roles allowed ``action``: a core :class:`Action` or a plugin's action name."""
    if isinstance(action, Action):
        return PERMISSIONS[action]
    if action in Action.__members__.values():
        return PERMISSIONS[Action(action)]
    declared: dict[str, frozenset[Role]] = (
        current_app.extensions.get(_PLUGIN_PERMISSIONS, {}) if has_app_context() else {}
    )
    if action not in declared:
        raise KeyError(f"no permission declares the action {action!r}")
    return declared[action]


def plugin_actions() -> dict[str, frozenset[Role]]:
    """The actions plugins declared in this app, with their roles."""
    return dict(current_app.extensions.get(_PLUGIN_PERMISSIONS, {}))


def can(actor: User | None, action: Action | str, obj: object = None) -> bool:
    """Whether ``actor`` may take ``action`` on ``obj`` (None for actions without an object)."""
    if actor is None or not actor.is_enabled:
        return False
    if actor.is_integration:
        return _integration_may(actor, action, obj)
    if action in OWNER_ACTIONS and getattr(obj, "user_id", None) == actor.id:
        return True
    if action in REFERRER_ACTIONS and getattr(obj, "referrer_id", None) == actor.id:
        return True
    store_id = _store_of(obj)
    return any(actor.has_role(role, store_id) for role in roles_allowed(action))


def stores_in_scope(actor: User, action: Action | str) -> set[int] | None:
    """Store ids the actor may take ``action`` in; None means every store."""
    ids: set[int] = set()
    if not actor.is_enabled:
        return ids  # a disabled account keeps its grants on record but can do nothing
    if actor.is_integration:
        scope = actor.integration
        if scope is None or scope.is_revoked or str(action) not in scope.actions:
            return ids
        return None if scope.store_id is None else {scope.store_id}
    for grant in actor.grants:
        if Role(grant.role) in roles_allowed(action):
            if grant.store_id is None:
                return None
            ids.add(grant.store_id)
    return ids


def require(
    actor: User | None, action: Action | str, obj: object = None, *, hide: bool = False
) -> None:
    """Raise unless allowed; ``hide`` answers NotFound so the object's existence stays secret."""
    if can(actor, action, obj):
        return
    if hide:
        raise NotFound(_l("Not found."))
    raise PermissionDenied(_l("You are not allowed to do this."))


def grantable_actions() -> list[str]:
    """Actions an integration may be given: every core and plugin action some role other
    than the administrator holds. Administration (accounts, stores, plugins, the audit
    log) stays with people."""
    declared = {str(action): roles for action, roles in PERMISSIONS.items()}
    declared.update(plugin_actions())
    return [name for name, roles in declared.items() if roles - {Role.ADMIN}]


def _integration_may(actor: User, action: Action | str, obj: object) -> bool:
    """An integration takes exactly its scoped actions, on objects of its store only (a
    store-less scope covers every store); it is never an owner or a referrer."""
    scope = actor.integration
    if scope is None or scope.is_revoked or str(action) not in scope.actions:
        return False
    store_id = _store_of(obj)
    return scope.store_id is None or store_id is None or store_id == scope.store_id


def _store_of(obj: object) -> int | None:
    if obj is None:
        return None
    from portal.stores.models import Store

    if isinstance(obj, Store):
        return obj.id
    return getattr(obj, "store_id", None)

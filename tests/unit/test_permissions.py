"""The declared permission table (DESIGN: Security) and R10 scoping, enumerated.

Objects are transient model instances: ``can`` decides from the actor's grants and the
object's store, owner and referrer, without touching the database.
"""

from __future__ import annotations

import itertools

import pytest

import portal.models  # noqa: F401  - configures every mapper
from portal.accounts.models import RoleGrant, User
from portal.accounts.permissions import (
    OWNER_ACTIONS,
    PERMISSIONS,
    REFERRER_ACTIONS,
    Action,
    can,
    require,
    stores_in_scope,
)
from portal.accounts.roles import Role
from portal.errors import NotFound, PermissionDenied
from portal.members.models import Member
from portal.stores.models import Store

HERE, THERE = 1, 2
_ids = itertools.count(100)


def person(*grants: tuple[Role, int | None], enabled: bool = True) -> User:
    return User(
        id=next(_ids),
        login=f"u{next(_ids)}",
        is_enabled=enabled,
        grants=[RoleGrant(role=str(role), store_id=store) for role, store in grants],
    )


def member_of(store_id: int, *, owner: User | None = None, referrer: User | None = None):
    return Member(
        store_id=store_id,
        user_id=owner.id if owner else None,
        referrer_id=referrer.id if referrer else None,
    )


ALL = [(action, role) for action in Action for role in Role]


def test_every_action_is_declared():
    assert set(PERMISSIONS) == set(Action)


@pytest.mark.parametrize(("action", "role"), ALL, ids=[f"{a}-{r}" for a, r in ALL])
def test_r10_store_scoped_grant_covers_only_its_store(action, role):
    actor = person((role, HERE))
    allowed = role in PERMISSIONS[action]
    assert can(actor, action, member_of(HERE)) is allowed
    assert can(actor, action, member_of(THERE)) is False
    assert can(actor, action, Store(id=HERE)) is allowed
    assert can(actor, action, Store(id=THERE)) is False


@pytest.mark.parametrize(("action", "role"), ALL, ids=[f"{a}-{r}" for a, r in ALL])
def test_storeless_grant_covers_every_store(action, role):
    actor = person((role, None))
    allowed = role in PERMISSIONS[action]
    assert can(actor, action, member_of(HERE)) is allowed
    assert can(actor, action, member_of(THERE)) is allowed
    assert can(actor, action) is allowed


@pytest.mark.parametrize("action", list(Action))
def test_actions_without_an_object_need_the_role_in_some_store(action):
    allowed_roles = PERMISSIONS[action]
    for role in Role:
        assert can(person((role, HERE)), action) is (role in allowed_roles)


def test_r10_staff_sees_members_but_not_their_contacts_nor_edits():
    staff = person((Role.STAFF, HERE))
    record = member_of(HERE)
    assert can(staff, Action.VIEW_MEMBER, record)
    assert can(staff, Action.LIST_MEMBERS, record)
    assert not can(staff, Action.VIEW_MEMBER_CONTACTS, record)
    assert not can(staff, Action.EDIT_MEMBER, record)


def test_r10_store_manager_sees_contacts_in_own_store_only():
    manager = person((Role.STORE_MANAGER, HERE))
    assert can(manager, Action.VIEW_MEMBER_CONTACTS, member_of(HERE))
    assert not can(manager, Action.VIEW_MEMBER_CONTACTS, member_of(THERE))


def test_grants_in_two_stores_cover_both_and_no_third():
    staff = person((Role.STAFF, HERE), (Role.STAFF, THERE))
    assert can(staff, Action.VIEW_MEMBER, member_of(HERE))
    assert can(staff, Action.VIEW_MEMBER, member_of(THERE))
    assert not can(staff, Action.VIEW_MEMBER, member_of(3))


@pytest.mark.parametrize("action", list(Action))
def test_r1_member_may_see_and_edit_only_their_own_record(action):
    owner = person()
    assert can(owner, action, member_of(HERE, owner=owner)) is (action in OWNER_ACTIONS)
    assert not can(owner, action, member_of(HERE, owner=person()))
    assert not can(owner, action, member_of(HERE))


@pytest.mark.parametrize("action", list(Action))
def test_r8_referrer_sees_their_customers_but_does_not_edit_them(action):
    referrer = person()
    assert can(referrer, action, member_of(THERE, referrer=referrer)) is (
        action in REFERRER_ACTIONS
    )
    assert Action.EDIT_MEMBER not in REFERRER_ACTIONS


def test_r8_staff_referrer_sees_contacts_of_own_customers_only():
    staff = person((Role.STAFF, HERE))
    assert can(staff, Action.VIEW_MEMBER_CONTACTS, member_of(HERE, referrer=staff))
    assert not can(staff, Action.VIEW_MEMBER_CONTACTS, member_of(HERE, referrer=person()))


@pytest.mark.parametrize("action", list(Action))
def test_disabled_account_can_do_nothing(action):
    admin = person((Role.ADMIN, None), enabled=False)
    assert not can(admin, action)
    assert not can(admin, action, member_of(HERE, owner=admin, referrer=admin))
    assert stores_in_scope(admin, action) == set()


@pytest.mark.parametrize("action", list(Action))
def test_nobody_can_do_anything(action):
    assert not can(None, action)
    assert not can(None, action, member_of(HERE))


def test_stores_in_scope_lists_the_stores_of_matching_grants():
    actor = person((Role.STAFF, HERE), (Role.STORE_MANAGER, THERE))
    assert stores_in_scope(actor, Action.LIST_MEMBERS) == {HERE, THERE}
    assert stores_in_scope(actor, Action.VIEW_MEMBER_CONTACTS) == {THERE}
    assert stores_in_scope(actor, Action.MANAGE_USERS) == set()


def test_stores_in_scope_is_none_for_a_storeless_grant():
    hq = person((Role.HQ_SERVICE, None), (Role.STAFF, HERE))
    assert stores_in_scope(hq, Action.LIST_MEMBERS) is None
    assert stores_in_scope(hq, Action.MANAGE_STORES) == set()


def test_stores_in_scope_of_a_member_without_roles_is_empty():
    assert stores_in_scope(person(), Action.LIST_MEMBERS) == set()


def test_require_hides_with_not_found_or_refuses_with_permission_denied():
    staff = person((Role.STAFF, HERE))
    require(staff, Action.VIEW_MEMBER, member_of(HERE))
    with pytest.raises(PermissionDenied):
        require(staff, Action.EDIT_MEMBER, member_of(HERE))
    with pytest.raises(NotFound):
        require(staff, Action.VIEW_MEMBER, member_of(THERE), hide=True)


# --- integrations (issue 7) ------------------------------------------------------------------


def integration_account(
    actions: list[str], store: int | None = HERE, *, revoked: bool = False
) -> User:
    from datetime import UTC, datetime

    from portal.accounts.models import Integration

    account = User(id=next(_ids), login="integration: POS", is_enabled=True, is_integration=True)
    account.integration = Integration(
        name="POS",
        store_id=store,
        actions=actions,
        revoked_at=datetime(2026, 1, 1, tzinfo=UTC) if revoked else None,
    )
    return account


def test_an_integration_takes_exactly_its_actions_on_its_store():
    pos = integration_account([Action.VIEW_MEMBER, Action.RECORD_CONSUMPTION])
    assert can(pos, Action.VIEW_MEMBER, Member(store_id=HERE))
    assert not can(pos, Action.VIEW_MEMBER, Member(store_id=THERE))
    assert not can(pos, Action.EDIT_MEMBER, Member(store_id=HERE))
    assert stores_in_scope(pos, Action.VIEW_MEMBER) == {HERE}
    assert stores_in_scope(pos, Action.LIST_MEMBERS) == set()


def test_a_storeless_integration_covers_every_store():
    export = integration_account([Action.VIEW_MEMBERSHIP], store=None)
    assert can(export, Action.VIEW_MEMBERSHIP, Member(store_id=THERE))
    assert stores_in_scope(export, Action.VIEW_MEMBERSHIP) is None


def test_an_integration_is_never_owner_nor_referrer():
    pos = integration_account([Action.LIST_MEMBERS])
    own = Member(store_id=HERE, user_id=pos.id, referrer_id=pos.id)
    assert not can(pos, Action.VIEW_MEMBER, own)
    assert not can(pos, Action.EDIT_MEMBER, own)


@pytest.mark.parametrize("action", list(Action))
def test_a_revoked_integration_can_do_nothing(action):
    gone = integration_account(list(Action), store=None, revoked=True)
    assert not can(gone, action, Member(store_id=HERE))
    assert stores_in_scope(gone, action) == set()


def test_administration_is_never_grantable_to_integrations(app):
    from portal.accounts.permissions import grantable_actions

    grantable = set(grantable_actions())
    admin_only = {str(a) for a, roles in PERMISSIONS.items() if roles == {Role.ADMIN}}
    assert {"manage_users", "manage_plugins", "manage_stores", "view_audit"} <= admin_only
    assert not grantable & admin_only
    assert "record_consumption" in grantable
    assert any("." in name for name in grantable)  # the plugins' actions are offered too

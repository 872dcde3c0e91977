"""Names in the benchmark data set, shared by the loader and the load generator."""

from __future__ import annotations

PASSWORD = "bench-password"
#: id 1 is the head office; branch stores follow
FIRST_STORE = 2


def manager_login(store: int) -> str:
    return f"mgr.s{store:04d}"


def manager_id(store: int) -> int:
    """The manager comes first of the store's five logins."""
    return 1 + (store - FIRST_STORE) * 5


def staff_login(store: int, n: int) -> str:
    return f"staff.s{store:04d}.{n}"


def member_mobile(store: int, n: int) -> str:
    """Unique per store and across stores, as E.164 mainland mobiles."""
    return f"+8613{store:04d}{n:05d}"


#: members of each store with a login of their own (the store's first members)
MEMBER_ACCOUNTS_PER_STORE = 5
#: a manager and four staff per store, one head-office login, then the members' logins
STAFF_PER_STORE = 5


def member_user_id(stores: int, store: int, n: int) -> int:
    """The login of the store's ``n``-th member account (``n`` < MEMBER_ACCOUNTS_PER_STORE)."""
    return stores * STAFF_PER_STORE + 2 + (store - FIRST_STORE) * MEMBER_ACCOUNTS_PER_STORE + n


def pending_file_ids(stores: int, pending: int, store: int) -> range:
    """The VIP files waiting for review in ``store``."""
    per_store = pending // stores
    first = (store - FIRST_STORE) * per_store + 1
    return range(first, first + per_store)

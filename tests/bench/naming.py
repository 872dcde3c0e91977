"""Names in the benchmark data set, shared by the loader and the load generator."""

from __future__ import annotations

PASSWORD = "bench-password"
#: id 1 is the head office; branch stores follow
FIRST_STORE = 2


def manager_login(store: int) -> str:
    return f"mgr.s{store:04d}"


def staff_login(store: int, n: int) -> str:
    return f"staff.s{store:04d}.{n}"


def member_mobile(store: int, n: int) -> str:
    """Unique per store and across stores, as E.164 mainland mobiles."""
    return f"+8613{store:04d}{n:05d}"

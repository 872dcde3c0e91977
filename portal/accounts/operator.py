"""The person at the server's shell: CLI commands, demo data and test set-up act as them."""

from __future__ import annotations

import getpass
from types import SimpleNamespace

from portal.accounts.roles import Role


class ShellOperator:
    """Whoever can run ``flask portal ...`` on the server already controls the database, so
    the operator may do everything. Not a database user: audit events carry no actor id and
    name the operator by ``login`` (``cli:<system user>`` by default)."""

    id = None
    is_enabled = True
    is_integration = False
    #: one all-stores grant per role, so scope questions answer "every store"
    grants = tuple(SimpleNamespace(role=role, store_id=None) for role in Role)

    def __init__(self, login: str | None = None) -> None:
        self.login = login or f"cli:{_system_user()}"

    def has_role(self, role: Role, store_id: int | None = None) -> bool:
        return True

    def __repr__(self) -> str:
        return f"<ShellOperator {self.login}>"


def _system_user() -> str:
    try:
        return getpass.getuser()
    except OSError:  # no name for this uid (containers)
        return "unknown"

"""The API contract tests' world: one object of every kind the API's paths name, the people
who act on them with a bearer token each, and the portal serving it all on a real socket.

The objects come from ``portal.testing.world`` (built through the services), so that
schemathesis' requests reach them and their state machines instead of stopping at 404.
It is rebuilt for each backend; the ``app`` fixture empties the tables afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from portal.testing.world import build_world


@dataclass(frozen=True)
class ContractWorld:
    """What the contract run needs: bearer tokens by person, and ids by kind of object.

    ``ids`` maps a kind (``file``, ``compliance_case`` ...) to the ids of that kind that
    exist; the test binds each id parameter of an operation to one kind."""

    tokens: dict[str, str]
    ids: dict[str, list[int | str]]


#: kinds of object and the ``portal.testing.world`` ids that are of that kind
KINDS = {
    "store": ("store",),
    "user": ("staff", "li", "manager"),
    "member": ("customer", "approved_customer", "fresh_customer", "member", "other_member"),
    "conflict": ("case",),
    "file": ("file", "approved_file"),
    "task": ("task",),
    "leave": ("leave",),
    "notification": ("notification",),
    "request": ("request", "request_to_open", "request_to_reject", "request_to_cancel"),
    "check": ("check",),
    "item": ("item",),
    "membership": ("membership",),
    "entry": ("entry",),
    "membership_type": ("membership_type",),
    "compliance_case": ("compliance_case",),
    "notice": ("notice",),
    "appeal": ("appeal",),
    "visit": ("visit",),
    "renovation_case": ("renovation_case",),
    "penalty": ("penalty",),
    "project": ("project",),
    "integration": ("integration",),
    "integration_token": ("integration_token",),
}


@pytest.fixture
def world(db_session: Session) -> ContractWorld:
    """``portal.testing.world`` (an object of every kind, a person of every role) and a
    bearer token of each person; the member gets two more for the operations that end
    their own token or change its password."""
    built = build_world(db_session)
    tokens = {
        person: built.token(db_session, person)["Authorization"].removeprefix("Bearer ")
        for person in built.people
    }
    for extra in ("member_logout", "member_password"):
        tokens[extra] = built.token(db_session, "member")["Authorization"].removeprefix("Bearer ")
    ids: dict[str, list[int | str]] = {
        kind: [built.ids[name] for name in names if name in built.ids]
        for kind, names in KINDS.items()
    }
    ids["store"].append(built.other_store.id)
    # a bundled plugin without API operations: disabling it starves no other operation
    ids["plugin"] = ["exchange"]
    return ContractWorld(tokens=tokens, ids={kind: found for kind, found in ids.items() if found})


class _QuietHandler(WSGIRequestHandler):
    """No access log: thousands of requests would bury schemathesis' report."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    """The portal of ``app`` (this backend's database) answering on 127.0.0.1."""
    server: BaseWSGIServer = make_server(
        "127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, name="contract-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

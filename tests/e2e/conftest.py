"""Browser journeys against the real app, served by werkzeug in a thread, with CSRF on.

The app gets its own SQLite file and is migrated with the Alembic revisions; one open
store and one admin are created through the services, as an operator would at the shell.
Playwright drives Debian's chromium (``/usr/bin/chromium``); it never downloads a browser.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from werkzeug.serving import BaseWSGIServer, make_server

from portal.testing.fixtures import PASSWORD, make_app, skip_or_fail

CHROMIUM = Path("/usr/bin/chromium")
#: the machine runs as root with the network closed: no sandbox, no background traffic
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STORE_NAME = "西安高新店"
ADMIN_LOGIN = "admin"


@dataclass(frozen=True)
class LiveServer:
    url: str
    app: Flask
    store_name: str = STORE_NAME
    admin_login: str = ADMIN_LOGIN
    password: str = PASSWORD


def _seed(app: Flask) -> None:
    """Migrate, then open one store and create the admin, acting as the shell's operator."""
    from flask_migrate import upgrade

    from portal.accounts.operator import ShellOperator
    from portal.accounts.roles import Role
    from portal.accounts.services import NewAccount, create_account, grant_role
    from portal.extensions import db
    from portal.stores.services import StoreData, create_store

    with app.app_context():
        upgrade()
        actor: Any = ShellOperator("test-setup")
        create_store(db.session, actor=actor, data=StoreData(code="XA01", name=STORE_NAME))
        admin = create_account(
            db.session,
            actor=actor,
            data=NewAccount(login=ADMIN_LOGIN, display_name="Admin", password=PASSWORD),
        )
        grant_role(db.session, actor=actor, user=admin, role=Role.ADMIN, store=None)
        db.session.commit()
        db.session.remove()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The portal answering on 127.0.0.1 at a free port for the whole session."""
    tmp = tmp_path_factory.mktemp("e2e")
    app = make_app(
        f"sqlite:///{tmp / 'portal.db'}",
        tmp / "instance",
        WTF_CSRF_ENABLED=True,
        PORTAL_DEFAULT_LOCALE="en",
    )
    _seed(app)
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            from portal.extensions import db

            db.engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _patient_expect() -> None:
    """Assertions wait up to 10 s (default 5 s): the machine may be busy with other suites."""
    expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    """pytest-playwright gives every context this base URL: ``page.goto("/register")``."""
    return live_server.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's chromium instead of a downloaded one; skip (or fail) where it is missing."""
    if not CHROMIUM.exists():
        skip_or_fail("chromium not installed")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """English first, as a visitor's browser would ask; the app's default is English here."""
    return {**browser_context_args, "locale": "en-US"}

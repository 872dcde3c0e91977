"""Fixtures for browser journeys (core's and plugins'): the real app served by werkzeug in a
thread, with CSRF on, and pytest-playwright's ``page`` in Debian's chromium.

The app gets its own SQLite file and is migrated with the Alembic revisions (core and every
plugin branch); one open store and one admin are created through the services, as an
operator would at the shell. Playwright drives ``/usr/bin/chromium``; it never downloads a
browser. ``live_data`` builds further data through the services; ``log_in(page, login)``
logs a page in. Mark journeys ``@pytest.mark.e2e``.

Under pytest-xdist every worker serves its own copy on its own port and drives its own
browser, so a journey must build all the data it needs: the journey that made some other
data may be running on another worker.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
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
        upgrade(revision="heads")
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


@pytest.fixture(scope="session")
def _patient_expect() -> None:
    """Assertions wait up to 10 s (default 5 s): the machine may be busy with other suites."""
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer, _patient_expect: None) -> str:
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


# --- building data in the live server -------------------------------------------------------


class LiveData:
    """Builds the journeys' data in the live server's database through the services, as
    the shell's operator or as the named users, and moves the server's frozen clock.

    Every method opens its own app context, commits, and removes the session, so the
    server's threads see the data at once."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    @property
    def clock(self) -> Any:
        """The live server's ``FrozenClock`` (``make_app`` gives it one)."""
        return self.app.extensions["portal.clock"]

    def _run(self, work: Any) -> Any:
        from portal.extensions import db

        with self.app.app_context():
            try:
                result = work(db.session)
                db.session.commit()
                return result
            finally:
                db.session.remove()

    @staticmethod
    def _user(session: Any, login: str) -> Any:
        from sqlalchemy import select

        from portal.accounts.models import User

        return session.scalar(select(User).where(User.login == login))

    def store(self, code: str, name: str) -> int:
        """Open a store (once per session for each code); its id."""
        from sqlalchemy import select

        from portal.accounts.operator import ShellOperator
        from portal.stores.models import Store
        from portal.stores.services import StoreData, create_store

        def work(session: Any) -> int:
            found = session.scalar(select(Store).where(Store.code == code))
            if found is not None:
                return int(found.id)
            actor: Any = ShellOperator("test-setup")
            return int(create_store(session, actor=actor, data=StoreData(code=code, name=name)).id)

        return int(self._run(work))

    def user(self, login: str, display_name: str, role: str, store_id: int | None = None) -> str:
        """A staff account holding ``role`` (in ``store_id``, or everywhere); its login.

        The live server is shared by every journey of the session (core's and plugins'):
        asking again for a login another journey made with another role or store fails,
        instead of handing over an account the journey does not expect.
        """
        from portal.accounts.operator import ShellOperator
        from portal.accounts.roles import Role
        from portal.accounts.services import NewAccount, create_account, grant_role
        from portal.stores.models import Store

        def work(session: Any) -> None:
            existing = self._user(session, login)
            if existing is not None:
                held = {(g.role, g.store_id) for g in existing.grants}
                assert (Role(role).value, store_id) in held, (
                    f"login {login} is another journey's ({sorted(held)}): choose another"
                )
                return
            actor: Any = ShellOperator("test-setup")
            user = create_account(
                session,
                actor=actor,
                data=NewAccount(login=login, display_name=display_name, password=PASSWORD),
            )
            store = session.get(Store, store_id) if store_id is not None else None
            grant_role(session, actor=actor, user=user, role=Role(role), store=store)

        self._run(work)
        return login

    def submitted_file(
        self, referrer: str, *, store_id: int, full_name: str, mobile: str, id_number: str
    ) -> int:
        """A customer of ``referrer`` with a complete VIP file, submitted for review now."""
        from portal.vip.testing import complete_values, dummy_customer, dummy_vip_file

        def work(session: Any) -> int:
            user = self._user(session, referrer)
            member = dummy_customer(
                session, user, store_id=store_id, full_name=full_name, mobile=mobile
            )
            values = complete_values(full_name=full_name, mobile=mobile, id_number=id_number)
            return int(dummy_vip_file(session, user, member, values=values).id)

        return int(self._run(work))

    def tick(self) -> str:
        """What cron does: fire the due reminders and escalations, deliver messages."""
        from portal.sla.runner import run_once

        return str(self._run(lambda session: run_once()))


@pytest.fixture(scope="session")
def live_data(live_server: LiveServer) -> LiveData:
    return LiveData(live_server.app)


@pytest.fixture
def log_in(live_server: LiveServer) -> Any:
    """``log_in(page, login)``: through the login form, landing on the home page."""
    import re

    from playwright.sync_api import expect

    def do(page: Any, login: str) -> None:
        page.goto("/login")
        page.get_by_label("Mobile number or username").fill(login)
        page.get_by_label("Password", exact=True).fill(live_server.password)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(re.compile(r"/home$"))

    return do

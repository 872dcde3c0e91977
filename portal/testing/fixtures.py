"""pytest fixtures for the portal and its plugins (loaded through the ``pytest11`` entry point)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import text

from portal.accounts import passwords
from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.clock import FrozenClock
from portal.testing import require_all
from portal.testing.postgres import PostgresUnavailable, throwaway_cluster

#: every test starts at this instant unless it moves the clock
START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
PASSWORD = "correct-horse-battery"  # noqa: S105 - test accounts only
BACKENDS = ["sqlite", "postgresql"]


def pytest_configure(config: pytest.Config) -> None:
    """The browser-journey fixtures (``live_server``, ``live_data``, ``log_in``) join here,
    after pytest-playwright registered its own ``base_url``, so that ours is the one used."""
    from portal.testing import browser

    if not config.pluginmanager.is_registered(browser):
        config.pluginmanager.register(browser, "portal-browser")


def skip_or_fail(reason: str) -> None:
    """Skip, or fail under PORTAL_REQUIRE_ALL=1 where nothing may be skipped."""
    if require_all():
        pytest.fail(f"{reason} (PORTAL_REQUIRE_ALL=1 forbids skipping)")
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> None:
    """Argon2 with production parameters costs ~50 ms a hash; tests create many accounts."""
    passwords.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    try:
        with throwaway_cluster() as url:
            yield url
    except PostgresUnavailable as exc:
        skip_or_fail(f"PostgreSQL unavailable: {exc}")


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Each test that uses the database runs once on SQLite and once on PostgreSQL.

    Both are per pytest-xdist worker: the SQLite file lies in the worker's own temporary
    directory, and every worker starts its own PostgreSQL cluster."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'portal.db'}"
    return request.getfixturevalue("postgres_url")


def make_app(database_url: str, instance_path: Path, **overrides: Any) -> Flask:
    from portal import create_app

    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "PORTAL_INSTANCE_PATH": str(instance_path),
        "PORTAL_CLOCK": FrozenClock(START),
        "PORTAL_DEFAULT_LOCALE": "en",
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def _migrated_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app per backend; its schema comes from the Alembic revisions, not create_all."""
    from flask_migrate import upgrade

    from portal.extensions import db

    app = make_app(database_url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        upgrade(revision="heads")
    yield app
    with app.app_context():
        db.engine.dispose()  # close pooled connections before the cluster stops


def _empty_tables(app: Flask) -> None:
    from portal.extensions import db

    with app.app_context():
        db.session.remove()
        tables = list(db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(tables):
                    conn.execute(table.delete())


@pytest.fixture
def app(_migrated_app: Flask) -> Iterator[Flask]:
    """The portal with empty tables and the clock at ``START``; a pushed app context."""
    _migrated_app.extensions["portal.clock"].set(START)
    with _migrated_app.app_context():
        yield _migrated_app
    _empty_tables(_migrated_app)


@pytest.fixture
def clock(app: Flask) -> FrozenClock:
    return app.extensions["portal.clock"]


@pytest.fixture
def db_session(app: Flask) -> Any:
    from portal.extensions import db

    return db.session


class IsolatedClient(FlaskClient):
    """Each request gets its own app context (and so its own ``g`` and database session),
    as in production, even though the test itself holds an app context open."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def register_plugin(app: Flask) -> Iterator[Callable[[object, str], object]]:
    """``register_plugin(obj, name)`` adds a throwaway plugin to ``app`` for one test.

    Hooks called per request or per event see it at once; start-up hooks (blueprints,
    migrations, permissions) were collected when the app was built and do not.
    """
    plugins = app.extensions["portal.plugins"]
    names: list[str] = []

    def register(plugin: object, name: str) -> object:
        plugins.register(plugin, name)
        names.append(name)
        return plugin

    yield register
    for name in names:
        plugins.unregister(name)


# --- factories -----------------------------------------------------------------------------


@pytest.fixture
def make_store(db_session: Any) -> Callable[..., Any]:
    from portal.accounts.operator import ShellOperator
    from portal.stores.services import StoreData, create_store

    counter = iter(range(1, 1000))

    def factory(**fields: Any) -> Any:
        n = next(counter)
        data = StoreData(**{"code": f"S{n:02d}", "name": f"测试门店{n}", **fields})
        store = create_store(db_session, actor=ShellOperator("test-setup"), data=data)  # type: ignore[arg-type]
        db_session.commit()
        return store

    return factory


@pytest.fixture
def dummy_store(make_store: Callable[..., Any]) -> Any:
    return make_store(code="XA01", name="西安高新店")


@pytest.fixture
def other_store(make_store: Callable[..., Any]) -> Any:
    return make_store(code="BJ01", name="北京朝阳店")


@pytest.fixture
def make_user(db_session: Any) -> Callable[..., User]:
    """``make_user("wang", Role.STAFF, store)``: a staff account with one role grant."""
    from portal.testing.world import new_user  # the world builds on these fixtures' constants

    def factory(login: str, role: Role | None = None, store: Any = None, **fields: Any) -> User:
        user = new_user(db_session, login, role, store, **fields)
        db_session.commit()
        return user

    return factory


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user("admin", Role.ADMIN)


@pytest.fixture
def staff(make_user: Callable[..., User], dummy_store: Any) -> User:
    return make_user("staff", Role.STAFF, dummy_store)


@pytest.fixture
def store_manager(make_user: Callable[..., User], dummy_store: Any) -> User:
    return make_user("manager", Role.STORE_MANAGER, dummy_store)


@pytest.fixture
def hq_service(make_user: Callable[..., User]) -> User:
    return make_user("hq.service", Role.HQ_SERVICE)


@pytest.fixture
def hq_head(make_user: Callable[..., User]) -> User:
    return make_user("hq.head", Role.HQ_HEAD)


@pytest.fixture
def compliance(make_user: Callable[..., User]) -> User:
    return make_user("compliance", Role.COMPLIANCE)


@pytest.fixture
def finance(make_user: Callable[..., User]) -> User:
    return make_user("finance", Role.FINANCE)


@pytest.fixture
def make_member(db_session: Any, dummy_store: Any) -> Callable[..., Any]:
    """A self-registered member (with a login) of ``store`` (default: ``dummy_store``)."""
    from portal.members.services import Registration, register_member

    def factory(
        full_name: str = "王建国", mobile: str = "13800138000", store: Any = None, **fields: Any
    ) -> Any:
        member = register_member(
            db_session,
            data=Registration(
                full_name=full_name,
                mobile=mobile,
                store_id=(store or dummy_store).id,
                password=PASSWORD,
                consent=True,
                **fields,
            ),
            terms_version="test",
        )
        db_session.commit()
        return member

    return factory


@pytest.fixture
def member(make_member: Callable[..., Any]) -> Any:
    """The ``Member`` record; its login is ``member.user``."""
    return make_member()


@pytest.fixture
def login(client: FlaskClient) -> Callable[[User], FlaskClient]:
    """``login(user)`` logs the ``client`` in through the login form."""

    def do_login(user: User, password: str = PASSWORD) -> FlaskClient:
        response = client.post("/login", data={"login": user.login, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do_login


@pytest.fixture
def api_token(db_session: Any) -> Callable[[User], dict[str, str]]:
    """``api_token(user)`` returns headers carrying a fresh bearer token for ``user``."""
    from portal.accounts.services import issue_api_token

    def make(user: User) -> dict[str, str]:
        plain, _token = issue_api_token(db_session, user=user, name="test", days=1)
        db_session.commit()
        return {"Authorization": f"Bearer {plain}"}

    return make


@pytest.fixture
def make_integration(db_session: Any, admin: User) -> Callable[..., Any]:
    """``make_integration("POS 01", store, ["record_consumption"])``: an integration (its
    account is ``.user``; give it a token with ``api_token(integration.user)``)."""
    from portal.accounts.integrations import NewIntegration, create_integration

    def factory(name: str, store: Any, actions: list[str]) -> Any:
        integration = create_integration(
            db_session, actor=admin, data=NewIntegration(name=name, store=store, actions=actions)
        )
        db_session.commit()
        return integration

    return factory


@pytest.fixture
def integration(make_integration: Callable[..., Any], dummy_store: Any) -> Any:
    """A POS of ``dummy_store`` that looks up members and reads and records VIP consumption."""
    return make_integration(
        "POS 01",
        dummy_store,
        ["list_members", "view_member", "view_vip_file", "record_consumption"],
    )

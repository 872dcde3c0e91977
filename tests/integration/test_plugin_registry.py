"""The plugin registry: enabling and disabling plugins for every worker without a restart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select

from portal import hookimpl
from portal.accounts.operator import ShellOperator
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from portal.errors import NotFound, PermissionDenied, ValidationFailed
from portal.events import Event, emit
from portal.extensions import db
from portal.plugins import manager, registry
from portal.plugins.manager import PluginManager
from portal.plugins.models import PluginState
from portal.sla import services as sla
from portal.sla.policies import SlaPolicy
from portal.testing.fixtures import PASSWORD, IsolatedClient, make_app


class Extras:
    """A throwaway plugin with a nav item, a validation, an event listener, a sender and
    an SLA policy: one of each way the core calls hooks."""

    def __init__(self) -> None:
        self.heard: list[Event] = []

    @hookimpl
    def portal_nav_items(self, user: Any) -> list[dict[str, Any]]:
        return [{"label": "Extras-nav", "url": "/extras"}]

    @hookimpl
    def portal_validate_member(self, data: dict[str, Any], strictness: str) -> dict[str, list]:
        return {"employer": ["extras says no"]}

    @hookimpl
    def portal_on_event(self, event: Event) -> None:
        self.heard.append(event)

    @hookimpl
    def portal_notification_send(self, notification: Any, text: str) -> bool:
        return False

    @hookimpl
    def portal_sla_policies(self) -> list[SlaPolicy]:
        return [
            SlaPolicy(
                key="extras_callback",
                label="Extras call-back",
                duration=timedelta(hours=2),
                decider_roles=(Role.STORE_MANAGER,),
            )
        ]


@pytest.fixture
def extras(app: Flask) -> Iterator[Extras]:
    plugins: PluginManager = app.extensions["portal.plugins"]
    plugin = Extras()
    plugins.register(plugin, "extras")
    sla.reload_policies(app)
    yield plugin
    plugins.unregister("extras")
    sla.reload_policies(app)


def _client_of(app: Flask, user: Any) -> Any:
    app.test_client_class = IsolatedClient
    client = app.test_client()
    response = client.post("/login", data={"login": user.login, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _disable(name: str, enabled: bool = False) -> None:
    registry.set_enabled(db.session, actor=ShellOperator("cli:test"), name=name, enabled=enabled)
    db.session.commit()


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# --- routes and hooks -----------------------------------------------------------------------


def test_no_row_means_enabled(app, db_session):
    assert db_session.scalar(select(PluginState)) is None
    assert {"exchange", "renovation", "restaurant"} <= registry.enabled_plugins(db_session)


def test_disabling_restaurant_makes_its_pages_404_at_once_and_enabling_restores_them(
    app, client, admin
):
    admin_client = _client_of(app, admin)
    assert client.get("/restaurant/about").status_code == 200

    response = admin_client.post("/admin/plugins/restaurant/disable")
    assert response.status_code == 302
    assert client.get("/restaurant/about").status_code == 404
    assert admin_client.get("/restaurant/about").status_code == 404
    assert client.get("/exchange/about").status_code == 200  # the others are untouched

    assert admin_client.post("/admin/plugins/restaurant/enable").status_code == 302
    assert client.get("/restaurant/about").status_code == 200


def test_a_disabled_plugins_hooks_are_skipped_everywhere(app, client, admin, extras, db_session):
    plugins: PluginManager = app.extensions["portal.plugins"]
    admin_client = _client_of(app, admin)
    assert "Extras-nav" in admin_client.get("/home").get_data(as_text=True)
    extras_nav = {"label": "Extras-nav", "url": "/extras"}
    with app.test_request_context():  # other plugins build their items with url_for
        assert extras_nav in plugins.collect("portal_nav_items", user=admin)
    assert plugins.caller("portal_notification_send")(notification=None, text="") is False
    plugins.notify(Event("member.updated"))
    assert len(extras.heard) == 1

    _disable("extras")

    assert "Extras-nav" not in admin_client.get("/home").get_data(as_text=True)
    with app.test_request_context():
        assert extras_nav not in plugins.collect("portal_nav_items", user=admin)
    assert list(plugins.caller("portal_validate_member")(data={}, strictness="vip")) == []
    assert plugins.caller("portal_notification_send")(notification=None, text="") is None
    plugins.notify(Event("member.updated"))
    emit(db_session, "member.updated", member_id=1)
    db_session.commit()
    assert len(extras.heard) == 1
    # start-up contributions still see every plugin
    assert "extras" in {
        impl.plugin_name
        for impl in plugins.caller("portal_nav_items", every_plugin=True).get_hookimpls()
    }

    _disable("extras", enabled=True)
    assert "Extras-nav" in admin_client.get("/home").get_data(as_text=True)
    plugins.notify(Event("member.updated"))
    assert len(extras.heard) == 2


def test_a_disabled_plugins_sla_policy_starts_no_new_task(app, db_session, extras, dummy_store):
    """Policies are built once at start-up; a disabled plugin's stay for the tasks already
    running, but start no new one (docs/decisions.md)."""
    operator = ShellOperator()
    task = sla.start_task(
        db_session,
        policy="extras_callback",
        subject_type="extras",
        subject_id=1,
        store_id=dummy_store.id,
        actor=operator,
        title="Call back",
    )
    db_session.commit()
    _disable("extras")
    with pytest.raises(Exception, match="disabled") as caught:
        sla.start_task(
            db_session,
            policy="extras_callback",
            subject_type="extras",
            subject_id=2,
            store_id=dummy_store.id,
            actor=operator,
            title="Call back",
        )
    assert type(caught.value).__name__ == "Conflict"
    db_session.rollback()
    assert sla.get_policy("extras_callback").key == "extras_callback"  # running tasks go on
    sla.complete_task(db_session, task, actor=operator, outcome="called")


def test_the_enabled_set_is_read_once_per_request(app, extras):
    plugins: PluginManager = app.extensions["portal.plugins"]
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "plugin_state" in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with app.test_request_context("/"):
            for _ in range(5):
                plugins.collect("portal_nav_items", user=None)
                plugins.notify(Event("member.updated"))
        assert len(statements) == 1
        plugins.collect("portal_nav_items", user=None)  # outside a request: one per call
        assert len(statements) == 2
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


# --- several workers ------------------------------------------------------------------------


@pytest.fixture
def second_worker(app: Flask, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """Another app on the same database: what a second gunicorn worker is."""
    other = make_app(database_url, tmp_path / "worker2")
    other.test_client_class = IsolatedClient
    yield other
    with other.app_context():
        db.engine.dispose()


def test_every_worker_sees_the_change_without_restart(app, client, second_worker, runner):
    other = second_worker.test_client()
    assert client.get("/restaurant/about").status_code == 200
    assert other.get("/restaurant/about").status_code == 200

    result = runner.invoke(args=["portal", "plugins", "disable", "restaurant"])
    assert result.exit_code == 0, result.output

    assert client.get("/restaurant/about").status_code == 404
    assert other.get("/restaurant/about").status_code == 404

    with second_worker.app_context():
        result = second_worker.test_cli_runner().invoke(
            args=["portal", "plugins", "enable", "restaurant"]
        )
    assert result.exit_code == 0, result.output
    assert client.get("/restaurant/about").status_code == 200
    assert other.get("/restaurant/about").status_code == 200


# --- CLI ------------------------------------------------------------------------------------


def test_cli_disable_enable_and_list(app, runner, db_session):
    result = runner.invoke(args=["portal", "plugins", "disable", "renovation"])
    assert result.exit_code == 0, result.output
    assert "Plugin renovation is disabled in every worker." in result.output
    listed = runner.invoke(args=["portal", "plugins", "list"]).output
    assert "renovation 0.1.0 [loaded, disabled]" in listed
    assert "restaurant 0.1.0 [loaded, enabled]" in listed
    (disabled,) = _events("plugin.disabled")
    assert disabled.actor_label.startswith("cli:")
    assert (disabled.object_type, disabled.object_id) == ("plugin", "renovation")
    assert (disabled.before, disabled.after) == ({"enabled": True}, {"enabled": False})
    state = db_session.get(PluginState, "renovation")
    assert state.enabled is False
    assert state.changed_by_id is None

    result = runner.invoke(args=["portal", "plugins", "enable", "renovation"])
    assert result.exit_code == 0, result.output
    assert (
        "renovation 0.1.0 [loaded, enabled]"
        in runner.invoke(args=["portal", "plugins", "list"]).output
    )
    assert len(_events("plugin.enabled")) == 1


def test_cli_unknown_plugin_fails(app, runner):
    result = runner.invoke(args=["portal", "plugins", "disable", "winelist"])
    assert result.exit_code == 1
    assert "No such plugin." in result.output


def test_setting_the_same_state_twice_records_nothing(app, db_session):
    _disable("exchange")
    _disable("exchange")
    _disable("restaurant", enabled=True)  # no row, already enabled
    assert len(_events("plugin.disabled")) == 1
    assert _events("plugin.enabled") == []
    assert db_session.get(PluginState, "restaurant") is None


# --- admin page and API ---------------------------------------------------------------------


def test_admin_page_lists_plugins_and_confirms_before_disabling(app, admin, db_session):
    admin_client = _client_of(app, admin)
    home = admin_client.get("/home").get_data(as_text=True)
    assert 'href="/admin/plugins/"' in home
    page = admin_client.get("/admin/plugins/").get_data(as_text=True)
    for name in ("exchange", "renovation", "restaurant"):
        assert f'id="plugin-{name}"' in page
    assert "0.1.0" in page
    assert "portal_blueprints" in page
    assert 'href="/admin/plugins/restaurant/disable"' in page

    confirm = admin_client.get("/admin/plugins/restaurant/disable")
    assert confirm.status_code == 200
    assert "Disable the plugin restaurant?" in confirm.get_data(as_text=True)
    assert db_session.get(PluginState, "restaurant") is None  # nothing changed yet

    response = admin_client.post("/admin/plugins/restaurant/disable", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "The plugin restaurant is disabled." in page
    assert 'href="/admin/plugins/restaurant/enable"' in page
    (disabled,) = _events("plugin.disabled")
    assert disabled.actor_id == admin.id
    assert db_session.get(PluginState, "restaurant").changed_by_id == admin.id


def test_non_admins_neither_see_nor_use_the_plugins_page(app, staff, store_manager, api_token):
    for user in (staff, store_manager):
        client = _client_of(app, user)
        assert 'href="/admin/plugins/"' not in client.get("/home").get_data(as_text=True)
        assert client.get("/admin/plugins/").status_code == 404
        assert client.post("/admin/plugins/restaurant/disable").status_code == 404
        headers = api_token(user)
        assert client.get("/api/v1/plugins/", headers=headers).status_code == 403
        assert client.post("/api/v1/plugins/restaurant/disable", headers=headers).status_code == 404
    assert app.test_client().get("/restaurant/about").status_code == 200
    with pytest.raises(PermissionDenied):
        registry.set_enabled(db.session, actor=staff, name="restaurant", enabled=False)


def test_api_lists_and_switches_plugins(app, client, admin, api_token):
    headers = api_token(admin)
    listed = client.get("/api/v1/plugins/", headers=headers)
    assert listed.status_code == 200
    by_name = {p["name"]: p for p in listed.get_json()}
    assert by_name["restaurant"] == {
        "name": "restaurant",
        "version": "0.1.0",
        "hooks": app.extensions["portal.plugins"].plugins["restaurant"].hooks,
        "loaded": True,
        "enabled": True,
        "error": None,
        "changed_at": None,
        "changed_by": None,
    }

    response = client.post("/api/v1/plugins/restaurant/disable", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["enabled"] is False
    assert response.get_json()["changed_by"] == admin.login
    assert client.get("/restaurant/about").status_code == 404

    response = client.post("/api/v1/plugins/restaurant/enable", headers=headers)
    assert response.get_json()["enabled"] is True
    assert client.get("/restaurant/about").status_code == 200
    assert client.post("/api/v1/plugins/winelist/enable", headers=headers).status_code == 404
    assert client.get("/api/v1/plugins/").status_code == 401


def test_openapi_documents_the_plugin_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/plugins/"]
    assert "post" in paths["/api/v1/plugins/{name}/enable"]
    assert "post" in paths["/api/v1/plugins/{name}/disable"]


# --- a plugin that failed to load -----------------------------------------------------------


@pytest.fixture
def broken_worker(
    app: Flask, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Flask]:
    """An app on the shared database with an installed plugin ``broken`` that fails."""
    package = tmp_path / "broken_site"
    package.mkdir()
    (package / "portal_broken_plugin.py").write_text('raise RuntimeError("broken on import")\n')
    monkeypatch.syspath_prepend(str(package))
    fake = EntryPoint(name="broken", value="portal_broken_plugin", group=manager.ENTRY_POINT_GROUP)
    installed = manager.entry_points
    monkeypatch.setattr(manager, "entry_points", lambda group: [*installed(group=group), fake])
    other = make_app(database_url, tmp_path / "broken-instance")
    other.test_client_class = IsolatedClient
    with other.app_context():
        yield other
        db.session.remove()
        db.engine.dispose()


def test_a_failed_plugin_is_shown_disabled_and_cannot_be_enabled(broken_worker, admin, api_token):
    assert "broken" not in registry.enabled_plugins(db.session)
    with pytest.raises(ValidationFailed) as caught:
        registry.set_enabled(db.session, actor=admin, name="broken", enabled=True)
    assert "failed to load" in str(caught.value.errors["name"][0])
    db.session.rollback()

    admin_client = _client_of(broken_worker, admin)
    page = admin_client.get("/admin/plugins/").get_data(as_text=True)
    assert "<details><summary>RuntimeError: broken on import</summary>" in page
    assert 'href="/admin/plugins/broken/enable"' not in page
    response = admin_client.post("/admin/plugins/broken/enable")
    assert response.status_code == 422
    assert "failed to load, so it cannot be enabled" in response.get_data(as_text=True)

    headers = api_token(admin)
    listed = {p["name"]: p for p in admin_client.get("/api/v1/plugins/", headers=headers).json}
    assert listed["broken"]["loaded"] is False
    assert listed["broken"]["enabled"] is False
    assert "RuntimeError: broken on import" in listed["broken"]["error"]
    response = admin_client.post("/api/v1/plugins/broken/enable", headers=headers)
    assert response.status_code == 422
    assert "failed to load" in response.get_json()["errors"]["json"]["name"][0]
    assert _events("plugin.enabled") == []


def test_unknown_plugin_is_not_found(app):
    with pytest.raises(NotFound):
        registry.set_enabled(db.session, actor=ShellOperator(), name="nope", enabled=False)


def test_a_plugins_cli_command_refuses_while_disabled(app, runner, extras):
    import click

    @click.command("extras-hello")
    def hello() -> None:
        click.echo("hello from extras")

    plugins: PluginManager = app.extensions["portal.plugins"]

    class Commands:
        @hookimpl
        def portal_cli_commands(self) -> list[click.Command]:
            return [hello]

    plugins.register(Commands(), "extras_cli")
    try:
        from portal import cli

        cli.init_app(app, plugins)
        assert runner.invoke(args=["portal", "extras-hello"]).output == "hello from extras\n"
        _disable("extras_cli")
        result = runner.invoke(args=["portal", "extras-hello"])
        assert result.exit_code == 1
        assert "The plugin extras_cli is disabled" in result.output
    finally:
        cli.portal_cli.commands.pop("extras-hello", None)
        plugins.unregister("extras_cli")

"""The plugin machinery: discovery, PORTAL_PLUGINS, load failures, events, CLI and docs."""

from __future__ import annotations

import inspect
import logging
import re
import textwrap
from collections.abc import Callable
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pluggy
import pytest
from flask import Flask
from sqlalchemy import text

from portal import hookimpl
from portal.events import Event, emit
from portal.plugins import hookspecs, manager
from portal.plugins.manager import PluginManager
from portal.testing.fixtures import make_app

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = {"exchange", "renovation", "restaurant"}


class EventRecorder:
    """A throwaway plugin that remembers the events it heard."""

    def __init__(self) -> None:
        self.heard: list[Event] = []

    @hookimpl
    def portal_on_event(self, event: Event) -> None:
        self.heard.append(event)


class BrokenListener:
    @hookimpl
    def portal_on_event(self, event: Event) -> None:
        raise RuntimeError("listener bug")


@pytest.fixture
def app_factory(tmp_path: Path) -> Callable[..., Flask]:
    """Apps with their own settings; SQLite, no schema (these tests never query)."""
    counter = iter(range(1000))

    def build(**overrides: Any) -> Flask:
        n = next(counter)
        return make_app(f"sqlite:///{tmp_path / f'{n}.db'}", tmp_path / f"instance{n}", **overrides)

    return build


@pytest.fixture
def broken_plugin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """An installed plugin ``broken`` whose module raises on import."""
    package = tmp_path / "broken_site"
    package.mkdir()
    (package / "portal_broken_plugin.py").write_text('raise RuntimeError("broken on import")\n')
    monkeypatch.syspath_prepend(str(package))
    fake = EntryPoint(name="broken", value="portal_broken_plugin", group=manager.ENTRY_POINT_GROUP)
    installed = manager.entry_points

    def entry_points(group: str) -> list[EntryPoint]:
        return [*installed(group=group), fake]

    monkeypatch.setattr(manager, "entry_points", entry_points)
    return "broken"


# --- discovery ------------------------------------------------------------------------------


def test_bundled_plugins_load_and_implement_only_specified_hooks(app):
    plugins = app.extensions["portal.plugins"]
    loaded = {name for name, info in plugins.plugins.items() if info.loaded}
    assert loaded >= BUNDLED
    plugins.check_pending()


def test_check_pending_fails_on_a_hook_without_spec():
    class Typo:
        @hookimpl
        def portal_blueprint(self) -> list[object]:  # the spec is portal_blueprints
            return []

    plugins = PluginManager()
    plugins.register(Typo(), "typo")
    with pytest.raises(pluggy.PluginValidationError, match="portal_blueprint"):
        plugins.check_pending()


def test_installed_plugin_with_unknown_hook_is_skipped_and_reported(monkeypatch, tmp_path):
    package = tmp_path / "typo_site"
    package.mkdir()
    (package / "portal_typo_plugin.py").write_text(
        textwrap.dedent(
            """
            from portal import hookimpl

            @hookimpl
            def portal_translation_dir():
                return []
            """
        )
    )
    monkeypatch.syspath_prepend(str(package))
    monkeypatch.setattr(
        manager,
        "entry_points",
        lambda group: [EntryPoint(name="typo", value="portal_typo_plugin", group=group)],
    )
    plugins = PluginManager()
    plugins.discover(None)
    assert plugins.plugins["typo"].error == (
        "implements hooks the portal does not define: portal_translation_dir"
    )
    plugins.check_pending()  # nothing of it stayed registered


# --- PORTAL_PLUGINS -------------------------------------------------------------------------


def test_portal_plugins_limits_what_loads(app_factory):
    app = app_factory(PORTAL_PLUGINS=["restaurant"])
    assert list(app.extensions["portal.plugins"].plugins) == ["restaurant"]
    client = app.test_client()
    assert client.get("/restaurant/about").status_code == 200
    assert client.get("/exchange/about").status_code == 404


def test_empty_portal_plugins_loads_none(app_factory):
    app = app_factory(PORTAL_PLUGINS=[])
    assert app.extensions["portal.plugins"].plugins == {}
    assert app.test_client().get("/restaurant/about").status_code == 404


def test_portal_plugins_naming_a_missing_plugin_is_reported(app_factory):
    plugins = app_factory(PORTAL_PLUGINS=["restaurant", "restaurnt"]).extensions["portal.plugins"]
    assert plugins.plugins["restaurant"].loaded
    assert plugins.plugins["restaurnt"].error == "named in PORTAL_PLUGINS but not installed"


def test_portal_plugins_is_read_from_the_environment(app_factory, monkeypatch):
    monkeypatch.setenv("PORTAL_PLUGINS", "exchange, renovation")
    plugins = app_factory().extensions["portal.plugins"]
    assert sorted(plugins.plugins) == ["exchange", "renovation"]


# --- load failures --------------------------------------------------------------------------


def test_plugin_failing_on_import_is_recorded_and_the_app_still_starts(
    app_factory, broken_plugin, caplog
):
    with caplog.at_level(logging.ERROR, logger="portal.plugins.manager"):
        app = app_factory()
    info = app.extensions["portal.plugins"].plugins[broken_plugin]
    assert not info.loaded
    assert "RuntimeError: broken on import" in info.error
    assert "plugin broken failed to load" in caplog.text
    assert app.test_client().get("/restaurant/about").status_code == 200


def test_plugins_list_shows_the_failure(app_factory, broken_plugin):
    result = app_factory().test_cli_runner().invoke(args=["portal", "plugins", "list"])
    assert result.exit_code == 0, result.output
    assert "broken - [FAILED, disabled] hooks: -" in result.output
    assert "  RuntimeError: broken on import" in result.output


def test_plugins_list_prints_each_plugin_with_version_and_hooks(app, runner):
    result = runner.invoke(args=["portal", "plugins", "list"])
    assert result.exit_code == 0, result.output
    plugins = app.extensions["portal.plugins"].plugins
    for name in sorted(BUNDLED):
        hooks = ", ".join(plugins[name].hooks)
        assert "portal_blueprints" in hooks
        assert f"{name} 0.1.0 [loaded, enabled] hooks: {hooks}" in result.output


# --- events ---------------------------------------------------------------------------------


def test_notify_reaches_every_plugin_despite_one_failing(caplog):
    plugins = PluginManager()
    first, last = EventRecorder(), EventRecorder()
    plugins.register(first, "first")
    plugins.register(BrokenListener(), "broken")
    plugins.register(last, "last")
    event = Event("member.registered", {"member_id": 7})

    with caplog.at_level(logging.ERROR, logger="portal.plugins.manager"):
        plugins.notify(event)

    assert first.heard == [event]
    assert last.heard == [event]
    assert "plugin broken failed handling member.registered" in caplog.text


def test_notify_accepts_an_implementation_taking_no_argument():
    calls: list[str] = []

    class Counter:
        @hookimpl
        def portal_on_event(self) -> None:
            calls.append("called")

    plugins = PluginManager()
    plugins.register(Counter(), "counter")
    plugins.notify(Event("member.updated"))
    assert calls == ["called"]


def test_event_is_delivered_after_commit(db_session, register_plugin, clock):
    recorder = register_plugin(EventRecorder(), "recorder")
    db_session.execute(text("SELECT 1"))
    emit(db_session, "member.registered", member_id=1, store_id=2)
    db_session.flush()
    assert recorder.heard == []

    db_session.commit()

    assert recorder.heard == [
        Event("member.registered", {"member_id": 1, "store_id": 2}, clock.now())
    ]


def test_event_is_dropped_on_rollback(db_session, register_plugin):
    recorder = register_plugin(EventRecorder(), "recorder")
    db_session.execute(text("SELECT 1"))
    emit(db_session, "member.registered", member_id=1)
    db_session.rollback()
    db_session.commit()
    assert recorder.heard == []


def test_event_emitted_before_the_transaction_began_is_dropped_on_rollback(
    db_session, register_plugin
):
    recorder = register_plugin(EventRecorder(), "recorder")
    emit(db_session, "member.registered", member_id=1)
    db_session.rollback()
    db_session.commit()
    assert recorder.heard == []


def test_savepoint_rollback_keeps_the_events_of_the_outer_transaction(db_session, register_plugin):
    recorder = register_plugin(EventRecorder(), "recorder")
    db_session.execute(text("SELECT 1"))
    emit(db_session, "member.registered", member_id=1)
    savepoint = db_session.begin_nested()
    emit(db_session, "member.updated", member_id=1)
    savepoint.rollback()
    db_session.commit()
    assert [event.name for event in recorder.heard] == ["member.registered"]


# --- documentation --------------------------------------------------------------------------


def _hookspecs() -> dict[str, str]:
    """Every hookspec as ``name -> "name(arg, ...)"``."""
    return {
        name: f"{name}({', '.join(inspect.signature(function).parameters)})"
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(function, "portal_spec")
    }


def _documented_hooks() -> dict[str, str]:
    headings = re.findall(
        r"^### `?((portal_\w+)\([^)]*\))`?\s*$",
        (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8"),
        flags=re.MULTILINE,
    )
    return {name: signature for signature, name in headings}


@pytest.mark.parametrize("name", sorted(_hookspecs()))
def test_every_hook_has_a_heading_with_its_signature_in_the_docs(name):
    assert _documented_hooks().get(name) == _hookspecs()[name], (
        f"docs/plugins.md needs a heading '### {_hookspecs()[name]}'"
    )


def test_docs_document_no_hook_that_does_not_exist():
    assert set(_documented_hooks()) <= set(_hookspecs())

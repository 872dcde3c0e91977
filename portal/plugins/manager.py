"""Discovering, loading and calling plugins.

Plugins are found through the ``portal.plugins`` entry point group. ``PORTAL_PLUGINS``
limits which load; a plugin that fails to import or register, or that implements a hook
the portal does not define, is recorded with the reason and skipped, so the portal still
starts and ``flask portal plugins list`` says what went wrong.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Any

import pluggy

from portal.events import Event
from portal.plugins import hookspecs
from portal.plugins.markers import PROJECT

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "portal.plugins"


@dataclass
class PluginInfo:
    """What the portal knows about one plugin: shown by ``flask portal plugins list``."""

    name: str  # the entry point's name, the one PORTAL_PLUGINS lists
    version: str | None  # the distribution's version; None for objects registered directly
    hooks: list[str] = field(default_factory=list)  # hooks it implements, sorted
    error: str | None = None  # why it did not load (a traceback or a sentence)

    @property
    def loaded(self) -> bool:
        return self.error is None


class PluginManager:
    """pluggy's manager plus what the portal needs: discovery, load errors, safe events,
    and skipping the plugins an operator disabled.

    Every call of a hook goes through :meth:`caller`, the one place that knows about
    disabling: ``disabled`` is asked for the names of the disabled plugins (the app wires
    it to the plugin registry table) and those are left out of the call.
    """

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        #: names of the plugins disabled right now; none until the app wires the registry
        self.disabled: Callable[[], Collection[str]] = frozenset

    @property
    def hook(self) -> Any:
        """Every registered plugin's implementations, disabled ones included: use
        :meth:`caller` to call a hook."""
        return self.pm.hook

    def caller(self, hook_name: str, *, every_plugin: bool = False) -> Any:
        """The hook ``hook_name`` without the disabled plugins' implementations.

        ``every_plugin`` keeps them: start-up contributions (blueprints, translations, CLI
        commands, migrations) are registered for every loaded plugin, because they cannot
        be taken back later; their use is checked when they are used.
        """
        hook = getattr(self.pm.hook, hook_name)
        if every_plugin:
            return hook
        removed = [
            plugin for name in self.disabled() if (plugin := self.pm.get_plugin(name)) is not None
        ]
        if not removed:
            return hook
        return self.pm.subset_hook_caller(hook_name, remove_plugins=removed)

    def is_enabled(self, name: str) -> bool:
        """Whether the plugin ``name`` loaded and is not disabled."""
        info = self.plugins.get(name)
        return info is not None and info.loaded and name not in self.disabled()

    def discover(self, allowed: Iterable[str] | None) -> None:
        """Load every installed plugin, or only those named in ``allowed``.

        A name in ``allowed`` that no installed plugin has is recorded as an error, so a
        typo in ``PORTAL_PLUGINS`` shows up instead of silently loading nothing.
        """
        wanted = None if allowed is None else set(allowed)
        found: set[str] = set()
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            found.add(ep.name)
            if wanted is None or ep.name in wanted:
                self._load(ep)
        for name in sorted((wanted or set()) - found):
            log.warning("PORTAL_PLUGINS names %s, which is not installed", name)
            self.plugins[name] = PluginInfo(
                name=name, version=None, error="named in PORTAL_PLUGINS but not installed"
            )

    def _load(self, ep: EntryPoint) -> None:
        if ep.name in self.plugins:
            # Two distributions claiming one name: keep the first, say so.
            log.error("plugin name %s is installed twice; %s ignored", ep.name, ep.value)
            return
        version = ep.dist.version if ep.dist is not None else None
        info = PluginInfo(name=ep.name, version=version)
        self.plugins[ep.name] = info
        try:
            plugin = ep.load()
            self.register(plugin, ep.name)
        except Exception:
            info.error = traceback.format_exc()
            log.exception("plugin %s failed to load; it is skipped", ep.name)
            return
        unknown = self._hooks_without_spec(plugin)
        if unknown:
            # A typo or a hook from a newer portal: better skipped and reported than
            # half-working. Tests registering objects directly get check_pending() instead.
            self.pm.unregister(plugin)
            info.error = f"implements hooks the portal does not define: {', '.join(unknown)}"
            log.error("plugin %s %s; it is skipped", ep.name, info.error)

    def register(self, plugin: ModuleType | object, name: str) -> None:
        """Register a plugin object (tests and built-in features use this directly)."""
        self.pm.register(plugin, name=name)
        info = self.plugins.setdefault(name, PluginInfo(name=name, version=None))
        info.hooks = sorted(caller.name for caller in self.pm.get_hookcallers(plugin) or [])

    def unregister(self, name: str) -> None:
        """Remove a plugin registered under ``name`` (throwaway plugins in tests)."""
        if self.pm.has_plugin(name):
            self.pm.unregister(name=name)
        self.plugins.pop(name, None)

    def _hooks_without_spec(self, plugin: object) -> list[str]:
        """Hooks ``plugin`` implements that have no spec (``optionalhook`` ones excepted)."""
        return sorted(
            caller.name
            for caller in self.pm.get_hookcallers(plugin) or []
            if caller.spec is None
            and any(
                impl.plugin is plugin and not impl.optionalhook for impl in caller.get_hookimpls()
            )
        )

    def check_pending(self) -> None:
        """Fail when a plugin implements a hook that has no spec (a typo, an old name)."""
        self.pm.check_pending()

    def collect(self, hook_name: str, **kwargs: Any) -> list[Any]:
        """Call a contribution hook and flatten the iterables the enabled plugins return.

        Implementations returning None contribute nothing. A string or a mapping is
        refused: it is almost always a single item that should have been in a list.
        Start-up contributions use :meth:`collect_by_plugin` instead.
        """
        results = self.caller(hook_name)(**kwargs)
        return self._flatten(hook_name, results)

    def collect_by_plugin(self, hook_name: str, **kwargs: Any) -> list[tuple[str, list[Any]]]:
        """``(plugin name, items)`` for every loaded plugin, disabled ones included, in
        call order: the start-up contributions (blueprints, commands, catalogs,
        migrations, permissions), which the portal must attribute to their plugin.

        A plugin whose implementation raises or returns the wrong shape fails to register:
        it is marked failed with the traceback (:meth:`fail`) and the others go on, so the
        portal still starts.
        """
        contributed = []
        for impl in reversed(getattr(self.pm.hook, hook_name).get_hookimpls()):
            try:
                result = impl.function(*[kwargs[arg] for arg in impl.argnames])
                items = self._flatten(hook_name, [result])
            except Exception:
                self.fail(impl.plugin_name, traceback.format_exc())
                continue
            contributed.append((impl.plugin_name, items))
        return contributed

    def contributions(self, hook_name: str, **kwargs: Any) -> list[Any]:
        """Every loaded plugin's start-up items of ``hook_name``, flattened."""
        return [
            item for _name, items in self.collect_by_plugin(hook_name, **kwargs) for item in items
        ]

    def fail(self, name: str, error: str) -> None:
        """Mark the plugin ``name`` as failed to register, and take its hooks away.

        What it contributed before failing (a blueprint already registered) stays with
        Flask, which cannot take it back, but is refused like a disabled plugin's.
        """
        log.error("plugin %s failed to register; it is disabled: %s", name, error.strip())
        info = self.plugins.setdefault(name, PluginInfo(name=name, version=None))
        info.error = error
        if self.pm.has_plugin(name):
            self.pm.unregister(name=name)

    @staticmethod
    def _flatten(hook_name: str, results: Iterable[Any]) -> list[Any]:
        items: list[Any] = []
        for result in results:
            if result is None:
                continue
            if isinstance(result, str | bytes | dict):
                raise TypeError(
                    f"{hook_name} must return an iterable of items, not {type(result).__name__}"
                )
            items.extend(result)
        return items

    def notify(self, event: Event) -> None:
        """Deliver an event to each enabled plugin; one plugin's failure does not stop the
        others."""
        for impl in self.caller("portal_on_event").get_hookimpls():
            try:
                impl.function(*[{"event": event}[arg] for arg in impl.argnames])
            except Exception:
                log.exception("plugin %s failed handling %s", impl.plugin_name, event.name)

"""Discovering, loading and calling plugins.

Plugins are found through the ``portal.plugins`` entry point group. ``PORTAL_PLUGINS``
limits which load; a plugin that fails to import or register is recorded with its
traceback and skipped, so the portal still starts.
"""

from __future__ import annotations

import logging
import traceback
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
    name: str
    version: str | None
    hooks: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def loaded(self) -> bool:
        return self.error is None


class PluginManager:
    """pluggy's manager plus what the portal needs: discovery, load errors, safe events."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}

    @property
    def hook(self) -> Any:
        return self.pm.hook

    def discover(self, allowed: list[str] | None) -> None:
        """Load every installed plugin, or only those named in ``allowed``."""
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            if allowed is not None and ep.name not in allowed:
                continue
            self._load(ep)

    def _load(self, ep: EntryPoint) -> None:
        version = ep.dist.version if ep.dist is not None else None
        info = PluginInfo(name=ep.name, version=version)
        self.plugins[ep.name] = info
        try:
            module = ep.load()
            self.register(module, ep.name)
        except Exception:
            info.error = traceback.format_exc()
            log.exception("plugin %s failed to load; it stays disabled", ep.name)

    def register(self, plugin: ModuleType | object, name: str) -> None:
        """Register a plugin object (tests and built-in features use this directly)."""
        self.pm.register(plugin, name=name)
        info = self.plugins.setdefault(name, PluginInfo(name=name, version=None))
        info.hooks = sorted(caller.name for caller in self.pm.get_hookcallers(plugin) or [])

    def check_pending(self) -> None:
        """Fail when a plugin implements a hook that has no spec (a typo, an old name)."""
        self.pm.check_pending()

    def collect(self, hook_name: str, **kwargs: Any) -> list[Any]:
        """Call a contribution hook and flatten the iterables the plugins return."""
        results = getattr(self.pm.hook, hook_name)(**kwargs)
        return [item for result in results if result for item in result]

    def notify(self, event: Event) -> None:
        """Deliver an event to each plugin; one plugin's failure does not stop the others."""
        for impl in self.pm.hook.portal_on_event.get_hookimpls():
            try:
                impl.function(*[{"event": event}[arg] for arg in impl.argnames])
            except Exception:
                log.exception("plugin %s failed handling %s", impl.plugin_name, event.name)
